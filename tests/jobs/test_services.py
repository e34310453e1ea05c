from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jobs import services
from jobs.models import Job, ManualVersion
from notifications.models import JobAnnouncement, Notification
from tests.factories import BidFactory, HourlyJobFactory, JobFactory, SkillFactory, category
from tests.jobs.factories import update_kwargs

pytestmark = pytest.mark.django_db


def _create(client, **overrides):
    fields = {
        "client": client,
        "title": "Monthly bookkeeping for a café",
        "description": "Enter our receipts into the spreadsheet and reconcile the bank account.",
        "category": category("bookkeeping"),
        "pay_type": Job.PayType.FIXED,
        "max_rate": Decimal("150000"),
        "currency": "IDR",
        "deliverables": "A reconciled spreadsheet.",
        "manual_body": "1. Open the sheet.",
        "checklist": ["Receipts entered", "Bank reconciled"],
    }
    fields.update(overrides)
    return services.job_create(**fields)


# --- posting -----------------------------------------------------------------------------


def test_a_new_task_is_a_draft_with_manual_version_one(client_user):
    job = _create(client_user, new_skill_names=["Excel", "Xero"])
    assert job.status == Job.Status.DRAFT
    assert job.published_at is None
    manual = job.current_manual
    assert manual.number == 1
    assert manual.checklist == [{"text": "Receipts entered"}, {"text": "Bank reconciled"}]
    assert sorted(job.skills.values_list("name", flat=True)) == ["Excel", "Xero"]


def test_new_skill_names_reuse_existing_skills_case_insensitively(client_user):
    existing = SkillFactory(name="Excel")
    job = _create(client_user, new_skill_names=["excel"])
    assert list(job.skills.all()) == [existing]


def test_a_draft_is_searchable_text_once_saved(client_user):
    job = _create(client_user)
    job.refresh_from_db()
    assert job.search_vector is not None


def test_it_refuses_a_rupiah_rate_with_decimals(client_user):
    with pytest.raises(ValidationError) as exc:
        _create(client_user, max_rate=Decimal("150000.50"))
    assert "max_rate" in exc.value.error_dict
    assert not Job.objects.exists()


def test_it_refuses_a_rate_of_zero(client_user):
    with pytest.raises(ValidationError):
        _create(client_user, max_rate=Decimal("0"))
    assert not Job.objects.exists()


def test_a_suspended_client_cannot_post(suspended):
    with pytest.raises(ValidationError, match="suspended"):
        _create(suspended)


def test_a_va_without_the_client_role_cannot_post(va):
    with pytest.raises(ValidationError):
        _create(va)


# --- editing -----------------------------------------------------------------------------


def test_the_owner_edits_title_and_rate(client_user):
    job = _create(client_user)
    services.job_update(
        job=job,
        by=client_user,
        **update_kwargs(job, title="Weekly bookkeeping for a café", max_rate=Decimal("200000")),
    )
    job.refresh_from_db()
    assert job.title == "Weekly bookkeeping for a café"
    assert job.max_rate == Decimal("200000")


def test_pay_type_and_currency_lock_once_a_bid_exists(client_user, va):
    job = JobFactory(client=client_user)
    BidFactory(job=job, va=va)
    with pytest.raises(ValidationError, match="cannot change"):
        services.job_update(
            job=job,
            by=client_user,
            **update_kwargs(job, currency="USD", max_rate=Decimal("20.00")),
        )
    job.refresh_from_db()
    assert job.currency == "IDR"


def test_pay_type_may_change_before_any_bid(client_user):
    job = JobFactory(client=client_user)
    services.job_update(
        job=job,
        by=client_user,
        hours_per_week=5,
        **update_kwargs(job, pay_type="hourly", currency="USD", max_rate=Decimal("9.50")),
    )
    job.refresh_from_db()
    assert (job.pay_type, job.currency, job.max_rate) == ("hourly", "USD", Decimal("9.50"))


def test_another_client_cannot_edit(client_user, other_client):
    job = JobFactory(client=client_user)
    with pytest.raises(ValidationError):
        services.job_update(job=job, by=other_client, **update_kwargs(job, title="Hijacked title"))


def test_a_new_closing_date_rearms_the_closing_soon_notice(client_user):
    job = JobFactory(client=client_user, closing_soon_notified_at=timezone.now())
    services.job_update(
        job=job,
        by=client_user,
        closes_at=timezone.now() + timedelta(days=5),
        **update_kwargs(job),
    )
    job.refresh_from_db()
    assert job.closing_soon_notified_at is None


