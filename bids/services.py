"""Every write in the bids app: bidding, samples, review decisions, interviews and hiring.

Decisions that read then write (bid on an open job, hire, withdraw) lock the job row first
(`select_for_update`), so a concurrent close or hire is always seen. `Job.bid_count` (bids
not withdrawn) is kept up to date under that same lock.
"""

import logging
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bids.models import Bid, Interview, InterviewSlot, WorkSample
from jobs.board import search_results_changed
from jobs.models import Job, ManualVersion
from jobs.services import invitation_mark_accepted
from live.services import publish
from marketplace.templatetags.money import format_money
from marketplace.uploads import IMAGE_TYPES, SniffedFile, make_thumbnail, validate_upload
from notifications.services import notify
from webhooks import services as webhooks
from webhooks.models import EventType

logger = logging.getLogger(__name__)

COVER_LETTER_MIN_LENGTH = 50
UNDECIDED = (Bid.Status.SUBMITTED, Bid.Status.SHORTLISTED)
MAX_INTERVIEW_SLOTS = 3


@dataclass(frozen=True)
class BidTerms:
    """What a VA offers; checked by `validate_bid_terms` against the job."""

    amount: Decimal
    cover_letter: str
    estimated_hours: Decimal | None = None
    delivery_date: date | None = None
    earliest_start: date | None = None
    manual_version: ManualVersion | None = None
    manual_acknowledged: bool = False


@dataclass(frozen=True)
class SampleUpload:
    """An uploaded file that passed `validate_upload`, with what it told us."""

    file: object
    sniffed: SniffedFile


# --- Checks shared by forms and services --------------------------------------------------


def validate_bid_amount(amount: Decimal | None, job: Job) -> Decimal:
    """0 < amount ≤ job.max_rate, with the currency's decimals; the message shows the max."""
    if amount is None:
        raise ValidationError(_("Enter your rate."), code="required")
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise ValidationError(_("Enter a valid amount."), code="invalid")
    if amount <= 0:
        raise ValidationError(_("Your rate must be more than zero."), code="not_positive")
    if job.quantize(amount) != amount:
        if job.currency_decimals == 0:
            raise ValidationError(_("Rupiah amounts have no decimals."), code="decimals")
        raise ValidationError(
            _("Use at most %(places)d decimal places.") % {"places": job.currency_decimals},
            code="decimals",
        )
    if amount > job.max_rate:
        raise ValidationError(
            _("Your rate is above this task's maximum of %(max)s.")
            % {"max": format_money(job.max_rate, job.currency)},
            code="above_max",
        )
    return amount


def can_user_bid(user, job: Job) -> str | None:
    """None if `user` may bid on `job` now; otherwise the reason, ready to show."""
    if not user.is_authenticated:
        return _("Sign in to bid.")
    if getattr(user, "is_suspended", False):
        return _("Your account is suspended, so you cannot bid.")
    if job.client_id == user.pk:
        return _("You cannot bid on your own task.")
    if not user.is_va:
        return _("Only VA accounts can bid. Turn on “I work as a VA” in your profile.")
    if job.status != Job.Status.OPEN or job.hidden_at is not None:
        return _("This task is no longer open for bids.")
    if job.closes_at is not None and job.closes_at <= timezone.now():
        return _("Bidding on this task has closed.")
    # The one visibility rule (jobs.models.JobQuerySet.visible_to): invited VAs only.
    if job.invite_only and not Job.objects.visible_to(user).filter(pk=job.pk).exists():
        return _("This task is by invitation only.")
    return None


