"""Celery tasks for bids: they take ids (or nothing) and call services."""

from celery import shared_task


@shared_task(acks_late=True)
def send_interview_reminders() -> int:
    """Beat: remind both parties about an hour before each confirmed interview (once)."""
    from bids.services import interview_send_reminders

    return interview_send_reminders()
