"""Every write of the payments app (see payments.models for how it sits beside contracts).

Funding: the client starts a checkout for the contract's agreed price (the amount always
comes from the contract, never from a form); the provider confirms by webhook; only then is
the money posted to the contract's escrow. Webhooks are verified, stored raw, and processed
from the stored row by a Celery task (payments.tasks), idempotently by event id.
Release and refund happen inside the contract service's transaction through the hooks.
"""

import logging
import uuid
import zoneinfo
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import CURRENCY_CHOICES
from contracts import services as contract_services
from contracts.models import Contract, Deliverable, Timesheet, quantize_money
from contracts.services import QUARTER, check_files, store_files, week_start_of
from marketplace.templatetags.money import format_money
from notifications import broker
from notifications.services import notify
from payments import ledger, providers
from payments.ledger import Leg
from payments.models import (
    Account,
    Dispute,
    DisputeFile,
    LedgerTransaction,
    Milestone,
    Payment,
    Payout,
    PayoutMethod,
    WebhookEvent,
)

logger = logging.getLogger(__name__)


class WebhookRefused(Exception):
    """The request is not a genuine provider event; nothing was stored."""


def platform_fee_percent() -> Decimal:
    return Decimal(str(settings.PLATFORM_FEE_PERCENT))


def funding_available(currency: str | None = None) -> bool:
    """Online money movement is offered in `currency` (or in any) only with a provider:
    Xendit / Stripe when their keys are set, else the sandbox (development, tests)."""
    if currency is None:
        return any(providers.for_currency(code) for code, _label in CURRENCY_CHOICES)
    return providers.for_currency(currency) is not None


def _notify_payment(
    kind: str, payment: Payment, contract: Contract, *, to, actor=None, key: str = "", **extra
) -> None:
    """Tell one party about a movement of this payment, in the outbox of this transaction.
    Each (kind, payment) is told once: a retried webhook never tells twice."""
    if payment.milestone_id:
        anchor = f"milestone-{payment.milestone_id}"
    elif payment.week:
        anchor = f"week-{payment.week.isoformat()}"
    else:
        anchor = "escrow"
    notify(
        kind=kind,
        recipients=[to],
        event_key=f"{kind}:{payment.pk}{key}",
        actor=actor,
        job_id=contract.job_id,
        bid_id=contract.bid_id,
        contract_id=contract.pk,
        data={
            "url": f"{contract.get_absolute_url()}#{anchor}",
            "title": contract.job.title,
            "contract_id": str(contract.pk),
            "amount": str(payment.amount),
            "currency": payment.currency,
            "milestone": payment.milestone.title if payment.milestone_id else "",
            "week": payment.week.isoformat() if payment.week else "",
            **extra,
        },
    )


def _notify_both(kind: str, payments, contract: Contract, *, key: str = "", **extra) -> None:
    for payment in payments:
        for party in (contract.client, contract.va):
            _notify_payment(kind, payment, contract, to=party, key=key, **extra)


# --- funding -----------------------------------------------------------------------------


def funding_start(*, contract: Contract, client, milestone: Milestone | None = None) -> Payment:
    """Open (or reopen) the checkout for the contract's agreed price, or for one milestone's
    amount when the contract is split; returns the payment whose checkout page the client
    is sent to. The amount is always the contract's or the milestone's own."""
    if client.pk != contract.client_id:
        raise ValidationError(_("Only the client of this contract can fund it."))
    provider = providers.for_currency(contract.currency)
    if provider is None:
        raise ValidationError(_("Online payment is not available yet."))
    with transaction.atomic():
        contract = Contract.objects.select_for_update().get(pk=contract.pk)
        if contract.is_hourly:
            raise ValidationError(
                _("Hourly contracts are paid by the week: pre-fund a week or pay an approved one.")
            )
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
        if item.filter(status__in=Payment.FUNDED_OR_SETTLED).exists():
            raise ValidationError(
                _("This milestone is already funded.")
                if milestone
                else _("This contract is already funded.")
            )
        open_payment = item.filter(status=Payment.Status.PENDING).first()
        if open_payment is not None:
            return open_payment  # the same checkout again: a double click never charges twice
        amount = milestone.amount if milestone else contract.rate
        payment = Payment.objects.create(
            contract=contract,
            milestone=milestone,
            client=client,
            amount=quantize_money(amount, contract.currency),
            currency=contract.currency,
            provider=provider,
        )
        title = contract.job.title
        if milestone is not None:
            title = f"{title}: {milestone.title}"
        _open_checkout(payment, contract, title)
        return payment