def validate_bid_terms(terms: BidTerms, job: Job) -> None:
    errors: dict[str, list] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    try:
        validate_bid_amount(terms.amount, job)
    except ValidationError as exc:
        add("amount", exc.messages[0])
    letter = (terms.cover_letter or "").strip()
    if len(letter) < COVER_LETTER_MIN_LENGTH:
        add(
            "cover_letter",
            _("Write at least %(count)d characters about why you fit this task.")
            % {"count": COVER_LETTER_MIN_LENGTH},
        )
    today = timezone.localdate()
    if job.is_hourly:
        if terms.estimated_hours is None:
            add("estimated_hours", _("Estimate how many hours the task needs."))
        elif terms.estimated_hours <= 0:
            add("estimated_hours", _("Estimated hours must be more than zero."))
    else:
        if terms.delivery_date is None:
            add("delivery_date", _("Choose when you will deliver."))
        elif terms.delivery_date < today:
            add("delivery_date", _("The delivery date cannot be in the past."))
    if terms.earliest_start is not None and terms.earliest_start < today:
        add("earliest_start", _("The start date cannot be in the past."))
    current = job.current_manual
    if current is not None:
        if not terms.manual_acknowledged:
            add("manual_acknowledged", _("Confirm that you have read the task manual."))
        if terms.manual_version is None or terms.manual_version.job_id != job.pk:
            add("manual_acknowledged", _("Confirm that you have read the task manual."))
    if errors:
        raise ValidationError(errors)


def prepare_sample_uploads(files: Iterable) -> list[SampleUpload]:
    """Validate each uploaded file by its content; collect every file's error."""
    uploads, errors = [], []
    for uploaded in files:
        try:
            uploads.append(SampleUpload(file=uploaded, sniffed=validate_upload(uploaded)))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError({"files": errors})
    return uploads


def _check_sample_limits(*, kept: Sequence[WorkSample], uploads, portfolio_items) -> None:
    count = len(kept) + len(uploads) + len(portfolio_items)
    if count < 1:
        raise ValidationError(
            {"files": [_("Add at least one work sample (a file or a portfolio item).")]}
        )
    if count > settings.SAMPLE_MAX_COUNT:
        raise ValidationError(
            {
                "files": [
                    _("A bid can have at most %(max)d work samples; you chose %(count)d.")
                    % {"max": settings.SAMPLE_MAX_COUNT, "count": count}
                ]
            }
        )
    total = (
        sum(s.size for s in kept)
        + sum(u.sniffed.size for u in uploads)
        + sum(p.size for p in portfolio_items)
    )
    if total > settings.SAMPLE_MAX_BID_BYTES:
        from django.template.defaultfilters import filesizeformat

        raise ValidationError(
            {
                "files": [
                    _("Your samples add up to %(size)s; a bid may carry at most %(max)s.")
                    % {
                        "size": filesizeformat(total),
                        "max": filesizeformat(settings.SAMPLE_MAX_BID_BYTES),
                    }
                ]
            }
        )


# --- Helpers ---------------------------------------------------------------------------------


def _lock_job(job_id: int) -> Job:
    return Job.objects.select_for_update().get(pk=job_id)


def _refresh_bid_count(job: Job) -> None:
    """Recount bids that are not withdrawn; call with the job row locked."""
    count = Bid.objects.filter(job_id=job.pk).exclude(status=Bid.Status.WITHDRAWN).count()
    # .update(): a bid must not bump the job's updated_at (moderation rescans on it).
    Job.objects.filter(pk=job.pk).update(bid_count=count)
    job.bid_count = count


def _bid_data(bid: Bid, job: Job, *, url: str) -> dict:
    return {
        "url": url,
        "title": job.title,
        "amount": str(bid.amount),
        "currency": job.currency,
        "va_name": str(bid.va.display_name),
    }


def _review_url(job: Job) -> str:
    return reverse("bids:review", args=[job.pk])


def _mine_url() -> str:
    return reverse("bids:mine")


def _stamp(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1_000_000))


def _notify_bid(
    kind: str, bid: Bid, job: Job, *, to: int, actor, at: datetime | None = None, **extra
) -> None:
    """Tell the other side of a bid what happened. The client's link goes to bid review,
    the VA's to "My bids". `at` makes repeatable events (edits, shortlists) distinct."""
    url = _review_url(job) if to == job.client_id else _mine_url()
    notify(
        kind=kind,
        recipients=[to],
        event_key=f"{kind}:{bid.pk}" + (f":{_stamp(at)}" if at else ""),
        actor=actor,
        job_id=job.pk,
        bid_id=bid.pk,
        data={**_bid_data(bid, job, url=url), **extra},
    )


