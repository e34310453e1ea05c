"""Signed-in list pages cached whole per viewer (marketplace.fragments.page): a repeat view
renders nothing, yet every viewer gets their own page, their own CSRF token and their
messages, once."""

import re

import pytest
from django.test import Client
from django.test.signals import template_rendered
from django.urls import reverse

from marketplace import fragments
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db

CENTRE = reverse("notifications:centre")


class RenderedTemplates:
    def __init__(self):
        self.names = []

    def __call__(self, sender, template, context, **kwargs):
        self.names.append(template.name)

    def __enter__(self):
        template_rendered.connect(self)
        return self

    def __exit__(self, *exc):
        template_rendered.disconnect(self)


def test_a_repeat_view_renders_no_template_and_carries_the_viewers_own_token(va):
    NotificationFactory(recipient=va, kind="bid_shortlisted", data={"title": "Inbox zero"})
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(va)
    first = browser.get(CENTRE).content.decode()
    with RenderedTemplates() as rendered:
        again = browser.get(CENTRE).content.decode()
    assert rendered.names == []  # served from the page cache
    assert "Inbox zero" in again and again.count("Unread:") == 1
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', again).group(1)
    assert fragments.CSRF_MARKER not in again and fragments.PATH_MARKER not in again
    # The token in the cached page is a working one for this viewer.
    response = browser.post(reverse("notifications:mark_all_read"), {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert "Unread:" not in browser.get(CENTRE).content.decode()
    # What the process keeps holds markers, never a token.
    kept = [html for html in fragments.local._items.values() if "Inbox zero" in html]
    assert kept and all(token not in html for html in kept)
    assert first.count("Unread:") == 1


def test_two_viewers_never_get_each_others_page(va, other_va):
    NotificationFactory(recipient=va, kind="bid_shortlisted", data={"title": "Ledger for Budi"})
    NotificationFactory(recipient=other_va, kind="bid_shortlisted", data={"title": "Trip for Sari"})
    one, two = Client(), Client()
    one.force_login(va)
    two.force_login(other_va)
    for _ in range(2):  # the second time both pages come from the cache
        mine = one.get(CENTRE).content.decode()
        theirs = two.get(CENTRE).content.decode()
        assert "Ledger for Budi" in mine and "Trip for Sari" not in mine
        assert "Trip for Sari" in theirs and "Ledger for Budi" not in theirs


def test_a_message_shows_once_and_the_page_with_it_is_not_kept(va):
    NotificationFactory(recipient=va, kind="bid_shortlisted", data={"title": "Inbox zero"})
    browser = Client()
    browser.force_login(va)
    browser.get(CENTRE)  # cached without a message
    response = browser.post(reverse("notifications:mark_all_read"), follow=True)
    assert "All notifications are marked as read." in response.content.decode()
    assert "All notifications are marked as read." not in browser.get(CENTRE).content.decode()


def test_the_language_switch_returns_to_the_page_asked_for(va):
    for _ in range(35):
        NotificationFactory(recipient=va, kind="bid_shortlisted", data={"title": "Inbox"})
    browser = Client()
    browser.force_login(va)
    for _ in range(2):
        first = browser.get(CENTRE).content.decode()
        second = browser.get(CENTRE, {"page": "2"}).content.decode()
        assert 'name="next" value="/notifications/"' in first
        assert 'name="next" value="/notifications/?page=2"' in second
    # The same page (same key) reached by another address returns to that address.
    shared = browser.get(CENTRE, {"page": "2", "from": "email"}).content.decode()
    assert 'name="next" value="/notifications/?page=2&amp;from=email"' in shared