def _open_checkout(payment: Payment, contract: Contract, title: str) -> None:
    """Open the provider's hosted page for `payment` inside the caller's transaction: if
    the provider is down or times out, the caller's rows roll back with it and nothing is
    half-written (an invoice it may have opened meanwhile is never paid: nobody has its
    page)."""
    try:
        checkout = providers.checkout_create(
            payment,
            title=title,
            return_url=f"{settings.SITE_URL}{contract.get_absolute_url()}#escrow",
        )
    except providers.ProviderUnavailable as exc:
        logger.warning("Checkout for contract %s not opened: %s", contract.pk, exc)
        raise ValidationError(
            _(
                "The payment provider is not answering right now. Nothing was charged "
                "or saved; try again in a few minutes."
            )
        ) from exc
    except providers.ProviderRefused as exc:
        logger.error("Checkout for contract %s refused: %s", contract.pk, exc)
        raise ValidationError(
            _("The payment provider refused this payment: %(reason)s") % {"reason": exc}
        ) from exc
    if checkout.url:
        payment.provider_ref = checkout.provider_ref
        payment.checkout_url = checkout.url
        payment.save(update_fields=["provider_ref", "checkout_url"])


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


# --- hourly contracts: week by week -------------------------------------------------------
#
# A week (its Monday) of an hourly contract is paid in one of two ways. The client may
# pre-fund it, up to the weekly cap (cap hours x rate), into escrow before the hours are
# approved. When the client approves the week (CONTRACT_WEEK_APPROVED_HOOK), its approved
# amount (hours x rate, from the timesheet) is released to the VA from the pre-fund, any
# excess is refunded, and whatever is still due becomes a pending charge the client pays
# with "Pay this week"; that charge, confirmed by webhook, is funded and released at once.
# Never more than the approved amount reaches the VA for a week, whatever order the
# provider's events arrive in. A disputed week releases nothing: its pre-fund stays held.


def week_prefund_cap(contract: Contract) -> Decimal | None:
    """The most a week can be pre-funded: the weekly hour cap x the rate (None: no cap)."""
    if contract.weekly_hour_cap is None:
        return None
    return contract.amount_for_hours(contract.weekly_hour_cap)


def _va_zone(contract: Contract) -> zoneinfo.ZoneInfo:
    """Weeks run by the VA's calendar, as their hours are logged (contracts.services)."""
    return zoneinfo.ZoneInfo(contract.va.timezone or settings.TIME_ZONE)


def week_prefund_weeks(contract: Contract) -> list:
    """The Mondays a client may pre-fund now: the current week and the next one."""
    current = week_start_of(timezone.localdate(timezone=_va_zone(contract)))
    return [current, current + timedelta(days=7)]


def _week_released(contract: Contract, week) -> Decimal:
    """What already reached the VA (gross) for this week of the contract."""
    return sum(
        LedgerTransaction.objects.filter(
            contract=contract, kind=LedgerTransaction.Kind.RELEASE, payment__week=week
        ).values_list("amount", flat=True),
        Decimal("0"),
    )


def week_due(contract: Contract, sheet: Timesheet) -> Decimal:
    """What the client still owes for an approved week (zero for any other week)."""
    if sheet.status != Timesheet.Status.APPROVED or sheet.amount is None:
        return Decimal("0")
    return max(sheet.amount - _week_released(contract, sheet.week_start), Decimal("0"))


def _clean_week(contract: Contract, week) -> None:
    if week is None or week.weekday() != 0:
        raise ValidationError({"week": _("Choose a week by its Monday.")})
    first = week_start_of(timezone.localtime(contract.started_at, _va_zone(contract)).date())
    if week < first:
        raise ValidationError(
            {
                "week": _(
                    "The contract started in the week of %(date)s; choose that week or a later one."
                )
                % {"date": first.isoformat()}
            }
        )


def _week_checkout(payment: Payment, contract: Contract) -> Payment:
    if not payment.checkout_url and payment.provider != providers.SANDBOX:
        title = _("%(title)s: week of %(date)s") % {
            "title": contract.job.title,
            "date": payment.week.isoformat(),
        }
        _open_checkout(payment, contract, title)
    return payment


def _week_client(contract: Contract, client) -> str:
    if client.pk != contract.client_id:
        raise ValidationError(_("Only the client of this contract can fund it."))
    provider = providers.for_currency(contract.currency)
    if provider is None:
        raise ValidationError(_("Online payment is not available yet."))
    return provider