def publish_bid_change(*, action: str, bid: Bid, job: Job) -> None:
    """Bid review pages refresh their list. Only the job's owner is told: bids are sealed,
    other VAs see a count at most. `job.bid_count` must be current. Moderation calls this
    too when a suspension withdraws bids."""
    publish(
        kind="bid",
        user_ids=[job.client_id],
        data={"action": action, "job_id": job.pk, "bid_id": bid.pk, "bid_count": job.bid_count},
    )


def _store_samples(bid: Bid, uploads: Sequence[SampleUpload], portfolio_items) -> list[str]:
    """Save new samples; returns the storage keys written (to clean up on rollback)."""
    written: list[str] = []
    for upload in uploads:
        sniffed = upload.sniffed
        sample = WorkSample(
            bid=bid,
            original_name=sniffed.original_name,
            content_type=sniffed.content_type,
            size=sniffed.size,
            sha256=sniffed.sha256,
        )
        sample.file.save(f"sample{sniffed.extension}", upload.file, save=False)
        written.append(sample.file.name)
        if sniffed.content_type in IMAGE_TYPES:
            sample.thumbnail.save("thumb.webp", make_thumbnail(upload.file), save=False)
            written.append(sample.thumbnail.name)
        sample.save()
    for item in portfolio_items:
        sample = WorkSample(
            bid=bid,
            portfolio_item=item,
            original_name=item.original_name or item.title,
            content_type=item.content_type or ("text/uri-list" if item.link else ""),
            size=item.size,
        )
        if item.file and item.content_type in IMAGE_TYPES:
            try:
                with item.file.open("rb") as fh:
                    sample.thumbnail.save("thumb.webp", make_thumbnail(fh), save=False)
                written.append(sample.thumbnail.name)
            except (ValidationError, OSError):
                logger.warning("No thumbnail for portfolio item %s", item.pk, exc_info=True)
        sample.save()
    return written


def _delete_stored(keys: Iterable[str]) -> None:
    from marketplace.storage import private_storage

    storage = private_storage()
    for key in keys:
        try:
            storage.delete(key)
        except Exception:  # noqa: BLE001 - best effort; an orphan file is harmless
            logger.warning("Could not delete %s", key, exc_info=True)


def _own_portfolio_items(va, portfolio_items) -> list:
    from accounts.models import PortfolioItem

    ids = [getattr(p, "pk", p) for p in portfolio_items]
    if not ids:
        return []
    items = list(PortfolioItem.objects.filter(pk__in=ids, profile__user=va))
    if len(items) != len(set(ids)):
        raise ValidationError({"portfolio_items": [_("Choose from your own portfolio items.")]})
    return items


def _apply_terms(bid: Bid, terms: BidTerms, job: Job) -> None:
    bid.amount = terms.amount
    bid.cover_letter = terms.cover_letter.strip()
    bid.estimated_hours = terms.estimated_hours if job.is_hourly else None
    bid.delivery_date = None if job.is_hourly else terms.delivery_date
    bid.earliest_start = terms.earliest_start
    bid.manual_version = terms.manual_version


def _save_bid_with_samples(
    *,
    bid: Bid,
    job: Job,
    terms: BidTerms,
    uploads: Sequence[SampleUpload],
    portfolio_items: list,
    remove_sample_ids: Iterable,
) -> list[str]:
    remove_ids = {str(i) for i in remove_sample_ids}
    existing = list(bid.samples.all()) if bid.pk else []
    kept = [s for s in existing if str(s.pk) not in remove_ids]
    _check_sample_limits(kept=kept, uploads=uploads, portfolio_items=portfolio_items)
    _apply_terms(bid, terms, job)
    bid.save()
    removed = [s for s in existing if str(s.pk) in remove_ids]
    old_keys = [k for s in removed for k in (s.file.name, s.thumbnail.name) if k]
    WorkSample.objects.filter(pk__in=[s.pk for s in removed]).delete()
    transaction.on_commit(lambda: _delete_stored(old_keys))
    return _store_samples(bid, uploads, portfolio_items)


