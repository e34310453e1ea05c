"""Every write of the payments app (see payments.models for how it sits beside contracts).

Funding: the client starts a checkout for the contract's agreed price (the amount always
comes from the contract, never from a form); the provider confirms by webhook; only then is
the money posted to the contract's escrow. Webhooks are verified, stored raw, and processed
from the stored row by a Celery task (payments.tasks), idempotently by event id.
Release and refund happen inside the contract service's transaction through the hooks.
"""

import json
import logging
import uuid
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import CURRENCY_CHOICES
from contracts.models import Contract, Deliverable, quantize_money
from marketplace.templatetags.money import format_money
from notifications import broker
from payments import ledger, sandbox
from payments.ledger import Leg
from payments.models import (
    Account,
    LedgerTransaction,
    Milestone,
    Payment,
    Payout,
    WebhookEvent,
)

logger = logging.getLogger(__name__)


class WebhookRefused(Exception):
    """The request is not a genuine provider event; nothing was stored."""


def platform_fee_percent() -> Decimal:
    return Decimal(str(settings.PLATFORM_FEE_PERCENT))


def funding_available() -> bool:
    """Online funding is offered only with a provider: the sandbox (development, tests)."""
    return bool(settings.PAYMENTS_SANDBOX)


# --- funding -----------------------------------------------------------------------------


def funding_start(*, contract: Contract, client, milestone: Milestone | None = None) -> Payment:
    """Open (or reopen) the checkout for the contract's agreed price, or for one milestone's
    amount when the contract is split; returns the payment whose checkout page the client
    is sent to. The amount is always the contract's or the milestone's own."""
    if client.pk != contract.client_id:
        raise ValidationError(_("Only the client of this contract can fund it."))
    if not funding_available():
        raise ValidationError(_("Online payment is not available yet."))
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        if contract.is_hourly:
            raise ValidationError(_("Hourly contracts cannot be funded in advance yet."))
        if not contract.is_active:
            raise ValidationError(_("This contract has ended; it can no longer be funded."))
        if contract.deliverables.filter(status=Deliverable.Status.APPROVED).exists():
            raise ValidationError(_("The work is already approved; there is nothing to fund."))
        has_milestones = contract.milestones.exists()
        if milestone is not None:
            milestone = Milestone.objects.filter(pk=milestone.pk, contract=contract).first()
            if milestone is None:
                raise ValidationError(_("This milestone is not part of the contract."))
            if milestone.approved_at is not None:
                raise ValidationError(_("This milestone is already approved."))
        elif has_milestones:
            raise ValidationError(
                _("This contract is split into milestones: fund them one by one.")
            )
        item = contract.escrow_payments.filter(milestone=milestone)
        if item.filter(status__in=[Payment.Status.PAID, Payment.Status.RELEASED]).exists():
            raise ValidationError(
                _("This milestone is already funded.")
                if milestone
                else _("This contract is already funded.")
            )
        open_payment = item.filter(status=Payment.Status.PENDING).first()
        if open_payment is not None:
            return open_payment  # the same checkout again: a double click never charges twice
        amount = milestone.amount if milestone else contract.rate
        return Payment.objects.create(
            contract=contract,
            milestone=milestone,
            client=client,
            amount=quantize_money(amount, contract.currency),
            currency=contract.currency,
            provider="sandbox",
        )


MAX_MILESTONES = 20


