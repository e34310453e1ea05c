"""Periodic job housekeeping (celery beat, see CELERY_BEAT_SCHEDULE). Tasks call services."""

from celery import shared_task

from jobs import services


@shared_task
def close_expired_jobs() -> int:
    """Close open jobs whose bidding closing date has passed (notifies `job_auto_closed`)."""
    return services.jobs_close_expired()


@shared_task
def notify_jobs_closing_soon() -> int:
    """Once per job, about 24 hours before bidding closes (notifies `job_closing_soon`)."""
    return services.jobs_notify_closing_soon()