def cancel_open_interviews(*, bid: Bid, client_id: int) -> list[int]:
    """Cancel a bid's open interviews (bid withdrawn by the VA or by moderation, rejected,
    or someone else hired); both parties' open interview and bid pages hear of each.
    `client_id` is the job's client. Returns the ids cancelled."""
    cancelled = []
    # Through the bid's own manager, so each interview's `bid` is this very object.
    for interview in bid.interviews.select_for_update().active().order_by("pk"):
        interview.status = Interview.Status.CANCELLED
        interview.ics_sequence += 1
        interview.save(update_fields=["status", "ics_sequence", "updated_at"])
        _publish_interview(interview, client_id=client_id)
        cancelled.append(interview.pk)
    return cancelled


# --- Bids ------------------------------------------------------------------------------------


def bid_submit(
    *,
    job: Job,
    va,
    terms: BidTerms,
    uploads: Sequence[SampleUpload] = (),
    portfolio_items: Iterable = (),
    remove_sample_ids: Iterable = (),
) -> Bid:
    """Place a new bid on an open job, or resubmit the VA's withdrawn one.

    The job row is locked first, so a close or hire happening at the same moment is seen,
    and twenty identical submits produce one bid (the others get a friendly message).
    `remove_sample_ids` only applies when resubmitting a withdrawn bid that has samples.
    """
    reason = can_user_bid(va, job)
    if reason:
        raise ValidationError(reason)
    portfolio_items = _own_portfolio_items(va, portfolio_items)
    written: list[str] = []
    try:
        with transaction.atomic():
            job = _lock_job(job.pk)
            reason = can_user_bid(va, job)
            if reason:
                raise ValidationError(reason)
            validate_bid_terms(terms, job)
            bid = Bid.objects.select_for_update().filter(job=job, va=va).first()
            if bid is not None and bid.status != Bid.Status.WITHDRAWN:
                raise ValidationError(
                    _("You have already bid on this task; you can edit your bid instead."),
                    code="duplicate",
                )
            if bid is None:
                bid = Bid(job=job, va=va)
            now = timezone.now()
            bid.status = Bid.Status.SUBMITTED
            bid.submitted_at = now
            bid.decided_at = None
            bid.rejection_message = ""
            try:
                with transaction.atomic():
                    written = _save_bid_with_samples(
                        bid=bid,
                        job=job,
                        terms=terms,
                        uploads=uploads,
                        portfolio_items=portfolio_items,
                        remove_sample_ids=remove_sample_ids,
                    )
            except IntegrityError as exc:
                # Only reachable if a bid row appeared without the job lock; say it kindly.
                raise ValidationError(
                    _("You have already bid on this task; you can edit your bid instead."),
                    code="duplicate",
                ) from exc
            _refresh_bid_count(job)
            invitation_mark_accepted(job_id=job.pk, va_id=va.pk)
            _notify_bid("bid_submitted", bid, job, to=job.client_id, actor=va, at=now)
            webhooks.bid_created_event(bid=bid)
            publish_bid_change(action="created", bid=bid, job=job)
    except Exception:
        _delete_stored(written)
        raise
    return bid


def bid_edit(
    *,
    bid: Bid,
    va,
    terms: BidTerms,
    uploads: Sequence[SampleUpload] = (),
    portfolio_items: Iterable = (),
    remove_sample_ids: Iterable = (),
) -> Bid:
    """Change an undecided bid while its job is still open."""
    if bid.va_id != va.pk:
        raise ValidationError(_("This is not your bid."))
    portfolio_items = _own_portfolio_items(va, portfolio_items)
    written: list[str] = []
    try:
        with transaction.atomic():
            job = _lock_job(bid.job_id)
            bid = Bid.objects.select_for_update().get(pk=bid.pk)
            reason = can_user_bid(va, job)
            if reason:
                raise ValidationError(reason)
            if bid.status not in UNDECIDED:
                raise ValidationError(_("This bid has been decided and can no longer change."))
            validate_bid_terms(terms, job)
            written = _save_bid_with_samples(
                bid=bid,
                job=job,
                terms=terms,
                uploads=uploads,
                portfolio_items=portfolio_items,
                remove_sample_ids=remove_sample_ids,
            )
            _notify_bid("bid_edited", bid, job, to=job.client_id, actor=va, at=bid.updated_at)
    except Exception:
        _delete_stored(written)
        raise
    return bid