def milestones_plan(*, contract: Contract, client, items: list[dict]) -> list[Milestone]:
    """Split a per-task contract into milestones (title, amount, due date) adding up to the
    agreed price, replacing any earlier plan. Fixed once a checkout has been started."""
    if client.pk != contract.client_id:
        raise ValidationError(_("Only the client of this contract can plan its milestones."))
    if not items:
        raise ValidationError(_("Add at least one milestone."))
    if len(items) > MAX_MILESTONES:
        raise ValidationError(
            _("A contract can have at most %(n)s milestones.") % {"n": MAX_MILESTONES}
        )
    today = timezone.localdate()
    for item in items:
        amount = item["amount"]
        if amount <= 0 or quantize_money(amount, contract.currency) != amount:
            raise ValidationError(
                {
                    "amount": _("Each amount must be above zero, in whole units of %(currency)s.")
                    % {"currency": contract.currency}
                }
            )
        if item["due_date"] < today:
            raise ValidationError({"due_date": _("A due date cannot be in the past.")})
    total = sum((item["amount"] for item in items), Decimal("0"))
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        if contract.is_hourly or not contract.is_active:
            raise ValidationError(
                _("Only an active per-task contract can be split into milestones.")
            )
        if contract.escrow_payments.exists():
            raise ValidationError(_("The milestones are fixed once funding has started."))
        if total != contract.rate:
            raise ValidationError(
                _(
                    "The milestones add up to %(total)s; they must add up to the agreed "
                    "price, %(price)s."
                )
                % {
                    "total": format_money(total, contract.currency),
                    "price": format_money(contract.rate, contract.currency),
                }
            )
        contract.milestones.all().delete()
        return Milestone.objects.bulk_create(
            Milestone(
                contract=contract,
                position=position,
                title=item["title"].strip(),
                amount=item["amount"],
                due_date=item["due_date"],
            )
            for position, item in enumerate(items, start=1)
        )


def milestone_approve(*, milestone: Milestone, client) -> Milestone:
    """The client approves a funded milestone: its money goes to the VA, less the fee."""
    contract = milestone.contract
    if client.pk != contract.client_id:
        raise ValidationError(_("Only the client of this contract can approve its milestones."))
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if not contract.is_active:
            raise ValidationError(_("This contract has ended."))
        if milestone.approved_at is not None:
            raise ValidationError(_("This milestone is already approved."))
        if not contract.escrow_payments.filter(
            milestone=milestone, status=Payment.Status.PAID
        ).exists():
            raise ValidationError(_("Fund this milestone before approving it."))
        milestone.approved_at = timezone.now()
        milestone.save(update_fields=["approved_at"])
        escrow_release(contract=contract, milestone=milestone)
    return milestone


# --- webhooks ----------------------------------------------------------------------------


def webhook_receive(*, provider: str, body: bytes, signature: str) -> WebhookEvent:
    """Verify and store one provider event, then queue its processing after commit.

    The same event id again returns the stored row and queues nothing new. A bad
    signature or a body that is not an event raises WebhookRefused and stores nothing.
    """
    if provider != "sandbox" or not funding_available():
        raise WebhookRefused("unknown provider")
    if not sandbox.verify(body, signature):
        raise WebhookRefused("bad signature")
    try:
        payload = json.loads(body)
        event_id = str(payload["id"])[:100]
        event_type = str(payload.get("type", ""))[:60]
    except (ValueError, KeyError, TypeError) as exc:
        raise WebhookRefused("not an event") from exc
    with transaction.atomic():
        event, created = WebhookEvent.objects.get_or_create(
            provider=provider,
            event_id=event_id,
            defaults={"event_type": event_type, "body": body.decode("utf-8", "replace")},
        )
        if created:
            transaction.on_commit(lambda: _enqueue(event.pk))
    return event


def _enqueue(event_id: int) -> None:
    from payments.tasks import process_webhook_event

    # If the broker is down the row waits for the sweep (payments.tasks.sweep_webhook_events).
    broker.publish(process_webhook_event, args=[event_id])


def webhook_event_process(*, event_id: int) -> WebhookEvent:
    """Act on a stored event once: a processed or ignored event is left alone."""
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().get(pk=event_id)
        if event.status != WebhookEvent.Status.RECEIVED:
            return event
        status, error = _apply(event)
        event.status = status
        event.error = error[:300]
        event.processed_at = timezone.now()
        event.save(update_fields=["status", "error", "processed_at"])
    return event


_OUTCOME_STATUS = {
    "checkout.paid": Payment.Status.PAID,
    "checkout.failed": Payment.Status.FAILED,
    "checkout.expired": Payment.Status.EXPIRED,
}


