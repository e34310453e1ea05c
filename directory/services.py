"""Every write to the directory app: saving and unsaving VAs and tasks.

Each function is idempotent: the unique constraints make a second save a no-op
(`ignore_conflicts`), and removing what is not saved removes nothing. Views find the VA or
the task through a scoped lookup first (404 for what the person may not see).
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from directory.models import SavedJob, SavedVA
from directory.permissions import can_save_jobs, can_save_vas
from jobs.models import Job


def saved_va_add(*, client: User, va: User) -> None:
    """`client` keeps `va` on their saved list (nothing changes if already there)."""
    if not can_save_vas(client):
        raise ValidationError(_("Switch on hiring to save VAs."), code="role")
    if va.pk == client.pk:
        raise ValidationError(_("You cannot save your own profile."), code="self")
    with transaction.atomic():
        SavedVA.objects.bulk_create([SavedVA(client=client, va=va)], ignore_conflicts=True)


def saved_va_remove(*, client: User, va_id: int) -> None:
    """Take a VA off `client`'s saved list (nothing happens if they were not on it)."""
    with transaction.atomic():
        SavedVA.objects.of(client).filter(va_id=va_id).delete()


def saved_job_add(*, va: User, job: Job) -> None:
    """`va` keeps `job` on their saved list (nothing changes if already there)."""
    if not can_save_jobs(va):
        raise ValidationError(_("Switch on working as a VA to save tasks."), code="role")
    if job.client_id == va.pk:
        raise ValidationError(_("You cannot save your own task."), code="self")
    with transaction.atomic():
        SavedJob.objects.bulk_create([SavedJob(va=va, job=job)], ignore_conflicts=True)


def saved_job_remove(*, va: User, job_id: int) -> None:
    """Take a task off `va`'s saved list (nothing happens if it was not on it)."""
    with transaction.atomic():
        SavedJob.objects.of(va).filter(job_id=job_id).delete()
