"""Sending one delivery: idempotent under a row lock (the notifications owner fills in email)."""

from django.db import transaction
from django.utils import timezone

from notifications.models import Delivery


def deliver(*, delivery_id: int) -> None:
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status=Delivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return
        delivery.status = Delivery.Status.SKIPPED
        delivery.sent_at = timezone.now()
        delivery.save(update_fields=["status", "sent_at"])