def week_pay_start(*, contract: Contract, client, week) -> Payment:
    """Open (or reopen) the checkout for what an approved week still owes; the amount is
    the timesheet's approved hours x rate, less what a pre-fund already released."""
    provider = _week_client(contract, client)
    with transaction.atomic():
        contract = (
            Contract.objects.select_related("job")
            .select_for_update(of=("self",))
            .get(pk=contract.pk)
        )
        if not contract.is_hourly:
            raise ValidationError(_("Only hourly contracts are paid by the week."))
        _clean_week(contract, week)
        sheet = Timesheet.objects.filter(contract=contract, week_start=week).first()
        if sheet is None or sheet.status != Timesheet.Status.APPROVED:
            raise ValidationError(
                {
                    "week": _(
                        "This week is not approved yet: approve its hours first, or pre-fund it."
                    )
                }
            )
        due = week_due(contract, sheet)
        if due <= 0:
            raise ValidationError({"week": _("This week is already paid.")})
        return _week_payment(contract, client=client, week=week, amount=due, provider=provider)


def _week_payment(contract: Contract, *, client, week, amount: Decimal, provider) -> Payment:
    """The week's open checkout when it is for `amount` (a double click charges once);
    otherwise the open one, if any, is superseded by a new one for `amount`, opened at the
    provider."""
    pending = contract.escrow_payments.filter(week=week, status=Payment.Status.PENDING)
    payment = pending.filter(amount=amount).first()
    if payment is None:
        pending.update(status=Payment.Status.EXPIRED, failure_reason="superseded")
        payment = Payment.objects.create(
            contract=contract,
            week=week,
            client=client,
            amount=amount,
            currency=contract.currency,
            provider=provider,
        )
    return _week_checkout(payment, contract)


def week_prefund_start(*, contract: Contract, client, week, hours=None) -> Payment:
    """Pre-fund the current or next week into escrow: `hours` (default: the weekly cap)
    x the rate, never above the cap. Released when the client approves the week."""
    provider = _week_client(contract, client)
    with transaction.atomic():
        contract = (
            Contract.objects.select_related("job")
            .select_for_update(of=("self",))
            .get(pk=contract.pk)
        )
        if not contract.is_hourly:
            raise ValidationError(_("Only hourly contracts are paid by the week."))
        if not contract.is_active:
            raise ValidationError(_("This contract has ended; it can no longer be funded."))
        _clean_week(contract, week)
        if week not in week_prefund_weeks(contract):
            raise ValidationError(
                {"week": _("Only the current week and the next one can be pre-funded.")}
            )
        cap = contract.weekly_hour_cap
        if cap is None:
            raise ValidationError(
                _(
                    "This contract has no weekly hour cap, so there is no amount to pre-fund: "
                    "pay each week once you approve it."
                )
            )
        hours = cap if hours is None else hours
        if hours <= 0 or hours % QUARTER:
            raise ValidationError(
                {"hours": _("Pre-fund hours in quarter-hour steps above zero, for example 2.5.")}
            )
        if hours > cap:
            raise ValidationError(
                {
                    "hours": _("The weekly cap is %(cap)s hours; you can pre-fund at most that.")
                    % {"cap": f"{cap.normalize():f}"}
                }
            )
        sheet = Timesheet.objects.filter(contract=contract, week_start=week).first()
        if sheet is not None and sheet.status == Timesheet.Status.APPROVED:
            raise ValidationError({"week": _("This week is already approved: pay it instead.")})
        item = contract.escrow_payments.filter(week=week)
        if item.filter(status=Payment.Status.PAID).exists():
            raise ValidationError({"week": _("This week is already pre-funded.")})
        amount = contract.amount_for_hours(hours)
        return _week_payment(contract, client=client, week=week, amount=amount, provider=provider)


def week_fund_start(*, contract: Contract, client, week, hours=None) -> Payment:
    """The API's one entry: pay an approved week, or pre-fund one that is not approved."""
    sheet = Timesheet.objects.filter(contract=contract, week_start=week).first()
    if sheet is not None and sheet.status == Timesheet.Status.APPROVED:
        return week_pay_start(contract=contract, client=client, week=week)
    return week_prefund_start(contract=contract, client=client, week=week, hours=hours)