def bid_withdraw(*, bid: Bid, va) -> Bid:
    """The VA takes back an undecided bid; its open interviews are cancelled."""
    if bid.va_id != va.pk:
        raise ValidationError(_("This is not your bid."))
    with transaction.atomic():
        job = _lock_job(bid.job_id)
        bid = Bid.objects.select_for_update().get(pk=bid.pk)
        if bid.status not in UNDECIDED:
            raise ValidationError(_("Only a bid that is still under review can be withdrawn."))
        bid.status = Bid.Status.WITHDRAWN
        bid.decided_at = None
        bid.save(update_fields=["status", "decided_at", "updated_at"])
        cancel_open_interviews(bid=bid, client_id=job.client_id)
        _refresh_bid_count(job)
        _notify_bid("bid_withdrawn", bid, job, to=job.client_id, actor=va, at=bid.updated_at)
        publish_bid_change(action="withdrawn", bid=bid, job=job)
    return bid


def _client_decision(bid: Bid, client) -> tuple[Job, Bid]:
    """Lock job and bid for a client's decision; check ownership and state."""
    job = _lock_job(bid.job_id)
    if job.client_id != client.pk:
        raise ValidationError(_("Only the task's client can decide on its bids."))
    if job.status not in (Job.Status.OPEN, Job.Status.CLOSED):
        raise ValidationError(_("This task is no longer taking decisions on bids."))
    bid = Bid.objects.select_for_update(of=("self",)).select_related("va").get(pk=bid.pk)
    return job, bid


def bid_shortlist(*, bid: Bid, client) -> Bid:
    with transaction.atomic():
        job, bid = _client_decision(bid, client)
        if bid.status != Bid.Status.SUBMITTED:
            raise ValidationError(_("Only a new bid can be shortlisted."))
        bid.status = Bid.Status.SHORTLISTED
        bid.save(update_fields=["status", "updated_at"])
        _notify_bid("bid_shortlisted", bid, job, to=bid.va_id, actor=client, at=bid.updated_at)
    return bid


def bid_unshortlist(*, bid: Bid, client) -> Bid:
    with transaction.atomic():
        job, bid = _client_decision(bid, client)
        if bid.status != Bid.Status.SHORTLISTED:
            raise ValidationError(_("This bid is not on the shortlist."))
        bid.status = Bid.Status.SUBMITTED
        bid.save(update_fields=["status", "updated_at"])
    return bid


def bid_reject(*, bid: Bid, client, message: str = "") -> Bid:
    """Turn a bid down, optionally with a short message to the VA."""
    with transaction.atomic():
        job, bid = _client_decision(bid, client)
        if bid.status not in UNDECIDED:
            raise ValidationError(_("Only a bid that is still under review can be rejected."))
        bid.status = Bid.Status.REJECTED
        bid.rejection_message = (message or "").strip()[:2000]
        bid.decided_at = timezone.now()
        bid.save(update_fields=["status", "rejection_message", "decided_at", "updated_at"])
        cancel_open_interviews(bid=bid, client_id=job.client_id)
        _notify_bid(
            "bid_rejected", bid, job, to=bid.va_id, actor=client, message=bid.rejection_message
        )
    return bid


