"""What the payments pages and the API read: one contract's escrow summary, one VA's
balances. Reads only (writes are in payments.services)."""

from decimal import Decimal

from django.db import connection

from contracts.models import Contract
from payments import services
from payments.models import Account, Dispute, LedgerTransaction, Payment


def escrow_summary(contract: Contract) -> dict:
    """Funded, held, released, fees and refunds of one contract, from three queries."""
    payments = list(contract.escrow_payments.order_by("created_at", "pk"))
    disputes = list(
        Dispute.objects.filter(contract=contract)
        .select_related("payment__milestone", "opened_by")
        .prefetch_related("files")
    )
    open_disputes = {d.payment_id for d in disputes if d.status == Dispute.Status.OPEN}
    for payment in payments:
        payment.disputed = payment.pk in open_disputes
    milestones = list(contract.milestones.all())
    for milestone in milestones:
        mine = [p for p in payments if p.milestone_id == milestone.pk]
        milestone.disputed = any(p.disputed for p in mine)
        milestone.held = any(p.status == Payment.Status.PAID for p in mine)
        milestone.released = any(p.status == Payment.Status.RELEASED for p in mine)
        milestone.refunded = any(p.status == Payment.Status.REFUNDED for p in mine)
        milestone.split = any(p.status == Payment.Status.SPLIT for p in mine)
        milestone.pending = next((p for p in mine if p.status == Payment.Status.PENDING), None)
    transactions = list(
        LedgerTransaction.objects.filter(contract=contract).select_related("payment")
    )
    zero = Decimal("0")
    weeks = _weeks(contract, payments, transactions) if contract.is_hourly else []

    def total(kind, field="amount"):
        return sum((getattr(t, field) for t in transactions if t.kind == kind), zero)

    released = total(LedgerTransaction.Kind.RELEASE)
    fees = total(LedgerTransaction.Kind.RELEASE, "fee")
    return {
        "payments": payments,
        "transactions": transactions,
        "funded": total(LedgerTransaction.Kind.FUNDING),
        "held": sum((p.amount for p in payments if p.status == Payment.Status.PAID), zero),
        "released": released,
        "fees": fees,
        "va_received": released - fees,
        "refunded": total(LedgerTransaction.Kind.REFUND),
        "pending": next(
            (
                p
                for p in payments
                if p.status == Payment.Status.PENDING and not p.milestone_id and not p.week
            ),
            None,
        ),
        "milestones": milestones,
        "weeks": weeks,
        "is_funded": any(p.status == Payment.Status.PAID for p in payments),
        "disputes": disputes,
        "is_disputed": bool(open_disputes),
        "can_dispute": any(p.status == Payment.Status.PAID and not p.disputed for p in payments),
        "fee_percent": services.platform_fee_percent(),
    }


def _weeks(contract: Contract, payments: list, transactions: list) -> list[dict]:
    """An hourly contract's weeks with money on them or open to it, newest first: the
    approved, disputed and pending timesheets, and the weeks the client may pre-fund."""
    zero = Decimal("0")
    sheets = {t.week_start: t for t in contract.timesheets.all()}
    prefundable = services.week_prefund_weeks(contract) if contract.is_active else []
    mondays = sorted(
        set(sheets) | {p.week for p in payments if p.week} | set(prefundable), reverse=True
    )
    rows = []
    for week in mondays:
        sheet = sheets.get(week)
        mine = [p for p in payments if p.week == week]
        released = sum(
            (
                t.amount
                for t in transactions
                if t.kind == LedgerTransaction.Kind.RELEASE and t.payment.week == week
            ),
            zero,
        )
        approved = sheet is not None and sheet.status == sheet.Status.APPROVED
        due = max(sheet.amount - released, zero) if approved and sheet.amount else zero
        held = next((p for p in mine if p.status == Payment.Status.PAID), None)
        rows.append(
            {
                "week": week,
                "sheet": sheet,
                "approved": approved,
                "disputed": sheet is not None and sheet.status == sheet.Status.DISPUTED,
                "amount": sheet.amount if approved else None,
                "released": released,
                "due": due,
                "held": held,
                "pending": next((p for p in mine if p.status == Payment.Status.PENDING), None),
                "can_prefund": week in prefundable and not approved and held is None,
            }
        )
    return rows


def va_balances(user) -> tuple[list[Account], list[dict]]:
    """The VA's balance accounts, and per currency: available, pending payout, the payout
    minimum and whether a withdrawal is possible now."""
    accounts = list(
        Account.objects.filter(
            user=user,
            kind__in=[Account.Kind.VA_AVAILABLE, Account.Kind.VA_PENDING_PAYOUT],
        ).order_by("currency", "kind")
    )
    currencies = sorted({a.currency for a in accounts})
    balances = [
        {
            "currency": currency,
            "available": next(
                (
                    a.balance
                    for a in accounts
                    if a.currency == currency and a.kind == "va_available"
                ),
                Decimal("0"),
            ),
            "pending": next(
                (
                    a.balance
                    for a in accounts
                    if a.currency == currency and a.kind == "va_pending_payout"
                ),
                Decimal("0"),
            ),
        }
        for currency in currencies
    ]
    for row in balances:
        row["minimum"] = services.payout_minimum(row["currency"])
        row["can_withdraw"] = (
            services.funding_available(row["currency"]) and row["available"] >= row["minimum"]
        )
    return accounts, balances


_ESCROW_STATE = """
SELECT
  (SELECT string_agg(concat_ws(':', id, status, checkout_url <> ''), ',' ORDER BY id)
     FROM payments_payment WHERE contract_id = %(c)s),
  (SELECT string_agg(
            concat_ws(':', id, status, outcome, settled_at, md5(reason), md5(settlement_reason)),
            ',' ORDER BY id)
     FROM payments_dispute WHERE contract_id = %(c)s),
  (SELECT string_agg(concat_ws(':', f.id, md5(f.original_name)), ',' ORDER BY f.id)
     FROM payments_disputefile f JOIN payments_dispute d ON d.id = f.dispute_id
     WHERE d.contract_id = %(c)s),
  (SELECT string_agg(concat_ws(':', id, amount, due_date, approved_at, md5(title)), ','
                     ORDER BY position)
     FROM payments_milestone WHERE contract_id = %(c)s),
  (SELECT concat_ws(':', count(*), max(id))
     FROM payments_ledgertransaction WHERE contract_id = %(c)s),
  (SELECT string_agg(concat_ws(':', week_start, status, amount), ',' ORDER BY week_start)
     FROM contracts_timesheet WHERE contract_id = %(c)s)
"""


def escrow_state(contract: Contract) -> tuple:
    """Everything `escrow_summary` reads that can change, as one narrow row: each payment's
    status, each dispute's status and settlement and its files (staff may change them in the
    admin), each milestone (amount, due date,
    approval, title), the ledger's count and newest id (its rows are never changed once
    posted, so count and newest id name all of them) and an hourly contract's weeks
    (status, approved amount). Pages key cached HTML on it."""
    with connection.cursor() as cursor:
        cursor.execute(_ESCROW_STATE, {"c": contract.pk})
        return tuple(cursor.fetchone())
