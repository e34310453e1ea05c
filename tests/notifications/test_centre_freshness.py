"""The notification centre and the site header cache their HTML (issue 11): reading,
new notifications, a renamed actor and a changed role show on the very next request."""

import pytest
from django.urls import reverse

from accounts import services as account_services
from notifications import services
from notifications.models import Notification
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

CENTRE = reverse("notifications:centre")


def _page(client) -> str:
    response = client.get(CENTRE)
    assert response.status_code == 200
    return response.content.decode()


def test_reading_shows_at_once_in_the_list_and_the_header(client, va):
    first = NotificationFactory(recipient=va, kind="bid_shortlisted", data={"title": "Inbox"})
    NotificationFactory(recipient=va, kind="bid_shortlisted", data={"title": "Drive"})
    client.force_login(va)
    html = _page(client)
    assert html.count("Unread:") == 2 and '<span class="badge">2</span>' in html
    services.notification_mark_read(user=va, notification_id=first.pk)
    html = _page(client)
    assert html.count("Unread:") == 1 and '<span class="badge">1</span>' in html
    services.notifications_mark_all_read(user=va)
    html = _page(client)
    assert "Unread:" not in html and 'class="badge"' not in html
    assert "Mark all as read" not in html


def test_a_new_notification_shows_at_once(client, va):
    NotificationFactory(recipient=va, data={"title": "First"})
    client.force_login(va)
    _page(client)
    NotificationFactory(recipient=va, kind="bid_hired", data={"title": "Bookkeeping"})
    assert "You are hired for “Bookkeeping”" in _page(client)


def test_a_renamed_actor_shows_at_once(client, va, client_user):
    NotificationFactory(
        recipient=va, actor=client_user, kind="message_received", data={"title": "Inbox"}
    )
    client.force_login(va)
    assert "Alice Client" in _page(client)
    account_services.profile_update(user=client_user, user_data={"name": "Alicia Client"})
    html = _page(client)
    assert "Alicia Client" in html and "Alice Client" not in html


def test_the_header_follows_the_users_roles_at_once(client, client_user):
    client.force_login(client_user)
    home = reverse("home")
    assert "My bids" not in client.get(home).content.decode()
    account_services.role_enable(user=client_user, role="va")
    assert "My bids" in client.get(home).content.decode()


def test_the_header_is_in_each_viewers_language_with_their_path(client, va):
    va.language = "id"
    va.save(update_fields=["language"])
    client.force_login(va)
    html = client.get(CENTRE, {"page": "1"}).content.decode()
    assert 'name="next" value="/notifications/?page=1"' in html
    assert "Find work" not in html  # the header's links, in Indonesian
    Notification.objects.all().delete()
    assert 'name="next" value="/jobs/"' in client.get(reverse("jobs:board")).content.decode()