def bid_hire(*, bid: Bid, client):
    """Hire one bid: accept it, mark the job hired, reject every other live bid, and create
    the contract — all in one transaction under the job's row lock, so two concurrent
    hires on one job produce exactly one.

    The contract keeps the job's current manual (a snapshot of its body and checklist), so
    later manual edits never change the deal.
    """
    from contracts.models import Contract

    with transaction.atomic():
        job, bid = _client_decision(bid, client)
        if bid.status not in UNDECIDED:
            raise ValidationError(_("Only a bid that is still under review can be hired."))
        now = timezone.now()
        bid.status = Bid.Status.ACCEPTED
        bid.decided_at = now
        bid.save(update_fields=["status", "decided_at", "updated_at"])

        others = list(
            Bid.objects.select_for_update()
            .filter(job=job, status__in=UNDECIDED)
            .exclude(pk=bid.pk)
            .order_by("pk")
        )
        for other in others:
            cancel_open_interviews(bid=other, client_id=job.client_id)
        Bid.objects.filter(pk__in=[o.pk for o in others]).update(
            status=Bid.Status.REJECTED, decided_at=now, updated_at=now
        )

        job.status = Job.Status.HIRED
        job.save(update_fields=["status", "updated_at"])
        search_results_changed()

        manual = job.current_manual
        contract = Contract.objects.create(
            job=job,
            bid=bid,
            client_id=job.client_id,
            va_id=bid.va_id,
            rate=bid.amount,
            pay_type=job.pay_type,
            currency=job.currency,
            weekly_hour_cap=Decimal(job.hours_per_week)
            if job.is_hourly and job.hours_per_week
            else None,
            manual_version=manual,
            manual_snapshot_body=manual.body if manual else "",
            manual_snapshot_checklist=manual.checklist if manual else [],
        )
        contract_url = _contract_url(contract)
        webhooks.contract_event(event_type=EventType.CONTRACT_CREATED, contract=contract)
        notify(
            kind="bid_hired",
            recipients=[bid.va_id],
            event_key=f"bid_hired:{bid.pk}",
            actor=client,
            job_id=job.pk,
            bid_id=bid.pk,
            contract_id=contract.pk,
            data=_bid_data(bid, job, url=contract_url),
        )
        if others:
            notify(
                kind="job_filled",
                recipients=[o.va_id for o in others],
                event_key=f"job_filled:{job.pk}",
                actor=client,
                job_id=job.pk,
                data={"url": _mine_url(), "title": job.title},
            )
    return contract


def _contract_url(contract) -> str:
    try:
        return reverse("contracts:workspace", args=[contract.pk])
    except Exception:  # noqa: BLE001 - the workspace URL arrives with the contracts issue
        return _mine_url()


# --- Interviews --------------------------------------------------------------------------


def new_video_room_url() -> str:
    """A private room on our video server: the name is unguessable, not merely unlisted."""
    return f"{settings.VIDEO_ROOM_BASE_URL}/Asisten-{secrets.token_urlsafe(18)}"


def _clean_slots(slots: Iterable[datetime]) -> list[datetime]:
    slots = sorted({s for s in slots if s is not None})
    if not slots:
        raise ValidationError({"slots": [_("Propose at least one time.")]})
    if len(slots) > MAX_INTERVIEW_SLOTS:
        raise ValidationError(
            {"slots": [_("Propose at most %(max)d times.") % {"max": MAX_INTERVIEW_SLOTS}]}
        )
    now = timezone.now()
    if any(timezone.is_naive(s) for s in slots):
        raise ValueError("interview slots must be timezone-aware")
    if any(s <= now for s in slots):
        raise ValidationError({"slots": [_("Every proposed time must be in the future.")]})
    return slots


def _clean_meeting_url(meeting_url: str | None) -> str:
    if not meeting_url:
        return new_video_room_url()
    if not meeting_url.lower().startswith("https://"):
        raise ValidationError({"meeting_url": [_("Paste a secure meeting link (https://…).")]})
    return meeting_url


def _interview_data(interview: Interview, job: Job, **extra) -> dict:
    return {
        "url": interview.get_absolute_url(),
        "title": job.title,
        "meeting_url": interview.meeting_url,
        "duration_minutes": str(interview.duration_minutes),
        "slots": [s.starts_at.isoformat() for s in interview.slots.all()],
        **extra,
    }


