"""The "Seen" marks: the sender sees when the other side had their message on screen.

The mark moves when the reader opens the workspace (server render) or when the live page
shows a new message while it is visible (the `message_seen` POST); it only moves forward.
"""

import re
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import Contract
from live.models import Event
from tests.contracts.factories import fixed_contract

pytestmark = pytest.mark.django_db


def workspace(client, contract) -> str:
    response = client.get(reverse("contracts:workspace", args=[contract.pk]))
    assert response.status_code == 200
    return response.content.decode()


def seen_under(page: str) -> int | None:
    """The id of the message the "Seen" mark sits under, if any (one at most)."""
    items = re.findall(r'<li class="thread-message[^"]*" id="message-(\d+)">(.*?)</li>', page, re.S)
    marked = [int(pk) for pk, html in items if 'id="seen-mark"' in html]
    assert len(marked) <= 1, marked
    return marked[0] if marked else None


def seen_url(contract) -> str:
    return reverse("contracts:message_seen", args=[contract.pk])


def test_the_sender_sees_seen_under_their_newest_message_the_reader_opened(
    client, fixed, client_user, va
):
    first = services.message_send(contract=fixed, author=va, body="The inbox is sorted.")
    second = services.message_send(contract=fixed, author=va, body="Invoices next.")
    client.force_login(va)
    assert seen_under(workspace(client, fixed)) is None  # Alice has not looked yet

    before = timezone.now()
    client.force_login(client_user)
    alice_page = workspace(client, fixed)
    assert seen_under(alice_page) is None  # Alice sent nothing: nothing of hers was seen
    fixed.refresh_from_db()
    assert fixed.client_seen_message_id == second.pk
    assert before <= fixed.client_seen_at <= timezone.now()

    client.force_login(va)
    page = workspace(client, fixed)
    assert seen_under(page) == second.pk != first.pk
    assert "Seen · <time" in page
    # <time datetime="…"> in the VA's own time zone
    assert fixed.client_seen_at.astimezone(ZoneInfo(va.timezone)).isoformat()[:19] in page


def test_the_seen_time_is_when_it_was_first_seen_and_a_newer_message_waits(
    client, fixed, client_user, va
):
    seen = services.message_send(contract=fixed, author=va, body="One")
    client.force_login(client_user)
    workspace(client, fixed)
    fixed.refresh_from_db()
    first_seen_at = fixed.client_seen_at
    workspace(client, fixed)  # opening it again with nothing new moves nothing
    fixed.refresh_from_db()
    assert (fixed.client_seen_message_id, fixed.client_seen_at) == (seen.pk, first_seen_at)

    services.message_send(contract=fixed, author=va, body="Two, not opened yet")
    client.force_login(va)
    assert seen_under(workspace(client, fixed)) == seen.pk


def test_staff_reading_a_thread_moves_no_mark(client, fixed, va, staff):
    services.message_send(contract=fixed, author=va, body="Hello")
    client.force_login(staff)
    page = workspace(client, fixed)
    assert "data-seen-url" not in page  # staff pages never post "seen"
    fixed.refresh_from_db()
    assert fixed.client_seen_message_id is None and fixed.client_last_read_at is None
    assert not Event.objects.filter(kind__startswith="messages.").exists()


def test_the_live_page_marks_seen_up_to_the_message_it_showed(client, fixed, client_user, va):
    first = services.message_send(contract=fixed, author=va, body="One")
    services.message_send(contract=fixed, author=va, body="Two")
    client.force_login(client_user)
    response = client.post(seen_url(fixed), {"message": first.pk})
    assert response.status_code == 204
    fixed.refresh_from_db()
    assert fixed.client_seen_message_id == first.pk
    # The second one was not on screen: it is still new in Alice's list.
    assert "1 new message" in client.get(reverse("contracts:list")).content.decode()
    events = Event.objects.filter(kind__startswith="messages.").order_by("pk")
    assert [(e.kind, e.recipient_id) for e in events] == [
        ("messages.seen", va.pk),
        ("messages.read", client_user.pk),
    ]
    assert events[0].data["message_id"] == first.pk
    assert events[0].data["contract_id"] == fixed.pk


