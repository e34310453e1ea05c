"""Approval releases escrow to the VA less the platform fee; ending early refunds it."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from contracts import services as contract_services
from contracts.models import Deliverable
from payments import services
from payments.models import Account, LedgerTransaction, Payment
from tests.payments.conftest import approve, balance, deliver, fund, process

pytestmark = pytest.mark.django_db


def test_approval_releases_the_price_less_the_fee(fixed):
    payment = fund(fixed)
    approve(fixed)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.RELEASED
    release = LedgerTransaction.objects.get(kind="release")
    assert (release.amount, release.fee, release.net) == (
        Decimal("400000"),
        Decimal("40000"),
        Decimal("360000"),
    )
    assert balance(Account.Kind.ESCROW, contract=fixed) == 0
    assert balance(Account.Kind.VA_AVAILABLE, user=fixed.va) == Decimal("360000")
    assert balance(Account.Kind.PLATFORM_FEES) == Decimal("40000")
    assert sorted(release.entries.values_list("amount", flat=True)) == [
        Decimal("-400000"),
        Decimal("40000"),
        Decimal("360000"),
    ]


def test_the_fee_is_a_setting(fixed, settings):
    settings.PLATFORM_FEE_PERCENT = "12.5"
    fund(fixed)
    approve(fixed)
    assert balance(Account.Kind.PLATFORM_FEES) == Decimal("50000")
    assert balance(Account.Kind.VA_AVAILABLE, user=fixed.va) == Decimal("350000")


def test_dollars_are_released_to_the_cent(fixed_usd):
    fund(fixed_usd)
    approve(fixed_usd)
    assert balance(Account.Kind.VA_AVAILABLE, "USD", user=fixed_usd.va) == Decimal("111.11")
    assert balance(Account.Kind.PLATFORM_FEES, "USD") == Decimal("12.34")
    assert balance(Account.Kind.PLATFORM_FEES, "IDR") == 0


def test_approving_unfunded_work_moves_no_money(fixed):
    approve(fixed)
    assert not LedgerTransaction.objects.exists()
    assert Deliverable.objects.get(contract=fixed).status == Deliverable.Status.APPROVED


def test_asking_for_changes_keeps_the_money_in_escrow(fixed):
    fund(fixed)
    deliverable = contract_services.deliverable_submit(contract=fixed, va=fixed.va, note="v1")
    contract_services.deliverable_request_changes(
        deliverable=deliverable, client=fixed.client, comment="Use years, not months"
    )
    assert balance(Account.Kind.ESCROW, contract=fixed) == Decimal("400000")
    assert balance(Account.Kind.VA_AVAILABLE, user=fixed.va) == 0


@pytest.mark.parametrize("ended_by", ["client", "va"])
def test_ending_early_refunds_the_unreleased_money(fixed, ended_by):
    payment = fund(fixed)
    user = fixed.client if ended_by == "client" else fixed.va
    contract_services.contract_end(contract=fixed, user=user, reason="Plans changed")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert balance(Account.Kind.ESCROW, contract=fixed) == 0
    assert balance(Account.Kind.CLIENT_FUNDING, user=fixed.client) == 0
    assert LedgerTransaction.objects.filter(kind="refund").count() == 1


def test_ending_after_the_release_refunds_nothing(fixed):
    fund(fixed)
    approve(fixed)
    contract_services.contract_end(contract=fixed, user=fixed.client, reason="Done anyway")
    assert not LedgerTransaction.objects.filter(kind="refund").exists()
    assert balance(Account.Kind.VA_AVAILABLE, user=fixed.va) == Decimal("360000")


def test_money_confirmed_after_the_approval_goes_straight_to_the_va(fixed):
    payment = services.funding_start(contract=fixed, client=fixed.client)
    event = deliver(payment, "pay")
    approve(fixed)  # the client approved before the provider's webhook was processed
    process(event)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.RELEASED
    assert balance(Account.Kind.VA_AVAILABLE, user=fixed.va) == Decimal("360000")


def test_money_confirmed_after_the_contract_ended_goes_back_to_the_client(fixed):
    payment = services.funding_start(contract=fixed, client=fixed.client)
    event = deliver(payment, "pay")
    contract_services.contract_end(contract=fixed, user=fixed.va, reason="Cannot do it")
    process(event)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert balance(Account.Kind.CLIENT_FUNDING, user=fixed.client) == 0


def test_a_refused_release_rolls_the_approval_back(fixed, monkeypatch):
    """The hook runs in the approval's transaction: if the ledger refuses, nothing is approved."""
    fund(fixed)
    deliverable = contract_services.deliverable_submit(contract=fixed, va=fixed.va, note="Done")
    monkeypatch.setattr(services, "platform_fee_percent", lambda: Decimal("-10"))
    with pytest.raises((IntegrityError, ValidationError)):
        contract_services.deliverable_approve(deliverable=deliverable, client=fixed.client)
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.SUBMITTED
    assert balance(Account.Kind.ESCROW, contract=fixed) == Decimal("400000")


def test_completing_while_money_is_held_is_refused(fixed):
    fund(fixed)
    with pytest.raises(ValidationError, match="held in escrow"):
        contract_services.contract_complete(contract=fixed, client=fixed.client)
    fixed.refresh_from_db()
    assert fixed.is_active
    approve(fixed)
    contract_services.contract_complete(contract=fixed, client=fixed.client)
    fixed.refresh_from_db()
    assert not fixed.is_active
    assert balance(Account.Kind.VA_AVAILABLE, user=fixed.va) == Decimal("360000")
