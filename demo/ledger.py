"""The seed's money: escrow payments, milestones, payouts and their double-entry ledger,
written by COPY for the contracts `manage.py seed` made (issue 17's benchmark).

The movements are the ones payments.services posts, in the same shapes: funding (client
funding → escrow), release (escrow → VA available, less the platform fee), withdrawal
(available → pending payout) and its payout (pending → paid out). Per-task contracts are
funded whole or in one to five milestones (released when approved; an active contract
holds its current one); hourly contracts are charged week by week and their VAs often
withdraw after a week. Running balances are added up here as the rows are made, so
`Account.balance` equals the sum of its entries, as `payments.ledger.post` keeps it.

One fixed case for the benchmark: the first active per-task contract has 50 milestones
with 50 payments (45 released, 5 held) — `bench_contract()` finds it.
"""

import random
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.db.models import Max
from django.utils import timezone

from contracts.models import Contract, quantize_money
from demo.bulk import copy_rows
from marketplace.templatetags.money import platform_fee
from payments.models import Account, Entry, LedgerTransaction, Milestone, Payment, Payout

BENCH_MILESTONES = 50
BENCH_HELD = 5
MILESTONE_TITLES = [
    "Set-up and access",
    "First draft",
    "Revisions",
    "Final delivery",
    "Persiapan dan akses",
    "Draf pertama",
    "Revisi",
    "Penyerahan akhir",
]


def bench_contract() -> Contract | None:
    """The seeded contract with the benchmark's 50 payments (its 50th milestone marks it)."""
    milestone = (
        Milestone.objects.filter(position=BENCH_MILESTONES)
        .select_related("contract__client", "contract__va")
        .order_by("contract_id")
        .first()
    )
    return milestone.contract if milestone else None


def _next_id(model) -> int:
    return (model.objects.aggregate(top=Max("pk"))["top"] or 0) + 1


class _Book:
    """Rows of the ledger as they are made, with each account's running balance."""

    def __init__(self, fee_percent: Decimal, limit: int):
        self.fee_percent = fee_percent
        self.limit = limit
        self.accounts: dict[tuple, list] = {}  # (kind, currency, user, contract) → [id, balance]
        self.existing: set[tuple] = set()
        for account in Account.objects.all():
            key = (account.kind, account.currency, account.user_id, account.contract_id)
            self.accounts[key] = [account.pk, account.balance]
            self.existing.add(key)
        self.next_account = _next_id(Account)
        self.next_txn = _next_id(LedgerTransaction)
        self.next_payment = _next_id(Payment)
        self.next_payout = _next_id(Payout)
        self.next_milestone = _next_id(Milestone)
        self.transactions: list[tuple] = []
        self.entries: list[tuple] = []
        self.payments: list[tuple] = []
        self.payouts: list[tuple] = []
        self.milestones: list[tuple] = []

    @property
    def full(self) -> bool:
        return len(self.entries) >= self.limit

    def account(self, kind: str, currency: str, *, user=None, contract=None) -> list:
        key = (kind, currency, user, contract)
        if key not in self.accounts:
            self.accounts[key] = [self.next_account, Decimal("0")]
            self.next_account += 1
        return self.accounts[key]

    def post(
        self, kind, currency, at, legs, *, amount, fee=Decimal("0"), payment=None, payout=None
    ):
        txn = self.next_txn
        self.next_txn += 1
        contract = payment[1] if payment else None
        self.transactions.append(
            (txn, kind, currency, contract, payment and payment[0], payout, amount, fee, at)
        )
        for account, value in legs:
            if value:
                account[1] += value
                self.entries.append((txn, account[0], value, currency, at))

    # --- the movements, as payments.services posts them -------------------------------

    def fund(self, contract: tuple, amount: Decimal, at: datetime, *, milestone=None) -> tuple:
        cid, client, _va, currency = contract
        payment = (self.next_payment, cid, milestone, client, amount, currency, at)
        self.next_payment += 1
        funding = self.account(Account.Kind.CLIENT_FUNDING, currency, user=client)
        escrow = self.account(Account.Kind.ESCROW, currency, contract=cid)
        self.post(
            LedgerTransaction.Kind.FUNDING,
            currency,
            at,
            [(funding, -amount), (escrow, amount)],
            amount=amount,
            payment=payment,
        )
        return payment

    def release(self, contract: tuple, payment: tuple, at: datetime) -> None:
        cid, _client, va, currency = contract
        amount = payment[4]
        fee = platform_fee(amount, currency, self.fee_percent)
        self.post(
            LedgerTransaction.Kind.RELEASE,
            currency,
            at,
            [
                (self.account(Account.Kind.ESCROW, currency, contract=cid), -amount),
                (self.account(Account.Kind.VA_AVAILABLE, currency, user=va), amount - fee),
                (self.account(Account.Kind.PLATFORM_FEES, currency), fee),
            ],
            amount=amount,
            fee=fee,
            payment=payment,
        )

    def withdraw(self, va: int, currency: str, at: datetime) -> None:
        """The VA's whole available balance, paid out a day later."""
        available = self.account(Account.Kind.VA_AVAILABLE, currency, user=va)
        amount = available[1]
        if amount <= 0:
            return
        payout = self.next_payout
        self.next_payout += 1
        pending = self.account(Account.Kind.VA_PENDING_PAYOUT, currency, user=va)
        paid_out = self.account(Account.Kind.VA_PAID_OUT, currency, user=va)
        self.post(
            LedgerTransaction.Kind.PAYOUT,
            currency,
            at,
            [(available, -amount), (pending, amount)],
            amount=amount,
            payout=payout,
        )
        sent = at + timedelta(days=1)
        self.post(
            LedgerTransaction.Kind.PAYOUT_SENT,
            currency,
            sent,
            [(pending, -amount), (paid_out, amount)],
            amount=amount,
            payout=payout,
        )
        self.payouts.append((payout, va, amount, currency, at, sent))

    def milestone(self, contract_id: int, position: int, title: str, amount, due, at) -> int:
        mid = self.next_milestone
        self.next_milestone += 1
        self.milestones.append((mid, contract_id, position, title, amount, due, at))
        return mid