def _notify_interview(
    kind: str, interview: Interview, *, recipients, actor=None, per_sequence: bool = False, **extra
) -> None:
    """Tell `recipients` about an interview event. `per_sequence` events (confirm, decline,
    reschedule, reminder) can happen again after a reschedule, so their key has the SEQUENCE."""
    suffix = f":{interview.ics_sequence}" if per_sequence else ""
    notify(
        kind=kind,
        recipients=recipients,
        event_key=f"{kind}:{interview.pk}{suffix}",
        actor=actor,
        job_id=interview.bid.job_id,
        bid_id=interview.bid_id,
        interview_id=interview.pk,
        data=_interview_data(interview, interview.bid.job, **extra),
    )


def _publish_interview(interview: Interview, *, client_id: int | None = None) -> None:
    """Both parties' interview and bid pages refresh the slots. `client_id`: the job's
    client, when the caller has it (saves loading the job)."""
    bid = interview.bid
    publish(
        kind="interview",
        user_ids=[bid.va_id, client_id or bid.job.client_id],
        data={"interview_id": interview.pk, "bid_id": bid.pk, "status": interview.status},
    )


def _other_party(interview: Interview, user) -> int:
    bid = interview.bid
    return bid.job.client_id if user.pk == bid.va_id else bid.va_id


def _lock_interview(interview: Interview, user) -> Interview:
    interview = (
        Interview.objects.select_for_update(of=("self",))
        .select_related("bid__job", "bid__va", "chosen_slot")
        .get(pk=interview.pk)
    )
    if user.pk not in (interview.bid.va_id, interview.bid.job.client_id):
        raise ValidationError(_("Only the two people in this interview can change it."))
    return interview


def interview_propose(
    *,
    bid: Bid,
    client,
    slots: Iterable[datetime],
    duration_minutes: int = 30,
    meeting_url: str | None = None,
    note: str = "",
) -> Interview:
    """From a shortlisted bid, the client proposes 1–3 times and a meeting link (a private
    generated room when `meeting_url` is empty)."""
    slots = _clean_slots(slots)
    meeting_url = _clean_meeting_url(meeting_url)
    if not 15 <= duration_minutes <= 180:
        raise ValidationError({"duration_minutes": [_("Choose between 15 and 180 minutes.")]})
    with transaction.atomic():
        job, bid = _client_decision(bid, client)
        if bid.status != Bid.Status.SHORTLISTED:
            raise ValidationError(_("Shortlist the bid before proposing an interview."))
        if Interview.objects.filter(bid=bid).active().exists():
            raise ValidationError(_("This bid already has an interview; reschedule it instead."))
        interview = Interview.objects.create(
            bid=bid,
            duration_minutes=duration_minutes,
            meeting_url=meeting_url,
            proposed_by=client,
            note=(note or "").strip(),
        )
        InterviewSlot.objects.bulk_create(
            [InterviewSlot(interview=interview, starts_at=s) for s in slots]
        )
        _notify_interview("interview_proposed", interview, recipients=[bid.va_id], actor=client)
    return interview


def interview_confirm(*, interview: Interview, user, slot_id: int) -> Interview:
    """The party who did not propose the times picks one."""
    with transaction.atomic():
        interview = _lock_interview(interview, user)
        if interview.status != Interview.Status.PROPOSED:
            raise ValidationError(_("There is no proposed time to confirm."))
        if interview.proposed_by_id == user.pk:
            raise ValidationError(_("Wait for the other person to pick one of your times."))
        slot = interview.slots.filter(pk=slot_id).first()
        if slot is None:
            raise ValidationError({"slot": [_("Choose one of the proposed times.")]})
        if slot.starts_at <= timezone.now():
            raise ValidationError({"slot": [_("That time has already passed.")]})
        interview.chosen_slot = slot
        interview.status = Interview.Status.CONFIRMED
        interview.save(update_fields=["chosen_slot", "status", "updated_at"])
        _notify_interview(
            "interview_confirmed",
            interview,
            recipients=[interview.bid.va_id, interview.bid.job.client_id],
            actor=user,
            per_sequence=True,
            starts_at=slot.starts_at.isoformat(),
        )
        _publish_interview(interview)
    return interview


