"""Every write on a contract: messages, deliverables, hours, payment marks, the end, reviews.

Each function is one transaction. Decisions that read then write (the weekly hour cap,
approving a week or a deliverable, ending) first lock the contract row, so two requests
racing each other see one another's effect. Errors are `ValidationError`s with messages
people can read; the views show them next to the form.
"""

import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Round
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from accounts.models import VAProfile
from accounts.services import va_directory_changed
from contracts.models import (
    REVIEW_WINDOW,
    Contract,
    Deliverable,
    DeliverableFile,
    HourEntry,
    Message,
    MessageAttachment,
    PaymentMark,
    PrivateFile,
    Review,
    Timesheet,
)
from jobs.models import Job
from live.services import publish
from marketplace.uploads import SniffedFile, validate_upload
from notifications.services import notify
from webhooks import services as webhooks
from webhooks.models import EventType

MAX_FILES = 5
QUARTER = Decimal("0.25")
MAX_HOURS_PER_DAY = Decimal("24")


# --- helpers -----------------------------------------------------------------------------


def _locked(contract: Contract) -> Contract:
    return (
        Contract.objects.select_related("job").select_for_update(of=("self",)).get(pk=contract.pk)
    )


def _require_party(contract: Contract, user) -> str:
    role = contract.role_of(user)
    if role is None:
        raise ValidationError(_("Only the client and the VA of this contract can do this."))
    return role


def _require_client(contract: Contract, user) -> None:
    if user.pk != contract.client_id:
        raise ValidationError(_("Only the client of this contract can do this."))


def _require_va(contract: Contract, user) -> None:
    if user.pk != contract.va_id:
        raise ValidationError(_("Only the VA of this contract can do this."))


def _require_active(contract: Contract) -> None:
    if not contract.is_active:
        raise ValidationError(_("This contract has ended; no more work can be added to it."))


def _hook(setting: str, **kwargs) -> None:
    """Call the function named in `settings.<setting>` (payments reacts to approvals and
    early ends this way: contracts never imports payments). Runs inside the caller's
    transaction, so a refusal there rolls the contract change back too."""
    name = getattr(settings, setting, "")
    if name:
        import_string(name)(**kwargs)


def _data(contract: Contract, anchor: str = "", **extra) -> dict:
    """What every contract notification carries so it renders without importing us."""
    url = contract.get_absolute_url() + (f"#{anchor}" if anchor else "")
    return {"url": url, "title": contract.job.title, "contract_id": str(contract.pk), **extra}


def _notify(kind: str, contract: Contract, *, to, actor, event_key: str, anchor: str = "", **extra):
    notify(
        kind=kind,
        recipients=[to],
        event_key=event_key,
        actor=actor,
        job_id=contract.job_id,
        bid_id=contract.bid_id,
        contract_id=contract.pk,
        data=_data(contract, anchor, **extra),
    )


def check_files(files: Sequence) -> list[tuple[object, SniffedFile]]:
    """Validate uploads by content (type, size, count) before anything is written."""
    files = [f for f in files if f]
    if len(files) > MAX_FILES:
        raise ValidationError(
            {"files": _("Attach at most %(count)d files at a time.") % {"count": MAX_FILES}}
        )
    checked = []
    errors = []
    for upload in files:
        try:
            checked.append(
                (upload, validate_upload(upload, max_bytes=settings.SAMPLE_MAX_FILE_BYTES))
            )
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"files": errors})
    return checked


def store_files(model: type[PrivateFile], checked, **parent) -> list[PrivateFile]:
    """Save files already checked by `check_files` under generated keys, one row each."""
    rows = []
    for upload, sniffed in checked:
        row = model(
            original_name=sniffed.original_name,
            content_type=sniffed.content_type,
            size=sniffed.size,
            sha256=sniffed.sha256,
            **parent,
        )
        upload.seek(0)
        row.file.save(f"upload{sniffed.extension}", upload, save=False)
        row.save()
        rows.append(row)
    return rows


# --- messages ----------------------------------------------------------------------------