def _week_settle(contract: Contract, sheet: Timesheet) -> None:
    """An approved week: release what is held for it up to the approved amount, refund
    the rest, and leave one pending charge for whatever is still due. Runs locked, in the
    caller's transaction (the approval, or the webhook that confirmed a week payment)."""
    week = sheet.week_start
    payments = list(
        Payment.objects.select_for_update().filter(contract=contract, week=week).order_by("pk")
    )
    held = [p for p in payments if p.status == Payment.Status.PAID]
    if Dispute.objects.open().filter(payment__in=held).exists():
        raise ValidationError(
            _("A dispute is open on this payment: it stays in escrow until a moderator settles it.")
        )
    due = week_due(contract, sheet)
    for payment in held:
        to_va = min(payment.amount, due)
        if to_va:
            _post_release(payment, contract, to_va)
            _notify_payment("payment_released", payment, contract, to=contract.va)
        if payment.amount - to_va:
            _post_refund(payment, contract, payment.amount - to_va)
            _notify_payment("payment_refunded", payment, contract, to=contract.client)
        _settle(payment, Payment.Status.RELEASED if to_va else Payment.Status.REFUNDED)
        due -= to_va
    pending = [p for p in payments if p.status == Payment.Status.PENDING]
    keep = next((p for p in pending if p.amount == due), None) if due > 0 else None
    for payment in pending:
        if payment is not keep:
            payment.status = Payment.Status.EXPIRED
            payment.failure_reason = "superseded"
            payment.save(update_fields=["status", "failure_reason"])
    provider = providers.for_currency(contract.currency)
    if due > 0 and keep is None and provider is not None:
        # The charge the client pays with "Pay this week"; its checkout opens on the click.
        Payment.objects.create(
            contract=contract,
            week=week,
            client=contract.client,
            amount=due,
            currency=contract.currency,
            provider=provider,
        )


def on_week_approved(*, timesheet: Timesheet) -> None:
    """settings.CONTRACT_WEEK_APPROVED_HOOK: the week's approved amount is charged."""
    _week_settle(timesheet.contract, timesheet)


def _week_payment_paid(payment: Payment, contract: Contract) -> None:
    """The provider confirmed a week's pre-fund or charge: into escrow, once; released at
    once if the week is approved; given straight back if it cannot be used."""
    others = list(
        Payment.objects.select_for_update()
        .filter(
            contract=contract,
            week=payment.week,
            status__in=[Payment.Status.PENDING, Payment.Status.PAID],
        )
        .exclude(pk=payment.pk)
    )
    payment.paid_at = timezone.now()
    payment.failure_reason = ""
    sheet = Timesheet.objects.filter(contract=contract, week_start=payment.week).first()
    approved = sheet is not None and sheet.status == Timesheet.Status.APPROVED
    for other in others:  # another checkout still open for the week: this one replaces it
        if other.status == Payment.Status.PENDING:
            other.status = Payment.Status.EXPIRED
            other.failure_reason = "superseded"
            other.save(update_fields=["status", "failure_reason"])
    already_held = any(other.status == Payment.Status.PAID for other in others)
    if (
        already_held
        or (not approved and not contract.is_active)
        or (approved and week_due(contract, sheet) <= 0)
    ):
        payment.status = Payment.Status.REFUNDED
        payment.settled_at = payment.paid_at
        payment.save(update_fields=["status", "paid_at", "failure_reason", "settled_at"])
        _post_funding(payment, contract)
        _post_refund(payment, contract)
        _notify_payment("payment_refunded", payment, contract, to=contract.client)
        return
    payment.status = Payment.Status.PAID
    payment.save(update_fields=["status", "paid_at", "failure_reason"])
    _post_funding(payment, contract)
    _notify_both("payment_funded", [payment], contract)
    if approved:
        _week_settle(contract, sheet)


# --- auto-release ------------------------------------------------------------------------


def _auto_release_days() -> timedelta:
    return timedelta(days=settings.PAYMENTS_AUTO_RELEASE_DAYS)


def _awaiting_decision():
    """Deliveries waiting for the client on active contracts whose money is held and not
    disputed: the ones the auto-release clock runs for."""
    return (
        Deliverable.objects.filter(
            status=Deliverable.Status.SUBMITTED,
            contract__status=Contract.Status.ACTIVE,
            contract__escrow_payments__status=Payment.Status.PAID,
        )
        .exclude(contract__disputes__status=Dispute.Status.OPEN)
        .select_related("contract__job", "contract__client", "contract__va")
        .distinct()
    )


