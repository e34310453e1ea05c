"""Every moderation write: reports, automatic flags, and the moderators' actions.

Each action runs in one transaction, locks the rows it decides on (`select_for_update`) and
writes a `ModerationAction`, so the audit trail and the change can never disagree. The
domain apps never call us (DESIGN.md §3): we read and change their rows directly, keeping
their invariants (`Job.bid_count` is recounted under the job's row lock, like bids does).
"""

import logging
from datetime import datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Cast
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import va_directory_changed
from bids import services as bid_services
from bids.models import Bid
from jobs.board import search_results_changed
from jobs.models import Job, ManualVersion
from live import services as live
from moderation.flags import SCAM_FLAGS, Flag, find_flags
from moderation.models import ModerationAction, Report, ScanWatermark
from notifications.services import announce_job, notify

logger = logging.getLogger(__name__)

# Bids a suspension withdraws: still undecided. A hired bid has a contract and stays.
LIVE_BID_STATUSES = (Bid.Status.SUBMITTED, Bid.Status.SHORTLISTED)
# Jobs a suspension hides: ones still taking or choosing bids.
SUSPENSION_HIDES = (Job.Status.OPEN, Job.Status.CLOSED)
# The scan re-reads a little before its watermark: a row written in a transaction that
# committed after the previous scan ran would otherwise be missed.
SCAN_OVERLAP = timedelta(minutes=2)
SCAN_FIRST_WINDOW = timedelta(days=1)


class DuplicateReport(ValidationError):
    """The reporter already has an open report on this thing."""


# --- helpers ------------------------------------------------------------------------------


