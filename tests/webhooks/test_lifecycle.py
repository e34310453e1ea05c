"""An endpoint's later life: turned off after repeated failures (its owner told in the app
and by email, in their language), and old deliveries pruned after the retention period."""

from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext

from notifications.delivery import deliver as deliver_email
from notifications.models import Delivery as EmailDelivery
from notifications.models import Notification
from notifications.rendering import render_summary
from webhooks import delivery, services, tasks
from webhooks.models import Attempt, Delivery, Event

from .conftest import endpoint_for

pytestmark = pytest.mark.django_db


def test_a_turned_off_endpoint_tells_its_owner_in_their_language(client_user, receiver, settings):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 2
    client_user.language = "id"
    client_user.save(update_fields=["language"])
    hook = endpoint_for(client_user, receiver.url)
    receiver.statuses = [500, 500]
    for _ in range(2):
        delivery.deliver(delivery_id=services.test_event_send(endpoint=hook, user=client_user).pk)
    notification = Notification.objects.get(recipient=client_user, kind="webhook_disabled")
    assert notification.data["failures"] == "2"
    with translation.override("id"):
        subject = gettext("Your webhook endpoint %(title)s was turned off") % {"title": hook.url}
        body = gettext(
            "We stopped sending events to %(title)s after %(failures)s failed deliveries in a "
            "row. Events since then are not queued for it. When the endpoint answers again, "
            "turn it back on from its page; you can resend missed deliveries from its log."
        ) % {"title": hook.url, "failures": 2}
        assert render_summary(notification) == subject
    assert subject != f"Your webhook endpoint {hook.url} was turned off"
    # The email, as the worker sends it: in the owner's language, linking the endpoint.
    deliver_email(delivery_id=EmailDelivery.objects.get(notification=notification).pk)
    [message] = mail.outbox
    assert message.to == [client_user.email]
    assert message.subject == subject
    assert body in message.body
    assert f"/profile/webhooks/{hook.pk}/" in message.body


def _delivery(endpoint, key: str, status: str, age_days: int) -> Delivery:
    event = Event.objects.create(type="webhook.test", key=key, payload={})
    row = Delivery.objects.create(endpoint=endpoint, event=event, status=status)
    Attempt.objects.create(delivery=row, number=1, at=timezone.now(), status_code=500)
    created = timezone.now() - timedelta(days=age_days)
    Delivery.objects.filter(pk=row.pk).update(created_at=created)
    Event.objects.filter(pk=event.pk).update(created_at=created)
    return row


def test_finished_deliveries_past_the_retention_are_pruned_with_their_events(client_user, settings):
    settings.WEBHOOKS_RETENTION_DAYS = 30
    hook = endpoint_for(client_user, "http://127.0.0.1:9/hooks")
    old = [_delivery(hook, f"old-{s}", s, 31) for s in ("sent", "failed", "cancelled")]
    owed = _delivery(hook, "old-pending", "pending", 90)
    recent = _delivery(hook, "recent", "sent", 29)

    assert services.deliveries_prune() == (3, 3)

    assert set(Delivery.objects.values_list("pk", flat=True)) == {owed.pk, recent.pk}
    assert set(Event.objects.values_list("key", flat=True)) == {"old-pending", "recent"}
    assert not Attempt.objects.filter(delivery_id__in=[d.pk for d in old]).exists()
    assert Attempt.objects.filter(delivery=recent).exists()
    # A shorter retention reaches the recent one too; the pending one stays whatever its age.
    settings.WEBHOOKS_RETENTION_DAYS = 7
    assert services.deliveries_prune() == (1, 1)
    assert list(Delivery.objects.values_list("pk", flat=True)) == [owed.pk]


def test_beat_prunes_daily():
    entry = django_settings.CELERY_BEAT_SCHEDULE["webhooks-prune"]
    assert entry["task"] == "webhooks.tasks.prune_deliveries"
    assert entry["schedule"] <= 24 * 3600
    assert tasks.prune_deliveries.name == entry["task"]