def message_send(*, contract: Contract, author, body: str, files: Sequence = ()) -> Message:
    """Post a message (text and/or files) to the thread and tell the other side."""
    _require_party(contract, author)
    body = (body or "").strip()
    checked = check_files(files)
    if not body and not checked:
        raise ValidationError({"body": _("Write a message or attach a file.")})
    with transaction.atomic():
        contract = _locked(contract)
        message = Message.objects.create(contract=contract, author=author, body=body)
        files = store_files(MessageAttachment, checked, message=message)
        # Your own message counts as read by you.
        _set_last_read(contract, author, message.created_at)
        # Both parties' open pages (the author's other tabs too) show it at once.
        publish(
            kind="message",
            user_ids=[contract.client_id, contract.va_id],
            data={
                "contract_id": contract.pk,
                "message_id": message.pk,
                "author_id": author.pk,
                "author_name": str(author.display_name),
                "body": message.body,
                "created_at": message.created_at.isoformat(),
                "files": [
                    {
                        "name": f.original_name,
                        "size": f.size,
                        "url": reverse("contracts:message_file", args=[contract.pk, f.pk]),
                    }
                    for f in files
                ],
            },
        )
        _notify(
            "message_received",
            contract,
            to=contract.other_party(author),
            actor=author,
            event_key=f"message_received:{message.pk}",
            anchor=f"message-{message.pk}",
            sender=str(author.display_name),
            excerpt=body[:200],
            files=str(len(checked)),
        )
        webhooks.message_created_event(message=message)
    return message


def _set_last_read(contract: Contract, user, when) -> None:
    """Move `user`'s read mark on to `when`; never back (GREATEST skips a NULL mark)."""
    field = {"client": "client_last_read_at", "va": "va_last_read_at"}.get(
        contract.role_of(user) or ""
    )
    if field:
        Contract.objects.filter(pk=contract.pk).update(**{field: Greatest(F(field), Value(when))})