def test_a_cancelled_task_cannot_be_edited(client_user):
    job = JobFactory(client=client_user, status=Job.Status.CANCELLED)
    with pytest.raises(ValidationError, match="no longer be edited"):
        services.job_update(job=job, by=client_user, **update_kwargs(job))


# --- manual versioning -------------------------------------------------------------------


def test_editing_the_manual_without_bids_changes_the_current_version(client_user):
    job = JobFactory(client=client_user)
    before = job.current_manual.updated_at
    saved = services.manual_update(job=job, by=client_user, body="New steps", checklist=["One"])
    assert saved.number == 1
    assert saved.updated_at > before  # moderation's scan sees the edit
    assert job.manual_versions.count() == 1
    assert job.current_manual.body == "New steps"


def test_editing_the_manual_after_a_bid_creates_version_two_and_keeps_one(client_user, va):
    job = JobFactory(client=client_user)
    v1 = job.current_manual
    BidFactory(job=job, va=va)
    saved = services.manual_update(job=job, by=client_user, body="Updated", checklist=["Two"])
    assert saved.number == 2
    v1.refresh_from_db()
    assert v1.body == "1. Open the drive.\n2. Create folders per year."
    assert job.current_manual == saved
    again = services.manual_update(job=job, by=client_user, body="Third take", checklist=[])
    assert again.number == 3
    assert list(job.manual_versions.values_list("number", flat=True)) == [3, 2, 1]


def test_saving_an_unchanged_manual_creates_no_version(client_user, va):
    job = JobFactory(client=client_user)
    BidFactory(job=job, va=va)
    manual = job.current_manual
    saved = services.manual_update(
        job=job, by=client_user, body=manual.body, checklist=["Folders per year", "Guide written"]
    )
    assert saved == manual
    assert ManualVersion.objects.filter(job=job).count() == 1


# --- status moves ------------------------------------------------------------------------


def test_publishing_a_draft_opens_it_and_announces_it(
    client_user, django_capture_on_commit_callbacks
):
    job = _create(client_user)
    with django_capture_on_commit_callbacks() as callbacks:
        services.job_publish(job=job, by=client_user)
    job.refresh_from_db()
    assert job.status == Job.Status.OPEN
    assert job.published_at is not None
    # After commit: the fan-out to matching VAs is enqueued, and cached search rankings are
    # dropped (jobs.board.search_results_changed).
    names = [getattr(getattr(c, "func", c), "__name__", "") for c in callbacks]
    fan_outs = [name for name in names if name == "_enqueue_fan_out"]
    assert len(fan_outs) == 1
    assert len(callbacks) == 2
    announcement = JobAnnouncement.objects.get(job_id=job.pk)
    assert announcement.payload["url"] == f"/jobs/{job.pk}/"
    assert announcement.payload["max_rate"] == "150000.00"


def test_publishing_twice_is_refused(client_user):
    job = JobFactory(client=client_user)
    with pytest.raises(ValidationError, match="Only a draft"):
        services.job_publish(job=job, by=client_user)


def test_publishing_with_a_past_closing_date_is_refused(client_user):
    job = _create(client_user)
    Job.objects.filter(pk=job.pk).update(closes_at=timezone.now() - timedelta(hours=1))
    with pytest.raises(ValidationError, match="closing date"):
        services.job_publish(job=job, by=client_user)


def test_a_suspended_client_cannot_publish(client_user):
    job = _create(client_user)
    client_user.suspended_at = timezone.now()
    client_user.save()
    with pytest.raises(ValidationError, match="suspended"):
        services.job_publish(job=job, by=client_user)


def test_close_and_reopen_an_open_task(client_user):
    job = JobFactory(client=client_user)
    services.job_close(job=job, by=client_user)
    job.refresh_from_db()
    assert job.status == Job.Status.CLOSED
    services.job_reopen(job=job, by=client_user)
    job.refresh_from_db()
    assert job.status == Job.Status.OPEN


def test_a_manual_close_does_not_notify_the_client(client_user):
    job = JobFactory(client=client_user)
    services.job_close(job=job, by=client_user)
    assert not Notification.objects.exists()


