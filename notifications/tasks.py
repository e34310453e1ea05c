"""Celery tasks for notification delivery. They take ids and call services."""

from celery import shared_task


@shared_task(acks_late=True)
def deliver_batch(delivery_ids: list[int]) -> None:
    from notifications.delivery import deliver

    for delivery_id in delivery_ids:
        deliver(delivery_id=delivery_id)


@shared_task(acks_late=True)
def fan_out_job(**payload) -> None:
    """Match job alerts against a new job and notify each matching VA once (owner: notifications)."""
