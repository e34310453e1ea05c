"""The ledger refuses anything that does not balance, in the service and in the database."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from payments import ledger
from payments.ledger import Leg
from payments.models import Account, Entry, LedgerTransaction
from tests.payments.conftest import fund

pytestmark = pytest.mark.django_db


@pytest.fixture
def accounts(fixed):
    funding = ledger.account_for(kind="client_funding", currency="IDR", user=fixed.client)
    escrow = ledger.account_for(kind="escrow", currency="IDR", contract=fixed)
    dollars = ledger.account_for(kind="escrow", currency="USD", contract=fixed)
    return funding, escrow, dollars


def _post(fixed, legs, amount=Decimal("100")):
    payment = fixed.escrow_payments.create(client=fixed.client, amount=amount, currency="IDR")
    return ledger.post(kind="funding", contract=fixed, payment=payment, legs=legs, amount=amount)


def test_it_refuses_entries_that_do_not_sum_to_zero(fixed, accounts):
    funding, escrow, _ = accounts
    with pytest.raises(ValueError, match="sum to zero"):
        _post(fixed, [Leg(funding, Decimal("-100")), Leg(escrow, Decimal("99"))])
    assert not Entry.objects.exists()
    assert Account.objects.get(pk=escrow.pk).balance == 0


def test_it_refuses_a_transaction_in_two_currencies(fixed, accounts):
    funding, _, dollars = accounts
    with pytest.raises(ValueError, match="one currency"):
        _post(fixed, [Leg(funding, Decimal("-100")), Leg(dollars, Decimal("100"))])
    assert not Entry.objects.exists()


def test_it_refuses_fractions_of_a_rupiah(fixed, accounts):
    funding, escrow, _ = accounts
    with pytest.raises(ValueError, match="whole units"):
        _post(fixed, [Leg(funding, Decimal("-100.5")), Leg(escrow, Decimal("100.5"))])


def test_it_refuses_a_single_leg(fixed, accounts):
    funding, escrow, _ = accounts
    with pytest.raises(ValueError, match="two non-zero legs"):
        _post(fixed, [Leg(funding, Decimal("0")), Leg(escrow, Decimal("0"))])


def test_it_refuses_to_take_more_out_of_escrow_than_it_holds(fixed, accounts):
    funding, escrow, _ = accounts
    with transaction.atomic():
        with pytest.raises(ValidationError):
            _post(fixed, [Leg(escrow, Decimal("-100")), Leg(funding, Decimal("100"))])
        transaction.set_rollback(True)
    assert Account.objects.get(pk=escrow.pk).balance == 0


def test_a_balanced_post_moves_the_running_balances(fixed, accounts):
    funding, escrow, _ = accounts
    txn = _post(fixed, [Leg(funding, Decimal("-100")), Leg(escrow, Decimal("100"))])
    assert sorted(txn.entries.values_list("amount", flat=True)) == [Decimal("-100"), Decimal("100")]
    assert Account.objects.get(pk=funding.pk).balance == Decimal("-100")
    assert Account.objects.get(pk=escrow.pk).balance == Decimal("100")
    txn.payment.status = "paid"  # what the service does beside the post
    txn.payment.save()


@pytest.mark.no_ledger_check
def test_the_database_refuses_an_unbalanced_transaction_at_commit(fixed):
    """A hand-written entry that bypasses the service is refused by the deferred trigger."""
    payment = fund(fixed)
    txn = LedgerTransaction.objects.get(payment=payment, kind="funding")
    escrow = Account.objects.get(kind="escrow", contract=fixed)
    with pytest.raises(IntegrityError, match="does not balance"):
        with transaction.atomic():
            Entry.objects.create(
                transaction=txn, account=escrow, amount=Decimal("1"), currency="IDR"
            )
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


@pytest.mark.no_ledger_check
def test_the_database_refuses_an_entry_in_another_currency(fixed):
    payment = fund(fixed)
    txn = LedgerTransaction.objects.get(payment=payment, kind="funding")
    dollars = ledger.account_for(kind="escrow", currency="USD", contract=fixed)
    with pytest.raises(IntegrityError, match="mixes currencies"):
        with transaction.atomic():
            entry = txn.entries.filter(amount__gt=0).get()
            Entry.objects.filter(pk=entry.pk).update(account=dollars, currency="USD")
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_balanced_hand_written_transaction_passes_the_trigger(fixed):
    """Guards the two tests above: the trigger refuses imbalance, not every write."""
    payment = fund(fixed)
    txn = LedgerTransaction.objects.get(payment=payment, kind="funding")
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    assert txn.entries.count() == 2


@pytest.mark.parametrize(
    ("amount", "currency", "fee"),
    [
        (Decimal("400000"), "IDR", Decimal("40000")),
        (Decimal("12345"), "IDR", Decimal("1234")),
        (Decimal("123.45"), "USD", Decimal("12.34")),
        (Decimal("0.05"), "USD", Decimal("0.00")),
    ],
)
def test_the_fee_is_rounded_to_the_currencys_unit(amount, currency, fee):
    assert ledger.fee_for(amount, currency, Decimal("10")) == fee