def _apply(event: WebhookEvent) -> tuple[str, str]:
    data = json.loads(event.body).get("data")
    if not isinstance(data, dict):
        return WebhookEvent.Status.IGNORED, "no data"
    if event.event_type in _PAYOUT_OUTCOME_STATUS:
        return _apply_payout(event, data)
    outcome = _OUTCOME_STATUS.get(event.event_type)
    if outcome is None:
        return WebhookEvent.Status.IGNORED, "unknown event type"
    found = _referenced(Payment, event, data)
    if found is None:
        return WebhookEvent.Status.IGNORED, "no such checkout"
    # Lock in the contract services' order (contract, then its payments) so a webhook and
    # an approval of the same contract can never deadlock.
    contract = Contract.objects.select_for_update().get(pk=found.contract_id)
    payment = Payment.objects.select_for_update().get(pk=found.pk)
    if not _same_money(data, payment):
        logger.error("Webhook %s amount/currency differs from payment %s", event.pk, payment.pk)
        return WebhookEvent.Status.FAILED, "amount or currency differs from the checkout"
    if outcome == Payment.Status.PAID:
        _payment_paid(payment, contract)
    elif payment.status == Payment.Status.PENDING:
        # A failure or expiry only ends a checkout still waiting; once the provider has
        # confirmed the money, a late "failed" / "expired" changes nothing.
        payment.status = outcome
        payment.failure_reason = event.event_type
        payment.save(update_fields=["status", "failure_reason"])
    return WebhookEvent.Status.PROCESSED, ""


def _same_money(data: dict, item) -> bool:
    try:
        amount = Decimal(str(data.get("amount")))
    except InvalidOperation:
        return False
    return amount == item.amount and data.get("currency") == item.currency


def _referenced(model, event: WebhookEvent, data: dict):
    """The checkout or payout an event names by our reference, if it is one of ours."""
    try:
        reference = uuid.UUID(str(data.get("reference")))
    except ValueError:
        return None
    return model.objects.filter(reference=reference, provider=event.provider).first()


def _payment_paid(payment: Payment, contract: Contract) -> None:
    """The provider confirmed the charge: post it into escrow, once."""
    if payment.status in (Payment.Status.PAID, Payment.Status.RELEASED, Payment.Status.REFUNDED):
        return
    others = list(
        Payment.objects.select_for_update()
        .filter(
            contract=contract,
            milestone=payment.milestone_id,
            status__in=[Payment.Status.PENDING, Payment.Status.PAID],
        )
        .exclude(pk=payment.pk)
    )
    payment.paid_at = timezone.now()
    payment.failure_reason = ""
    already_funded = any(other.status == Payment.Status.PAID for other in others) or (
        contract.escrow_payments.filter(
            milestone=payment.milestone_id, status=Payment.Status.RELEASED
        ).exists()
    )
    if already_funded:
        # Money for an older checkout arrived after another one funded the contract (out
        # of order): never double-fund, give it straight back.
        payment.status = Payment.Status.REFUNDED
        payment.settled_at = payment.paid_at
        payment.save(update_fields=["status", "paid_at", "failure_reason", "settled_at"])
        _post_funding(payment, contract)
        _post_refund(payment, contract)
        return
    for other in others:  # a newer checkout still open: this payment replaces it
        other.status = Payment.Status.EXPIRED
        other.failure_reason = "superseded"
        other.save(update_fields=["status", "failure_reason"])
    payment.status = Payment.Status.PAID
    payment.save(update_fields=["status", "paid_at", "failure_reason"])
    _post_funding(payment, contract)
    # The contract may have moved on while the client was paying (events out of order).
    milestone_approved = payment.milestone_id and (
        Milestone.objects.filter(pk=payment.milestone_id, approved_at__isnull=False).exists()
    )
    if (
        milestone_approved
        or contract.deliverables.filter(status=Deliverable.Status.APPROVED).exists()
    ):
        escrow_release(contract=contract)
    elif not contract.is_active:
        escrow_refund(contract=contract)


