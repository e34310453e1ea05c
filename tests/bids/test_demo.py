"""The demo loader: bids with samples, one interview proposed, one task hired; twice = once."""

import io

import pytest

from bids import demo
from bids.models import Bid, Interview, WorkSample
from contracts.models import Contract
from jobs.models import Job

pytestmark = pytest.mark.django_db


def load_all():
    out = io.StringIO()
    from accounts import demo as accounts_demo
    from jobs import demo as jobs_demo

    accounts_demo.load(out)
    jobs_demo.load(out)
    demo.load(out)
    return out.getvalue()


def test_the_demo_has_bids_an_interview_and_a_hire_and_is_idempotent():
    load_all()
    counts = (
        Bid.objects.count(),
        WorkSample.objects.count(),
        Interview.objects.count(),
        Contract.objects.count(),
    )
    assert counts[0] >= 10
    assert counts[1] == 2 * counts[0]
    assert WorkSample.objects.filter(content_type="application/pdf").count() == counts[0]
    assert WorkSample.objects.exclude(thumbnail="").count() == counts[0]  # the PNGs
    interview = Interview.objects.get()
    assert interview.bid.status == Bid.Status.SHORTLISTED
    assert interview.slots.count() == 2
    hired = Job.objects.get(status=Job.Status.HIRED)
    assert Contract.objects.get().job == hired
    for job in Job.objects.all():
        assert job.bid_count == job.bids.exclude(status=Bid.Status.WITHDRAWN).count()

    load_all()
    assert counts == (
        Bid.objects.count(),
        WorkSample.objects.count(),
        Interview.objects.count(),
        Contract.objects.count(),
    )
