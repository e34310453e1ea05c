"""The message thread: text and files, newest at the bottom, unread markers, email to the other side."""

import pytest
from django.conf import settings
from django.urls import reverse

from contracts import services
from contracts.models import Message
from notifications.models import Notification
from tests.contracts.conftest import html_file, pdf_file, text_file

pytestmark = pytest.mark.django_db


def test_a_message_with_a_file_reaches_the_other_side(client, fixed, client_user, va):
    client.force_login(client_user)
    response = client.post(
        reverse("contracts:message_send", args=[fixed.pk]),
        {"body": "Here is last month's invoice.", "files": [pdf_file()]},
    )
    message = Message.objects.get(contract=fixed)
    assert response.status_code == 302
    assert response["Location"].endswith(f"#message-{message.pk}")
    attachment = message.attachments.get()
    assert attachment.original_name == "invoice.pdf"
    assert attachment.content_type == "application/pdf"
    assert not attachment.file.name.endswith("invoice.pdf")  # generated key, not the user's name
    notification = Notification.objects.get(kind="message_received")
    assert notification.recipient == va
    assert notification.contract_id == fixed.pk
    assert notification.data["url"] == f"/contracts/{fixed.pk}/#message-{message.pk}"
    assert notification.data["title"] == fixed.job.title
    assert notification.deliveries.count() == 1  # email queued; notify() applies preferences


def test_the_thread_shows_oldest_first_and_marks_new_messages(client, fixed, client_user, va):
    services.message_send(contract=fixed, author=client_user, body="First from Alice")
    services.message_send(contract=fixed, author=client_user, body="Second from Alice")
    client.force_login(va)
    page = client.get(reverse("contracts:workspace", args=[fixed.pk])).content.decode()
    assert page.index("First from Alice") < page.index("Second from Alice")
    assert page.count("is-unread") == 2
    assert 'id="unread"' in page
    # Seen now: the next visit shows no new messages.
    page = client.get(reverse("contracts:workspace", args=[fixed.pk])).content.decode()
    assert "is-unread" not in page


def test_my_own_messages_are_never_unread_for_me(client, fixed, client_user):
    services.message_send(contract=fixed, author=client_user, body="Note to self")
    client.force_login(client_user)
    page = client.get(reverse("contracts:workspace", args=[fixed.pk])).content.decode()
    assert "Note to self" in page
    assert "is-unread" not in page


def test_it_refuses_an_empty_message(client, fixed, client_user):
    client.force_login(client_user)
    response = client.post(reverse("contracts:message_send", args=[fixed.pk]), {"body": "   "})
    assert response.status_code == 400
    assert "Write a message or attach a file." in response.content.decode()
    assert not Message.objects.exists()
    assert not Notification.objects.exists()


def test_it_refuses_a_web_page_disguised_as_a_pdf_and_keeps_the_text(client, fixed, va):
    client.force_login(va)
    response = client.post(
        reverse("contracts:message_send", args=[fixed.pk]),
        {"body": "My draft, see attached", "files": [html_file()]},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "web page code" in page
    assert "My draft, see attached" in page  # the text typed is kept
    assert not Message.objects.exists()


def test_it_refuses_more_than_five_files(client, fixed, va):
    client.force_login(va)
    files = [text_file(f"n{i}.txt") for i in range(6)]
    response = client.post(
        reverse("contracts:message_send", args=[fixed.pk]), {"body": "Many", "files": files}
    )
    assert response.status_code == 400
    assert "at most 5 files" in response.content.decode()
    assert not Message.objects.exists()


def test_message_text_is_escaped(client, fixed, client_user, va):
    services.message_send(contract=fixed, author=client_user, body="<script>alert(1)</script>")
    client.force_login(va)
    page = client.get(reverse("contracts:workspace", args=[fixed.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page


def test_the_list_counts_unread_messages(client, fixed, client_user, va):
    services.message_send(contract=fixed, author=client_user, body="One")
    services.message_send(contract=fixed, author=client_user, body="Two")
    client.force_login(va)
    assert "2 new messages" in client.get(reverse("contracts:list")).content.decode()
    client.force_login(client_user)
    assert "new message" not in client.get(reverse("contracts:list")).content.decode()


def test_an_attachment_is_marked_with_our_own_paperclip_icon(client, fixed, client_user, va):
    # The emoji paperclip rendered as an empty box where the font has no such glyph.
    services.message_send(contract=fixed, author=va, body="The file", files=[pdf_file()])
    client.force_login(client_user)
    page = client.get(reverse("contracts:workspace", args=[fixed.pk])).content.decode()
    assert 'class="icon icon-paperclip"' in page and 'aria-hidden="true"' in page
    assert "📎" not in page
    css = (settings.BASE_DIR / "static" / "css" / "contracts.css").read_text()
    assert "📎" not in css
