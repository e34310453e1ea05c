"""BidForm and InterviewForm: input read the way people type it, errors beside the field."""

import zoneinfo
from datetime import UTC, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from bids.forms import BidForm, InterviewForm
from tests.bids import files
from tests.factories import HourlyJobFactory, JobFactory

pytestmark = pytest.mark.django_db


def bid_form(job, va, **data):
    values = {
        "amount": "400000",
        "cover_letter": "x" * 60,
        "delivery_date": (timezone.localdate() + timedelta(days=3)).isoformat(),
        "estimated_hours": "10",
        "manual_version": "1",
        "manual_acknowledged": "on",
    }
    values.update(data)
    return BidForm(values, {"files": [files.upload("cv.pdf", files.pdf_bytes())]}, job=job, va=va)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("150.000", Decimal("150000")),
        ("Rp 500.000", Decimal("500000")),
        ("150000", Decimal("150000")),
    ],
)
def test_rupiah_amounts_as_indonesians_type_them(va, typed, expected):
    job = JobFactory()
    with translation.override("id"):
        form = bid_form(job, va, amount=typed)
        assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == expected


@pytest.mark.parametrize(
    "typed, error",
    [
        ("0", "more than zero"),
        ("-1", "Enter the amount as a number"),
        ("500000.01", "no decimals"),
        ("500001", "maximum of Rp 500,000"),
    ],
)
def test_rupiah_edge_cases(va, typed, error):
    form = bid_form(JobFactory(), va, amount=typed)
    assert not form.is_valid()
    assert error in " ".join(form.errors["amount"])


@pytest.mark.parametrize(
    "typed, ok",
    [("12.50", True), ("12.51", False), ("0.01", True), ("0", False), ("1.005", False)],
)
def test_dollar_edge_cases(va, typed, ok):
    job = HourlyJobFactory()
    form = bid_form(job, va, amount=typed)
    assert form.is_valid() is ok, form.errors


def test_hourly_jobs_ask_for_hours_and_per_task_jobs_for_a_date(va):
    assert "delivery_date" not in bid_form(HourlyJobFactory(), va).fields
    assert "estimated_hours" not in bid_form(JobFactory(), va).fields


def test_the_tick_names_the_manual_version(va):
    job = JobFactory()
    form = bid_form(job, va, manual_acknowledged="")
    assert form.fields["manual_acknowledged"].label == "I have read the task manual (v1)"
    assert not form.is_valid()
    assert "manual_acknowledged" in form.errors


def test_interview_times_are_read_in_the_persons_own_timezone():
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    form = InterviewForm(
        {"slot_1": f"{day}T09:00", "duration_minutes": "30", "room": "generated"},
        tz_name="Asia/Makassar",
    )
    assert form.is_valid(), form.errors
    slot = form.cleaned_data["slots"][0]
    assert slot.tzinfo is not None
    assert slot.astimezone(zoneinfo.ZoneInfo("Asia/Makassar")).hour == 9
    assert slot.astimezone(UTC).hour == 1


def test_the_same_time_twice_is_refused():
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    form = InterviewForm(
        {
            "slot_1": f"{day}T09:00",
            "slot_2": f"{day}T09:00",
            "duration_minutes": "30",
            "room": "generated",
        },
        tz_name="UTC",
    )
    assert not form.is_valid()
    assert "different" in " ".join(form.errors["slot_2"])


def test_own_link_needs_a_link():
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    form = InterviewForm(
        {"slot_1": f"{day}T09:00", "duration_minutes": "30", "room": "link"}, tz_name="UTC"
    )
    assert not form.is_valid()
    assert "meeting_url" in form.errors


def test_the_reminder_runs_on_beat(settings):
    from bids.tasks import send_interview_reminders

    entry = settings.CELERY_BEAT_SCHEDULE["bids-interview-reminders"]
    assert entry["task"] == send_interview_reminders.name
    assert send_interview_reminders() == 0
