"""Celery tasks for notifications. They take ids and call services."""

from datetime import timedelta

from celery import shared_task

from notifications.broker import publish


@shared_task(acks_late=True)
def deliver_batch(delivery_ids: list[int]) -> None:
    """Send a batch of deliveries; a failed one is retried on its own after a backoff."""
    from notifications.delivery import deliver

    for delivery_id in delivery_ids:
        countdown = deliver(delivery_id=delivery_id)
        if countdown is not None:
            publish(deliver_one, args=[delivery_id], countdown=countdown)


@shared_task(bind=True, acks_late=True, max_retries=None)
def deliver_one(self, delivery_id: int) -> None:
    """Retry one delivery; the attempt limit lives on the row (`attempts`), not in Celery."""
    from notifications.delivery import deliver

    countdown = deliver(delivery_id=delivery_id)
    if countdown is not None:
        raise self.retry(countdown=countdown)


@shared_task(acks_late=True)
def fan_out_job(announcement_id: int) -> None:
    """Match job alerts against a newly published job and notify each matching VA once."""
    from notifications.services import job_fan_out

    job_fan_out(announcement_id=announcement_id)


@shared_task
def sweep_outbox(min_age_seconds: int = 60) -> dict:
    """Beat, every minute: re-enqueue stale pending deliveries and unfinished fan-outs."""
    from notifications.services import outbox_sweep

    return outbox_sweep(min_age=timedelta(seconds=min_age_seconds))


@shared_task
def send_daily_digests() -> int:
    """Beat, daily: one digest task per user with held notifications."""
    from notifications.services import digest_recipient_ids

    user_ids = digest_recipient_ids()
    for user_id in user_ids:
        publish(send_digest, args=[user_id])
    return len(user_ids)


@shared_task(acks_late=True)
def send_digest(user_id: int) -> int:
    from notifications.services import digest_send

    return digest_send(user_id=user_id)