def contract_mark_read(*, contract: Contract, user, message: Message | None = None) -> bool:
    """Remember that `user` has read the thread up to `message`, the newest one on their
    screen (None: everything there is now). Staff reading changes nothing.

    When that takes their "seen" mark past a newer message of the other side's, the other
    side's open pages show "Seen" under it (`messages.seen`, to them only) and the reader's
    own other pages refresh their unread markers (`messages.read`). Returns whether the
    seen mark moved."""
    role = contract.role_of(user)
    if role is None:
        return False
    if message is not None and message.contract_id != contract.pk:
        raise ValidationError(_("That message is not in this contract."))
    with transaction.atomic():
        _set_last_read(contract, user, message.created_at if message else timezone.now())
        # Messages of one contract are written under its row lock, so ids follow the thread.
        theirs = Message.objects.filter(contract=contract).exclude(author=user)
        if message is not None:
            theirs = theirs.filter(pk__lte=message.pk)
        newest = theirs.order_by("-pk").values_list("pk", flat=True).first()
        if newest is None:
            return False
        field, now = f"{role}_seen_message", timezone.now()
        moved = (
            Contract.objects.filter(pk=contract.pk)
            .filter(Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": newest}))
            .update(**{f"{field}_id": newest, f"{role}_seen_at": now})
        )
        if not moved:
            return False
        other_id = contract.va_id if role == "client" else contract.client_id
        publish(
            kind="messages.seen",
            user_ids=[other_id],
            data={"contract_id": contract.pk, "message_id": newest, "seen_at": now.isoformat()},
        )
        publish(kind="messages.read", user_ids=[user.pk], data={"contract_id": contract.pk})
    return True


# --- per-task work -----------------------------------------------------------------------


def deliverable_submit(*, contract: Contract, va, note: str, files: Sequence = ()) -> Deliverable:
    """The VA hands in the task (a note and files) for the client's approval."""
    _require_va(contract, va)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Describe what you are delivering.")})
    checked = check_files(files)
    with transaction.atomic():
        contract = _locked(contract)
        if contract.is_hourly:
            raise ValidationError(_("Hourly contracts log hours instead of deliverables."))
        _require_active(contract)
        states = set(contract.deliverables.values_list("status", flat=True))
        if Deliverable.Status.APPROVED in states:
            raise ValidationError(_("The client has already approved this task."))
        if Deliverable.Status.SUBMITTED in states:
            raise ValidationError(_("Your last delivery is still waiting for the client."))
        deliverable = Deliverable.objects.create(contract=contract, note=note)
        store_files(DeliverableFile, checked, deliverable=deliverable)
        _notify(
            "deliverable_submitted",
            contract,
            to=contract.client,
            actor=va,
            event_key=f"deliverable_submitted:{deliverable.pk}",
            anchor=f"deliverable-{deliverable.pk}",
            sender=str(va.display_name),
        )
    return deliverable


def _locked_deliverable(deliverable: Deliverable) -> tuple[Contract, Deliverable]:
    contract = _locked(deliverable.contract)
    return contract, Deliverable.objects.select_for_update().get(pk=deliverable.pk)


def deliverable_approve(*, deliverable: Deliverable, client) -> Deliverable:
    """Approve the delivery: the task is done and its fixed price is earned."""
    _require_client(deliverable.contract, client)
    with transaction.atomic():
        contract, deliverable = _locked_deliverable(deliverable)
        if deliverable.status != Deliverable.Status.SUBMITTED:
            raise ValidationError(_("This delivery is not waiting for your approval."))
        deliverable.status = Deliverable.Status.APPROVED
        deliverable.amount = contract.rate
        deliverable.decided_at = timezone.now()
        deliverable.save(update_fields=["status", "amount", "decided_at"])
        _hook("CONTRACT_DELIVERABLE_APPROVED_HOOK", deliverable=deliverable)
        _notify(
            "deliverable_approved",
            contract,
            to=contract.va,
            actor=client,
            event_key=f"deliverable_approved:{deliverable.pk}",
            anchor=f"deliverable-{deliverable.pk}",
            amount=str(deliverable.amount),
            currency=contract.currency,
        )
    return deliverable


def deliverable_request_changes(*, deliverable: Deliverable, client, comment: str) -> Deliverable:
    """Send the delivery back with a comment saying what to change."""
    _require_client(deliverable.contract, client)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what should change.")})
    with transaction.atomic():
        contract, deliverable = _locked_deliverable(deliverable)
        if deliverable.status != Deliverable.Status.SUBMITTED:
            raise ValidationError(_("This delivery is not waiting for your approval."))
        deliverable.status = Deliverable.Status.CHANGES_REQUESTED
        deliverable.client_comment = comment
        deliverable.decided_at = timezone.now()
        deliverable.save(update_fields=["status", "client_comment", "decided_at"])
        _notify(
            "changes_requested",
            contract,
            to=contract.va,
            actor=client,
            event_key=f"changes_requested:{deliverable.pk}",
            anchor=f"deliverable-{deliverable.pk}",
            comment=comment[:500],
        )
    return deliverable


# --- hourly work -------------------------------------------------------------------------


def week_start_of(day: date) -> date:
    """Monday of the ISO week `day` falls in."""
    return day - timedelta(days=day.weekday())


def _clean_hours(hours) -> Decimal:
    try:
        hours = Decimal(str(hours))
    except (InvalidOperation, ValueError) as exc:
        raise ValidationError(
            {"hours": _("Enter the hours as a number, for example 1.5.")}
        ) from exc
    if not hours.is_finite() or hours <= 0:
        raise ValidationError({"hours": _("Enter more than zero hours.")})
    if hours > MAX_HOURS_PER_DAY:
        raise ValidationError({"hours": _("A day has at most 24 hours.")})
    if hours % QUARTER:
        raise ValidationError(
            {"hours": _("Log hours in quarter-hour steps: 0.25, 0.5, 0.75, 1, 1.25 and so on.")}
        )
    return hours


def _fmt_hours(hours: Decimal) -> str:
    return f"{hours.normalize():f}"


def hours_log(*, contract: Contract, va, work_date: date, hours, memo: str) -> HourEntry:
    """Log hours worked on a day. Refused beyond the weekly cap or once the week is approved."""
    _require_va(contract, va)
    hours = _clean_hours(hours)
    memo = (memo or "").strip()
    if not memo:
        raise ValidationError({"memo": _("Say briefly what you did.")})
    if work_date is None:
        raise ValidationError({"work_date": _("Enter the date you worked.")})
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(va.timezone or settings.TIME_ZONE))
    if work_date > today:
        raise ValidationError({"work_date": _("You cannot log hours for a future date.")})
    with transaction.atomic():
        # The lock makes the cap check and the insert one step: two entries sent at once
        # cannot both fit into the same last free hours.
        contract = _locked(contract)
        if not contract.is_hourly:
            raise ValidationError(
                _("Per-task contracts are paid per deliverable, not by the hour.")
            )
        _require_active(contract)
        start_day = timezone.localtime(contract.started_at, zoneinfo.ZoneInfo(va.timezone)).date()
        if work_date < start_day:
            raise ValidationError(
                {
                    "work_date": _("The contract started on %(date)s; log hours from then on.")
                    % {"date": start_day.isoformat()}
                }
            )
        sheet, _created = Timesheet.objects.get_or_create(
            contract=contract, week_start=week_start_of(work_date)
        )
        if sheet.status == Timesheet.Status.APPROVED:
            raise ValidationError(
                {
                    "work_date": _(
                        "The client has already approved the week of %(date)s; it is closed."
                    )
                    % {"date": sheet.week_start.isoformat()}
                }
            )
        day_total = (
            contract.hour_entries.filter(work_date=work_date).aggregate(t=Sum("hours"))["t"] or 0
        )
        if day_total + hours > MAX_HOURS_PER_DAY:
            raise ValidationError(
                {
                    "hours": _("You already logged %(logged)s hours on %(date)s; a day has 24.")
                    % {"logged": _fmt_hours(Decimal(day_total)), "date": work_date.isoformat()}
                }
            )
        cap = contract.weekly_hour_cap
        if cap is not None and sheet.total_hours + hours > cap:
            left = max(cap - sheet.total_hours, Decimal(0))
            raise ValidationError(
                {
                    "hours": _(
                        "The weekly cap is %(cap)s hours and %(logged)s are already logged for the "
                        "week of %(week)s: you can log at most %(left)s more."
                    )
                    % {
                        "cap": _fmt_hours(cap),
                        "logged": _fmt_hours(sheet.total_hours),
                        "week": sheet.week_start.isoformat(),
                        "left": _fmt_hours(left),
                    }
                }
            )
        entry = HourEntry.objects.create(
            contract=contract, timesheet=sheet, work_date=work_date, hours=hours, memo=memo
        )
        sheet.total_hours += hours
        # A corrected disputed week goes back to the client.
        sheet.status = Timesheet.Status.PENDING
        sheet.save(update_fields=["total_hours", "status"])
    return entry


