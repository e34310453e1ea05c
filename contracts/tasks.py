"""Periodic contract housekeeping (celery beat, see CELERY_BEAT_SCHEDULE). Tasks call services."""

from celery import shared_task

from contracts import services


@shared_task
def refresh_va_stats_for_closed_review_windows() -> int:
    """Hourly: VAs whose reviews became visible because a review window closed."""
    return services.va_stats_refresh_closed_windows()