def _split(total: Decimal, parts: int, currency: str) -> list[Decimal]:
    """`parts` amounts in whole units of the currency adding up to `total`."""
    each = quantize_money(total / parts, currency)
    if each <= 0:
        return [total]
    return [each] * (parts - 1) + [total - each * (parts - 1)]


def _per_task(book: _Book, rng, row, *, milestones: int, held_at_end: int = 0) -> None:
    cid, client, va, currency, rate, _cap, status, started, ended = row
    contract = (cid, client, va, currency)
    finished = status == "completed"
    end = ended or timezone.now()
    amounts = _split(rate, milestones, currency) if milestones > 1 else [rate]
    span = max((end - started) / len(amounts), timedelta(hours=2))
    # An active contract has done part of its milestones and holds the current one.
    done = len(amounts) if finished else max(0, len(amounts) - max(held_at_end, 1))
    for position, amount in enumerate(amounts, start=1):
        at = started + span * (position - 1) + timedelta(hours=1)
        mid = None
        if len(amounts) > 1:
            title = (
                f"{position}. {rng.choice(MILESTONE_TITLES)}"
                if position > 4
                else MILESTONE_TITLES[(position - 1) % 4]
            )
            mid = book.milestone(cid, position, title, amount, (at + span).date(), started)
        if position > done + max(held_at_end, 1):
            continue  # not funded yet
        payment = book.fund(contract, amount, at, milestone=mid)
        released = position <= done
        book.payments.append((payment, released, at + span if released else None))
        if released:
            book.release(contract, payment, at + span)
            if rng.random() < 0.5:
                book.withdraw(va, currency, at + span + timedelta(hours=6))