def hour_entry_delete(*, entry: HourEntry, va) -> None:
    """Remove an entry from a week the client has not approved yet."""
    _require_va(entry.contract, va)
    with transaction.atomic():
        contract = _locked(entry.contract)
        _require_active(contract)
        entry = HourEntry.objects.select_related("timesheet").get(pk=entry.pk)
        sheet = entry.timesheet
        if sheet.status == Timesheet.Status.APPROVED:
            raise ValidationError(_("This week is approved; its hours can no longer change."))
        entry.delete()
        sheet.total_hours -= entry.hours
        sheet.status = Timesheet.Status.PENDING
        sheet.save(update_fields=["total_hours", "status"])


def _locked_sheet(sheet: Timesheet) -> tuple[Contract, Timesheet]:
    contract = _locked(sheet.contract)
    return contract, Timesheet.objects.select_for_update().get(pk=sheet.pk)


def timesheet_approve(*, timesheet: Timesheet, client) -> Timesheet:
    """Approve a week: its hours × the rate become earned, and the week closes."""
    _require_client(timesheet.contract, client)
    with transaction.atomic():
        contract, sheet = _locked_sheet(timesheet)
        if sheet.status == Timesheet.Status.APPROVED:
            raise ValidationError(_("This week is already approved."))
        if sheet.total_hours <= 0:
            raise ValidationError(_("There are no hours to approve in this week."))
        sheet.status = Timesheet.Status.APPROVED
        sheet.amount = contract.amount_for_hours(sheet.total_hours)
        sheet.decided_at = timezone.now()
        sheet.save(update_fields=["status", "amount", "decided_at"])
        # Payments charges the approved amount (from a pre-fund, or a "Pay this week").
        _hook("CONTRACT_WEEK_APPROVED_HOOK", timesheet=sheet)
        _notify(
            "hours_approved",
            contract,
            to=contract.va,
            actor=client,
            event_key=f"hours_approved:{sheet.pk}",
            anchor=f"week-{sheet.week_start.isoformat()}",
            week=sheet.week_start.isoformat(),
            hours=_fmt_hours(sheet.total_hours),
            amount=str(sheet.amount),
            currency=contract.currency,
        )
    return sheet


def timesheet_dispute(*, timesheet: Timesheet, client, comment: str) -> Timesheet:
    """Dispute a week with a comment; the VA can correct entries and it comes back."""
    _require_client(timesheet.contract, client)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"comment": _("Say what is wrong with this week.")})
    with transaction.atomic():
        contract, sheet = _locked_sheet(timesheet)
        if sheet.status != Timesheet.Status.PENDING or sheet.total_hours <= 0:
            raise ValidationError(_("This week is not waiting for your approval."))
        sheet.status = Timesheet.Status.DISPUTED
        sheet.client_comment = comment
        sheet.decided_at = timezone.now()
        sheet.save(update_fields=["status", "client_comment", "decided_at"])
        _notify(
            "hours_disputed",
            contract,
            to=contract.va,
            actor=client,
            event_key=f"hours_disputed:{sheet.pk}:{int(sheet.decided_at.timestamp())}",
            anchor=f"week-{sheet.week_start.isoformat()}",
            week=sheet.week_start.isoformat(),
            hours=_fmt_hours(sheet.total_hours),
            comment=comment[:500],
        )
    return sheet