def _escrow(contract: Contract) -> Account:
    return ledger.account_for(
        kind=Account.Kind.ESCROW, currency=contract.currency, contract=contract
    )


def _move_between_client_and_escrow(
    payment: Payment, contract: Contract, kind: str
) -> LedgerTransaction:
    """Funding takes the payment from the client's funding account into escrow; a refund
    is the same movement backwards."""
    funding = ledger.account_for(
        kind=Account.Kind.CLIENT_FUNDING, currency=payment.currency, user=payment.client
    )
    sign = 1 if kind == LedgerTransaction.Kind.FUNDING else -1
    return ledger.post(
        kind=kind,
        contract=contract,
        payment=payment,
        amount=payment.amount,
        legs=[
            Leg(funding, -sign * payment.amount),
            Leg(_escrow(contract), sign * payment.amount),
        ],
    )


def _post_funding(payment: Payment, contract: Contract) -> LedgerTransaction:
    return _move_between_client_and_escrow(payment, contract, LedgerTransaction.Kind.FUNDING)


def _post_refund(payment: Payment, contract: Contract) -> LedgerTransaction:
    return _move_between_client_and_escrow(payment, contract, LedgerTransaction.Kind.REFUND)


# --- release and refund (called by the contract hooks, inside their transaction) ----------


def _held(contract: Contract, milestone: Milestone | None = None) -> list[Payment]:
    held = Payment.objects.select_for_update().filter(contract=contract, status=Payment.Status.PAID)
    if milestone is not None:
        held = held.filter(milestone=milestone)
    return list(held.order_by("pk"))


def escrow_release(
    *, contract: Contract, milestone: Milestone | None = None
) -> list[LedgerTransaction]:
    """Release the contract's held payments (or one milestone's) to the VA, less the fee."""
    posted = []
    for payment in _held(contract, milestone):
        fee = ledger.fee_for(payment.amount, payment.currency, platform_fee_percent())
        available = ledger.account_for(
            kind=Account.Kind.VA_AVAILABLE, currency=payment.currency, user=contract.va
        )
        platform = ledger.account_for(kind=Account.Kind.PLATFORM_FEES, currency=payment.currency)
        posted.append(
            ledger.post(
                kind=LedgerTransaction.Kind.RELEASE,
                contract=contract,
                payment=payment,
                amount=payment.amount,
                fee=fee,
                legs=[
                    Leg(_escrow(contract), -payment.amount),
                    Leg(available, payment.amount - fee),
                    Leg(platform, fee),
                ],
            )
        )
        payment.status = Payment.Status.RELEASED
        payment.settled_at = timezone.now()
        payment.save(update_fields=["status", "settled_at"])
    return posted


def escrow_refund(*, contract: Contract) -> list[LedgerTransaction]:
    """Give every held (unreleased) payment of the contract back to the client."""
    posted = []
    for payment in _held(contract):
        posted.append(_post_refund(payment, contract))
        payment.status = Payment.Status.REFUNDED
        payment.settled_at = timezone.now()
        payment.save(update_fields=["status", "settled_at"])
    return posted


def on_deliverable_approved(*, deliverable: Deliverable) -> None:
    """settings.CONTRACT_DELIVERABLE_APPROVED_HOOK: approval releases the escrow."""
    escrow_release(contract=deliverable.contract)


def on_contract_completing(*, contract: Contract) -> None:
    """settings.CONTRACT_COMPLETE_HOOK: completing is not approving. While money is held,
    the client approves the delivery (release) or ends the contract (refund) instead."""
    if contract.escrow_payments.filter(status=Payment.Status.PAID).exists():
        raise ValidationError(
            _(
                "Money is held in escrow for this contract: approve the delivery to release "
                "it to the VA, or end the contract to have it refunded."
            )
        )


def on_contract_ended(*, contract: Contract) -> None:
    """settings.CONTRACT_ENDED_HOOK: ending early refunds what was not released."""
    escrow_refund(contract=contract)


