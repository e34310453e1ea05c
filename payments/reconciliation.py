"""Daily reconciliation: our payments and payouts of a day against the provider's records.

`reconcile_day(provider, day)` asks the provider (payments.providers.day_records, through
its SDK) what it has for the day, compares it with our rows and with the ledger (the
funding / withdrawal transaction of each must carry the provider's amount), and writes one
`ReconciliationRun` per provider, currency and day with a `ReconciliationIssue` per
difference. Re-running a day replaces that run's open issues; resolved ones stay as the
history, and a difference a moderator already resolved is not raised again. When a run
finds open differences, moderators (staff who may resolve them) are notified once per
distinct set of differences.
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications.services import notify
from payments import providers
from payments.models import (
    LedgerTransaction,
    Payment,
    Payout,
    ReconciliationIssue,
    ReconciliationRun,
)

# The currencies each provider moves (the sandbox stands in for both).
PROVIDER_CURRENCIES = {
    providers.XENDIT: ("IDR",),
    providers.STRIPE: ("USD",),
    providers.SANDBOX: ("IDR", "USD"),
}
RESOLVE_PERMISSION = ("payments", "change_reconciliationissue")

Kind = ReconciliationIssue.Kind


def configured_providers() -> list[str]:
    return [name for name in PROVIDER_CURRENCIES if providers.configured(name)]


def day_window(day: date) -> tuple[datetime, datetime]:
    """The day in the project's TIME_ZONE, as aware datetimes [start, end)."""
    start = datetime.combine(day, time.min, tzinfo=timezone.get_default_timezone())
    return start, start + timedelta(days=1)


def yesterday(now: datetime | None = None) -> date:
    return timezone.localdate(now or timezone.now()) - timedelta(days=1)


@dataclass
class _Found:
    kind: str
    payment: Payment | None = None
    payout: Payout | None = None
    reference: str = ""
    provider_id: str = ""
    our_amount: Decimal | None = None
    our_currency: str = ""
    provider_amount: Decimal | None = None
    provider_currency: str = ""
    our_status: str = ""
    provider_status: str = ""

    @property
    def signature(self) -> tuple:
        return (self.kind, self.reference, self.provider_id)


def reconcile_day(provider: str, day: date) -> list[ReconciliationRun]:
    """Reconcile `provider` for `day`, one run per currency it moves; returns the runs."""
    if provider not in PROVIDER_CURRENCIES:
        raise ValidationError(_("There is no such payment provider."))
    return [_reconcile(provider, currency, day) for currency in PROVIDER_CURRENCIES[provider]]


def _ours(provider: str, currency: str, start: datetime, end: datetime):
    payments = list(
        Payment.objects.filter(
            provider=provider,
            currency=currency,
            status__in=Payment.CONFIRMED,
            paid_at__gte=start,
            paid_at__lt=end,
        ).order_by("pk")
    )
    # A withdrawal not yet handed to the provider has nothing there to compare with.
    payouts = list(
        Payout.objects.filter(
            provider=provider, currency=currency, created_at__gte=start, created_at__lt=end
        )
        .exclude(status=Payout.Status.PENDING, provider_ref="")
        .order_by("pk")
    )
    return payments, payouts


def _ledger_amounts(payments, payouts) -> dict[tuple[str, int], Decimal]:
    """The funding transaction of each payment and the withdrawal of each payout."""
    rows = LedgerTransaction.objects.filter(
        Q(kind=LedgerTransaction.Kind.FUNDING, payment__in=[p.pk for p in payments])
        | Q(kind=LedgerTransaction.Kind.PAYOUT, payout__in=[p.pk for p in payouts])
    ).values_list("kind", "payment_id", "payout_id", "amount")
    return {
        ("payment", payment_id) if kind == "funding" else ("payout", payout_id): amount
        for kind, payment_id, payout_id, amount in rows
    }