def auto_release_warn(*, now: datetime | None = None) -> int:
    """Warn both parties the configured days before a delivery's escrow is released
    automatically. Each warning is sent once (the outbox's event key); a delivery first
    seen late gets only the nearest warning, not every one it missed."""
    now = now or timezone.now()
    thresholds = sorted(settings.PAYMENTS_AUTO_RELEASE_WARN_DAYS)
    if not thresholds:
        return 0
    window_start = now - _auto_release_days()
    window_end = window_start + timedelta(days=thresholds[-1])
    sent = 0
    for deliverable in _awaiting_decision().filter(
        submitted_at__gt=window_start, submitted_at__lte=window_end
    ):
        release_at = deliverable.submitted_at + _auto_release_days()
        left = release_at - now
        warn = next(days for days in thresholds if left <= timedelta(days=days))
        contract = deliverable.contract
        _notify_both(
            "auto_release_warning",
            contract.escrow_payments.held().select_related("milestone"),
            contract,
            key=f":{deliverable.pk}:{warn}",
            release_on=release_at.date().isoformat(),
        )
        sent += 1
    return sent


def auto_release_due(*, now: datetime | None = None) -> list[int]:
    """The deliveries whose client decided nothing within PAYMENTS_AUTO_RELEASE_DAYS."""
    now = now or timezone.now()
    return list(
        _awaiting_decision()
        .filter(submitted_at__lte=now - _auto_release_days())
        .values_list("pk", flat=True)
    )


def deliverable_auto_release(*, deliverable_id: int, now: datetime | None = None) -> bool:
    """Approve one overdue delivery on the client's behalf, which releases its escrow
    through the contract's approval hook; both parties are told. False when it is no
    longer due (decided meanwhile, or disputed: a dispute stops the clock)."""
    now = now or timezone.now()
    with transaction.atomic():
        deliverable = Deliverable.objects.filter(pk=deliverable_id).first()
        if deliverable is None or deliverable_id not in auto_release_due(now=now):
            return False
        contract = Contract.objects.select_related("job", "client", "va").get(
            pk=deliverable.contract_id
        )
        held = list(contract.escrow_payments.held().select_related("milestone"))
        try:
            contract_services.deliverable_approve(deliverable=deliverable, client=contract.client)
        except ValidationError as exc:
            logger.info("Auto-release of deliverable %s refused: %s", deliverable_id, exc)
            return False
        _notify_both(
            "payment_auto_released",
            held,
            contract,
            days=str(settings.PAYMENTS_AUTO_RELEASE_DAYS),
        )
    return True


# --- webhooks ----------------------------------------------------------------------------


def webhook_receive(*, provider: str, body: bytes, signature: str) -> WebhookEvent:
    """Verify and store one provider event, then queue its processing after commit.

    The same event id again returns the stored row and queues nothing new. A bad
    signature or a body that is not an event raises WebhookRefused and stores nothing.
    """
    try:
        providers.verify(provider, body, signature)
        parsed = providers.parse(provider, body)
    except providers.WebhookInvalid as exc:
        raise WebhookRefused(str(exc)) from exc
    event_id = parsed.id[:100]
    event_type = parsed.type[:60]
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
    data = providers.parse(event.provider, event.body).data
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
    if payment.status in Payment.CONFIRMED:
        return
    if payment.week is not None:
        _week_payment_paid(payment, contract)
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
            milestone=payment.milestone_id,
            status__in=[Payment.Status.RELEASED, Payment.Status.SPLIT],
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
        _notify_payment("payment_refunded", payment, contract, to=contract.client)
        return
    for other in others:  # a newer checkout still open: this payment replaces it
        other.status = Payment.Status.EXPIRED
        other.failure_reason = "superseded"
        other.save(update_fields=["status", "failure_reason"])
    payment.status = Payment.Status.PAID
    payment.save(update_fields=["status", "paid_at", "failure_reason"])
    _post_funding(payment, contract)
    _notify_both("payment_funded", [payment], contract)
    # The contract may have moved on while the client was paying (events out of order).
    milestone_approved = payment.milestone_id and (
        Milestone.objects.filter(pk=payment.milestone_id, approved_at__isnull=False).exists()
    )
    if (
        milestone_approved
        or contract.deliverables.filter(status=Deliverable.Status.APPROVED).exists()
    ):
        escrow_release(contract=contract, milestone=payment.milestone)
    elif not contract.is_active:
        escrow_refund(contract=contract)


def _escrow(contract: Contract) -> Account:
    return ledger.account_for(
        kind=Account.Kind.ESCROW, currency=contract.currency, contract=contract
    )


def _move_between_client_and_escrow(
    payment: Payment, contract: Contract, kind: str, amount: Decimal | None = None
) -> LedgerTransaction:
    """Funding takes the payment from the client's funding account into escrow; a refund
    is the same movement backwards (of the whole payment, or of a dispute's share)."""
    amount = payment.amount if amount is None else amount
    funding = ledger.account_for(
        kind=Account.Kind.CLIENT_FUNDING, currency=payment.currency, user=payment.client
    )
    sign = 1 if kind == LedgerTransaction.Kind.FUNDING else -1
    return ledger.post(
        kind=kind,
        contract=contract,
        payment=payment,
        amount=amount,
        legs=[Leg(funding, -sign * amount), Leg(_escrow(contract), sign * amount)],
    )