# --- payouts (withdrawals) -------------------------------------------------------------------


def payout_minimum(currency: str) -> Decimal:
    return Decimal(str(settings.PAYOUT_MINIMUM[currency]))


def payout_request(*, va, currency: str) -> Payout:
    """Withdraw the VA's whole available balance in `currency`: it moves to "pending
    payout" at once and leaves the platform when the provider confirms the transfer."""
    if currency not in dict(CURRENCY_CHOICES):
        raise ValidationError({"currency": _("Choose a currency you hold a balance in.")})
    if not funding_available():
        raise ValidationError(_("Withdrawals are not available yet."))
    with transaction.atomic():
        available = (
            Account.objects.select_for_update()
            .filter(kind=Account.Kind.VA_AVAILABLE, currency=currency, user=va)
            .first()
        )
        amount = available.balance if available else Decimal("0")
        if amount <= 0:
            raise ValidationError(
                _("There is nothing to withdraw in %(currency)s.") % {"currency": currency}
            )
        minimum = payout_minimum(currency)
        if amount < minimum:
            raise ValidationError(
                _("The minimum withdrawal is %(minimum)s; your available balance is %(amount)s.")
                % {
                    "minimum": format_money(minimum, currency),
                    "amount": format_money(amount, currency),
                }
            )
        if Payout.objects.filter(va=va, currency=currency, status=Payout.Status.PENDING).exists():
            raise ValidationError(_("A withdrawal is already on its way; wait until it arrives."))
        payout = Payout.objects.create(va=va, amount=amount, currency=currency, provider="sandbox")
        pending = ledger.account_for(
            kind=Account.Kind.VA_PENDING_PAYOUT, currency=currency, user=va
        )
        ledger.post(
            kind=LedgerTransaction.Kind.PAYOUT,
            payout=payout,
            amount=amount,
            legs=[Leg(available, -amount), Leg(pending, amount)],
        )
    return payout


_PAYOUT_OUTCOME_STATUS = {
    "payout.paid": Payout.Status.PAID,
    "payout.failed": Payout.Status.FAILED,
}


def _apply_payout(event: WebhookEvent, data: dict) -> tuple[str, str]:
    found = _referenced(Payout, event, data)
    if found is None:
        return WebhookEvent.Status.IGNORED, "no such payout"
    payout = Payout.objects.select_for_update().get(pk=found.pk)
    if not _same_money(data, payout):
        logger.error("Webhook %s amount/currency differs from payout %s", event.pk, payout.pk)
        return WebhookEvent.Status.FAILED, "amount or currency differs from the payout"
    if payout.status != Payout.Status.PENDING:
        # Settled already (the same news again, or a late contradiction): change nothing.
        return WebhookEvent.Status.PROCESSED, ""
    outcome = _PAYOUT_OUTCOME_STATUS[event.event_type]
    pending = ledger.account_for(
        kind=Account.Kind.VA_PENDING_PAYOUT, currency=payout.currency, user=payout.va
    )
    if outcome == Payout.Status.PAID:
        other = ledger.account_for(
            kind=Account.Kind.VA_PAID_OUT, currency=payout.currency, user=payout.va
        )
        kind = LedgerTransaction.Kind.PAYOUT_SENT
    else:
        other = ledger.account_for(
            kind=Account.Kind.VA_AVAILABLE, currency=payout.currency, user=payout.va
        )
        kind = LedgerTransaction.Kind.PAYOUT_RETURNED
        payout.failure_reason = str(data.get("failure_reason") or event.event_type)[:200]
    ledger.post(
        kind=kind,
        payout=payout,
        amount=payout.amount,
        legs=[Leg(pending, -payout.amount), Leg(other, payout.amount)],
    )
    payout.status = outcome
    payout.settled_at = timezone.now()
    payout.save(update_fields=["status", "failure_reason", "settled_at"])
    return WebhookEvent.Status.PROCESSED, ""