def _amount_issue(item, kind: str, record, ledger_amount) -> _Found | None:
    """An amount_mismatch when the provider's money differs from ours or the ledger's."""
    ours = [ledger_amount, item.amount]
    if record.currency == item.currency and all(amount == record.amount for amount in ours):
        return None
    differing = next((a for a in ours if a is not None and a != record.amount), item.amount)
    return _Found(
        kind=Kind.AMOUNT_MISMATCH,
        reference=str(item.reference),
        provider_id=record.provider_id,
        our_amount=differing,
        our_currency=item.currency,
        provider_amount=record.amount,
        provider_currency=record.currency,
        our_status=item.status,
        provider_status=record.status,
        **{kind: item},
    )


def _compare(provider, currency, start, end) -> tuple[list[_Found], int, int]:
    payments, payouts = _ours(provider, currency, start, end)
    our_count = len(payments) + len(payouts)
    records = providers.day_records(
        provider, start=start, end=end, payout_references=[str(p.reference) for p in payouts]
    )
    records = [r for r in records if r.currency == currency or r.kind == "payout"]
    by_reference = {(r.kind, r.reference): r for r in records}
    # The provider's records of ours from another day (a session paid after midnight, a
    # transfer settled late) are compared too: they are ours all the same.
    known = {str(p.reference) for p in payments} | {str(p.reference) for p in payouts}
    extra = [r.reference for r in records if r.reference not in known and _is_uuid(r.reference)]
    payments += list(
        Payment.objects.filter(
            reference__in=[r for r in extra if ("payment", r) in by_reference], provider=provider
        )
    )
    payouts += list(
        Payout.objects.filter(
            reference__in=[r for r in extra if ("payout", r) in by_reference], provider=provider
        )
    )
    ledger = _ledger_amounts(payments, payouts)
    found: list[_Found] = []
    for kind, items in (("payment", payments), ("payout", payouts)):
        for item in items:
            record = by_reference.pop((kind, str(item.reference)), None)
            has_ledger = (kind, item.pk) in ledger
            if record is None:
                found.append(
                    _Found(
                        kind=Kind.MISSING_AT_PROVIDER,
                        reference=str(item.reference),
                        provider_id=item.provider_ref,
                        our_amount=ledger.get((kind, item.pk), item.amount),
                        our_currency=item.currency,
                        our_status=item.status,
                        **{kind: item},
                    )
                )
                continue
            if kind == "payment" and (item.status not in Payment.CONFIRMED or not has_ledger):
                found.append(_missing_in_ledger(record, payment=item))
                continue
            issue = _amount_issue(item, kind, record, ledger.get((kind, item.pk)))
            if issue is not None:
                found.append(issue)
            if kind == "payout" and record.status != item.status:
                found.append(
                    _Found(
                        kind=Kind.STATUS_MISMATCH,
                        payout=item,
                        reference=str(item.reference),
                        provider_id=record.provider_id,
                        our_amount=item.amount,
                        our_currency=item.currency,
                        provider_amount=record.amount,
                        provider_currency=record.currency,
                        our_status=item.status,
                        provider_status=record.status,
                    )
                )
    for record in by_reference.values():
        found.append(_missing_in_ledger(record))
    return found, our_count, len(records)


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except (ValueError, TypeError):
        return False
    return True


def _missing_in_ledger(record, payment: Payment | None = None) -> _Found:
    return _Found(
        kind=Kind.MISSING_IN_LEDGER,
        payment=payment,
        reference=record.reference,
        provider_id=record.provider_id,
        our_amount=payment.amount if payment else None,
        our_currency=payment.currency if payment else "",
        provider_amount=record.amount,
        provider_currency=record.currency,
        our_status=payment.status if payment else "",
        provider_status=record.status,
    )


