"""Races on real PostgreSQL with threads: the job row lock decides."""

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from bids import services
from bids.models import Bid
from contracts.models import Contract
from jobs.models import Job
from tests.bids.helpers import pdf_upload, terms
from tests.factories import BidFactory, JobFactory, VAFactory

# serialized_rollback: the flush after each test would drop the seeded categories.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def run_together(functions):
    """Start every function at the same moment in its own thread (own DB connection)."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def runner(i, fn):
        try:
            barrier.wait()
            results[i] = fn()
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, fn)) for i, fn in enumerate(functions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_twenty_identical_bids_at_once_make_one_row():
    job = JobFactory()
    va = VAFactory()
    bid_terms = terms(job)

    def submit():
        return services.bid_submit(job=job, va=va, terms=bid_terms, uploads=pdf_upload())

    results = run_together([submit] * 20)
    assert Bid.objects.filter(job=job, va=va).count() == 1
    bids = [r for r in results if isinstance(r, Bid)]
    errors = [r for r in results if isinstance(r, ValidationError)]
    assert len(bids) == 1
    assert len(errors) == 19
    assert all("already bid" in " ".join(e.messages) for e in errors)
    job.refresh_from_db()
    assert job.bid_count == 1


def test_two_concurrent_hires_on_one_job_make_one_hire():
    job = JobFactory()
    first, second = BidFactory(job=job), BidFactory(job=job)

    results = run_together(
        [
            lambda: services.bid_hire(bid=first, client=job.client),
            lambda: services.bid_hire(bid=second, client=job.client),
        ]
    )
    assert sum(isinstance(r, Contract) for r in results) == 1
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    assert Contract.objects.filter(job=job).count() == 1
    statuses = sorted(Bid.objects.filter(job=job).values_list("status", flat=True))
    assert statuses == [Bid.Status.ACCEPTED, Bid.Status.REJECTED]
    assert Job.objects.get(pk=job.pk).status == Job.Status.HIRED


def _close_job(job_id):
    """What jobs.services does to close: lock the row, then change the status."""
    from django.db import transaction

    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        job.status = Job.Status.CLOSED
        job.save(update_fields=["status"])
    return "closed"


@pytest.mark.parametrize("attempt", range(3))
def test_a_bid_and_a_close_at_the_same_moment_never_leave_a_bid_on_a_closed_job(attempt):
    job = JobFactory()
    va = VAFactory()
    bid_terms = terms(job, amount=Decimal("300000"))
    results = run_together(
        [
            lambda: services.bid_submit(job=job, va=va, terms=bid_terms, uploads=pdf_upload()),
            lambda: _close_job(job.pk),
        ]
    )
    job.refresh_from_db()
    assert job.status == Job.Status.CLOSED
    bid = Bid.objects.filter(job=job).first()
    if isinstance(results[0], Bid):
        # The bid won the lock: it was placed while the job was still open, and counted.
        assert bid is not None and job.bid_count == 1
    else:
        assert isinstance(results[0], ValidationError)
        assert "no longer open" in " ".join(results[0].messages)
        assert bid is None and job.bid_count == 0


def test_bidding_after_a_close_committed_is_refused_even_with_a_stale_job():
    job = JobFactory()
    va = VAFactory()
    _close_job(job.pk)
    with pytest.raises(ValidationError):
        services.bid_submit(job=job, va=va, terms=terms(job), uploads=pdf_upload())
    assert not Bid.objects.exists()