# --- payment marks -----------------------------------------------------------------------


def payment_mark(
    *,
    contract: Contract,
    client,
    timesheet: Timesheet | None = None,
    deliverable: Deliverable | None = None,
    note: str = "",
) -> PaymentMark:
    """The client records that an approved week or deliverable was paid (off the platform)."""
    _require_client(contract, client)
    with transaction.atomic():
        contract = _locked(contract)
        if timesheet is not None:
            period = Timesheet.objects.get(pk=timesheet.pk, contract=contract)
            approved = period.status == Timesheet.Status.APPROVED
        elif deliverable is not None:
            period = Deliverable.objects.get(pk=deliverable.pk, contract=contract)
            approved = period.status == Deliverable.Status.APPROVED
        else:
            raise ValidationError(_("Choose what you paid for."))
        if not approved:
            raise ValidationError(_("Only approved work can be marked as paid."))
        if PaymentMark.objects.filter(
            **{"timesheet" if timesheet else "deliverable": period}
        ).exists():
            raise ValidationError(_("This is already marked as paid."))
        try:
            with transaction.atomic():
                mark = PaymentMark.objects.create(
                    contract=contract,
                    timesheet=period if timesheet else None,
                    deliverable=period if deliverable else None,
                    amount=period.amount,
                    currency=contract.currency,
                    note=(note or "").strip()[:300],
                    marked_by=client,
                )
        except IntegrityError as exc:
            raise ValidationError(_("This is already marked as paid.")) from exc
        _notify(
            "payment_marked",
            contract,
            to=contract.va,
            actor=client,
            event_key=f"payment_marked:{mark.pk}",
            anchor="payments",
            amount=str(mark.amount),
            currency=mark.currency,
            period=(period.week_start.isoformat() if timesheet else ""),
        )
    return mark


def payment_confirm(*, payment: PaymentMark, va) -> PaymentMark:
    """The VA confirms they received the money the client marked as paid."""
    _require_va(payment.contract, va)
    with transaction.atomic():
        contract = _locked(payment.contract)
        payment = PaymentMark.objects.select_for_update().get(pk=payment.pk)
        if payment.confirmed_at is not None:
            raise ValidationError(_("You already confirmed this payment."))
        payment.confirmed_at = timezone.now()
        payment.confirmed_by = va
        payment.save(update_fields=["confirmed_at", "confirmed_by"])
        _notify(
            "payment_confirmed",
            contract,
            to=contract.client,
            actor=va,
            event_key=f"payment_confirmed:{payment.pk}",
            anchor="payments",
            amount=str(payment.amount),
            currency=payment.currency,
        )
    return payment


# --- the VA's stored rating and completed contracts ---------------------------------------


