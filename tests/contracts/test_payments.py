"""No money moves: the client marks a period paid, the VA confirms receipt; both are recorded."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts import services
from contracts.models import PaymentMark, Timesheet
from contracts.services import week_start_of
from notifications.models import Notification
from tests.contracts.factories import local_today

pytestmark = pytest.mark.django_db


@pytest.fixture
def approved_week(hourly, va, client_user):
    monday = week_start_of(local_today(va)) - timedelta(days=7)
    services.hours_log(contract=hourly, va=va, work_date=monday, hours="3", memo="Bookkeeping")
    return services.timesheet_approve(timesheet=Timesheet.objects.get(), client=client_user)


def test_the_client_marks_an_approved_week_paid_and_the_va_confirms(
    client, hourly, approved_week, va, client_user
):
    client.force_login(client_user)
    week = approved_week.week_start.isoformat()
    client.post(
        reverse("contracts:week_paid", args=[hourly.pk, week]), {"note": "BCA transfer 0042"}
    )
    mark = PaymentMark.objects.get()
    assert mark.timesheet == approved_week
    assert str(mark.amount) == "30.00" and mark.currency == "USD"
    assert mark.marked_by == client_user and mark.marked_at is not None
    assert mark.note == "BCA transfer 0042"
    assert Notification.objects.get(kind="payment_marked").recipient == va

    client.force_login(va)
    client.post(reverse("contracts:payment_confirm", args=[hourly.pk, mark.pk]))
    mark.refresh_from_db()
    assert mark.confirmed_at is not None and mark.confirmed_by == va
    assert Notification.objects.get(kind="payment_confirmed").recipient == client_user


def test_a_period_is_marked_paid_once(hourly, approved_week, client_user):
    services.payment_mark(contract=hourly, client=client_user, timesheet=approved_week)
    with pytest.raises(ValidationError, match="already marked"):
        services.payment_mark(contract=hourly, client=client_user, timesheet=approved_week)


def test_unapproved_work_cannot_be_marked_paid(client, hourly, va, client_user):
    services.hours_log(contract=hourly, va=va, work_date=local_today(va), hours="1", memo="Inbox")
    sheet = Timesheet.objects.get()
    client.force_login(client_user)
    response = client.post(
        reverse("contracts:week_paid", args=[hourly.pk, sheet.week_start.isoformat()]), follow=True
    )
    assert "Only approved work can be marked as paid." in response.content.decode()
    assert not PaymentMark.objects.exists()


def test_the_va_cannot_mark_paid_and_the_client_cannot_confirm(
    hourly, approved_week, va, client_user
):
    with pytest.raises(ValidationError, match="Only the client"):
        services.payment_mark(contract=hourly, client=va, timesheet=approved_week)
    mark = services.payment_mark(contract=hourly, client=client_user, timesheet=approved_week)
    with pytest.raises(ValidationError, match="Only the VA"):
        services.payment_confirm(payment=mark, va=client_user)
    services.payment_confirm(payment=mark, va=va)
    with pytest.raises(ValidationError, match="already confirmed"):
        services.payment_confirm(payment=mark, va=va)


def test_a_per_task_payment_is_for_the_approved_deliverable(fixed, va, client_user):
    deliverable = services.deliverable_submit(contract=fixed, va=va, note="Done")
    with pytest.raises(ValidationError, match="Only approved work"):
        services.payment_mark(contract=fixed, client=client_user, deliverable=deliverable)
    services.deliverable_approve(deliverable=deliverable, client=client_user)
    mark = services.payment_mark(contract=fixed, client=client_user, deliverable=deliverable)
    assert str(mark.amount) == "400000.00" and mark.currency == "IDR"


def test_the_statement_lists_approved_work_and_paid_marks_without_emails(
    client, hourly, approved_week, va, client_user
):
    mark = services.payment_mark(contract=hourly, client=client_user, timesheet=approved_week)
    services.payment_confirm(payment=mark, va=va)
    client.force_login(client_user)
    page = client.get(reverse("contracts:statement", args=[hourly.pk])).content.decode()
    assert "Alice Client" in page and "Vina Assistant" in page
    assert "alice@example.com" not in page and "vina@example.com" not in page
    assert approved_week.iso_week in page
    assert "$30.00" in page
    assert "Receipt confirmed" in page
