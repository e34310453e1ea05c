"""Posting a task with bad input: a message next to the field, nothing saved, values kept."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from jobs.models import Job
from tests.factories import category
from tests.jobs.factories import post_data as _post_data

pytestmark = pytest.mark.django_db

LONG = "x" * 121
PAST = (timezone.now() - timedelta(days=2)).strftime("%Y-%m-%d")
PAST_DT = (timezone.now() - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
FAR_DT = (timezone.now() + timedelta(days=200)).strftime("%Y-%m-%dT%H:%M")
HOURLY = {"pay_type": "hourly", "currency": "USD", "max_rate": "12.50", "deliverables": ""}

BAD_INPUT = [
    ("title", {"title": ""}, "This field is required."),
    ("title", {"title": "Help"}, "at least 8 characters"),
    ("title", {"title": LONG}, "at most 120 characters"),
    ("description", {"description": "Too short."}, "at least 30 characters"),
    ("category", {"category": ""}, "This field is required."),
    ("category", {"category": "999999"}, "Select a valid choice"),
    ("skills", {"skills": "999999"}, "Select a valid choice"),
    ("new_skills", {"new_skills": ",".join(f"s{i}" for i in range(11))}, "at most 10 new skills"),
    ("new_skills", {"new_skills": "y" * 61}, "at most 60 characters"),
    ("pay_type", {"pay_type": "weekly"}, "Select a valid choice"),
    ("currency", {"currency": "EUR"}, "Select a valid choice"),
    ("max_rate", {"max_rate": ""}, "This field is required."),
    ("max_rate", {"max_rate": "lots"}, "Enter the amount as a number"),
    ("max_rate", {"max_rate": "0"}, "must be more than zero"),
    ("max_rate", {"max_rate": "-5"}, "Enter the amount as a number"),
    ("max_rate", {"max_rate": "150000.50"}, "Rupiah amounts have no decimals"),
    (
        "max_rate",
        {**HOURLY, "max_rate": "12.505", "hours_per_week": "5", "duration": "weeks"},
        "at most 2 decimal places",
    ),
    ("hours_per_week", {**HOURLY, "duration": "weeks"}, "Estimate the hours per week"),
    (
        "hours_per_week",
        {**HOURLY, "hours_per_week": "0", "duration": "weeks"},
        "greater than or equal to 1",
    ),
    (
        "hours_per_week",
        {**HOURLY, "hours_per_week": "81", "duration": "weeks"},
        "less than or equal to 80",
    ),
    (
        "hours_per_week",
        {**HOURLY, "hours_per_week": "ten", "duration": "weeks"},
        "Enter a whole number",
    ),
    ("duration", {**HOURLY, "hours_per_week": "5"}, "Choose how long"),
    ("duration", {**HOURLY, "hours_per_week": "5", "duration": "forever"}, "Select a valid choice"),
    ("deliverables", {"deliverables": ""}, "Describe what you receive"),
    ("deliverables", {"deliverables": "d" * 5001}, "at most 5000 characters"),
    ("deadline", {"deadline": PAST}, "cannot be in the past"),
    ("deadline", {"deadline": "someday"}, "Enter a valid date"),
    ("preferred_timezone", {"preferred_timezone": "Mars/Olympus"}, "Select a valid choice"),
    ("working_hours", {"working_hours": "w" * 121}, "at most 120 characters"),
    ("closes_at", {"closes_at": PAST_DT}, "must be in the future"),
    ("closes_at", {"closes_at": FAR_DT}, "at most 90 days"),
    ("closes_at", {"closes_at": "tomorrow-ish"}, "Enter a valid date/time"),
]


@pytest.mark.parametrize(
    ("field", "changes", "message"), BAD_INPUT, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD_INPUT)]
)
def test_bad_input_is_reported_next_to_its_field_and_nothing_is_saved(
    client, client_user, field, changes, message
):
    client.force_login(client_user)
    response = client.post("/jobs/new/", _post_data(**changes))
    assert response.status_code == 200
    form = response.context["form"]
    assert field in form.errors, form.errors
    assert any(message in error for error in form.errors[field]), form.errors[field]
    html = response.content.decode()
    assert f'id="id_{field}_error"' in html
    assert re.search(rf'aria-describedby="[^"]*id_{field}_error"', html)
    assert not Job.objects.exists()
    # What the client typed in the other fields is still there.
    if field != "description":
        assert escape(_post_data()["description"]) in html
    if field != "title":
        assert 'value="Monthly bookkeeping for a café"' in html


def test_a_bad_rate_keeps_what_was_typed(client, client_user):
    client.force_login(client_user)
    html = client.post("/jobs/new/", _post_data(max_rate="150.000,75")).content.decode()
    assert 'value="150.000,75"' in html


def test_a_deadline_before_bidding_closes_is_refused(client, client_user):
    client.force_login(client_user)
    closes = timezone.localtime() + timedelta(days=10)
    response = client.post(
        "/jobs/new/",
        _post_data(
            closes_at=closes.strftime("%Y-%m-%dT%H:%M"),
            deadline=(closes - timedelta(days=3)).strftime("%Y-%m-%d"),
        ),
    )
    assert "cannot be before bidding closes" in str(response.context["form"].errors["deadline"])
    assert not Job.objects.exists()


def test_indonesian_rupiah_with_thousand_dots_is_read_as_thousands(client, client_user):
    client_user.language = "id"
    client_user.save()
    client.force_login(client_user)
    client.post("/jobs/new/", _post_data(max_rate="1.250.000"))
    assert Job.objects.get().max_rate == 1250000


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"manual-checklist": "\n".join(f"step {i}" for i in range(51))}, "at most 50 items"),
        ({"manual-checklist": "c" * 301}, "at most 300 characters"),
    ],
)
def test_a_bad_checklist_is_reported_and_nothing_saved(client, client_user, changes, message):
    client.force_login(client_user)
    response = client.post("/jobs/new/", _post_data(**changes))
    assert message in str(response.context["manual_form"].errors["checklist"])
    assert 'id="id_manual-checklist_error"' in response.content.decode()
    assert not Job.objects.exists()


def test_the_manual_page_reports_a_bad_checklist_and_keeps_the_text(client, client_user):
    from tests.factories import JobFactory

    job = JobFactory(client=client_user)
    client.force_login(client_user)
    response = client.post(
        f"/jobs/{job.pk}/manual/", {"body": "Kept body text", "checklist": "c" * 301}
    )
    assert "checklist" in response.context["form"].errors
    assert "Kept body text" in response.content.decode()
    assert job.current_manual.body != "Kept body text"


def test_an_hourly_task_ignores_per_task_fields(client, client_user):
    client.force_login(client_user)
    client.post(
        "/jobs/new/",
        _post_data(**{**HOURLY, "deliverables": "Ignored"}, hours_per_week="10", duration="months"),
    )
    job = Job.objects.get()
    assert (job.pay_type, job.hours_per_week, job.deliverables) == ("hourly", 10, "")
    assert job.category == category("bookkeeping")
