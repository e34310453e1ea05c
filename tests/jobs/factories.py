"""Jobs test helpers: jobs that are findable on the board (search vector computed)."""

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
