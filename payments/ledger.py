"""The one place that writes the ledger: balanced transactions, running balances.

`post()` is the only function that creates `Entry` rows or changes `Account.balance`.
It refuses an unbalanced or mixed-currency transaction before touching the database, locks
the accounts it moves (in primary-key order, so two posts never deadlock), adds each entry
to its account's running total under that lock, and lets the check constraints refuse a
balance with the wrong sign. Migration 0002's deferred trigger re-checks the sum at commit.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from contracts.models import quantize_money
from marketplace.templatetags.money import platform_fee
from payments.models import Account, Entry, LedgerTransaction, Payment, Payout

PLATFORM_OWNED = {Account.Kind.PLATFORM_FEES, Account.Kind.PROVIDER_FEES}


def account_for(*, kind: str, currency: str, user=None, contract=None) -> Account:
    """The account of this kind for this owner and currency, created on first use."""
    lookup = {"kind": kind, "currency": currency, "user": user, "contract": contract}
    account = Account.objects.filter(**lookup).first()
    if account is not None:
        return account
    try:
        with transaction.atomic():
            return Account.objects.create(**lookup)
    except IntegrityError:
        # Another transaction created it between our read and our insert.
        return Account.objects.get(**lookup)


@dataclass(frozen=True)
class Leg:
    account: Account
    amount: Decimal


def post(
    *,
    kind: str,
    legs: Sequence[Leg],
    amount: Decimal,
    fee: Decimal = Decimal("0"),
    contract=None,
    payment: Payment | None = None,
    payout: Payout | None = None,
) -> LedgerTransaction:
    """Write one balanced transaction; must run inside the caller's transaction. A
    contract's movement names its contract and payment, a withdrawal its payout."""
    currency = (payment or payout).currency
    legs = [leg for leg in legs if leg.amount != 0]
    if len(legs) < 2:
        raise ValueError("a ledger transaction needs at least two non-zero legs")
    if any(leg.account.currency != currency for leg in legs):
        raise ValueError("a ledger transaction is in one currency only")
    if any(quantize_money(leg.amount, currency) != leg.amount for leg in legs):
        raise ValueError(f"amounts must be whole units of {currency}")
    if sum((leg.amount for leg in legs), Decimal("0")) != 0:
        raise ValueError("the entries of a ledger transaction must sum to zero")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger.post must run inside a transaction")

    ids = sorted({leg.account.pk for leg in legs})
    locked = {
        a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    txn = LedgerTransaction.objects.create(
        kind=kind,
        currency=currency,
        contract=contract,
        payment=payment,
        payout=payout,
        amount=amount,
        fee=fee,
    )
    Entry.objects.bulk_create(
        Entry(transaction=txn, account=locked[leg.account.pk], amount=leg.amount, currency=currency)
        for leg in legs
    )
    for leg in legs:
        try:
            with transaction.atomic():
                Account.objects.filter(pk=leg.account.pk).update(balance=F("balance") + leg.amount)
        except IntegrityError as exc:
            raise ValidationError(_("There is not enough money in the account for this.")) from exc
    return txn


def fee_for(amount: Decimal, currency: str, percent: Decimal) -> Decimal:
    """The platform's share of `amount`, rounded to the currency's unit (never above it)."""
    return platform_fee(amount, currency, percent)
