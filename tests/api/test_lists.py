"""Every API list costs the same number of queries for a few rows as for many."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bids import services as bid_services
from contracts import services as contract_services
from jobs import services as job_services
from jobs.board import search_results_changed
from jobs.models import Category
from notifications.models import Notification
from tests import factories
from tests.api.conftest import api_as
from tests.contracts.factories import local_today
from tests.security.world import png_bytes

pytestmark = pytest.mark.django_db


def _same_queries(
    client, path, grow, django_assert_num_queries, count_key="results", before=lambda: None
):
    client.get(path)  # warm up: last-used, the category names digest
    before()
    with CaptureQueriesContext(connection) as few:
        small = client.get(path)
    assert small.status_code == 200, small.json()
    grow()
    before()
    with django_assert_num_queries(len(few)):
        large = client.get(path)
    rows = large.json() if count_key is None else large.json()[count_key]
    small_rows = small.json() if count_key is None else small.json()[count_key]
    assert len(rows) > len(small_rows)


def _bid_with_sample(job, va):
    uploads = bid_services.prepare_sample_uploads(
        [SimpleUploadedFile("s.png", png_bytes(), "image/png")]
    )
    return bid_services.bid_submit(
        job=job,
        va=va,
        terms=bid_services.BidTerms(
            amount=Decimal("400000"),
            cover_letter="I have done this kind of work for many shops, carefully.",
            delivery_date=job.closes_at.date(),
            manual_version=job.current_manual,
            manual_acknowledged=True,
        ),
        uploads=uploads,
    )


def test_categories(va, django_assert_num_queries):
    def add():
        for slug in ("api-a", "api-b"):
            Category.objects.create(slug=slug, name_en=slug, name_id=slug, position=99)

    _same_queries(
        api_as(va),
        "/api/v1/categories/",
        add,
        django_assert_num_queries,
        count_key=None,
    )


def test_skills(va, django_assert_num_queries):
    factories.SkillFactory()
    _same_queries(
        api_as(va),
        "/api/v1/skills/",
        lambda: [factories.SkillFactory() for _ in range(4)],
        django_assert_num_queries,
        count_key=None,
    )


def _open_jobs(n, **kwargs):
    skills = [factories.SkillFactory() for _ in range(2)]
    jobs = [factories.JobFactory(**kwargs) for _ in range(n)]
    for job in jobs:
        job.skills.set(skills)
    job_services.search_vectors_refresh(job_ids=[job.pk for job in jobs])


def test_the_board(va, django_assert_num_queries):
    # Guards a job card's category, client and skills per row (jobs.board's own reads).
    _open_jobs(2)
    _same_queries(api_as(va), "/api/v1/jobs/", lambda: _open_jobs(6), django_assert_num_queries)


def test_the_board_searched(va, django_assert_num_queries):
    _open_jobs(2)
    # Both searches rank afresh (a new job moves the search generation).
    _same_queries(
        api_as(va),
        "/api/v1/jobs/?q=drive",
        lambda: _open_jobs(6),
        django_assert_num_queries,
        before=search_results_changed,
    )


def test_my_jobs(client_user, django_assert_num_queries):
    _open_jobs(1, client=client_user)
    _same_queries(
        api_as(client_user),
        "/api/v1/my/jobs/",
        lambda: _open_jobs(5, client=client_user),
        django_assert_num_queries,
    )


def test_bids_on_my_job(client_user, django_assert_num_queries):
    # Guards the VA, the samples, the manual version and the contract of each bid.
    job = factories.JobFactory(client=client_user)
    _bid_with_sample(job, factories.VAFactory())
    _same_queries(
        api_as(client_user),
        f"/api/v1/jobs/{job.pk}/bids/",
        lambda: [_bid_with_sample(job, factories.VAFactory()) for _ in range(4)],
        django_assert_num_queries,
    )


def test_my_bids(va, django_assert_num_queries):
    _bid_with_sample(factories.JobFactory(), va)
    _same_queries(
        api_as(va),
        "/api/v1/my/bids/",
        lambda: [_bid_with_sample(factories.JobFactory(), va) for _ in range(4)],
        django_assert_num_queries,
    )


def _hire(client_user, va):
    job = factories.JobFactory(client=client_user)
    bid = factories.BidFactory(job=job, va=va)
    return bid_services.bid_hire(bid=bid, client=client_user)


def test_my_contracts(client_user, django_assert_num_queries):
    _hire(client_user, factories.VAFactory())
    _same_queries(
        api_as(client_user),
        "/api/v1/contracts/",
        lambda: [_hire(client_user, factories.VAFactory()) for _ in range(3)],
        django_assert_num_queries,
    )


def test_contract_messages(client_user, va, django_assert_num_queries):
    # Guards each message's attachments.
    contract = _hire(client_user, va)

    def send(n):
        for i in range(n):
            contract_services.message_send(
                contract=contract,
                author=va,
                body=f"Update {i}",
                files=[SimpleUploadedFile("a.png", png_bytes(), "image/png")],
            )

    send(1)
    _same_queries(
        api_as(client_user),
        f"/api/v1/contracts/{contract.pk}/messages/",
        lambda: send(4),
        django_assert_num_queries,
    )


def test_notifications(client_user, django_assert_num_queries):
    def add(n):
        start = Notification.objects.count()
        for i in range(n):
            Notification.objects.create(
                recipient=client_user, kind="bid_received", event_key=f"k{start + i}"
            )

    add(1)
    _same_queries(
        api_as(client_user), "/api/v1/notifications/", lambda: add(5), django_assert_num_queries
    )


def test_deliverables(client_user, va, django_assert_num_queries):
    # Guards each deliverable's files.
    contract = _hire(client_user, va)

    def deliver(n):
        # One delivery waits at a time: the client asks for changes, the VA delivers again.
        for i in range(n):
            item = contract_services.deliverable_submit(
                contract=contract,
                va=va,
                note=f"Part {i}",
                files=[SimpleUploadedFile("d.png", png_bytes(), "image/png")],
            )
            contract_services.deliverable_request_changes(
                deliverable=item, client=client_user, comment="One more pass, please."
            )

    deliver(1)
    _same_queries(
        api_as(client_user),
        f"/api/v1/contracts/{contract.pk}/deliverables/",
        lambda: deliver(3),
        django_assert_num_queries,
    )


def test_hour_entries(client_user, va, django_assert_num_queries):
    # Guards each entry's timesheet.

    job = factories.HourlyJobFactory(client=client_user)
    bid = factories.BidFactory(job=job, va=va, amount=Decimal("10.00"), estimated_hours=10)
    contract = bid_services.bid_hire(bid=bid, client=client_user)
    today = local_today(va)  # the VA's day: hours are logged in their zone

    def log(n):
        # The contract started today: every entry is today's.
        for i in range(n):
            contract_services.hours_log(
                contract=contract, va=va, work_date=today, hours=Decimal("1"), memo=f"Inbox {i}"
            )

    log(1)
    _same_queries(
        api_as(client_user),
        f"/api/v1/contracts/{contract.pk}/hours/",
        lambda: log(3),
        django_assert_num_queries,
    )


def test_manual_versions(client_user, django_assert_num_queries):
    job = factories.JobFactory(client=client_user)
    factories.BidFactory(job=job)

    def versions(n):
        for i in range(n):
            job_services.manual_update(job=job, by=client_user, body=f"v{i}", checklist=[])

    _same_queries(
        api_as(client_user),
        f"/api/v1/my/jobs/{job.pk}/manual/",
        lambda: versions(3),
        django_assert_num_queries,
        count_key=None,
    )


def test_reviews(client_user, va, django_assert_num_queries):
    # Fixed: a contract has at most two reviews; the visibility rule is one query.
    from contracts.services import contract_complete, review_leave

    contract = _hire(client_user, va)
    contract_complete(contract=contract, client=client_user)
    stars = {"overall": 5, "communication": 5, "quality": 5, "timeliness": 5}
    review_leave(contract=contract, author=client_user, **stars)
    _same_queries(
        api_as(client_user),
        f"/api/v1/contracts/{contract.pk}/reviews/",
        lambda: review_leave(contract=contract, author=va, **stars),
        django_assert_num_queries,
        count_key=None,
    )


def test_interviews(client_user, django_assert_num_queries):
    # Guards each interview's bid, chosen slot and slots.
    from datetime import timedelta

    from django.utils import timezone

    job = factories.JobFactory(client=client_user)

    def propose(n):
        for _ in range(n):
            bid = factories.BidFactory(job=job, va=factories.VAFactory())
            bid_services.bid_shortlist(bid=bid, client=client_user)
            at = [timezone.now() + timedelta(days=d) for d in (2, 3)]
            interview = bid_services.interview_propose(bid=bid, client=client_user, slots=at)
            bid_services.interview_confirm(
                interview=interview, user=bid.va, slot_id=interview.slots.first().pk
            )

    propose(1)
    _same_queries(
        api_as(client_user), "/api/v1/interviews/", lambda: propose(3), django_assert_num_queries
    )


def test_job_attachments(client_user, django_assert_num_queries):
    job = factories.JobFactory(client=client_user)

    def attach(n):
        for i in range(n):
            job_services.job_attachment_add(
                job=job,
                by=client_user,
                uploaded_file=SimpleUploadedFile(f"a{i}.png", png_bytes(), "image/png"),
            )

    attach(1)
    _same_queries(
        api_as(client_user),
        f"/api/v1/jobs/{job.pk}/attachments/",
        lambda: attach(3),
        django_assert_num_queries,
        count_key=None,
    )


def test_weeks(client_user, va, django_assert_num_queries):
    from datetime import timedelta

    from django.utils import timezone

    from contracts.models import Timesheet

    job = factories.HourlyJobFactory(client=client_user)
    bid = factories.BidFactory(job=job, va=va, amount=Decimal("10.00"), estimated_hours=10)
    contract = bid_services.bid_hire(bid=bid, client=client_user)
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())

    def weeks(start, n):
        # Written directly: hours may be logged only from the contract's start onwards.
        Timesheet.objects.bulk_create(
            Timesheet(contract=contract, week_start=monday - timedelta(weeks=start + i))
            for i in range(n)
        )

    weeks(0, 1)
    _same_queries(
        api_as(client_user),
        f"/api/v1/contracts/{contract.pk}/weeks/",
        lambda: weeks(1, 3),
        django_assert_num_queries,
        count_key=None,
    )
