"""Notification centre, badge, preferences, job alerts and unsubscribe, as people use them."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from notifications import services
from notifications.models import Delivery, JobAlert, Notification, Preference
from tests import factories
from tests.notifications.factories import JobAlertFactory, NotificationFactory

pytestmark = pytest.mark.django_db

CENTRE = reverse("notifications:centre")
PREFERENCES = reverse("notifications:preferences")
ALERTS = reverse("notifications:alerts")
ALERT_NEW = reverse("notifications:alert_create")


# --- permissions ---------------------------------------------------------------------


@pytest.mark.parametrize("url", [CENTRE, PREFERENCES, ALERTS, ALERT_NEW])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response.url


@pytest.mark.parametrize("name", ["alert_edit", "alert_toggle", "alert_delete"])
def test_another_vas_alert_is_not_found(client, va, other_va, name):
    alert = JobAlertFactory(user=va)
    client.force_login(other_va)
    response = client.post(reverse(f"notifications:{name}", args=[alert.pk]))
    assert response.status_code == 404
    alert.refresh_from_db()
    assert alert.is_active


def test_staff_cannot_edit_a_vas_alert_from_the_site_either(client, va, staff):
    alert = JobAlertFactory(user=va)
    client.force_login(staff)
    assert client.get(reverse("notifications:alert_edit", args=[alert.pk])).status_code == 404


def test_someone_elses_notification_cannot_be_marked_read(client, va, other_va):
    notification = NotificationFactory(recipient=va)
    client.force_login(other_va)
    assert (
        client.post(reverse("notifications:mark_read", args=[notification.pk])).status_code == 404
    )
    notification.refresh_from_db()
    assert notification.read_at is None


def test_clients_cannot_create_alerts(client, client_user):
    client.force_login(client_user)
    assert client.get(ALERT_NEW).status_code == 404
    assert client.post(ALERT_NEW, {"name": "x"}).status_code == 404
    assert not JobAlert.objects.exists()


# --- centre -----------------------------------------------------------------------------


def test_the_centre_lists_unread_first_each_linking_to_its_thing(client, va):
    old_unread = NotificationFactory(
        recipient=va, kind="bid_shortlisted", data={"url": "/bids/", "title": "Sort the inbox"}
    )
    read = NotificationFactory(
        recipient=va,
        kind="job_filled",
        data={"url": "/jobs/7/", "title": "Filled task"},
        read_at=timezone.now(),
    )
    new_unread = NotificationFactory(
        recipient=va, kind="bid_hired", data={"url": "/contracts/3/", "title": "Bookkeeping"}
    )
    Notification.objects.filter(pk=old_unread.pk).update(
        created_at=timezone.now() - timezone.timedelta(days=1)
    )
    NotificationFactory(data={"url": "/secret/", "title": "Someone else's"})
    client.force_login(va)
    page = client.get(CENTRE).content.decode()
    positions = [page.index(text) for text in ("Bookkeeping", "Sort the inbox", "Filled task")]
    assert positions == sorted(positions), "unread (newest first), then read"
    assert 'href="/contracts/3/"' in page
    assert "You are hired for “Bookkeeping”" in page
    assert "Someone else" not in page
    assert read.pk and new_unread.pk


def test_the_centre_renders_in_the_viewers_language(client, va):
    va.language = "id"
    va.save()
    NotificationFactory(
        recipient=va, kind="bid_shortlisted", data={"url": "/bids/", "title": "Rapikan drive"}
    )
    client.force_login(va)
    page = client.get(CENTRE).content.decode()
    from django.utils import translation
    from django.utils.translation import gettext

    with translation.override("id"):
        expected = gettext("You are on the shortlist for “%(title)s”") % {"title": "Rapikan drive"}
    assert expected != "You are on the shortlist for “Rapikan drive”"
    assert expected in page


def test_a_foreign_link_in_data_is_not_rendered(client, va):
    NotificationFactory(recipient=va, data={"url": "https://evil.example/", "title": "Phish"})
    client.force_login(va)
    assert "evil.example" not in client.get(CENTRE).content.decode()


def test_mark_read_and_mark_all_read(client, va):
    first, second, third = (NotificationFactory(recipient=va) for _ in range(3))
    client.force_login(va)
    response = client.post(reverse("notifications:mark_read", args=[first.pk]))
    assert response.status_code == 302
    assert Notification.objects.unread().filter(recipient=va).count() == 2
    client.post(reverse("notifications:mark_all_read"))
    assert not Notification.objects.unread().filter(recipient=va).exists()
    assert second.pk and third.pk


def test_mark_read_needs_post(client, va):
    notification = NotificationFactory(recipient=va)
    client.force_login(va)
    assert client.get(reverse("notifications:mark_read", args=[notification.pk])).status_code == 405


def test_the_header_shows_the_unread_count_on_every_page(client, va):
    NotificationFactory(recipient=va)
    NotificationFactory(recipient=va)
    NotificationFactory(recipient=va, read_at=timezone.now())
    client.force_login(va)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{CENTRE}"' in page
    assert '<span class="badge">2</span>' in page


def test_the_centre_query_count_does_not_grow_with_notifications(
    client, va, other_va, django_assert_num_queries, cold_pages
):
    client.force_login(va)
    for _ in range(5):
        NotificationFactory(recipient=va, actor=other_va)
    client.get(CENTRE)  # warm up: session, template caches
    # Rows already rendered: the user (with the badge count), the count, the page's states.
    with django_assert_num_queries(3):
        client.get(CENTRE)
    cold_pages()
    with django_assert_num_queries(4) as few:  # and the rows' notifications with actors
        client.get(CENTRE)
    for _ in range(45):
        NotificationFactory(recipient=va, actor=other_va)
    # Guards an N+1 on the actor (select_related) and on the badge count (one query per page).
    cold_pages()
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(CENTRE)
    assert response.status_code == 200
    assert response.content.decode().count('class="notification-item') == 30
    with django_assert_num_queries(3):
        assert client.get(CENTRE).status_code == 200


# --- preferences ----------------------------------------------------------------------


def test_preferences_show_the_kinds_for_the_users_roles(client, va, client_user):
    client.force_login(va)
    page = client.get(PREFERENCES).content.decode()
    assert "A new task matches one of my job alerts" in page
    assert "A VA bid on my task" not in page
    client.force_login(client_user)
    page = client.get(PREFERENCES).content.decode()
    assert "A VA bid on my task" in page
    assert "A new task matches one of my job alerts" not in page


def test_saving_preferences(client, client_user):
    client.force_login(client_user)
    data = {kind: "instant" for kind in client.get(PREFERENCES).context["form"].fields}
    data["bid_submitted"] = "digest"
    data["bid_withdrawn"] = "off"
    response = client.post(PREFERENCES, data)
    assert response.status_code == 302
    modes = dict(Preference.objects.filter(user=client_user).values_list("kind", "email_mode"))
    assert modes["bid_submitted"] == "digest"
    assert modes["bid_withdrawn"] == "off"
    assert modes["job_auto_closed"] == "instant"


def test_a_bad_preference_value_is_refused_and_nothing_saved(client, client_user):
    client.force_login(client_user)
    response = client.post(PREFERENCES, {"bid_submitted": "sometimes"})
    assert response.status_code == 200
    assert response.context["form"].errors["bid_submitted"]
    assert "sometimes" not in [
        c[0] for c in response.context["form"].fields["bid_submitted"].choices
    ]
    assert not Preference.objects.exists()


# --- job alerts -------------------------------------------------------------------------


def test_a_va_creates_an_alert(client, va):
    client.force_login(va)
    bookkeeping = factories.category("bookkeeping")
    skill = factories.SkillFactory(name="Xero")
    response = client.post(
        ALERT_NEW,
        {
            "name": "Bookkeeping in rupiah",
            "category_ids": [bookkeeping.pk],
            "skill_ids": [skill.pk],
            "pay_type": "fixed",
            "currency": "IDR",
            "min_rate": "250000",
            "keywords": "xero",
        },
    )
    assert response.status_code == 302
    alert = JobAlert.objects.get(user=va)
    assert alert.category_ids == [bookkeeping.pk]
    assert alert.skill_ids == [skill.pk]
    assert (alert.pay_type, alert.currency, alert.min_rate, alert.keywords) == (
        "fixed",
        "IDR",
        Decimal("250000"),
        "xero",
    )
    page = client.get(ALERTS).content.decode()
    assert "Bookkeeping in rupiah" in page
    assert "Rp 250,000" in page


def test_a_minimum_rate_needs_a_currency_and_values_are_kept(client, va):
    client.force_login(va)
    response = client.post(ALERT_NEW, {"name": "Any", "min_rate": "100", "keywords": "excel"})
    assert response.status_code == 200
    assert "Choose the currency of the minimum rate." in response.content.decode()
    assert 'value="excel"' in response.content.decode()
    assert not JobAlert.objects.exists()


def test_a_bad_amount_is_explained(client, va):
    client.force_login(va)
    response = client.post(ALERT_NEW, {"name": "Any", "currency": "IDR", "min_rate": "12,5x"})
    assert response.status_code == 200
    assert response.context["form"].errors["min_rate"]
    assert not JobAlert.objects.exists()


def test_an_alert_needs_a_name(client, va):
    client.force_login(va)
    response = client.post(ALERT_NEW, {"name": ""})
    assert response.context["form"].errors["name"]
    assert not JobAlert.objects.exists()


def test_edit_pause_resume_and_delete_an_alert(client, va):
    alert = JobAlertFactory(user=va, name="Old name", currency="USD", min_rate=Decimal("12.50"))
    client.force_login(va)
    edit = reverse("notifications:alert_edit", args=[alert.pk])
    assert 'value="12.50"' in client.get(edit).content.decode()
    client.post(edit, {"name": "New name", "currency": "USD", "min_rate": "15"})
    alert.refresh_from_db()
    assert (alert.name, alert.min_rate) == ("New name", Decimal("15.00"))
    client.post(reverse("notifications:alert_toggle", args=[alert.pk]))
    alert.refresh_from_db()
    assert not alert.is_active
    assert "Paused" in client.get(ALERTS).content.decode()
    client.post(reverse("notifications:alert_toggle", args=[alert.pk]))
    alert.refresh_from_db()
    assert alert.is_active
    client.post(reverse("notifications:alert_delete", args=[alert.pk]))
    assert not JobAlert.objects.exists()


def test_an_alert_from_my_profile_categories(client, va):
    va.va_profile.categories.add(
        factories.category("bookkeeping"), factories.category("data-entry")
    )
    client.force_login(va)
    assert "Create an alert from my profile" in client.get(ALERTS).content.decode()
    client.post(reverse("notifications:alert_from_profile"))
    alert = JobAlert.objects.get(user=va)
    assert sorted(alert.category_ids) == sorted(
        [factories.category("bookkeeping").pk, factories.category("data-entry").pk]
    )


def test_no_profile_categories_no_alert(client, va):
    client.force_login(va)
    response = client.post(reverse("notifications:alert_from_profile"), follow=True)
    assert "Add task categories to your VA profile first." in response.content.decode()
    assert not JobAlert.objects.exists()


def test_the_alert_list_query_count_does_not_grow(client, va, django_assert_num_queries):
    client.force_login(va)
    categories = [factories.category("bookkeeping").pk, factories.category("data-entry").pk]
    skill = factories.SkillFactory(name="Excel").pk
    for _ in range(2):
        JobAlertFactory(user=va, category_ids=categories, skill_ids=[skill])
    client.get(ALERTS)
    # The session's user (with the header's unread count), the alerts, their category and
    # skill names, the VA profile and its categories, the role switch's profile check.
    with django_assert_num_queries(6) as few:
        client.get(ALERTS)
    for _ in range(20):
        JobAlertFactory(user=va, category_ids=categories, skill_ids=[skill])
    # Guards an N+1 on category and skill names (two queries for the whole page).
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(ALERTS)


# --- unsubscribe ------------------------------------------------------------------------


def _token(user, kind="bid_submitted"):
    return services.unsubscribe_token(user_id=user.pk, kind=kind)


def test_unsubscribe_asks_first_then_works_without_login(client, client_user):
    url = reverse("notifications:unsubscribe", args=[_token(client_user)])
    response = client.get(url)
    assert response.status_code == 200
    assert "A VA bid on my task" in response.content.decode()
    assert not Preference.objects.exists()  # link scanners that GET change nothing
    response = client.post(url)
    assert response.status_code == 200
    assert Preference.objects.get(user=client_user, kind="bid_submitted").email_mode == "off"
    assert not Preference.objects.filter(kind="bid_withdrawn").exists()


def test_one_click_unsubscribe_needs_no_csrf_token(client_user):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    url = reverse("notifications:unsubscribe", args=[_token(client_user)])
    response = strict.post(url, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert Preference.objects.get(user=client_user).email_mode == "off"


def test_unsubscribing_drops_what_was_waiting_for_that_kind(client, client_user):
    services.notify(
        kind="bid_submitted",
        recipients=[client_user],
        event_key="k",
        data={"url": "/", "title": "T"},
    )
    client.post(reverse("notifications:unsubscribe", args=[_token(client_user)]))
    assert Delivery.objects.get().status == "skipped"


@pytest.mark.parametrize("tamper", ["user", "kind", "signature"])
def test_a_tampered_token_is_not_found(client, client_user, other_client, tamper):
    token = _token(client_user)
    if tamper == "user":
        token = _token(other_client).split(":")[0] + ":" + token.split(":", 1)[1]
    elif tamper == "kind":
        token = _token(client_user, "bid_withdrawn").split(":")[0] + ":" + token.split(":", 1)[1]
    else:
        token = token[:-3] + ("abc" if not token.endswith("abc") else "xyz")
    response = client.post(reverse("notifications:unsubscribe", args=[token]))
    assert response.status_code == 404
    assert not Preference.objects.exists()


def test_unsubscribing_from_the_digest_turns_off_digested_kinds(client, client_user):
    Preference.objects.create(user=client_user, kind="bid_submitted", email_mode="digest")
    Preference.objects.create(user=client_user, kind="bid_withdrawn", email_mode="instant")
    client.post(reverse("notifications:unsubscribe", args=[_token(client_user, "digest")]))
    modes = dict(Preference.objects.filter(user=client_user).values_list("kind", "email_mode"))
    assert modes["bid_submitted"] == "off"
    assert modes["bid_edited"] == "off"  # digested by default
    assert modes["bid_withdrawn"] == "instant"