def _hourly(book: _Book, rng, row) -> None:
    """One charge per approved week (released at approval); the VA often withdraws."""
    cid, client, va, currency, rate, cap, _status, started, ended = row
    contract = (cid, client, va, currency)
    end = ended or timezone.now()
    most = int(cap) if cap else 20
    week = started + timedelta(days=7)
    while week <= end and not book.full:
        hours = Decimal(rng.randint(max(1, most // 4), max(1, most)))
        amount = quantize_money(rate * hours, currency)
        if amount > 0:
            payment = book.fund(contract, amount, week)
            approved = week + timedelta(hours=2)
            book.payments.append((payment, True, approved))
            book.release(contract, payment, approved)
            if rng.random() < 0.75:
                book.withdraw(va, currency, approved + timedelta(hours=3))
        week += timedelta(days=7)


def seed_ledger(rng: random.Random, *, entries: int, fee_percent: Decimal) -> dict[str, int]:
    """Money for every seeded contract until `entries` ledger entries are written (the
    default sizes give about a million). Returns how many rows of each kind."""
    rows = list(
        Contract.objects.filter(status__in=["active", "completed"])
        .order_by("pk")
        .values_list(
            "pk",
            "client_id",
            "va_id",
            "currency",
            "rate",
            "weekly_hour_cap",
            "status",
            "started_at",
            "ended_at",
            "pay_type",
        )
    )
    hourly = {row[0] for row in rows if row[9] == "hourly"}
    rows = [row[:9] for row in rows]
    book = _Book(fee_percent, entries)
    bench = next((r for r in rows if r[6] == "active" and r[0] not in hourly), None)
    if bench is not None and entries > 0:
        _per_task(book, rng, bench, milestones=BENCH_MILESTONES, held_at_end=BENCH_HELD)
    order = [r for r in rows if r is not bench]
    rng.shuffle(order)
    for row in order:
        if book.full:
            break
        if row[0] in hourly:
            _hourly(book, rng, row)
        else:
            _per_task(book, rng, row, milestones=rng.choice([1, 1, 2, 3, 4, 5]))
    _write(book)
    return {
        "payments": len(book.payments),
        "payouts": len(book.payouts),
        "transactions": len(book.transactions),
        "entries": len(book.entries),
    }


def _write(book: _Book) -> None:
    now = timezone.now()
    copy_rows(
        Milestone,
        (
            dict(
                zip(
                    ("id", "contract_id", "position", "title", "amount", "due_date", "created_at"),
                    m,
                    strict=True,
                )
            )
            for m in book.milestones
        ),
        total=len(book.milestones),
        label="milestones",
        skip_pk=False,
    )

    def payments():
        for (pid, cid, mid, client, amount, currency, at), released, settled in book.payments:
            yield {
                "id": pid,
                "contract_id": cid,
                "milestone_id": mid,
                "client_id": client,
                "amount": amount,
                "currency": currency,
                "provider": "sandbox",
                "status": "released" if released else "paid",
                "created_at": at - timedelta(minutes=5),
                "paid_at": at,
                "settled_at": settled,
            }

    copy_rows(Payment, payments(), total=len(book.payments), label="payments", skip_pk=False)
    copy_rows(
        Payout,
        (
            {
                "id": pid,
                "va_id": va,
                "amount": amount,
                "currency": currency,
                "provider": "sandbox",
                "status": "paid",
                "created_at": at,
                "settled_at": sent,
            }
            for pid, va, amount, currency, at, sent in book.payouts
        ),
        total=len(book.payouts),
        label="payouts",
        skip_pk=False,
    )
    columns = (
        "id",
        "kind",
        "currency",
        "contract_id",
        "payment_id",
        "payout_id",
        "amount",
        "fee",
        "created_at",
    )
    copy_rows(
        LedgerTransaction,
        (dict(zip(columns, t, strict=True)) for t in book.transactions),
        total=len(book.transactions),
        label="ledger transactions",
        skip_pk=False,
    )
    copy_rows(
        Entry,
        (
            {"transaction_id": t, "account_id": a, "amount": v, "currency": c, "created_at": at}
            for t, a, v, c, at in book.entries
        ),
        total=len(book.entries),
        label="ledger entries",
    )

    def accounts():
        for (kind, currency, user, contract), (pk, balance) in book.accounts.items():
            if (kind, currency, user, contract) not in book.existing:
                yield {
                    "id": pk,
                    "kind": kind,
                    "currency": currency,
                    "user_id": user,
                    "contract_id": contract,
                    "balance": balance,
                    "updated_at": now,
                }

    copy_rows(
        Account,
        accounts(),
        total=len(book.accounts) - len(book.existing),
        label="ledger accounts",
        skip_pk=False,
    )
    with connection.cursor() as cursor:
        for key in book.existing:
            pk, balance = book.accounts[key]
            cursor.execute("UPDATE payments_account SET balance = %s WHERE id = %s", [balance, pk])
        for model in (Milestone, Payment, Payout, LedgerTransaction, Account):
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"GREATEST((SELECT MAX(id) FROM {table}), 1))"
            )
