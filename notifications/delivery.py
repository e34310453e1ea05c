"""Sending one delivery: idempotent under a row lock, retried with backoff, then `failed`."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications import kinds
from notifications.models import Delivery, Preference

logger = logging.getLogger(__name__)

# A retry message may arrive a moment before next_attempt_at (clocks, broker latency).
EARLY_TOLERANCE = timedelta(seconds=2)


def max_attempts() -> int:
    return int(getattr(settings, "NOTIFICATIONS_MAX_ATTEMPTS", 5))


def backoff_seconds(attempts: int) -> float:
    """Seconds to wait after the n-th failed attempt: base, 2×base, 4×base, …"""
    base = float(getattr(settings, "NOTIFICATIONS_RETRY_BASE_SECONDS", 30))
    return base * 2 ** max(attempts - 1, 0)


def deliver(*, delivery_id: int) -> float | None:
    """Send one pending email delivery. Returns seconds until a retry is due, else None.

    The row is locked (SKIP LOCKED) for the whole send, and anything not `pending` is left
    alone, so duplicate messages from the sweep or a redelivered task never send twice.
    """
    from notifications.rendering import build_notification_email

    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("notification__recipient", "notification__actor")
            .filter(pk=delivery_id, status=Delivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return None
        now = timezone.now()
        if delivery.next_attempt_at and delivery.next_attempt_at > now + EARLY_TOLERANCE:
            return None  # backing off; its scheduled retry (or the sweep) will come back
        notification = delivery.notification
        recipient = notification.recipient
        mode = (
            Preference.objects.filter(user=recipient, kind=notification.kind)
            .values_list("email_mode", flat=True)
            .first()
        )
        if not recipient.is_active or mode == kinds.OFF:
            delivery.status = Delivery.Status.SKIPPED
            delivery.save(update_fields=["status"])
            return None
        delivery.attempts += 1
        try:
            build_notification_email(notification, recipient).send(fail_silently=False)
        except Exception as exc:  # noqa: BLE001 - SMTP, network or template: retry, then fail
            delivery.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if delivery.attempts >= max_attempts():
                delivery.status = Delivery.Status.FAILED
                delivery.next_attempt_at = None
                logger.error("Delivery %s failed for good: %s", delivery.pk, delivery.last_error)
                countdown = None
            else:
                countdown = backoff_seconds(delivery.attempts)
                delivery.next_attempt_at = now + timedelta(seconds=countdown)
                logger.warning(
                    "Delivery %s failed (%s); retry in %ss",
                    delivery.pk,
                    delivery.last_error,
                    countdown,
                )
            delivery.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            return countdown
        delivery.status = Delivery.Status.SENT
        delivery.sent_at = timezone.now()
        delivery.next_attempt_at = None
        delivery.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at"])
    return None
