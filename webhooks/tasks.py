"""Celery tasks for webhooks, like the notification emails': ids in, services do the work."""

from datetime import timedelta

from celery import shared_task

from notifications.broker import publish


@shared_task(acks_late=True)
def deliver_batch(delivery_ids: list[int]) -> None:
    """Send a batch of deliveries; a failed one is retried on its own after its backoff."""
    from webhooks.delivery import deliver

    for delivery_id in delivery_ids:
        countdown = deliver(delivery_id=delivery_id)
        if countdown is not None:
            publish(deliver_one, args=[delivery_id], countdown=countdown)


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_one(self, delivery_id: int) -> None:
    """Retry one delivery; the try limit lives on the row (`attempts`), not in Celery."""
    from webhooks.delivery import deliver

    countdown = deliver(delivery_id=delivery_id)
    if countdown is not None:
        raise self.retry(countdown=countdown)


@shared_task
def sweep_outbox(min_age_seconds: int = 60) -> int:
    """Beat, every minute: queue pending deliveries that are due (lost, or a long backoff)."""
    from webhooks.services import outbox_sweep

    return outbox_sweep(min_age=timedelta(seconds=min_age_seconds))


@shared_task
def prune_deliveries() -> tuple[int, int]:
    """Beat, daily: forget finished deliveries past WEBHOOKS_RETENTION_DAYS."""
    from webhooks.services import deliveries_prune

    return deliveries_prune()
