"""Small predicates about jobs, shared by views, templates and tests."""

from django.core.exceptions import ObjectDoesNotExist

from jobs.models import Job


def is_job_owner(user, job: Job) -> bool:
    return user.is_authenticated and job.client_id == user.pk


def can_manage_job(user, job: Job) -> bool:
    """Edit, write the manual, move the status: the job's client, or staff."""
    return user.is_authenticated and (job.client_id == user.pk or user.is_staff)


def hired_va_id(job: Job) -> int | None:
    """The VA hired for this job, through contracts.Contract (reverse one-to-one)."""
    try:
        return job.contract.va_id
    except ObjectDoesNotExist:
        return None


def can_open_attachments(user, job: Job) -> bool:
    """Manual attachments: the client, staff, and the VA once hired (DESIGN.md §10)."""
    if not user.is_authenticated:
        return False
    if job.client_id == user.pk or user.is_staff:
        return True
    return hired_va_id(job) == user.pk


def can_bid(user, job: Job) -> bool:
    """Whether to offer the "Bid" button (the bids services make the real decision)."""
    return (
        job.status == Job.Status.OPEN
        and job.hidden_at is None
        and (not user.is_authenticated or job.client_id != user.pk)
    )


def can_invite_vas(user) -> bool:
    """Signed-in clients invite VAs to their open tasks (which task: jobs.services)."""
    return bool(user.is_authenticated and user.is_client and not user.is_suspended)