def site_path(name: str, args: list, fallback: str) -> str:
    """A site-relative URL; falls back to the documented path (DESIGN.md §9)."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


def job_url(job_id: int) -> str:
    return site_path("jobs:detail", [job_id], f"/jobs/{job_id}/")


def _stamp(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1_000_000))


def _clean_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason: it is recorded and may be shown to the person."))
    return reason


def target_filter(target: models.Model) -> dict:
    return {
        "target_type": ContentType.objects.get_for_model(target),
        "target_id": str(target.pk),
    }


def _record(
    *,
    moderator: User,
    action: str,
    target: models.Model,
    reason: str,
    report: Report | None = None,
    data: dict | None = None,
) -> ModerationAction:
    return ModerationAction.objects.create(
        moderator=moderator,
        action=action,
        reason=reason,
        report=report,
        data=data or {},
        **target_filter(target),
    )


def _close_reports(*, target: models.Model, moderator: User, now: datetime, status: str) -> int:
    """Close every open report on `target` (the action answered them)."""
    return Report.objects.filter(status=Report.Status.OPEN, **target_filter(target)).update(
        status=status, handled_by=moderator, handled_at=now
    )


def _open_hold(job: Job) -> Report | None:
    return (
        Report.objects.select_for_update()
        .filter(status=Report.Status.OPEN, reason=Report.Reason.PREAPPROVAL, **target_filter(job))
        .first()
    )


# --- reports from people ------------------------------------------------------------------


def report_create(
    *, reporter: User, target: models.Model, reason: str, details: str = ""
) -> Report:
    """A signed-in person asks moderators to look at something they can see.

    The caller (the view) has already scoped `target` to what the reporter may see. Raises
    `DuplicateReport` when they already have an open report on it.
    """
    if reason not in Report.Reason.values or reason == Report.Reason.PREAPPROVAL:
        raise ValidationError(_("Choose a reason from the list."))
    where = target_filter(target)
    duplicate = DuplicateReport(
        _("You have already reported this. Our moderators will look at it; thank you.")
    )
    if Report.objects.filter(reporter=reporter, status=Report.Status.OPEN, **where).exists():
        raise duplicate
    try:
        with transaction.atomic():
            return Report.objects.create(
                reporter=reporter,
                source=Report.Source.USER,
                reason=reason,
                details=details.strip(),
                **where,
            )
    except IntegrityError as exc:  # a double submit raced past the check above
        raise duplicate from exc


# --- automatic flags ----------------------------------------------------------------------

FLAG_LABELS = {
    Flag.EMAIL: "email address",
    Flag.PHONE: "phone number",
    Flag.MESSENGER: "WhatsApp / Telegram contact",
    Flag.CRYPTO_WALLET: "crypto wallet address",
    Flag.FEE: "asks for a fee or payment up front",
}


def flag_text(*, text: str, target: models.Model, author: User | None = None) -> Report | None:
    """Open an automatic report when `text` matches a flag pattern; never blocks anyone.

    Deduplicated per target: while an automatic report on `target` is open, nothing new is
    written. Returns the new report, or None.
    """
    flags = find_flags(text)
    if not flags:
        return None
    reason = Report.Reason.SCAM if SCAM_FLAGS.intersection(flags) else Report.Reason.OFF_PLATFORM
    # Stored once and read by moderators, so written in the site's base language.
    details = "Automatic flag: " + ", ".join(FLAG_LABELS[Flag(f)] for f in flags) + "."
    if author is not None:
        details += f" Author: {author.email} (#{author.pk})."
    where = target_filter(target)
    try:
        with transaction.atomic():
            if (
                Report.objects.filter(source=Report.Source.AUTO, status=Report.Status.OPEN, **where)
                .exclude(reason=Report.Reason.PREAPPROVAL)
                .exists()
            ):
                return None
            return Report.objects.create(
                reporter=None, source=Report.Source.AUTO, reason=reason, details=details, **where
            )
    except IntegrityError:  # a concurrent scan flagged it first
        return None


def _message_model():
    """contracts.Message, looked up lazily (moderation must work before it exists)."""
    try:
        return apps.get_model("contracts", "Message")
    except LookupError:
        return None


def _manual_text(manual: ManualVersion) -> str:
    items = [item.get("text", "") for item in manual.checklist or [] if isinstance(item, dict)]
    return "\n".join([manual.body, *items])


def _sources() -> list[tuple[str, models.QuerySet, str, object]]:
    """(watermark name, queryset, timestamp field, text and author of a row)."""
    sources = [
        (
            "jobs",
            Job.objects.select_related("client"),
            "updated_at",
            lambda job: (
                "\n".join([job.title, job.description, job.deliverables, job.working_hours]),
                job.client,
            ),
        ),
        (
            "manuals",
            ManualVersion.objects.select_related("job__client"),
            "updated_at",
            lambda manual: (_manual_text(manual), manual.job.client),
        ),
        (
            "bids",
            Bid.objects.select_related("va"),
            "updated_at",
            lambda bid: (bid.cover_letter, bid.va),
        ),
    ]
    message = _message_model()
    if message is not None:
        stamp = (
            "updated_at"
            if any(f.name == "updated_at" for f in message._meta.fields)
            else "created_at"
        )
        sources.append(
            (
                "messages",
                message.objects.select_related("author"),
                stamp,
                lambda m: (m.body, m.author),
            )
        )
    return sources


def scan_recent_content(*, now: datetime | None = None) -> int:
    """Flag new or edited jobs, manuals, cover letters and messages; returns reports opened.

    Reads each kind of content written since its watermark (minus a small overlap) and
    moves the watermark on. Content already flagged since its last change is skipped, so
    re-reading the overlap never doubles a report.
    """
    now = now or timezone.now()
    opened = 0
    for name, queryset, stamp_field, read in _sources():
        mark = ScanWatermark.objects.filter(name=name).first()
        since = (mark.scanned_until - SCAN_OVERLAP) if mark else (now - SCAN_FIRST_WINDOW)
        rows = queryset.filter(
            **{f"{stamp_field}__gte": since, f"{stamp_field}__lt": now}
        ).order_by(stamp_field)
        for row in rows.iterator(chunk_size=500):
            text, author = read(row)
            if not find_flags(text):
                continue
            changed_at = getattr(row, stamp_field)
            already = Report.objects.filter(
                source=Report.Source.AUTO, created_at__gte=changed_at, **target_filter(row)
            ).exclude(reason=Report.Reason.PREAPPROVAL)
            if already.exists():
                continue
            if flag_text(text=text, target=row, author=author) is not None:
                opened += 1
        if name == "jobs" and settings.MODERATION_PREAPPROVAL:
            _hold_missed_first_jobs(since=since, now=now)
        ScanWatermark.objects.update_or_create(name=name, defaults={"scanned_until": now})
    return opened


def _hold_missed_first_jobs(*, since: datetime, now: datetime) -> None:
    """Safety net for pre-approval: hold first jobs that were published without the hook."""
    job_type = ContentType.objects.get_for_model(Job)
    ever_held = Report.objects.filter(
        target_type=job_type, reason=Report.Reason.PREAPPROVAL
    ).values(held_id=Cast("target_id", models.BigIntegerField()))
    candidates = (
        Job.objects.filter(published_at__gte=since, published_at__lt=now, hidden_at__isnull=True)
        .exclude(status__in=[Job.Status.DRAFT, Job.Status.CANCELLED])
        .exclude(pk__in=ever_held)
    )
    for job_id in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            job = Job.objects.select_for_update().get(pk=job_id)
            job_hold_for_approval(job=job)


# --- pre-approval -------------------------------------------------------------------------


def is_first_time_client(job: Job) -> bool:
    """No other job of this client has been on the board (published and not hidden)."""
    return (
        not Job.objects.filter(
            client_id=job.client_id, published_at__isnull=False, hidden_at__isnull=True
        )
        .exclude(pk=job.pk)
        .exists()
    )


def job_hold_for_approval(*, job: Job) -> bool:
    """Keep a first-time client's just-published job off the board until a moderator approves.

    For `jobs.services.job_publish` to call inside its transaction, after the job is open
    and before `announce_job` (skip the announcement when this returns True; `job_approve`
    announces). Does nothing and returns False unless `settings.MODERATION_PREAPPROVAL` is on
    and this is the client's first job.
    """
    if not settings.MODERATION_PREAPPROVAL or job.hidden_at is not None:
        return False
    if job.status != Job.Status.OPEN or not is_first_time_client(job):
        return False
    with transaction.atomic():
        now = timezone.now()
        job.hidden_at = now
        job.hidden_reason = _("Your first task is waiting for a moderator's approval.")
        Job.objects.filter(pk=job.pk).update(
            hidden_at=job.hidden_at, hidden_reason=job.hidden_reason
        )
        search_results_changed()
        try:
            with transaction.atomic():
                Report.objects.create(
                    reporter=None,
                    source=Report.Source.AUTO,
                    reason=Report.Reason.PREAPPROVAL,
                    details="Pre-approval: first task of a new client.",
                    **target_filter(job),
                )
        except IntegrityError:
            pass  # already held
    return True


def job_approve(
    *, job_id: int, moderator: User, reason: str = "", report: Report | None = None
) -> ModerationAction:
    """Publish a held first job: it goes on the board now and matching VAs are told."""
    reason = (reason or "").strip() or _("Approved")
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        hold = _open_hold(job)
        if hold is None:
            raise ValidationError(_("This task is not waiting for approval."))
        now = timezone.now()
        if job.closes_at is not None and job.published_at is not None:
            job.closes_at += now - job.published_at
        job.hidden_at = None
        job.hidden_reason = ""
        job.published_at = now
        job.save(update_fields=["hidden_at", "hidden_reason", "published_at", "closes_at"])
        search_results_changed()
        _close_reports(target=job, moderator=moderator, now=now, status=Report.Status.ACTIONED)
        if job.status == Job.Status.OPEN:
            announce_job(
                job_id=job.pk,
                client_id=job.client_id,
                title=job.title,
                text=f"{job.title}\n{job.description}",
                category_id=job.category_id,
                skill_ids=list(job.skills.values_list("pk", flat=True)),
                pay_type=job.pay_type,
                max_rate=job.max_rate,
                currency=job.currency,
            )
        return _record(
            moderator=moderator,
            action=ModerationAction.Action.APPROVE_JOB,
            target=job,
            reason=reason,
            report=report or hold,
        )


# --- jobs ---------------------------------------------------------------------------------


def job_hide(
    *, job_id: int, moderator: User, reason: str, report: Report | None = None
) -> ModerationAction:
    """Take a job off the board, search and its page; the client is told why.

    Open reports on the job count as answered. A job held for pre-approval can be hidden
    too (rejected): the hold is closed and the reason replaced.
    """
    reason = _clean_reason(reason)
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.hidden_at is not None and _open_hold(job) is None:
            raise ValidationError(_("This task is already hidden."))
        now = timezone.now()
        job.hidden_at = now
        job.hidden_reason = reason
        job.save(update_fields=["hidden_at", "hidden_reason"])
        search_results_changed()
        _close_reports(target=job, moderator=moderator, now=now, status=Report.Status.ACTIONED)
        notify(
            kind="job_hidden",
            recipients=[job.client_id],
            event_key=f"job_hidden:{job.pk}:{_stamp(now)}",
            actor=moderator,
            job_id=job.pk,
            data={"url": job_url(job.pk), "title": job.title, "reason": reason},
        )
        return _record(
            moderator=moderator,
            action=ModerationAction.Action.HIDE_JOB,
            target=job,
            reason=reason,
            report=report,
        )


def job_unhide(
    *, job_id: int, moderator: User, reason: str, report: Report | None = None
) -> ModerationAction:
    """Put a hidden job back where it was (board, search, page)."""
    reason = _clean_reason(reason)
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.hidden_at is None:
            raise ValidationError(_("This task is not hidden."))
        if _open_hold(job) is not None:
            raise ValidationError(_("This task is waiting for approval: approve it instead."))
        job.hidden_at = None
        job.hidden_reason = ""
        job.save(update_fields=["hidden_at", "hidden_reason"])
        search_results_changed()
        return _record(
            moderator=moderator,
            action=ModerationAction.Action.UNHIDE_JOB,
            target=job,
            reason=reason,
            report=report,
        )


# --- users --------------------------------------------------------------------------------


def _withdraw_live_bids(*, va: User, moderator: User, now: datetime) -> list[int]:
    """Withdraw a suspended VA's undecided bids; recount each job's bids under its lock."""
    job_ids = sorted(
        set(
            Bid.objects.filter(va=va, status__in=LIVE_BID_STATUSES).values_list("job_id", flat=True)
        )
    )
    # Lock order: jobs (by id), then bids — the same order the bids services use.
    jobs = {
        job.pk: job for job in Job.objects.select_for_update().filter(pk__in=job_ids).order_by("pk")
    }
    bids = list(
        Bid.objects.select_for_update()
        .filter(va=va, status__in=LIVE_BID_STATUSES, job_id__in=job_ids)
        .order_by("pk")
    )
    for bid in bids:
        bid.status = Bid.Status.WITHDRAWN
        bid.decided_at = None
        bid.save(update_fields=["status", "decided_at", "updated_at"])
        # Both sides' open interview pages show the cancellation, as for the VA's own withdraw.
        bid_services.cancel_open_interviews(bid=bid, client_id=jobs[bid.job_id].client_id)
    for job in jobs.values():
        job.bid_count = (
            Bid.objects.filter(job_id=job.pk).exclude(status=Bid.Status.WITHDRAWN).count()
        )
        Job.objects.filter(pk=job.pk).update(bid_count=job.bid_count)
    for bid in bids:
        job = jobs[bid.job_id]
        # The client's open bid review page drops it, with the same event as a VA's withdraw.
        bid_services.publish_bid_change(action="withdrawn", bid=bid, job=job)
        notify(
            kind="bid_withdrawn_by_moderation",
            recipients=[job.client_id],
            event_key=f"bid_withdrawn_by_moderation:{bid.pk}:{_stamp(now)}",
            actor=None,
            job_id=job.pk,
            bid_id=bid.pk,
            data={
                "url": site_path("bids:review", [job.pk], f"/jobs/{job.pk}/bids/"),
                "title": job.title,
                "va_name": str(va.display_name),
            },
        )
    return [bid.pk for bid in bids]


def user_suspend(
    *, user_id: int, moderator: User, reason: str, report: Report | None = None
) -> ModerationAction:
    """Suspend an account: no sign-in, open jobs hidden, undecided bids withdrawn.

    The person is told why; clients whose bids were withdrawn are told too. The jobs hidden
    here are remembered on the `ModerationAction` so `user_reinstate` brings back exactly
    those.
    """
    reason = _clean_reason(reason)
    if user_id == moderator.pk:
        raise ValidationError(_("You cannot suspend your own account."))
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        if user.suspended_at is not None:
            raise ValidationError(_("This account is already suspended."))
        if user.is_superuser and not moderator.is_superuser:
            raise ValidationError(_("Only a superuser can suspend a superuser."))
        now = timezone.now()
        user.suspended_at = now
        user.suspension_reason = reason
        user.save(update_fields=["suspended_at", "suspension_reason"])

        hidden_job_ids = list(
            Job.objects.select_for_update()
            .filter(client=user, hidden_at__isnull=True, status__in=SUSPENSION_HIDES)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        search_results_changed()
        va_directory_changed()
        Job.objects.filter(pk__in=hidden_job_ids).update(
            hidden_at=now, hidden_reason=_("The client's account is suspended.")
        )
        withdrawn_bid_ids = _withdraw_live_bids(va=user, moderator=moderator, now=now)
        live.disconnect(user_id=user.pk)  # their open sockets close (new ones are refused)
        _close_reports(target=user, moderator=moderator, now=now, status=Report.Status.ACTIONED)
        notify(
            kind="account_suspended",
            recipients=[user.pk],
            event_key=f"account_suspended:{user.pk}:{_stamp(now)}",
            actor=moderator,
            data={"url": "/", "title": "", "reason": reason},
        )
        return _record(
            moderator=moderator,
            action=ModerationAction.Action.SUSPEND_USER,
            target=user,
            reason=reason,
            report=report,
            data={"hidden_job_ids": hidden_job_ids, "withdrawn_bid_ids": withdrawn_bid_ids},
        )


def user_reinstate(
    *, user_id: int, moderator: User, reason: str, report: Report | None = None
) -> ModerationAction:
    """Lift a suspension and put back the jobs that the suspension (and nothing else) hid.

    Withdrawn bids stay withdrawn: the clients were told, and may have moved on.
    """
    reason = _clean_reason(reason)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user_id)
        if user.suspended_at is None:
            raise ValidationError(_("This account is not suspended."))
        suspension = (
            ModerationAction.objects.filter(
                action=ModerationAction.Action.SUSPEND_USER, **target_filter(user)
            )
            .order_by("-created_at")
            .first()
        )
        hidden_ids = (suspension.data or {}).get("hidden_job_ids", []) if suspension else []
        # Only jobs still hidden by that very suspension (same moment): a job a moderator
        # hid separately since stays hidden.
        unhidden = list(
            Job.objects.select_for_update()
            .filter(pk__in=hidden_ids, client=user, hidden_at=user.suspended_at)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Job.objects.filter(pk__in=unhidden).update(hidden_at=None, hidden_reason="")
        search_results_changed()
        va_directory_changed()
        user.suspended_at = None
        user.suspension_reason = ""
        user.save(update_fields=["suspended_at", "suspension_reason"])
        return _record(
            moderator=moderator,
            action=ModerationAction.Action.REINSTATE_USER,
            target=user,
            reason=reason,
            report=report,
            data={"unhidden_job_ids": unhidden},
        )


# --- reports ------------------------------------------------------------------------------


def _decide_report(
    *, report_id: int, moderator: User, reason: str, status: str, action: str
) -> ModerationAction:
    reason = _clean_reason(reason)
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report_id)
        if report.status != Report.Status.OPEN:
            raise ValidationError(_("This report has already been handled."))
        if report.reason == Report.Reason.PREAPPROVAL:
            raise ValidationError(_("This task is waiting for approval: approve or hide the task."))
        report.status = status
        report.handled_by = moderator
        report.handled_at = timezone.now()
        report.save(update_fields=["status", "handled_by", "handled_at"])
        return _record(
            moderator=moderator, action=action, target=report, reason=reason, report=report
        )


def report_dismiss(*, report_id: int, moderator: User, reason: str) -> ModerationAction:
    """Close a report with nothing to do."""
    return _decide_report(
        report_id=report_id,
        moderator=moderator,
        reason=reason,
        status=Report.Status.DISMISSED,
        action=ModerationAction.Action.DISMISS_REPORT,
    )


def report_mark_actioned(*, report_id: int, moderator: User, reason: str) -> ModerationAction:
    """Close a report that was dealt with (e.g. by a word with the person, outside an action)."""
    return _decide_report(
        report_id=report_id,
        moderator=moderator,
        reason=reason,
        status=Report.Status.ACTIONED,
        action=ModerationAction.Action.ACTION_REPORT,
    )
