"""notify(): rows in the caller's transaction, preferences decide the email, idempotent."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from notifications import services
from notifications.delivery import deliver
from notifications.models import Delivery, Notification, Preference

pytestmark = pytest.mark.django_db

BID_DATA = {
    "url": "/jobs/1/bids/",
    "title": "Organise our shared drive",
    "amount": "400000",
    "currency": "IDR",
}


def _notify_bid(recipient, *, event_key="bid_submitted:1:1", actor=None):
    return services.notify(
        kind="bid_submitted",
        recipients=[recipient],
        event_key=event_key,
        actor=actor,
        job_id=1,
        bid_id=1,
        data=BID_DATA,
    )


def test_it_writes_one_notification_and_a_pending_email_by_default(client_user, va):
    assert _notify_bid(client_user, actor=va) == 1
    notification = Notification.objects.get(recipient=client_user)
    assert notification.kind == "bid_submitted"
    assert notification.actor == va
    assert notification.data == BID_DATA
    assert list(notification.deliveries.values_list("status", flat=True)) == ["pending"]


def test_the_same_event_twice_notifies_once(client_user):
    assert _notify_bid(client_user) == 1
    assert _notify_bid(client_user) == 0
    assert Notification.objects.count() == 1
    assert Delivery.objects.count() == 1


def test_each_recipient_is_told_once_even_if_listed_twice(client_user, other_client):
    count = services.notify(
        kind="job_filled",
        recipients=[client_user, client_user.pk, other_client],
        event_key="job_filled:9",
        data={"url": "/bids/", "title": "T"},
    )
    assert count == 2
    assert Notification.objects.count() == 2


def email_queued(callbacks) -> list:
    """The on-commit callbacks that queue email (the others push live updates, issue 18)."""
    return [c for c in callbacks if getattr(c, "func", None) is services.enqueue_deliveries]


def test_it_queues_the_email_only_after_commit(client_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        _notify_bid(client_user)
    assert len(email_queued(callbacks)) == 1
    assert len(callbacks) == 2  # and the recipient's open pages are told, after commit too


def test_a_rolled_back_event_leaves_no_rows_and_queues_nothing(
    client_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            _notify_bid(client_user)
            raise RuntimeError("the bid service failed after notify")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()


def test_email_off_keeps_the_in_app_notification_only(
    client_user, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=client_user, kind="bid_submitted", email_mode="off")
    with django_capture_on_commit_callbacks() as callbacks:
        _notify_bid(client_user)
    assert Notification.objects.filter(recipient=client_user).exists()
    assert not Delivery.objects.exists()
    assert email_queued(callbacks) == []


def test_digest_holds_the_email_for_the_daily_digest(
    client_user, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=client_user, kind="bid_submitted", email_mode="digest")
    with django_capture_on_commit_callbacks() as callbacks:
        _notify_bid(client_user)
    assert list(Delivery.objects.values_list("status", flat=True)) == ["held"]
    assert email_queued(callbacks) == []


def test_a_kind_can_default_to_the_digest(client_user):
    services.notify(
        kind="bid_edited", recipients=[client_user], event_key="bid_edited:1", data=BID_DATA
    )
    assert list(Delivery.objects.values_list("status", flat=True)) == ["held"]


def test_preferences_apply_per_recipient(client_user, other_client):
    Preference.objects.create(user=other_client, kind="bid_submitted", email_mode="off")
    services.notify(
        kind="bid_submitted",
        recipients=[client_user, other_client],
        event_key="bid:2",
        data=BID_DATA,
    )
    assert Delivery.objects.get().notification.recipient == client_user


def test_delivery_sends_once_with_link_and_unsubscribe_headers(client_user, va, settings):
    settings.SITE_URL = "https://asisten.example"
    _notify_bid(client_user, actor=va)
    delivery = Delivery.objects.get()
    deliver(delivery_id=delivery.pk)
    deliver(delivery_id=delivery.pk)  # a duplicate message from the sweep: nothing more is sent
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [client_user.email]
    assert message.subject == "New bid on “Organise our shared drive”"
    assert "https://asisten.example/jobs/1/bids/" in message.body
    assert "Vina Assistant bid on your task" in message.body
    assert "Rp 400,000" in message.body
    html = message.alternatives[0][0]
    assert 'href="https://asisten.example/jobs/1/bids/"' in html
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<https://asisten.example/unsubscribe/"
    )
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert delivery.attempts == 1
    assert delivery.sent_at is not None


def indonesian(msgid: str, **values) -> str:
    """The catalogue's Indonesian for `msgid`; fails if it is still untranslated."""
    with translation.override("id"):
        text = gettext(msgid) % values if values else gettext(msgid)
    assert text != (msgid % values if values else msgid), f"no Indonesian yet for {msgid!r}"
    return text


def test_email_is_in_the_recipients_language_and_timezone(client_user, va):
    client_user.language = "id"
    client_user.timezone = "Asia/Jakarta"
    client_user.save()
    services.notify(
        kind="interview_confirmed",
        recipients=[client_user],
        event_key="interview_confirmed:1",
        actor=va,
        data={
            "url": "/interviews/1/",
            "title": "Rapikan Google Drive",
            "starts_at": "2030-03-04T02:00:00+00:00",
            "meeting_url": "https://meet.example/room",
        },
    )
    deliver(delivery_id=Delivery.objects.get().pk)
    message = mail.outbox[0]
    title = "Rapikan Google Drive"
    assert message.subject == indonesian("Interview confirmed for “%(title)s”", title=title)
    assert indonesian("The interview for “%(title)s” is confirmed.", title=title) in message.body
    assert indonesian("Open on Asisten") in message.body
    assert indonesian("Open the interview") in message.alternatives[0][0]
    assert "Open on Asisten" not in message.body
    # 02:00 UTC is 09:00 in Jakarta (WIB), written the Indonesian way.
    assert "4 Maret 2030" in message.body
    assert "9.00 (WIB)" in message.body