def test_the_mark_never_moves_back(client, fixed, client_user, va):
    first = services.message_send(contract=fixed, author=va, body="One")
    second = services.message_send(contract=fixed, author=va, body="Two")
    client.force_login(client_user)
    workspace(client, fixed)
    Event.objects.all().delete()
    assert client.post(seen_url(fixed), {"message": first.pk}).status_code == 204
    fixed.refresh_from_db()
    assert fixed.client_seen_message_id == second.pk
    assert "new message" not in client.get(reverse("contracts:list")).content.decode()
    assert not Event.objects.exists()


def test_my_own_message_is_not_a_seen_mark_for_the_other_side(client, fixed, client_user, va):
    mine = services.message_send(contract=fixed, author=client_user, body="From Alice")
    client.force_login(client_user)
    assert client.post(seen_url(fixed), {"message": mine.pk}).status_code == 204
    fixed.refresh_from_db()
    assert fixed.client_seen_message_id is None
    assert not Event.objects.filter(kind__startswith="messages.").exists()


@pytest.mark.parametrize("outsider", ["anonymous", "other_client", "other_va", "staff"])
def test_only_the_parties_may_mark_seen(request, client, fixed, va, outsider):
    message = services.message_send(contract=fixed, author=va, body="Private")
    if outsider != "anonymous":
        client.force_login(request.getfixturevalue(outsider))
    response = client.post(seen_url(fixed), {"message": message.pk})
    assert response.status_code == 404
    fixed.refresh_from_db()
    assert fixed.client_seen_message_id is None and fixed.va_seen_message_id is None
    assert not Event.objects.filter(kind__startswith="messages.").exists()


@pytest.mark.parametrize("who", ["client_user", "va"])
def test_marking_seen_is_post_only(request, client, fixed, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(seen_url(fixed)).status_code == 405


@pytest.mark.parametrize("data", [{}, {"message": ""}, {"message": "abc"}, {"message": "-3"}])
def test_a_bad_message_id_is_refused_and_nothing_is_saved(client, fixed, client_user, va, data):
    services.message_send(contract=fixed, author=va, body="One")
    client.force_login(client_user)
    response = client.post(seen_url(fixed), data)
    assert response.status_code == 400
    assert response.content.decode() == "That message is not in this contract."
    fixed.refresh_from_db()
    assert fixed.client_seen_message_id is None and fixed.client_last_read_at is None


def test_a_message_of_another_contract_is_refused(client, fixed, client_user, va):
    other = fixed_contract(client=client_user, va=va)
    elsewhere = services.message_send(contract=other, author=va, body="Elsewhere")
    client.force_login(client_user)
    response = client.post(seen_url(fixed), {"message": elsewhere.pk})
    assert response.status_code == 400
    for contract in (fixed, other):
        contract.refresh_from_db()
        assert contract.client_seen_message_id is None
    with pytest.raises(Exception, match="not in this contract"):
        services.contract_mark_read(contract=fixed, user=client_user, message=elsewhere)


def test_marking_seen_needs_the_csrf_token(fixed, client_user, va):
    message = services.message_send(contract=fixed, author=va, body="One")
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(client_user)
    assert browser.post(seen_url(fixed), {"message": message.pk}).status_code == 403
    workspace(browser, fixed)  # its message form sets the CSRF cookie (and marks seen)
    token = browser.cookies["csrftoken"].value
    Contract.objects.filter(pk=fixed.pk).update(client_seen_message=None)
    response = browser.post(
        seen_url(fixed), {"message": message.pk}, headers={"X-CSRFToken": token}
    )
    assert response.status_code == 204
    fixed.refresh_from_db()
    assert fixed.client_seen_message_id == message.pk


def test_reading_up_to_a_message_never_hides_a_later_one(client, fixed, client_user, va):
    """The unread mark moves to the newest message on screen, not to "now": a message
    written while the page rendered stays new."""
    first = services.message_send(contract=fixed, author=va, body="One")
    services.message_send(contract=fixed, author=va, body="Two")
    services.contract_mark_read(contract=fixed, user=client_user, message=first)
    fixed.refresh_from_db()
    assert fixed.client_last_read_at == first.created_at
    services.contract_mark_read(contract=fixed, user=client_user)  # everything there is
    fixed.refresh_from_db()
    everything = fixed.client_last_read_at
    assert everything > first.created_at
    services.contract_mark_read(contract=fixed, user=client_user, message=first)
    fixed.refresh_from_db()
    assert fixed.client_last_read_at == everything  # never back