def interview_decline(*, interview: Interview, user, reason: str = "") -> Interview:
    with transaction.atomic():
        interview = _lock_interview(interview, user)
        if interview.status != Interview.Status.PROPOSED:
            raise ValidationError(_("Only proposed times can be declined."))
        if interview.proposed_by_id == user.pk:
            raise ValidationError(_("You proposed these times; cancel instead."))
        interview.status = Interview.Status.DECLINED
        interview.save(update_fields=["status", "updated_at"])
        _notify_interview(
            "interview_declined",
            interview,
            recipients=[_other_party(interview, user)],
            actor=user,
            per_sequence=True,
            message=(reason or "")[:500],
        )
        _publish_interview(interview)
    return interview


def interview_reschedule(
    *,
    interview: Interview,
    user,
    slots: Iterable[datetime],
    duration_minutes: int | None = None,
    meeting_url: str | None = None,
) -> Interview:
    """Either party proposes new times; the calendar SEQUENCE goes up and the other party
    picks again."""
    slots = _clean_slots(slots)
    with transaction.atomic():
        interview = _lock_interview(interview, user)
        if interview.status not in (Interview.Status.PROPOSED, Interview.Status.CONFIRMED):
            raise ValidationError(_("This interview can no longer be rescheduled."))
        if interview.bid.status != Bid.Status.SHORTLISTED:
            raise ValidationError(_("This bid is no longer on the shortlist."))
        if duration_minutes is not None:
            if not 15 <= duration_minutes <= 180:
                raise ValidationError(
                    {"duration_minutes": [_("Choose between 15 and 180 minutes.")]}
                )
            interview.duration_minutes = duration_minutes
        if meeting_url:
            interview.meeting_url = _clean_meeting_url(meeting_url)
        interview.chosen_slot = None
        interview.save(update_fields=["chosen_slot"])
        interview.slots.all().delete()
        InterviewSlot.objects.bulk_create(
            [InterviewSlot(interview=interview, starts_at=s) for s in slots]
        )
        interview.status = Interview.Status.PROPOSED
        interview.proposed_by = user
        interview.ics_sequence += 1
        interview.reminder_sent_at = None
        interview.save()
        _notify_interview(
            "interview_rescheduled",
            interview,
            recipients=[_other_party(interview, user)],
            actor=user,
            per_sequence=True,
        )
        _publish_interview(interview)
    return interview


def interview_cancel(*, interview: Interview, user) -> Interview:
    with transaction.atomic():
        interview = _lock_interview(interview, user)
        if interview.status not in (Interview.Status.PROPOSED, Interview.Status.CONFIRMED):
            raise ValidationError(_("This interview is not planned any more."))
        if interview.is_done:
            raise ValidationError(_("This interview has already taken place."))
        interview.status = Interview.Status.CANCELLED
        interview.ics_sequence += 1
        interview.save(update_fields=["status", "ics_sequence", "updated_at"])
        _notify_interview(
            "interview_cancelled", interview, recipients=[_other_party(interview, user)], actor=user
        )
        _publish_interview(interview)
    return interview


def interview_send_reminders(*, lead: timedelta = timedelta(hours=1)) -> int:
    """Remind both parties of each confirmed interview starting within `lead`, once."""
    now = timezone.now()
    sent = 0
    with transaction.atomic():
        due = list(
            Interview.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("bid__job", "chosen_slot")
            .filter(
                status=Interview.Status.CONFIRMED,
                reminder_sent_at__isnull=True,
                chosen_slot__starts_at__gt=now,
                chosen_slot__starts_at__lte=now + lead,
            )
            .filter(~Q(bid__status=Bid.Status.WITHDRAWN))
        )
        for interview in due:
            interview.reminder_sent_at = now
            interview.save(update_fields=["reminder_sent_at"])
            _notify_interview(
                "interview_reminder",
                interview,
                recipients=[interview.bid.va_id, interview.bid.job.client_id],
                per_sequence=True,
                starts_at=interview.chosen_slot.starts_at.isoformat(),
            )
            sent += 1
    return sent
