"""Hourly work: quarter hours, the weekly cap, week approval and disputes."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts import services
from contracts.models import HourEntry, Timesheet
from contracts.services import week_start_of
from notifications.models import Notification
from tests.contracts.factories import hourly_contract, local_today

pytestmark = pytest.mark.django_db


def log(contract, va, hours, day=None, memo="Answered customer emails"):
    return services.hours_log(
        contract=contract, va=va, work_date=day or local_today(va), hours=hours, memo=memo
    )


def last_monday(va):
    return week_start_of(local_today(va)) - timedelta(days=7)


def test_the_va_logs_hours_and_the_week_total_follows(hourly, va):
    monday = last_monday(va)
    log(hourly, va, "1.5", monday)
    log(hourly, va, "2.25", monday + timedelta(days=6))  # Sunday is still the same ISO week
    sheet = Timesheet.objects.get(contract=hourly, week_start=monday)
    assert sheet.total_hours == Decimal("3.75")
    assert sheet.entries.count() == 2
    assert sheet.iso_week == f"{monday.isocalendar()[0]}-W{monday.isocalendar()[1]:02d}"


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        ("1.1", "quarter-hour steps"),
        ("0", "more than zero"),
        ("-1", "more than zero"),
        ("24.25", "at most 24"),
    ],
)
def test_it_refuses_hours_that_are_not_quarter_hours_between_0_and_24(hourly, va, hours, message):
    with pytest.raises(ValidationError, match=message):
        log(hourly, va, hours)
    assert not HourEntry.objects.exists()


def test_the_weekly_cap_refuses_the_entry_that_would_exceed_it(hourly, va):
    monday = last_monday(va)
    log(hourly, va, "8", monday)
    log(hourly, va, "2", monday + timedelta(days=1))  # exactly at the 10 hour cap: fine
    with pytest.raises(ValidationError) as refused:
        log(hourly, va, "0.25", monday + timedelta(days=2))
    assert "weekly cap is 10 hours" in str(refused.value)
    assert "at most 0 more" in str(refused.value)
    assert Timesheet.objects.get(week_start=monday).total_hours == Decimal("10")
    # The next week starts fresh.
    log(hourly, va, "3", monday + timedelta(days=7))


def test_a_day_has_at_most_24_hours_over_all_its_entries(client_user, va):
    contract = hourly_contract(client=client_user, va=va, cap=None)
    day = last_monday(va)
    log(contract, va, "20", day)
    with pytest.raises(ValidationError, match="a day has 24"):
        log(contract, va, "4.25", day)


def test_the_form_shows_the_cap_message_and_keeps_what_was_typed(client, hourly, va):
    monday = last_monday(va)
    log(hourly, va, "9", monday)
    client.force_login(va)
    response = client.post(
        reverse("contracts:hours_log", args=[hourly.pk]),
        {"work_date": monday.isoformat(), "hours": "1.5", "memo": "Scheduling for the team"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "weekly cap is 10 hours" in page
    assert 'value="Scheduling for the team"' in page
    assert 'value="1.5"' in page
    assert HourEntry.objects.count() == 1


def test_the_form_refuses_a_missing_memo(client, hourly, va):
    client.force_login(va)
    response = client.post(
        reverse("contracts:hours_log", args=[hourly.pk]),
        {"work_date": local_today(va).isoformat(), "hours": "1", "memo": ""},
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not HourEntry.objects.exists()


def test_it_refuses_future_dates_and_days_before_the_contract(client_user, va):
    contract = hourly_contract(client=client_user, va=va, started_days_ago=0)
    with pytest.raises(ValidationError, match="future"):
        log(contract, va, "1", local_today(va) + timedelta(days=1))
    with pytest.raises(ValidationError, match="started on"):
        log(contract, va, "1", local_today(va) - timedelta(days=3))


def test_per_task_contracts_do_not_log_hours(fixed, va):
    with pytest.raises(ValidationError, match="per deliverable"):
        log(fixed, va, "1")


def test_the_client_cannot_log_hours(hourly, client_user):
    with pytest.raises(ValidationError, match="Only the VA"):
        log(hourly, client_user, "1")


def test_no_hours_on_a_completed_contract(hourly, va, client_user):
    services.contract_complete(contract=hourly, client=client_user)
    with pytest.raises(ValidationError, match="has ended"):
        log(hourly, va, "1")


def test_approving_a_week_earns_hours_times_rate_and_closes_it(client, hourly, va, client_user):
    monday = last_monday(va)
    log(hourly, va, "2.5", monday)
    client.force_login(client_user)
    client.post(reverse("contracts:week_approve", args=[hourly.pk, monday.isoformat()]))
    sheet = Timesheet.objects.get(week_start=monday)
    assert sheet.status == Timesheet.Status.APPROVED
    assert sheet.amount == Decimal("25.00")  # 2.5 h × $10.00
    notification = Notification.objects.get(kind="hours_approved")
    assert notification.recipient == va
    assert notification.data["hours"] == "2.5" and notification.data["amount"] == "25.00"
    with pytest.raises(ValidationError, match="already approved"):
        log(hourly, va, "1", monday + timedelta(days=1))
    entry = sheet.entries.get()
    with pytest.raises(ValidationError, match="approved"):
        services.hour_entry_delete(entry=entry, va=va)


def test_disputing_a_week_needs_a_comment_and_a_correction_sends_it_back(
    client, hourly, va, client_user
):
    monday = last_monday(va)
    entry = log(hourly, va, "4", monday)
    client.force_login(client_user)
    url = reverse("contracts:week_dispute", args=[hourly.pk, monday.isoformat()])
    prefix = f"week-{monday.isoformat()}"
    response = client.post(url, {f"{prefix}-comment": ""})
    assert response.status_code == 400
    assert Timesheet.objects.get().status == Timesheet.Status.PENDING

    client.post(url, {f"{prefix}-comment": "Tuesday was a holiday."})
    sheet = Timesheet.objects.get()
    assert sheet.status == Timesheet.Status.DISPUTED
    assert (
        Notification.objects.get(kind="hours_disputed").data["comment"] == "Tuesday was a holiday."
    )

    services.hour_entry_delete(entry=entry, va=va)
    log(hourly, va, "3", monday)
    sheet.refresh_from_db()
    assert sheet.status == Timesheet.Status.PENDING
    assert sheet.total_hours == Decimal("3")


def test_only_the_client_approves_weeks(hourly, va):
    log(hourly, va, "1")
    with pytest.raises(ValidationError, match="Only the client"):
        services.timesheet_approve(timesheet=Timesheet.objects.get(), client=va)


def test_the_earnings_summary_counts_approved_hours_only(client, hourly, va, client_user):
    monday = last_monday(va)
    log(hourly, va, "2", monday)
    log(hourly, va, "1", monday + timedelta(days=7))
    services.timesheet_approve(
        timesheet=Timesheet.objects.get(week_start=monday), client=client_user
    )
    client.force_login(va)
    response = client.get(reverse("contracts:workspace", args=[hourly.pk]))
    earnings = response.context["earnings"]
    assert earnings["approved_hours"] == Decimal("2")
    assert earnings["pending_hours"] == Decimal("1")
    assert earnings["earned"] == Decimal("20.00")
    assert "$20.00" in response.content.decode()
