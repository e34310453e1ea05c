"""Hourly contracts, week by week: an approved week is charged (hours x rate, from the
server) and, once the provider confirms, released to the VA less the fee; a week may be
pre-funded up to the weekly cap, the approved amount released from it and the rest refunded."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts import services as contract_services
from contracts.models import Timesheet
from contracts.services import week_start_of
from payments import services
from payments.models import Account, Dispute, LedgerTransaction, Payment
from tests.api.conftest import api_as
from tests.contracts.factories import hourly_contract, local_today
from tests.payments.conftest import balance, deliver, process

pytestmark = pytest.mark.django_db

RATE = Decimal("10.00")  # the hourly factory's rate, in dollars


@pytest.fixture
def hourly(client_user, va):
    """Alice hired Vina by the hour: $10 an hour, at most 10 hours a week."""
    return hourly_contract(client=client_user, va=va, cap=Decimal("10"))


def this_monday(contract):
    return week_start_of(local_today(contract.va))


def log_and_approve(contract, hours) -> Timesheet:
    contract_services.hours_log(
        contract=contract,
        va=contract.va,
        work_date=local_today(contract.va),
        hours=hours,
        memo="Inbox and calendar",
    )
    sheet = Timesheet.objects.get(contract=contract, week_start=this_monday(contract))
    return contract_services.timesheet_approve(timesheet=sheet, client=contract.client)


def pay(payment: Payment) -> Payment:
    process(deliver(payment))
    payment.refresh_from_db()
    return payment


def usd(kind, **owner):
    return balance(kind, "USD", **owner)


def released_for(contract, week) -> Decimal:
    return sum(
        LedgerTransaction.objects.filter(
            contract=contract, kind="release", payment__week=week
        ).values_list("amount", flat=True),
        Decimal("0"),
    )


# --- the week charge ---------------------------------------------------------------------


def test_approving_a_week_creates_its_charge_from_the_server(hourly):
    log_and_approve(hourly, "3.5")
    payment = Payment.objects.get()
    assert (payment.week, payment.amount, payment.currency, payment.status) == (
        this_monday(hourly),
        Decimal("35.00"),
        "USD",
        Payment.Status.PENDING,
    )
    assert not LedgerTransaction.objects.exists()  # nothing moves before the provider says so


def test_paying_the_week_funds_and_releases_it_at_once_less_the_fee(hourly):
    log_and_approve(hourly, "3.5")
    payment = services.week_pay_start(
        contract=hourly, client=hourly.client, week=this_monday(hourly)
    )
    assert payment == Payment.objects.get()  # the charge made at approval, not a new one
    assert pay(payment).status == Payment.Status.RELEASED
    assert usd(Account.Kind.VA_AVAILABLE, user=hourly.va) == Decimal("31.50")
    assert usd(Account.Kind.PLATFORM_FEES) == Decimal("3.50")
    assert usd(Account.Kind.CLIENT_FUNDING, user=hourly.client) == Decimal("-35.00")
    assert usd(Account.Kind.ESCROW, contract=hourly) == 0
    kinds = list(LedgerTransaction.objects.values_list("kind", flat=True))
    assert kinds == ["funding", "release"]
    with pytest.raises(ValidationError, match="already paid"):
        services.week_pay_start(contract=hourly, client=hourly.client, week=this_monday(hourly))


def test_the_webhook_twice_funds_the_week_once(hourly):
    log_and_approve(hourly, "2")
    payment = Payment.objects.get()
    event = deliver(payment, event_id="evt-week-1")
    process(event)
    assert deliver(payment, event_id="evt-week-1") == event  # the same event is stored once
    process(deliver(payment, event_id="evt-week-2"))  # the same news under a new id
    assert LedgerTransaction.objects.filter(kind="funding").count() == 1
    assert LedgerTransaction.objects.filter(kind="release").count() == 1
    assert usd(Account.Kind.VA_AVAILABLE, user=hourly.va) == Decimal("18.00")


def test_without_a_provider_approval_still_works_and_charges_nothing(hourly, settings):
    settings.PAYMENTS_SANDBOX = False
    log_and_approve(hourly, "2")
    assert not Payment.objects.exists()
    with pytest.raises(ValidationError, match="not available"):
        services.week_pay_start(contract=hourly, client=hourly.client, week=this_monday(hourly))


# --- pre-funding -------------------------------------------------------------------------


def test_a_prefund_is_the_weekly_cap_times_the_rate_and_is_held(hourly):
    payment = services.week_prefund_start(
        contract=hourly, client=hourly.client, week=this_monday(hourly)
    )
    assert payment.amount == Decimal("100.00")  # 10 hours x $10
    assert pay(payment).status == Payment.Status.PAID
    assert usd(Account.Kind.ESCROW, contract=hourly) == Decimal("100.00")
    with pytest.raises(ValidationError, match="already pre-funded"):
        services.week_prefund_start(contract=hourly, client=hourly.client, week=this_monday(hourly))


def test_approval_releases_the_approved_hours_from_the_prefund_and_refunds_the_rest(hourly):
    pay(
        services.week_prefund_start(contract=hourly, client=hourly.client, week=this_monday(hourly))
    )
    log_and_approve(hourly, "4")
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.RELEASED
    assert usd(Account.Kind.VA_AVAILABLE, user=hourly.va) == Decimal("36.00")
    assert usd(Account.Kind.PLATFORM_FEES) == Decimal("4.00")
    assert usd(Account.Kind.CLIENT_FUNDING, user=hourly.client) == Decimal("-40.00")
    assert usd(Account.Kind.ESCROW, contract=hourly) == 0
    refund = LedgerTransaction.objects.get(kind="refund")
    assert refund.amount == Decimal("60.00") and refund.payment == payment
    with pytest.raises(ValidationError, match="already paid"):
        services.week_pay_start(contract=hourly, client=hourly.client, week=this_monday(hourly))


def test_a_smaller_prefund_is_released_whole_and_the_difference_is_charged(hourly):
    prefund = services.week_prefund_start(
        contract=hourly, client=hourly.client, week=this_monday(hourly), hours=Decimal("2.5")
    )
    assert prefund.amount == Decimal("25.00")
    pay(prefund)
    log_and_approve(hourly, "6")
    prefund.refresh_from_db()
    assert prefund.status == Payment.Status.RELEASED
    charge = Payment.objects.get(status=Payment.Status.PENDING)
    assert (charge.week, charge.amount) == (this_monday(hourly), Decimal("35.00"))
    assert (
        services.week_pay_start(contract=hourly, client=hourly.client, week=this_monday(hourly))
        == charge
    )
    pay(charge)
    assert charge.status == Payment.Status.RELEASED
    assert released_for(hourly, this_monday(hourly)) == Decimal("60.00")
    assert usd(Account.Kind.VA_AVAILABLE, user=hourly.va) == Decimal("54.00")


def test_a_stale_prefund_paid_after_approval_never_pays_the_va_more_than_approved(hourly):
    stale = services.week_prefund_start(
        contract=hourly, client=hourly.client, week=this_monday(hourly)
    )
    log_and_approve(hourly, "3")  # the open pre-fund checkout is replaced by the week's charge
    stale.refresh_from_db()
    assert stale.status == Payment.Status.EXPIRED
    charge = Payment.objects.get(status=Payment.Status.PENDING)
    pay(charge)
    pay(stale)  # the client paid the old page anyway: it all goes back
    stale.refresh_from_db()
    assert stale.status == Payment.Status.REFUNDED
    assert released_for(hourly, this_monday(hourly)) == Decimal("30.00")
    assert usd(Account.Kind.CLIENT_FUNDING, user=hourly.client) == Decimal("-30.00")


def test_a_stale_prefund_paid_first_covers_the_week_and_shrinks_the_charge(hourly):
    stale = services.week_prefund_start(
        contract=hourly, client=hourly.client, week=this_monday(hourly), hours=Decimal("1")
    )
    log_and_approve(hourly, "3")
    first_charge = Payment.objects.get(status=Payment.Status.PENDING)
    pay(stale)  # $10 of the $30 week, released at once
    first_charge.refresh_from_db()
    assert first_charge.status == Payment.Status.EXPIRED
    charge = Payment.objects.get(status=Payment.Status.PENDING)
    assert charge.amount == Decimal("20.00")
    pay(charge)
    assert released_for(hourly, this_monday(hourly)) == Decimal("30.00")


def test_ending_the_contract_refunds_a_held_prefund(hourly):
    pay(
        services.week_prefund_start(contract=hourly, client=hourly.client, week=this_monday(hourly))
    )
    contract_services.contract_end(contract=hourly, user=hourly.client, reason="Plans changed")
    assert Payment.objects.get().status == Payment.Status.REFUNDED
    assert usd(Account.Kind.CLIENT_FUNDING, user=hourly.client) == 0


# --- disputed weeks ----------------------------------------------------------------------


def test_a_disputed_week_keeps_its_prefund_held(hourly):
    prefund = pay(
        services.week_prefund_start(contract=hourly, client=hourly.client, week=this_monday(hourly))
    )
    contract_services.hours_log(
        contract=hourly, va=hourly.va, work_date=local_today(hourly.va), hours="9", memo="Work"
    )
    sheet = Timesheet.objects.get()
    contract_services.timesheet_dispute(timesheet=sheet, client=hourly.client, comment="Too many")
    prefund.refresh_from_db()
    assert prefund.status == Payment.Status.PAID
    assert usd(Account.Kind.ESCROW, contract=hourly) == Decimal("100.00")
    assert not LedgerTransaction.objects.filter(kind__in=["release", "refund"]).exists()


def test_an_open_payment_dispute_refuses_the_weeks_approval(hourly):
    prefund = pay(
        services.week_prefund_start(contract=hourly, client=hourly.client, week=this_monday(hourly))
    )
    services.dispute_open(
        contract=hourly, user=hourly.va, payment_id=prefund.pk, reason="The hours were agreed"
    )
    contract_services.hours_log(
        contract=hourly, va=hourly.va, work_date=local_today(hourly.va), hours="5", memo="Work"
    )
    with pytest.raises(ValidationError, match="dispute is open"):
        contract_services.timesheet_approve(timesheet=Timesheet.objects.get(), client=hourly.client)
    assert Timesheet.objects.get().status == Timesheet.Status.PENDING  # rolled back together
    prefund.refresh_from_db()
    assert prefund.status == Payment.Status.PAID
    assert Dispute.objects.open().count() == 1


# --- refusals ----------------------------------------------------------------------------


def test_only_the_client_pays_or_prefunds_a_week(hourly, other_client):
    log_and_approve(hourly, "1")
    before = Payment.objects.count()
    for user in (hourly.va, other_client):
        with pytest.raises(ValidationError, match="Only the client"):
            services.week_pay_start(contract=hourly, client=user, week=this_monday(hourly))
        with pytest.raises(ValidationError, match="Only the client"):
            services.week_prefund_start(contract=hourly, client=user, week=this_monday(hourly))
    assert Payment.objects.count() == before


def test_per_task_contracts_are_not_paid_by_the_week(fixed):
    monday = week_start_of(local_today(fixed.va))
    with pytest.raises(ValidationError, match="Only hourly"):
        services.week_prefund_start(contract=fixed, client=fixed.client, week=monday)
    assert not Payment.objects.exists()


def test_a_contract_without_a_cap_cannot_be_prefunded_but_its_weeks_are_charged(client_user, va):
    contract = hourly_contract(client=client_user, va=va, cap=None)
    with pytest.raises(ValidationError, match="no weekly hour cap"):
        services.week_prefund_start(
            contract=contract, client=client_user, week=this_monday(contract)
        )
    log_and_approve(contract, "12")
    assert Payment.objects.get().amount == Decimal("120.00")


# --- the pages ---------------------------------------------------------------------------


def _errors(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_pay_this_week_sends_the_client_to_the_checkout(client, hourly):
    log_and_approve(hourly, "2")
    client.force_login(hourly.client)
    page = client.get(hourly.get_absolute_url()).content.decode()
    assert "Pay this week ($20.00)" in page
    response = client.post(
        reverse("payments:week_pay", args=[hourly.pk]),
        {"week": this_monday(hourly).isoformat(), "amount": "1"},
    )
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/payments/sandbox/{payment.reference}/"
    assert payment.amount == Decimal("20.00")  # the posted "amount" is ignored
    pay(payment)
    page = client.get(hourly.get_absolute_url()).content.decode()
    assert "Pay this week" not in page


def test_the_prefund_button_holds_the_cap(client, hourly):
    client.force_login(hourly.client)
    page = client.get(hourly.get_absolute_url()).content.decode()
    assert "Pre-fund $100.00" in page
    response = client.post(
        reverse("payments:week_prefund", args=[hourly.pk]),
        {"week": this_monday(hourly).isoformat(), "amount": "5"},
    )
    payment = Payment.objects.get()
    assert response["Location"] == payment.get_checkout_url()
    assert payment.amount == Decimal("100.00")


@pytest.mark.parametrize(
    ("url_name", "data", "message"),
    [
        ("payments:week_pay", {}, "Choose a week by its Monday."),
        ("payments:week_pay", {"week": "next tuesday"}, "Enter the week's Monday as YYYY-MM-DD."),
        ("payments:week_pay", {"week": "MONDAY"}, "not approved yet"),
        ("payments:week_prefund", {"week": "MONDAY", "hours": "10.25"}, "weekly cap is 10 hours"),
        ("payments:week_prefund", {"week": "MONDAY", "hours": "0"}, "quarter-hour steps"),
        ("payments:week_prefund", {"week": "MONDAY", "hours": "lots"}, "as a number"),
        ("payments:week_prefund", {"week": "TUESDAY"}, "Choose a week by its Monday."),
        ("payments:week_prefund", {"week": "BEFORE"}, "The contract started in the week of"),
        ("payments:week_pay", {"week": "BEFORE"}, "The contract started in the week of"),
        ("payments:week_prefund", {"week": "LATER"}, "current week and the next one"),
    ],
)
def test_bad_week_input_shows_a_clear_message_and_saves_nothing(
    client, hourly, url_name, data, message
):
    monday = this_monday(hourly)
    days = {
        "MONDAY": monday,
        "TUESDAY": monday + timedelta(days=1),
        "BEFORE": week_start_of(hourly.started_at.date()) - timedelta(days=7),
        "LATER": monday + timedelta(days=14),
    }
    data = {k: (days[v].isoformat() if v in days else v) for k, v in data.items()}
    client.force_login(hourly.client)
    response = client.post(reverse(url_name, args=[hourly.pk]), data)
    assert response.status_code == 302 and response["Location"].endswith("#escrow")
    assert any(message in text for text in _errors(response)), _errors(response)
    assert not Payment.objects.exists()


def test_an_approved_week_is_paid_not_prefunded(client, hourly):
    log_and_approve(hourly, "1")
    client.force_login(hourly.client)
    response = client.post(
        reverse("payments:week_prefund", args=[hourly.pk]),
        {"week": this_monday(hourly).isoformat()},
    )
    assert any("already approved" in text for text in _errors(response))
    assert Payment.objects.count() == 1  # only the charge made at approval


@pytest.mark.parametrize("url_name", ["payments:week_pay", "payments:week_prefund"])
def test_the_va_is_refused_and_outsiders_get_404(client, hourly, other_client, url_name):
    log_and_approve(hourly, "1")
    url = reverse(url_name, args=[hourly.pk])
    data = {"week": this_monday(hourly).isoformat()}
    client.force_login(hourly.va)
    response = client.post(url, data)
    assert response.status_code == 302 and "#escrow" in response["Location"]
    assert any("Only the client" in text for text in _errors(response))
    client.force_login(other_client)
    assert client.post(url, data).status_code == 404
    client.logout()
    assert client.post(url, data).status_code == 302  # to sign in
    assert (
        Payment.objects.count() == 1
        and not Payment.objects.exclude(status=Payment.Status.PENDING).exists()
    )


def test_the_statement_and_receipt_name_the_week(client, hourly):
    log_and_approve(hourly, "2")
    pay(Payment.objects.get())
    client.force_login(hourly.client)
    statement = client.get(reverse("payments:statement", args=[hourly.pk])).content.decode()
    assert statement.count("Week of") == 2  # its funding and its release
    release = LedgerTransaction.objects.get(kind="release")
    receipt = client.get(reverse("payments:receipt", args=[release.pk])).content.decode()
    assert "Week of" in receipt and "$18.00" in receipt


# --- the API -----------------------------------------------------------------------------


def test_the_api_pays_an_approved_week_and_prefunds_another(hourly, va):
    log_and_approve(hourly, "2")
    api = api_as(hourly.client)
    path = f"/api/v1/contracts/{hourly.pk}/fund/"
    monday = this_monday(hourly)
    started = api.post(path, {"week": monday.isoformat(), "amount": "1"}, format="json")
    assert started.status_code == 201, started.json()
    body = started.json()
    assert (Decimal(body["amount"]), body["week"], body["status"]) == (
        Decimal("20.00"),
        monday.isoformat(),
        "pending",
    )
    pay(Payment.objects.get(reference=body["reference"]))
    assert usd(Account.Kind.VA_AVAILABLE, user=va) == Decimal("18.00")

    nxt = monday + timedelta(days=7)
    prefund = api.post(path, {"week": nxt.isoformat(), "hours": "4"}, format="json")
    assert prefund.status_code == 201, prefund.json()
    assert Decimal(prefund.json()["amount"]) == Decimal("40.00")
    over = api.post(path, {"week": nxt.isoformat(), "hours": "11"}, format="json")
    assert over.status_code in (400, 409)
    assert "weekly cap" in str(over.json())
    assert api_as(va).post(path, {"week": nxt.isoformat()}, format="json").status_code == 409
    assert Payment.objects.count() == 2
