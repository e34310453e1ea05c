"""The one entry point other apps use to tell people something: `notify(...)`.

Notifications are an outbox (DESIGN.md §5): rows are written in the caller's transaction,
and delivery tasks are enqueued only after commit, with ids. If the broker is down the rows
stay `pending` and the periodic sweep sends them later; a request never waits on Redis.
"""

import logging
from collections.abc import Iterable

from django.db import transaction

from notifications.models import Delivery, Notification

logger = logging.getLogger(__name__)


def notify(
    *,
    kind: str,
    recipients: Iterable,
    event_key: str,
    actor=None,
    job_id: int | None = None,
    bid_id: int | None = None,
    contract_id: int | None = None,
    interview_id: int | None = None,
    data: dict | None = None,
) -> int:
    """Record that `kind` happened for each recipient (users or user ids) and queue email.

    Call inside the domain service's transaction. `event_key` identifies the event (e.g.
    f"bid_submitted:{bid.pk}:{bid.updated_at.timestamp()}"); a second call with the same key
    for the same recipient is a no-op, so retries never duplicate. Returns how many new
    notifications were written.
    """
    recipient_ids = sorted({getattr(r, "pk", r) for r in recipients} - {None})
    if not recipient_ids:
        return 0
    rows = [
        Notification(
            recipient_id=rid,
            kind=kind,
            actor=actor if getattr(actor, "pk", None) else None,
            job_id=job_id,
            bid_id=bid_id,
            contract_id=contract_id,
            interview_id=interview_id,
            data=data or {},
            event_key=event_key,
        )
        for rid in recipient_ids
    ]
    with transaction.atomic():
        Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)
        new_ids = list(
            Notification.objects.filter(
                event_key=event_key, recipient_id__in=recipient_ids, deliveries__isnull=True
            ).values_list("id", flat=True)
        )
        Delivery.objects.bulk_create(
            [Delivery(notification_id=nid, channel="email") for nid in new_ids],
            ignore_conflicts=True,
            batch_size=2000,
        )
        delivery_ids = list(
            Delivery.objects.filter(notification_id__in=new_ids, status=Delivery.Status.PENDING).values_list(
                "id", flat=True
            )
        )
        transaction.on_commit(lambda: enqueue_deliveries(delivery_ids))
    return len(new_ids)


def enqueue_deliveries(delivery_ids: list[int], *, chunk: int = 500) -> None:
    """Hand delivery ids to the worker; never raises (the sweep covers a dead broker)."""
    from notifications.tasks import deliver_batch

    for start in range(0, len(delivery_ids), chunk):
        ids = delivery_ids[start : start + chunk]
        try:
            deliver_batch.apply_async(args=[ids], retry=False)
        except Exception:  # noqa: BLE001 - broker down: the pending sweep will pick these up
            logger.warning("Could not enqueue %d deliveries; the sweep will retry.", len(ids), exc_info=True)
            return


def announce_job(
    *,
    job_id: int,
    client_id: int,
    title: str,
    text: str,
    category_id: int,
    skill_ids: list[int],
    pay_type: str,
    max_rate,
    currency: str,
) -> None:
    """Tell every VA whose job alert matches a newly published job (fan-out in a worker).

    Called by jobs.services.job_publish inside its transaction; the matching and the bulk
    inserts run in a Celery task after commit (the notifications owner implements it).
    """
    from notifications.tasks import fan_out_job

    payload = {
        "job_id": job_id,
        "client_id": client_id,
        "title": title,
        "text": text,
        "category_id": category_id,
        "skill_ids": list(skill_ids),
        "pay_type": pay_type,
        "max_rate": str(max_rate),
        "currency": currency,
    }

    def enqueue() -> None:
        try:
            fan_out_job.apply_async(kwargs=payload, retry=False)
        except Exception:  # noqa: BLE001
            logger.warning("Could not enqueue fan-out for job %s; the sweep will retry.", job_id, exc_info=True)

    transaction.on_commit(enqueue)