@pytest.mark.parametrize("status", ["draft", "closed", "hired", "completed", "cancelled"])
def test_only_an_open_task_can_be_closed(client_user, status):
    job = JobFactory(client=client_user, status=status)
    with pytest.raises(ValidationError, match="Only an open task"):
        services.job_close(job=job, by=client_user)


@pytest.mark.parametrize("status", ["draft", "open", "hired", "completed", "cancelled"])
def test_only_a_closed_task_can_reopen(client_user, status):
    job = JobFactory(client=client_user, status=status)
    with pytest.raises(ValidationError, match="Only a task whose bidding is closed"):
        services.job_reopen(job=job, by=client_user)


def test_reopening_after_the_closing_date_asks_for_a_new_date(client_user):
    job = JobFactory(
        client=client_user,
        status=Job.Status.CLOSED,
        closes_at=timezone.now() - timedelta(minutes=5),
    )
    with pytest.raises(ValidationError, match="has passed"):
        services.job_reopen(job=job, by=client_user)


@pytest.mark.parametrize("status", ["draft", "open", "closed"])
def test_cancel_from_draft_open_or_closed(client_user, status):
    job = JobFactory(client=client_user, status=status)
    services.job_cancel(job=job, by=client_user)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED


@pytest.mark.parametrize("status", ["hired", "completed", "cancelled"])
def test_cancel_is_refused_once_hired_completed_or_cancelled(client_user, status):
    job = JobFactory(client=client_user, status=status)
    with pytest.raises(ValidationError, match="cannot be cancelled"):
        services.job_cancel(job=job, by=client_user)


def test_complete_a_hired_task(client_user):
    job = JobFactory(client=client_user, status=Job.Status.HIRED)
    services.job_complete(job=job, by=client_user)
    job.refresh_from_db()
    assert job.status == Job.Status.COMPLETED


@pytest.mark.parametrize("status", ["draft", "open", "closed", "completed", "cancelled"])
def test_only_a_hired_task_can_be_completed(client_user, status):
    job = JobFactory(client=client_user, status=status)
    with pytest.raises(ValidationError, match="Only a task with a hired VA"):
        services.job_complete(job=job, by=client_user)


def test_another_client_cannot_move_the_status(client_user, other_client):
    job = JobFactory(client=client_user)
    with pytest.raises(ValidationError, match="Only the client"):
        services.job_close(job=job, by=other_client)
    job.refresh_from_db()
    assert job.status == Job.Status.OPEN


def test_staff_may_move_the_status(client_user, staff):
    job = JobFactory(client=client_user)
    services.job_cancel(job=job, by=staff)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED


def test_marking_bids_seen_records_the_time(client_user):
    job = JobFactory(client=client_user)
    services.job_mark_bids_seen(job=job)
    job.refresh_from_db()
    assert job.bids_seen_at is not None


# --- periodic tasks ----------------------------------------------------------------------


def test_the_beat_task_closes_open_jobs_past_their_closing_date(client_user):
    from jobs.tasks import close_expired_jobs

    past = JobFactory(client=client_user, closes_at=timezone.now() - timedelta(minutes=1))
    future = JobFactory(client=client_user)
    no_date = JobFactory(client=client_user, closes_at=None)
    draft = JobFactory(
        client=client_user, status=Job.Status.DRAFT, closes_at=timezone.now() - timedelta(days=1)
    )
    assert close_expired_jobs() == 1
    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses == {
        past.pk: "closed",
        future.pk: "open",
        no_date.pk: "open",
        draft.pk: "draft",
    }
    note = Notification.objects.get()
    assert (note.kind, note.recipient, note.job_id) == ("job_auto_closed", client_user, past.pk)
    assert note.data["url"] == f"/jobs/{past.pk}/"
    assert note.data["title"] == past.title
    assert close_expired_jobs() == 0


def test_the_closing_soon_notice_goes_out_once_with_the_bid_count(client_user):
    from jobs.tasks import notify_jobs_closing_soon

    soon = HourlyJobFactory(
        client=client_user, closes_at=timezone.now() + timedelta(hours=5), bid_count=3
    )
    JobFactory(client=client_user, closes_at=timezone.now() + timedelta(days=3))
    assert notify_jobs_closing_soon() == 1
    assert notify_jobs_closing_soon() == 0
    note = Notification.objects.get()
    assert note.kind == "job_closing_soon"
    assert note.job_id == soon.pk
    assert note.data["bid_count"] == "3"
    soon.refresh_from_db()
    assert soon.closing_soon_notified_at is not None