def va_stats_refresh(*, va_ids: Iterable[int] | None = None) -> int:
    """Recompute the rating and completed contracts stored on these VAs' profiles (all VA
    profiles when `va_ids` is None) in one UPDATE; returns how many profiles it wrote.

    The numbers are those the public profile shows (contracts.ratings.va_rating_summary):
    clients' visible reviews averaged and rounded to one decimal, and completed contracts.
    See accounts.models.VAProfile for who calls this and why the numbers are stored.
    """
    profiles = VAProfile.objects.all()
    if va_ids is not None:
        profiles = profiles.filter(user_id__in=list(va_ids))
    reviews = (
        Review.objects.visible()
        .of_vas()
        .filter(subject_id=OuterRef("user_id"))
        .order_by()
        .values("subject_id")
    )
    completed = (
        Contract.objects.filter(va_id=OuterRef("user_id"), status=Contract.Status.COMPLETED)
        .order_by()
        .values("va_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    va_directory_changed()
    return profiles.update(
        rating_average=Coalesce(
            Subquery(reviews.annotate(average=Round(Avg("overall"), 1)).values("average")),
            Value(0),
        ),
        rating_count=Coalesce(Subquery(reviews.annotate(n=Count("pk")).values("n")), Value(0)),
        completed_contracts=Coalesce(Subquery(completed), Value(0)),
    )


def va_stats_refresh_closed_windows(*, lookback: timedelta = timedelta(hours=3)) -> int:
    """Reviews left by one side only become visible when the review window closes, with no
    write to hook: refresh the VAs whose contracts' windows closed within `lookback`
    (the beat task runs hourly, so windows overlap and none is missed)."""
    now = timezone.now()
    va_ids = (
        Contract.objects.filter(
            ended_at__gt=now - REVIEW_WINDOW - lookback, ended_at__lte=now - REVIEW_WINDOW
        )
        .values_list("va_id", flat=True)
        .distinct()
    )
    return va_stats_refresh(va_ids=list(va_ids))


# --- the end -----------------------------------------------------------------------------


def contract_complete(*, contract: Contract, client) -> Contract:
    """The client completes the contract; the job is completed too. Reviews open."""
    _require_client(contract, client)
    with transaction.atomic():
        contract = _locked(contract)
        _require_active(contract)
        _hook("CONTRACT_COMPLETE_HOOK", contract=contract)
        contract.status = Contract.Status.COMPLETED
        contract.ended_at = timezone.now()
        contract.ended_by = client
        contract.save(update_fields=["status", "ended_at", "ended_by"])
        job = Job.objects.select_for_update().get(pk=contract.job_id)
        job.status = Job.Status.COMPLETED
        job.save(update_fields=["status", "updated_at"])
        va_stats_refresh(va_ids=[contract.va_id])
        _notify(
            "contract_completed",
            contract,
            to=contract.va,
            actor=client,
            event_key=f"contract_completed:{contract.pk}",
            anchor="reviews",
            review_deadline=contract.review_deadline.isoformat(),
        )
        webhooks.contract_event(event_type=EventType.CONTRACT_COMPLETED, contract=contract)
    return contract


def contract_end(*, contract: Contract, user, reason: str) -> Contract:
    """Either side ends the contract early, saying why. Reviews open."""
    _require_party(contract, user)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you are ending the contract.")})
    with transaction.atomic():
        contract = _locked(contract)
        _require_active(contract)
        contract.status = Contract.Status.ENDED
        contract.ended_at = timezone.now()
        contract.ended_by = user
        contract.end_reason = reason
        contract.save(update_fields=["status", "ended_at", "ended_by", "end_reason"])
        _hook("CONTRACT_ENDED_HOOK", contract=contract)
        _notify(
            "contract_ended",
            contract,
            to=contract.other_party(user),
            actor=user,
            event_key=f"contract_ended:{contract.pk}",
            anchor="reviews",
            reason=reason[:500],
            ended_by=str(user.display_name),
            review_deadline=contract.review_deadline.isoformat(),
        )
        webhooks.contract_event(event_type=EventType.CONTRACT_ENDED, contract=contract)
    return contract


RATING_FIELDS = ("overall", "communication", "quality", "timeliness")


def review_leave(
    *,
    contract: Contract,
    author,
    overall: int,
    communication: int,
    quality: int,
    timeliness: int,
    text: str = "",
) -> Review:
    """Leave the one review a party may write, within 14 days of the end.

    It stays hidden from everyone but its author until the other side has reviewed too or
    the window closes (see ReviewQuerySet.visible).
    """
    role = _require_party(contract, author)
    scores = {
        "overall": overall,
        "communication": communication,
        "quality": quality,
        "timeliness": timeliness,
    }
    errors = {}
    for name, value in scores.items():
        try:
            value = int(value)
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 5:
            errors[name] = _("Choose from 1 to 5 stars.")
        scores[name] = value
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        contract = _locked(contract)
        if contract.is_active:
            raise ValidationError(_("You can review once the contract has ended."))
        if not contract.review_window_is_open():
            raise ValidationError(_("The 14 days for reviewing this contract are over."))
        if Review.objects.filter(contract=contract, author=author).exists():
            raise ValidationError(_("You have already reviewed this contract."))
        review = Review.objects.create(
            contract=contract,
            author=author,
            subject=contract.other_party(author),
            author_role=role,
            text=(text or "").strip(),
            **scores,
        )
        # Either side's review may make the client's review of the VA visible.
        va_stats_refresh(va_ids=[contract.va_id])
        _notify(
            "review_received",
            contract,
            to=review.subject,
            actor=author,
            event_key=f"review_received:{review.pk}",
            anchor="reviews",
            review_deadline=contract.review_deadline.isoformat(),
        )
    return review
