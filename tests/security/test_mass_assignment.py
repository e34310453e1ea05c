"""Mass assignment (issue 9): extra fields posted to a form change nothing they name."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bids.models import Bid
from jobs.models import Job
from tests import factories
from tests.jobs.factories import post_data
from tests.security.world import png_bytes

pytestmark = pytest.mark.django_db

EXTRA = {
    "status": "accepted",
    "client": "1",
    "client_id": "1",
    "va": "1",
    "va_id": "1",
    "freelancer": "1",
    "job": "1",
    "job_id": "1",
    "max_rate": "1",
    "bid_count": "999",
    "hidden_at": "",
    "published_at": "2020-01-01",
    "is_staff": "on",
    "is_superuser": "on",
    "suspended_at": "",
}


def test_extra_fields_on_the_bid_form_change_nothing(client, va, other_va):
    job = factories.JobFactory(max_rate=Decimal("500000"))
    client.force_login(va)
    response = client.post(
        f"/jobs/{job.pk}/bid/",
        {
            **EXTRA,
            "va": str(other_va.pk),
            "amount": "400000",
            "delivery_date": (timezone.localdate() + timedelta(days=4)).isoformat(),
            "cover_letter": "I have organised shared drives for several small firms and can start today.",
            "manual_version": job.current_manual.number,
            "manual_acknowledged": "on",
            "files": [SimpleUploadedFile("sample.png", png_bytes(), "image/png")],
        },
    )
    assert response.status_code == 302
    bid = Bid.objects.get()
    assert (bid.va, bid.job, bid.status) == (va, job, Bid.Status.SUBMITTED)
    job.refresh_from_db()
    assert (
        job.max_rate == Decimal("500000") and job.bid_count == 1 and job.status == Job.Status.OPEN
    )


def test_extra_fields_on_the_task_form_change_nothing(client, client_user, other_client):
    client.force_login(client_user)
    response = client.post(
        "/jobs/new/", {**post_data(), **EXTRA, "client": str(other_client.pk), "status": "open"}
    )
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.client == client_user
    assert job.status == Job.Status.DRAFT and job.published_at is None and job.bid_count == 0


def test_extra_fields_on_the_profile_form_grant_nothing(client, va):
    client.force_login(va)
    client.post("/profile/edit/", {**EXTRA, "name": "Vina A."})
    va.refresh_from_db()
    assert not va.is_staff and not va.is_superuser and va.suspended_at is None