def _reconcile(provider: str, currency: str, day: date) -> ReconciliationRun:
    start, end = day_window(day)
    started = timezone.now()
    run, _created = ReconciliationRun.objects.update_or_create(
        provider=provider,
        currency=currency,
        day=day,
        defaults={"status": ReconciliationRun.Status.RUNNING, "started_at": started, "error": ""},
    )
    try:
        found, ours, theirs = _compare(provider, currency, start, end)
    except (providers.ProviderUnavailable, providers.ProviderRefused) as exc:
        # The previous findings stay as they were: nothing was compared this time.
        run.status = ReconciliationRun.Status.FAILED
        run.error = str(exc)[:2000]
        run.finished_at = timezone.now()
        run.save(update_fields=["status", "error", "finished_at"])
        return run
    with transaction.atomic():
        run = ReconciliationRun.objects.select_for_update().get(pk=run.pk)
        run.issues.filter(resolved=False).delete()
        settled = {issue.signature for issue in run.issues.filter(resolved=True)}
        fresh = [f for f in found if f.signature not in settled]
        ReconciliationIssue.objects.bulk_create(
            ReconciliationIssue(run=run, **vars(f)) for f in fresh
        )
        run.our_count, run.provider_count = ours, theirs
        run.status = ReconciliationRun.Status.DIFFERENCES if fresh else ReconciliationRun.Status.OK
        run.finished_at = timezone.now()
        run.save()
        if fresh:
            _notify_moderators(run, fresh)
    return run


def moderators():
    """Active staff who may resolve reconciliation issues: superusers, and staff given the
    permission directly or through a group (the Moderators group has it)."""
    app_label, codename = RESOLVE_PERMISSION
    perm = Q(content_type__app_label=app_label, codename=codename)
    permission = apps.get_model("auth", "Permission").objects.filter(perm).first()
    allowed = Q(is_superuser=True)
    if permission is not None:
        allowed |= Q(user_permissions=permission) | Q(groups__permissions=permission)
    return get_user_model().objects.filter(allowed, is_active=True, is_staff=True).distinct()


def _notify_moderators(run: ReconciliationRun, found: list[_Found]) -> int:
    # The same differences found again (a re-run) are told once.
    digest = hashlib.sha256(repr(sorted(f.signature for f in found)).encode()).hexdigest()[:16]
    url = reverse("admin:payments_reconciliationrun_change", args=[run.pk])
    return notify(
        kind="reconciliation_differences",
        recipients=list(moderators().values_list("pk", flat=True)),
        event_key=f"reconciliation_differences:{run.pk}:{digest}",
        data={
            "url": url,
            "title": f"{run.provider} {run.currency} {run.day.isoformat()}",
            "provider": run.provider,
            "currency": run.currency,
            "day": run.day.isoformat(),
            "count": str(len(found)),
        },
    )


def issues_resolve(*, issue_ids, moderator, note: str) -> int:
    """A moderator marks open issues resolved with a note; each leaves a moderation audit
    record (moderation.ModerationAction, read through the app registry). Returns how many."""
    if not (moderator.is_staff and moderator.has_perm(".".join(RESOLVE_PERMISSION))):
        raise ValidationError(_("Only moderators can resolve reconciliation issues."))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say how the difference was resolved.")})
    action = apps.get_model("moderation", "ModerationAction")
    target_type = ContentType.objects.get_for_model(ReconciliationIssue)
    now = timezone.now()
    with transaction.atomic():
        issues = list(
            ReconciliationIssue.objects.select_for_update()
            .filter(pk__in=list(issue_ids), resolved=False)
            .order_by("pk")
        )
        for issue in issues:
            issue.resolved, issue.resolved_by, issue.resolved_at = True, moderator, now
            issue.note = note
            issue.save(update_fields=["resolved", "resolved_by", "resolved_at", "note"])
        action.objects.bulk_create(
            action(
                moderator=moderator,
                action="resolve_reconciliation",
                target_type=target_type,
                target_id=str(issue.pk),
                reason=note,
                data={"run": issue.run_id, "kind": issue.kind, "reference": issue.reference},
            )
            for issue in issues
        )
    return len(issues)