def _post_funding(payment: Payment, contract: Contract) -> LedgerTransaction:
    return _move_between_client_and_escrow(payment, contract, LedgerTransaction.Kind.FUNDING)


def _post_refund(
    payment: Payment, contract: Contract, amount: Decimal | None = None
) -> LedgerTransaction:
    return _move_between_client_and_escrow(payment, contract, LedgerTransaction.Kind.REFUND, amount)


def _post_release(payment: Payment, contract: Contract, amount: Decimal) -> LedgerTransaction:
    """`amount` of the held payment to the VA's available balance, less the platform fee."""
    fee = ledger.fee_for(amount, payment.currency, platform_fee_percent())
    available = ledger.account_for(
        kind=Account.Kind.VA_AVAILABLE, currency=payment.currency, user=contract.va
    )
    platform = ledger.account_for(kind=Account.Kind.PLATFORM_FEES, currency=payment.currency)
    return ledger.post(
        kind=LedgerTransaction.Kind.RELEASE,
        contract=contract,
        payment=payment,
        amount=amount,
        fee=fee,
        legs=[
            Leg(_escrow(contract), -amount),
            Leg(available, amount - fee),
            Leg(platform, fee),
        ],
    )


# --- release and refund (called by the contract hooks, inside their transaction) ----------


def _held(contract: Contract, milestone: Milestone | None = None) -> list[Payment]:
    """The contract's held payments (or one milestone's), locked; refuses while any of
    them is disputed: a moderator decides where disputed money goes, nobody else."""
    held = Payment.objects.select_for_update().filter(contract=contract, status=Payment.Status.PAID)
    if milestone is not None:
        held = held.filter(milestone=milestone)
    held = list(held.order_by("pk"))
    if Dispute.objects.open().filter(payment__in=held).exists():
        raise ValidationError(
            _("A dispute is open on this payment: it stays in escrow until a moderator settles it.")
        )
    return held


def escrow_release(
    *, contract: Contract, milestone: Milestone | None = None
) -> list[LedgerTransaction]:
    """Release the contract's held payments (or one milestone's) to the VA, less the fee."""
    posted = []
    for payment in _held(contract, milestone):
        posted.append(_post_release(payment, contract, payment.amount))
        _settle(payment, Payment.Status.RELEASED)
        _notify_payment("payment_released", payment, contract, to=contract.va)
    return posted


def escrow_refund(*, contract: Contract) -> list[LedgerTransaction]:
    """Give every held (unreleased) payment of the contract back to the client."""
    posted = []
    for payment in _held(contract):
        posted.append(_post_refund(payment, contract))
        _settle(payment, Payment.Status.REFUNDED)
        _notify_payment("payment_refunded", payment, contract, to=contract.client)
    return posted


def _settle(payment: Payment, status: str) -> None:
    payment.status = status
    payment.settled_at = timezone.now()
    payment.save(update_fields=["status", "settled_at"])


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
    provider = providers.for_currency(currency)
    if provider is None:
        raise ValidationError(_("Withdrawals are not available yet."))
    method = PayoutMethod.objects.filter(va=va, currency=currency).first()
    if provider != providers.SANDBOX and not payout_method_complete(method, provider):
        raise ValidationError(
            _("Add your payout details for %(currency)s first.") % {"currency": currency}
        )
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
        payout = Payout.objects.create(va=va, amount=amount, currency=currency, provider=provider)
        pending = ledger.account_for(
            kind=Account.Kind.VA_PENDING_PAYOUT, currency=currency, user=va
        )
        ledger.post(
            kind=LedgerTransaction.Kind.PAYOUT,
            payout=payout,
            amount=amount,
            legs=[Leg(available, -amount), Leg(pending, amount)],
        )
        if provider != providers.SANDBOX:
            # Sent by a task after commit: the money is safely "pending payout" first, and
            # a retried send carries the same idempotency key (one transfer, ever).
            transaction.on_commit(lambda: _enqueue_payout(payout.pk))
    return payout


def payout_method_complete(method: PayoutMethod | None, provider: str) -> bool:
    if method is None:
        return False
    if provider == providers.XENDIT:
        return bool(method.channel_code and method.account_number and method.account_holder_name)
    if provider == providers.STRIPE:
        return bool(method.stripe_account)
    return True


