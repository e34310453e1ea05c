"""Jobs test helpers: jobs that are findable on the board (search vector computed)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from jobs import services
from jobs.models import Job
from jobs.services import search_vectors_refresh
from tests.factories import HourlyJobFactory, JobFactory, category


def indexed_job(factory=JobFactory, **kwargs) -> Job:
    """A job whose search vector is computed, as the services do on every write."""
    skills = kwargs.pop("skills", [])
    job = factory(**kwargs)
    if skills:
        job.skills.set(skills)
    search_vectors_refresh(job_ids=[job.pk])
    job.refresh_from_db()
    return job


def indexed_hourly_job(**kwargs) -> Job:
    return indexed_job(HourlyJobFactory, **kwargs)


def update_kwargs(job, **changes) -> dict:
    """The job's own fields as `job_update` takes them, with `changes` applied."""
    return {
        "title": job.title,
        "description": job.description,
        "category": job.category,
        "pay_type": job.pay_type,
        "max_rate": job.max_rate,
        "currency": job.currency,
        **changes,
    }


def edit_job(job, by, **changes) -> Job:
    """Change a job through the service, as its edit form does (only `changes` differ)."""
    return services.job_update(job=job, by=by, **update_kwargs(job, **changes))


def bulk_open_jobs(client, count: int, **fields) -> None:
    """`count` open IDR data-entry jobs titled "Bulk task 0", "Bulk task 1", … published a
    minute apart, newest first (one INSERT; no search vectors)."""
    now = timezone.now()
    values = {
        "description": "Data entry from scanned forms.",
        "category": category("data-entry"),
        "pay_type": "fixed",
        "max_rate": Decimal("100000"),
        "currency": "IDR",
        "status": "open",
        **fields,
    }
    Job.objects.bulk_create(
        [
            Job(
                client=client,
                title=f"Bulk task {i}",
                published_at=now - timedelta(minutes=i),
                **values,
            )
            for i in range(count)
        ]
    )


def post_data(**overrides):
    """A valid /jobs/new/ POST (job form + manual form with prefix "manual")."""
    data = {
        "title": "Monthly bookkeeping for a café",
        "description": "Enter our receipts into the spreadsheet and reconcile the bank account.",
        "category": str(category("bookkeeping").pk),
        "pay_type": "fixed",
        "currency": "IDR",
        "max_rate": "150000",
        "deliverables": "A reconciled spreadsheet.",
        "new_skills": "Excel, Xero",
        "manual-body": "1. Open the sheet.",
        "manual-checklist": "Receipts entered\nBank reconciled",
    }
    data.update(overrides)
    return data