def test_indonesian_amounts_use_indonesian_grouping(client_user, va):
    client_user.language = "id"
    client_user.save()
    _notify_bid(client_user, actor=va)
    deliver(delivery_id=Delivery.objects.get().pk)
    message = mail.outbox[0]
    assert message.subject == indonesian(
        "New bid on “%(title)s”", title="Organise our shared drive"
    )
    assert "Rp 400.000" in message.body


def test_a_user_who_turned_email_off_after_the_event_gets_none(client_user):
    _notify_bid(client_user)
    Preference.objects.create(user=client_user, kind="bid_submitted", email_mode="off")
    deliver(delivery_id=Delivery.objects.get().pk)
    assert mail.outbox == []
    assert Delivery.objects.get().status == "skipped"


def test_attachments_come_from_the_registry(client_user):
    from notifications import registry

    def build(notification):
        return [("invite.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")]

    registry.register_attachments("interview_cancelled", build)
    try:
        services.notify(
            kind="interview_cancelled",
            recipients=[client_user],
            event_key="interview_cancelled:1",
            data={"url": "/interviews/1/", "title": "T"},
        )
        deliver(delivery_id=Delivery.objects.get().pk)
    finally:
        registry._builders["interview_cancelled"].remove(build)
    assert mail.outbox[0].attachments[0][0] == "invite.ics"


def test_an_unknown_kind_still_renders_with_the_generic_templates(client_user):
    services.notify(
        kind="contract_milestone",
        recipients=[client_user],
        event_key="c:1",
        data={"url": "/contracts/1/", "title": "T"},
    )
    deliver(delivery_id=Delivery.objects.get().pk)
    assert mail.outbox[0].subject == "Update on “T”"


def test_smtp_errors_back_off_then_fail(client_user, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens on the discard port
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 2
    settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 30
    _notify_bid(client_user)
    delivery = Delivery.objects.get()
    assert deliver(delivery_id=delivery.pk) == 30
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert delivery.last_error
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=25)
    # Too early: a retry that arrives before its time does nothing.
    assert deliver(delivery_id=delivery.pk) is None
    assert Delivery.objects.get().attempts == 1
    Delivery.objects.update(next_attempt_at=timezone.now())
    assert deliver(delivery_id=delivery.pk) is None
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", 2)


def test_the_sweep_requeues_only_stale_due_deliveries(client_user, other_client):
    _notify_bid(client_user, event_key="a")
    _notify_bid(other_client, event_key="b")
    old, backing_off = Delivery.objects.order_by("id")
    Delivery.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    Delivery.objects.filter(pk=backing_off.pk).update(
        created_at=timezone.now() - timedelta(minutes=2),
        next_attempt_at=timezone.now() + timedelta(minutes=5),
    )
    assert list(Delivery.objects.due(older_than=timedelta(minutes=1))) == [old]
    assert services.outbox_sweep()["deliveries"] == 1


def test_the_digest_lists_what_was_held_in_one_email(client_user, va):
    Preference.objects.create(user=client_user, kind="bid_submitted", email_mode="digest")
    _notify_bid(client_user, event_key="one", actor=va)
    services.notify(
        kind="bid_withdrawn",
        recipients=[client_user],
        event_key="two",
        actor=va,
        data={"url": "/jobs/2/bids/", "title": "Bookkeeping for March"},
    )
    Preference.objects.create(user=client_user, kind="bid_withdrawn", email_mode="digest")
    services.notify(
        kind="bid_withdrawn",
        recipients=[client_user],
        event_key="three",
        actor=va,
        data={"url": "/jobs/3/bids/", "title": "Travel plan"},
    )
    assert services.digest_recipient_ids(local_hour=None) == [client_user.pk]
    assert services.digest_send(user_id=client_user.pk) == 2
    assert services.digest_send(user_id=client_user.pk) == 0
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Your Asisten digest: 2 updates"
    assert "New bid on “Organise our shared drive”" in message.body
    assert "Travel plan" in message.body
    assert "Bookkeeping for March" not in message.body  # that one was sent at once
    assert "/jobs/3/bids/" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert set(
        Delivery.objects.filter(notification__event_key__in=["one", "three"]).values_list(
            "status", flat=True
        )
    ) == {"sent"}


def test_the_digest_goes_out_at_eight_in_the_users_timezone(client_user):
    Preference.objects.create(user=client_user, kind="bid_submitted", email_mode="digest")
    _notify_bid(client_user)
    local_hour = (
        timezone.now().astimezone(__import__("zoneinfo").ZoneInfo(client_user.timezone)).hour
    )
    assert services.digest_recipient_ids(local_hour=local_hour) == [client_user.pk]
    assert services.digest_recipient_ids(local_hour=(local_hour + 1) % 24) == []


def test_suspended_users_still_get_their_own_notifications(suspended):
    services.notify(
        kind="job_hidden",
        recipients=[suspended],
        event_key="job_hidden:1",
        data={"url": "/jobs/1/", "title": "T"},
    )
    deliver(delivery_id=Delivery.objects.get().pk)
    assert len(mail.outbox) == 1