def payout_method_save(*, va, currency: str, **fields) -> PayoutMethod:
    """Set where the VA's withdrawals in `currency` go (the form checked the fields)."""
    if currency not in dict(CURRENCY_CHOICES):
        raise ValidationError({"currency": _("Choose a currency you hold a balance in.")})
    method, _created = PayoutMethod.objects.update_or_create(
        va=va, currency=currency, defaults=fields
    )
    return method


def _enqueue_payout(payout_id: int) -> None:
    from payments.tasks import send_payout

    broker.publish(send_payout, args=[payout_id])


def payout_send(*, payout_id: int) -> Payout:
    """Hand a pending withdrawal to its provider, once (its reference is the idempotency
    key). A refusal (bad account, closed e-wallet) returns the money to the VA's balance
    with the provider's reason; an unreachable provider raises ProviderUnavailable so the
    task retries later. Its outcome then arrives by webhook."""
    payout = Payout.objects.select_related("va").get(pk=payout_id)
    if (
        payout.status != Payout.Status.PENDING
        or payout.provider_ref
        or payout.provider == providers.SANDBOX
    ):
        return payout
    method = PayoutMethod.objects.filter(va=payout.va, currency=payout.currency).first()
    try:
        provider_ref = providers.payout_create(payout, method)
    except providers.ProviderRefused as exc:
        with transaction.atomic():
            payout = Payout.objects.select_for_update().get(pk=payout_id)
            if payout.status == Payout.Status.PENDING:
                _payout_settle(payout, Payout.Status.FAILED, str(exc))
        return payout
    Payout.objects.filter(pk=payout_id, provider_ref="").update(provider_ref=provider_ref)
    payout.refresh_from_db()
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
    _payout_settle(payout, outcome, str(data.get("failure_reason") or event.event_type))
    return WebhookEvent.Status.PROCESSED, ""


def _payout_settle(payout: Payout, outcome: str, reason: str) -> None:
    """The locked, pending `payout` left the platform (paid) or came back (failed, with
    the provider's reason): one balanced movement out of "pending payout", and the VA told."""
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
        payout.failure_reason = reason[:200]
    ledger.post(
        kind=kind,
        payout=payout,
        amount=payout.amount,
        legs=[Leg(pending, -payout.amount), Leg(other, payout.amount)],
    )
    payout.status = outcome
    payout.settled_at = timezone.now()
    payout.save(update_fields=["status", "failure_reason", "settled_at"])
    notify(
        kind="payout_paid" if outcome == Payout.Status.PAID else "payout_failed",
        recipients=[payout.va_id],
        event_key=f"payout_{outcome}:{payout.pk}",
        data={
            "url": reverse("payments:balance"),
            "title": format_money(payout.amount, payout.currency),
            "amount": str(payout.amount),
            "currency": payout.currency,
            "reason": payout.failure_reason,
        },
    )


# --- disputes ----------------------------------------------------------------------------


def disputable(contract: Contract) -> list[Payment]:
    """The contract's held payments without an open dispute: what a party may dispute."""
    return list(
        contract.escrow_payments.held()
        .exclude(disputes__status=Dispute.Status.OPEN)
        .select_related("milestone")
        .order_by("pk")
    )


