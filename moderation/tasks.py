"""Periodic moderation work (celery beat): the automatic flag scan."""

from celery import shared_task

from moderation import services


@shared_task(acks_late=True, ignore_result=True)
def scan_recent_content() -> int:
    """Flag suspicious text written since the last scan (every minute, see settings)."""
    return services.scan_recent_content()
