"""Any sequence of fund / pay / fail / approve / end / milestones / withdraw / dispute and
a moderator's release, refund or split keeps the
ledger balanced and every account on its side of zero (the autouse check in conftest runs
the full audit at the end; here it runs after every step too)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from contracts import services as contract_services
from contracts.models import Deliverable, Timesheet, quantize_money
from contracts.services import week_start_of
from payments import sandbox, services
from payments.models import Dispute, LedgerTransaction, Payment, Payout
from tests.contracts.factories import ContractFactory, hourly_contract, local_today
from tests.factories import BidFactory, ClientFactory, JobFactory, UserFactory, VAFactory
from tests.payments.conftest import assert_ledger_consistent, deliver, process

pytestmark = pytest.mark.django_db

ACTIONS = [
    "fund",
    "pay",
    "pay_again",
    "fail",
    "expire",
    "deliver",
    "approve",
    "changes",
    "end",
    "complete",
    "fund_milestone",
    "approve_milestone",
    "withdraw",
    "payout_complete",
    "payout_fail",
    "dispute",
    "settle_split",
    "settle_all",
    # The hourly contract's weeks (issue 17): hours, approval, disputes, pre-funds, charges.
    "log_hours",
    "approve_week",
    "dispute_week",
    "prefund_week",
    "pay_week",
]


def _contracts(currencies):
    client, va = ClientFactory(), VAFactory()
    contracts = []
    for currency, amount in currencies:
        job = JobFactory(client=client, currency=currency, max_rate=amount)
        contracts.append(ContractFactory(bid=BidFactory(job=job, va=va, amount=amount)))
    return contracts


def _pick(milestones, pick: int):
    milestones = list(milestones.order_by("position"))
    return milestones[pick % len(milestones)] if milestones else None


def _settle(contract, action: str, pick: int) -> None:
    """A moderator settles the contract's open dispute: a split (half and the rest, in
    whole units of the currency) or everything to one side."""
    dispute = Dispute.objects.open().filter(contract=contract).select_related("payment").first()
    if dispute is None:
        return
    moderator = UserFactory(is_staff=True)
    amount, currency = dispute.payment.amount, dispute.payment.currency
    to_va = quantize_money(amount / 2, currency)
    if action == "settle_split" and 0 < to_va < amount:
        services.dispute_settle(
            dispute_id=dispute.pk,
            moderator=moderator,
            outcome="split",
            reason="Half each",
            va_amount=to_va,
            client_amount=amount - to_va,
            currency=currency,
        )
    else:
        outcome = "release" if pick else "refund"
        services.dispute_settle(
            dispute_id=dispute.pk, moderator=moderator, outcome=outcome, reason="Decided"
        )


def _week_step(contract, action: str, pick: int) -> None:
    today = local_today(contract.va)
    monday = week_start_of(today)
    sheet = Timesheet.objects.filter(contract=contract, week_start=monday).first()
    if action == "log_hours":
        contract_services.hours_log(
            contract=contract, va=contract.va, work_date=today, hours=1 + 2 * pick, memo="Work"
        )
    elif action == "approve_week" and sheet is not None:
        contract_services.timesheet_approve(timesheet=sheet, client=contract.client)
    elif action == "dispute_week" and sheet is not None:
        contract_services.timesheet_dispute(timesheet=sheet, client=contract.client, comment="No")
    elif action == "prefund_week":
        services.week_prefund_start(
            contract=contract,
            client=contract.client,
            week=monday,
            hours=Decimal("2") if pick else None,
        )
    elif action == "pay_week":
        services.week_pay_start(contract=contract, client=contract.client, week=monday)


def _step(contract, action: str, pick: int) -> None:
    latest = contract.escrow_payments.order_by("-pk").first()
    pending = contract.deliverables.filter(status=Deliverable.Status.SUBMITTED).first()
    try:
        if action == "fund":
            services.funding_start(contract=contract, client=contract.client)
        elif action in ("pay", "fail", "expire") and latest is not None:
            process(deliver(latest, action))
        elif action == "pay_again" and latest is not None:
            # An older checkout's money arriving late, or the same one twice.
            oldest = contract.escrow_payments.order_by("pk").first()
            process(deliver(oldest, "pay"))
        elif action == "deliver":
            contract_services.deliverable_submit(contract=contract, va=contract.va, note="Here")
        elif action == "approve" and pending is not None:
            contract_services.deliverable_approve(deliverable=pending, client=contract.client)
        elif action == "changes" and pending is not None:
            contract_services.deliverable_request_changes(
                deliverable=pending, client=contract.client, comment="Again please"
            )
        elif action == "fund_milestone":
            milestone = _pick(contract.milestones.filter(approved_at__isnull=True), pick)
            if milestone is not None:
                services.funding_start(
                    contract=contract, client=contract.client, milestone=milestone
                )
        elif action == "approve_milestone":
            milestone = _pick(contract.milestones.all(), pick)
            if milestone is not None:
                services.milestone_approve(milestone=milestone, client=contract.client)
        elif action == "withdraw":
            services.payout_request(va=contract.va, currency=contract.currency)
        elif action in ("payout_complete", "payout_fail"):
            payout = Payout.objects.filter(va=contract.va, currency=contract.currency).first()
            if payout is not None:
                body = sandbox.payout_event_body(payout=payout, outcome=action.split("_")[1])
                process(
                    services.webhook_receive(
                        provider="sandbox", body=body, signature=sandbox.sign(body)
                    )
                )
        elif action == "dispute":
            held = contract.escrow_payments.held().order_by("pk")
            if not held.exists() and contract.is_active and not contract.milestones.exists():
                # Nothing held yet: fund it first, so disputes are reached in short runs too.
                process(deliver(services.funding_start(contract=contract, client=contract.client)))
            if held.exists():
                services.dispute_open(
                    contract=contract,
                    user=contract.va if pick else contract.client,
                    payment_id=held[pick % held.count()].pk,
                    reason="Not as agreed",
                )
        elif action in ("settle_split", "settle_all"):
            _settle(contract, action, pick)
        elif action in ("log_hours", "approve_week", "dispute_week", "prefund_week", "pay_week"):
            _week_step(contract, action, pick)
        elif action == "complete":
            contract_services.contract_complete(contract=contract, client=contract.client)
        elif action == "end":
            contract_services.contract_end(contract=contract, user=contract.client, reason="Stop")
    except ValidationError:
        pass  # the rules refused this step: refusing must leave the ledger untouched too
    contract.refresh_from_db()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)
@given(
    steps=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=4),
            st.sampled_from(ACTIONS),
            st.integers(min_value=0, max_value=1),
        ),
        min_size=1,
        max_size=20,
    )
)
@example(
    steps=[
        (0, "dispute", 0),
        (0, "settle_split", 0),
        (1, "dispute", 1),
        (1, "approve", 0),
        (1, "settle_all", 1),
        (2, "dispute", 0),
        (2, "end", 0),
        (2, "settle_all", 0),
        (3, "fund_milestone", 0),
        (3, "pay", 0),
        (3, "dispute", 0),
        (3, "approve_milestone", 0),
        (3, "settle_split", 0),
        (3, "withdraw", 0),
        (4, "prefund_week", 1),
        (4, "pay", 0),
        (4, "log_hours", 1),
        (4, "approve_week", 0),
        (4, "pay", 0),
        (4, "pay_again", 0),
        (4, "withdraw", 0),
    ]
)
def test_any_sequence_keeps_the_ledger_balanced_and_balances_on_their_side(steps):
    contracts = _contracts(
        [
            ("IDR", Decimal("400000")),
            ("USD", Decimal("99.99")),
            ("IDR", Decimal("333333")),
            ("USD", Decimal("250.00")),
        ]
    )
    # The last one is split into two milestones, funded and approved one by one.
    due = timezone.localdate() + timedelta(days=30)
    services.milestones_plan(
        contract=contracts[3],
        client=contracts[3].client,
        items=[
            {"title": "First half", "amount": Decimal("100.01"), "due_date": due},
            {"title": "Second half", "amount": Decimal("149.99"), "due_date": due},
        ],
    )
    # The fifth is hourly ($10 an hour, 10 hours a week), paid week by week.
    contracts.append(hourly_contract(client=ClientFactory(), va=VAFactory(), cap=Decimal("10")))
    for index, action, pick in steps:
        _step(contracts[index], action, pick)
        assert_ledger_consistent()
    for sheet in Timesheet.objects.filter(contract=contracts[4]):
        # A week never pays the VA more than its approved amount, nor anything unapproved.
        released = sum(
            LedgerTransaction.objects.filter(
                contract=contracts[4], kind="release", payment__week=sheet.week_start
            ).values_list("amount", flat=True),
            Decimal("0"),
        )
        assert released <= (sheet.amount if sheet.status == Timesheet.Status.APPROVED else 0)
    for contract in contracts:
        statuses = set(contract.escrow_payments.values_list("status", flat=True))
        # Each funded item (the contract, or one milestone) reaches the VA at most once.
        released = contract.escrow_payments.filter(status=Payment.Status.RELEASED)
        if not contract.is_hourly:
            assert released.count() == released.values("milestone").distinct().count()
        if not contract.is_active:
            assert Payment.Status.PAID not in statuses  # nothing stays held after the end
        # A dispute holds its payment: an open one is always on money still in escrow.
        for dispute in Dispute.objects.open().filter(contract=contract).select_related("payment"):
            assert dispute.payment.status == Payment.Status.PAID