def dispute_open(*, contract: Contract, user, payment_id: int, reason: str, files=()) -> Dispute:
    """Either party objects to a held payment (the price or one milestone) with a reason
    and optional files; the money stays in escrow until a moderator settles it."""
    role = contract.role_of(user)
    if role is None:
        raise ValidationError(_("Only the client and the VA of this contract can do this."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you dispute this payment.")})
    checked = check_files(files)
    with transaction.atomic():
        contract = (
            Contract.objects.select_related("job")
            .select_for_update(of=("self",))
            .get(pk=contract.pk)
        )
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("milestone")
            .filter(pk=payment_id, contract=contract)
            .first()
        )
        if payment is None or payment.status != Payment.Status.PAID:
            raise ValidationError({"payment": _("Only money held in escrow can be disputed.")})
        if Dispute.objects.open().filter(payment=payment).exists():
            raise ValidationError(
                _("This payment is already disputed; a moderator will settle it.")
            )
        dispute = Dispute.objects.create(
            contract=contract, payment=payment, opened_by=user, reason=reason
        )
        store_files(DisputeFile, checked, dispute=dispute)
        other = contract.va if role == "client" else contract.client
        _notify_payment(
            "dispute_opened",
            payment,
            contract,
            to=other,
            actor=user,
            key=f":{dispute.pk}",
            reason=reason[:500],
        )
    return dispute


def _split_amounts(
    payment: Payment, outcome: str, va_amount, client_amount, currency: str
) -> tuple[Decimal, Decimal]:
    """What each side gets, gross: all to one side, or a moderator's split that adds up to
    exactly the held amount in the payment's own currency."""
    if outcome == Dispute.Outcome.RELEASE:
        return payment.amount, Decimal("0")
    if outcome == Dispute.Outcome.REFUND:
        return Decimal("0"), payment.amount
    if outcome != Dispute.Outcome.SPLIT:
        raise ValidationError({"outcome": _("Choose release, refund or split.")})
    if currency != payment.currency:
        raise ValidationError(
            {
                "currency": _("The split is in %(currency)s, the payment's currency.")
                % {"currency": payment.currency}
            }
        )
    amounts = []
    for field, value in (("va_amount", va_amount), ("client_amount", client_amount)):
        if value is None or value <= 0 or quantize_money(value, currency) != value:
            raise ValidationError(
                {
                    field: _("Each share must be above zero, in whole units of %(currency)s.")
                    % {"currency": currency}
                }
            )
        amounts.append(value)
    if sum(amounts, Decimal("0")) != payment.amount:
        raise ValidationError(
            _("The shares add up to %(total)s; they must add up to the held %(held)s.")
            % {
                "total": format_money(sum(amounts, Decimal("0")), currency),
                "held": format_money(payment.amount, currency),
            }
        )
    return amounts[0], amounts[1]


_SETTLED_STATUS = {
    Dispute.Outcome.RELEASE: Payment.Status.RELEASED,
    Dispute.Outcome.REFUND: Payment.Status.REFUNDED,
    Dispute.Outcome.SPLIT: Payment.Status.SPLIT,
}


def dispute_settle(
    *,
    dispute_id: int,
    moderator,
    outcome: str,
    reason: str,
    va_amount: Decimal | None = None,
    client_amount: Decimal | None = None,
    currency: str = "",
) -> Dispute:
    """A moderator decides a dispute: release it all to the VA (less the fee), refund it
    all to the client, or split it. One balanced ledger transaction per side that gets
    money, the moderation audit record and both parties' notifications, in one commit."""
    if not moderator.is_staff:
        raise ValidationError(_("Only moderators can settle disputes."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Give a reason: it is recorded and shown to both parties.")}
        )
    found = Dispute.objects.filter(pk=dispute_id).first()
    if found is None:
        raise ValidationError(_("There is no such dispute."))
    with transaction.atomic():
        # The contract services' lock order: the contract, then its payments.
        contract = (
            Contract.objects.select_related("job")
            .select_for_update(of=("self",))
            .get(pk=found.contract_id)
        )
        dispute = Dispute.objects.select_for_update().get(pk=dispute_id)
        if dispute.status != Dispute.Status.OPEN:
            raise ValidationError(_("This dispute is already settled."))
        payment = (
            Payment.objects.select_for_update(of=("self",))
            .select_related("milestone")
            .get(pk=dispute.payment_id)
        )
        to_va, to_client = _split_amounts(
            payment, outcome, va_amount, client_amount, currency or payment.currency
        )
        if to_va:
            _post_release(payment, contract, to_va)
        if to_client:
            _post_refund(payment, contract, to_client)
        _settle(payment, _SETTLED_STATUS[outcome])
        dispute.status = Dispute.Status.SETTLED
        dispute.outcome = outcome
        dispute.va_amount = to_va
        dispute.client_amount = to_client
        dispute.settlement_reason = reason
        dispute.settled_by = moderator
        dispute.settled_at = payment.settled_at
        dispute.save()
        _record_moderation(dispute, moderator, reason)
        _notify_both(
            "dispute_settled",
            [payment],
            contract,
            key=f":{dispute.pk}",
            outcome=outcome,
            va_amount=str(to_va),
            client_amount=str(to_client),
            reason=reason[:500],
        )
    return dispute


def _record_moderation(dispute: Dispute, moderator, reason: str) -> None:
    """The audit record every moderator action leaves (moderation.ModerationAction). Read
    through the app registry: moderation sits above every app and is never imported."""
    action = apps.get_model("moderation", "ModerationAction")
    action.objects.create(
        moderator=moderator,
        action="settle_dispute",
        target_type=ContentType.objects.get_for_model(Dispute),
        target_id=str(dispute.pk),
        reason=reason,
        data={
            "outcome": dispute.outcome,
            "payment": dispute.payment_id,
            "currency": dispute.payment.currency,
            "va_amount": str(dispute.va_amount),
            "client_amount": str(dispute.client_amount),
        },
    )
