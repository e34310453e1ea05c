"""Every write to jobs: posting, editing, the manual, attachments and the status machine.

Status moves only `draft → open → closed | hired → completed`, plus `cancelled` (DESIGN.md
§4). Each move locks the job row (`select_for_update`) so two requests (or a request and
the beat task) can never both decide from the same stale status. The one exception is
`hired`, which the bids owner's hire service sets on the locked row itself.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.text import slugify
from django.utils.translation import gettext as _

from jobs.board import search_results_changed
from jobs.models import (
    CURRENCY_DECIMALS,
    Category,
    Invitation,
    Job,
    JobAttachment,
    ManualVersion,
    Skill,
)
from marketplace import generations
from marketplace.uploads import validate_upload
from notifications.services import announce_job, notify

# Optional job fields the create/update services accept as keyword arguments.
DETAIL_FIELDS = (
    "hours_per_week",
    "duration",
    "deliverables",
    "deadline",
    "preferred_timezone",
    "working_hours",
    "closes_at",
    "invite_only",
)
ATTACHMENT_MAX_COUNT = 10
CLOSING_SOON_WINDOW = timedelta(hours=24)


# --- search ------------------------------------------------------------------------------

# Title weighs most (A), then skills and category names (B), then the description (C).
# Every part is indexed with both the English and the Indonesian configuration, so a
# search in either language stems the words it is written in. Last come the board's filter
# tokens (jobs.models.FILTER_TOKENS: "pay=hourly", "currency=idr", "category=3"), which no
# words parse into, so a search with filters is narrowed inside the GIN index itself; they
# match no query words, so they change no rank.
_SEARCH_VECTOR_SQL = """
UPDATE jobs_job AS j SET search_vector =
    setweight(to_tsvector('english', j.title), 'A')
    || setweight(to_tsvector('indonesian', j.title), 'A')
    || setweight(to_tsvector('english', src.tags), 'B')
    || setweight(to_tsvector('indonesian', src.tags), 'B')
    || setweight(to_tsvector('english', j.description), 'C')
    || setweight(to_tsvector('indonesian', j.description), 'C')
    || array_to_tsvector(ARRAY[
        'pay=' || lower(j.pay_type),
        'currency=' || lower(j.currency),
        'category=' || j.category_id::text
    ])
FROM (
    SELECT j2.id, concat_ws(' ', c.name_en, c.name_id, (
        SELECT string_agg(s.name, ' ')
        FROM jobs_job_skills js JOIN jobs_skill s ON s.id = js.skill_id
        WHERE js.job_id = j2.id
    )) AS tags
    FROM jobs_job j2 JOIN jobs_category c ON c.id = j2.category_id
    WHERE j2.id = ANY(%s)
) AS src
WHERE j.id = src.id
"""


def search_vectors_refresh(*, job_ids: Iterable[int]) -> None:
    """Recompute `search_vector` for these jobs in one UPDATE computed by PostgreSQL."""
    ids = list(job_ids)
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(_SEARCH_VECTOR_SQL, [ids])
    search_results_changed()


def category_jobs_refresh(*, category: Category) -> None:
    """A category's names changed (admin): its jobs' search vectors and every page showing
    the name follow."""
    catalogue_changed()
    search_vectors_refresh(job_ids=category.jobs.values_list("pk", flat=True))


def catalogue_changed() -> None:
    """A category or skill was renamed, added or deleted: every process reads the names'
    digest again on its next request (jobs.models.catalogue_version)."""
    generations.bump(generations.CATALOGUE)


# --- skills ------------------------------------------------------------------------------


def skills_get_or_create(*, names: Iterable[str]) -> list[Skill]:
    """The skills called `names` (case-insensitively), creating the ones we do not have."""
    skills: list[Skill] = []
    for raw in names:
        name = " ".join(raw.split())[:60]
        slug = slugify(name)[:70]
        if not slug:
            continue
        skill = Skill.objects.filter(name__iexact=name).first()
        if skill is None:
            skill, created = Skill.objects.get_or_create(slug=slug, defaults={"name": name})
            if created:
                catalogue_changed()
        if skill not in skills:
            skills.append(skill)
    return skills


# --- checks ------------------------------------------------------------------------------


def _check_can_post(user) -> None:
    if user.suspended_at is not None:
        raise ValidationError(_("Your account is suspended, so you cannot post or change tasks."))
    if not user.is_client:
        raise ValidationError(_("Switch on the client role to post tasks."))


def _check_actor(job: Job, by) -> None:
    """Only the job's client (or staff) changes a job; suspended accounts change nothing."""
    if by is None:
        return
    if by.suspended_at is not None:
        raise ValidationError(_("Your account is suspended, so you cannot post or change tasks."))
    if by.pk != job.client_id and not by.is_staff:
        raise ValidationError(_("Only the client who posted this task can change it."))


def _check_money(*, max_rate: Decimal, currency: str, pay_type: str) -> None:
    if pay_type not in Job.PayType.values:
        raise ValidationError({"pay_type": _("Choose per task or hourly.")})
    if currency not in CURRENCY_DECIMALS:
        raise ValidationError({"currency": _("Choose a currency we support.")})
    if max_rate is None or max_rate <= 0:
        raise ValidationError({"max_rate": _("The maximum rate must be more than zero.")})
    places = CURRENCY_DECIMALS[currency]
    if max_rate != max_rate.quantize(Decimal(1).scaleb(-places)):
        if places == 0:
            raise ValidationError({"max_rate": _("Rupiah amounts have no decimals.")})
        raise ValidationError({"max_rate": _("Use at most two decimal places.")})


def _lock(job: Job) -> Job:
    return Job.objects.select_for_update().get(pk=job.pk)


def _clean_checklist(items: Iterable[str]) -> list[dict]:
    return [{"text": text} for text in (" ".join(str(i).split()) for i in items) if text]


# --- posting and editing -----------------------------------------------------------------


@transaction.atomic
def job_create(
    *,
    client,
    title: str,
    description: str,
    category: Category,
    pay_type: str,
    max_rate: Decimal,
    currency: str,
    skills: Sequence[Skill] = (),
    new_skill_names: Sequence[str] = (),
    manual_body: str = "",
    checklist: Sequence[str] = (),
    **details,
) -> Job:
    """Save a new task as a draft, with manual v1. Nothing is public until `job_publish`."""
    _check_can_post(client)
    _check_money(max_rate=max_rate, currency=currency, pay_type=pay_type)
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"job_create() got unexpected fields: {sorted(unknown)}")
    job = Job(
        client=client,
        title=title.strip(),
        description=description.strip(),
        category=category,
        pay_type=pay_type,
        max_rate=max_rate,
        currency=currency,
        status=Job.Status.DRAFT,
        **details,
    )
    job.full_clean(exclude=["client", "skills"])
    job.save()
    job.skills.set([*skills, *skills_get_or_create(names=new_skill_names)])
    ManualVersion.objects.create(
        job=job, number=1, body=manual_body.strip(), checklist=_clean_checklist(checklist)
    )
    search_vectors_refresh(job_ids=[job.pk])
    return job


@transaction.atomic
def job_update(
    *,
    job: Job,
    by,
    title: str,
    description: str,
    category: Category,
    pay_type: str,
    max_rate: Decimal,
    currency: str,
    skills: Sequence[Skill] = (),
    new_skill_names: Sequence[str] = (),
    **details,
) -> Job:
    """Change a draft, open or closed task. Pay type and currency lock once a bid exists."""
    job = _lock(job)
    _check_actor(job, by)
    if not job.is_editable:
        raise ValidationError(
            _("A task that is %(status)s can no longer be edited.")
            % {"status": job.get_status_display().lower()}
        )
    if (pay_type != job.pay_type or currency != job.currency) and job.has_bids():
        raise ValidationError(
            _("Pay type and currency cannot change once VAs have bid on this task.")
        )
    _check_money(max_rate=max_rate, currency=currency, pay_type=pay_type)
    unknown = set(details) - set(DETAIL_FIELDS)
    if unknown:
        raise TypeError(f"job_update() got unexpected fields: {sorted(unknown)}")
    if "closes_at" in details and details["closes_at"] != job.closes_at:
        # A new closing date deserves its own "closing soon" reminder.
        job.closing_soon_notified_at = None
    job.title = title.strip()
    job.description = description.strip()
    job.category = category
    job.pay_type = pay_type
    job.max_rate = max_rate
    job.currency = currency
    for name, value in details.items():
        setattr(job, name, value)
    job.full_clean(exclude=["client", "skills"])
    job.save()
    job.skills.set([*skills, *skills_get_or_create(names=new_skill_names)])
    search_vectors_refresh(job_ids=[job.pk])
    return job


@transaction.atomic
def manual_update(*, job: Job, by, body: str, checklist: Sequence[str]) -> ManualVersion:
    """Save the task manual.

    Once any bid exists (VAs may have acknowledged the current version) a change creates
    version N+1 and every earlier version is kept; before that, the current version is
    edited in place. Saving the manual unchanged creates nothing.
    """
    job = _lock(job)
    _check_actor(job, by)
    if not job.is_editable:
        raise ValidationError(
            _("A task that is %(status)s can no longer be edited.")
            % {"status": job.get_status_display().lower()}
        )
    body = body.strip()
    items = _clean_checklist(checklist)
    current = job.current_manual
    if current is not None and current.body == body and current.checklist == items:
        return current
    if current is None:
        return ManualVersion.objects.create(job=job, number=1, body=body, checklist=items)
    if job.has_bids():
        return ManualVersion.objects.create(
            job=job, number=current.number + 1, body=body, checklist=items
        )
    current.body = body
    current.checklist = items
    current.updated_at = timezone.now()
    current.save(update_fields=["body", "checklist", "updated_at"])
    return current


@transaction.atomic
def job_attachment_add(*, job: Job, by, uploaded_file) -> JobAttachment:
    """Attach a private file to the manual (checked by content, see marketplace.uploads)."""
    job = _lock(job)
    _check_actor(job, by)
    if job.attachments.count() >= ATTACHMENT_MAX_COUNT:
        raise ValidationError(
            _("A task can have at most %(count)d attachments. Remove one first.")
            % {"count": ATTACHMENT_MAX_COUNT}
        )
    sniffed = validate_upload(uploaded_file)
    attachment = JobAttachment(
        job=job,
        original_name=sniffed.original_name,
        content_type=sniffed.content_type,
        size=sniffed.size,
    )
    attachment.file.save(sniffed.original_name, uploaded_file, save=False)
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(attachment.file.name)  # no orphaned file
        raise
    return attachment


@transaction.atomic
def job_attachment_delete(*, attachment: JobAttachment, by) -> None:
    """Remove a manual attachment and its stored file (after commit)."""
    job = _lock(attachment.job)
    _check_actor(job, by)
    name, storage = attachment.file.name, attachment.file.storage
    attachment.delete()
    transaction.on_commit(lambda: storage.delete(name))


# --- the status machine ------------------------------------------------------------------


def _refuse(job: Job, message: str) -> ValidationError:
    return ValidationError(message % {"status": job.get_status_display().lower()})


@transaction.atomic
def job_publish(*, job: Job, by) -> Job:
    """draft → open: the task goes on the board and matching VAs are told."""
    job = _lock(job)
    _check_actor(job, by)
    _check_can_post(job.client)
    if job.status != Job.Status.DRAFT:
        raise _refuse(job, _("Only a draft can be published; this task is %(status)s."))
    now = timezone.now()
    if job.closes_at is not None and job.closes_at <= now:
        raise ValidationError(_("The closing date for bids is in the past. Choose a later one."))
    job.status = Job.Status.OPEN
    job.published_at = now
    job.save(update_fields=["status", "published_at", "updated_at"])
    search_vectors_refresh(job_ids=[job.pk])
    if job.invite_only:
        return job  # no alerts, no fan-out: only the VAs the client invites hear of it
    # Optional moderation pre-approval (settings.JOB_PUBLISH_HOLD): jobs never imports
    # moderation, so the hook is named in settings. A held job is announced on approval.
    if import_string(settings.JOB_PUBLISH_HOLD)(job=job):
        return job
    announce_job(
        job_id=job.pk,
        client_id=job.client_id,
        title=job.title,
        text=f"{job.description}\n{job.deliverables}".strip(),
        category_id=job.category_id,
        skill_ids=list(job.skills.values_list("pk", flat=True)),
        pay_type=job.pay_type,
        max_rate=job.max_rate,
        currency=job.currency,
        url=job.get_absolute_url(),
    )
    return job


@transaction.atomic
def job_close(*, job: Job, by=None) -> Job:
    """open → closed: no more bids. `by=None` means the beat task closed it at `closes_at`."""
    job = _lock(job)
    _check_actor(job, by)
    if job.status != Job.Status.OPEN:
        raise _refuse(job, _("Only an open task can stop taking bids; this task is %(status)s."))
    job.status = Job.Status.CLOSED
    job.save(update_fields=["status", "updated_at"])
    search_results_changed()
    if by is None:
        notify(
            kind="job_auto_closed",
            recipients=[job.client_id],
            event_key=f"job_auto_closed:{job.pk}:{_stamp(job.closes_at)}",
            job_id=job.pk,
            data={
                "url": job.get_absolute_url(),
                "title": job.title,
                "bid_count": str(job.bid_count),
            },
        )
    return job


@transaction.atomic
def job_reopen(*, job: Job, by) -> Job:
    """closed → open: take bids again (the closing date must still lie ahead)."""
    job = _lock(job)
    _check_actor(job, by)
    _check_can_post(job.client)
    if job.status != Job.Status.CLOSED:
        raise _refuse(
            job, _("Only a task whose bidding is closed can reopen; this task is %(status)s.")
        )
    if job.closes_at is not None and job.closes_at <= timezone.now():
        raise ValidationError(
            _(
                "The closing date for bids has passed. Edit the task to set a later one, then reopen."
            )
        )
    job.status = Job.Status.OPEN
    job.save(update_fields=["status", "updated_at"])
    search_results_changed()
    return job


@transaction.atomic
def job_cancel(*, job: Job, by) -> Job:
    """draft | open | closed → cancelled: the task leaves the board for good."""
    job = _lock(job)
    _check_actor(job, by)
    if not job.is_editable:
        raise _refuse(job, _("A task that is %(status)s cannot be cancelled."))
    job.status = Job.Status.CANCELLED
    job.save(update_fields=["status", "updated_at"])
    search_results_changed()
    return job


@transaction.atomic
def job_complete(*, job: Job, by) -> Job:
    """hired → completed."""
    job = _lock(job)
    _check_actor(job, by)
    if job.status != Job.Status.HIRED:
        raise _refuse(
            job, _("Only a task with a hired VA can be completed; this task is %(status)s.")
        )
    job.status = Job.Status.COMPLETED
    job.save(update_fields=["status", "updated_at"])
    return job


@transaction.atomic
def job_mark_bids_seen(*, job: Job) -> None:
    """The client opened the bid review page: bids up to now are no longer "new"."""
    Job.objects.filter(pk=job.pk).update(bids_seen_at=timezone.now())


# --- periodic work (called by jobs.tasks) ------------------------------------------------


def _stamp(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment else 0


def jobs_close_expired(*, now: datetime | None = None) -> int:
    """Close every open job whose closing date has passed; tell each client. Returns count."""
    now = now or timezone.now()
    ids = list(
        Job.objects.filter(status=Job.Status.OPEN, closes_at__lte=now).values_list("pk", flat=True)
    )
    closed = 0
    for job_id in ids:
        try:
            job_close(job=Job(pk=job_id), by=None)
        except (ValidationError, Job.DoesNotExist):
            continue  # someone closed, cancelled or hired it meanwhile
        closed += 1
    return closed


def jobs_notify_closing_soon(*, now: datetime | None = None) -> int:
    """Tell each client once, about a day ahead, that bidding on their job closes soon."""
    now = now or timezone.now()
    ids = list(
        Job.objects.filter(
            status=Job.Status.OPEN,
            closes_at__gt=now,
            closes_at__lte=now + CLOSING_SOON_WINDOW,
            closing_soon_notified_at__isnull=True,
        ).values_list("pk", flat=True)
    )
    sent = 0
    for job_id in ids:
        with transaction.atomic():
            job = Job.objects.select_for_update().filter(pk=job_id).first()
            if (
                job is None
                or job.status != Job.Status.OPEN
                or job.closing_soon_notified_at is not None
            ):
                continue
            job.closing_soon_notified_at = now
            job.save(update_fields=["closing_soon_notified_at"])
            notify(
                kind="job_closing_soon",
                recipients=[job.client_id],
                event_key=f"job_closing_soon:{job.pk}:{_stamp(job.closes_at)}",
                job_id=job.pk,
                data={
                    "url": job.get_absolute_url(),
                    "title": job.title,
                    "bid_count": str(job.bid_count),
                    "closes_at": job.closes_at.isoformat(),
                },
            )
            sent += 1
    return sent


# --- invitations -------------------------------------------------------------------------


def _notify_invitation(kind: str, invitation: Invitation, job: Job, *, to: int, actor) -> None:
    """Tell the other side of an invitation; both links go to the task page."""
    notify(
        kind=kind,
        recipients=[to],
        event_key=f"{kind}:{invitation.pk}",
        actor=actor,
        job_id=job.pk,
        data={
            "url": job.get_absolute_url(),
            "title": job.title,
            "va_name": str(invitation.va.display_name),
            "client_name": str(job.client.display_name),
            "note": invitation.note,
            "reason": invitation.decline_reason,
        },
    )


def _check_note(text: str, field: str) -> str:
    text = (text or "").strip()
    if len(text) > Invitation.TEXT_MAX_LENGTH:
        raise ValidationError(
            {
                field: _("Keep it to %(max)d characters (it has %(length)d).")
                % {"max": Invitation.TEXT_MAX_LENGTH, "length": len(text)}
            }
        )
    return text


def _already_invited(va) -> ValidationError:
    return ValidationError(
        _("You have already invited %(name)s to this task.") % {"name": va.display_name}
    )


def invitation_send(*, job: Job, va, by, note: str = "") -> Invitation:
    """The task's client invites a VA to bid (for an invite-only task: to see it at all).

    The job row is locked first, so an invitation racing a close, cancel or hire sees the
    new status; the (job, va) unique constraint settles two identical sends.
    """
    note = _check_note(note, "note")
    with transaction.atomic():
        job = Job.objects.select_for_update().select_related("client").get(pk=job.pk)
        if by.suspended_at is not None:
            raise ValidationError(_("Your account is suspended, so you cannot invite VAs."))
        if by.pk != job.client_id:
            raise ValidationError(_("Only the client who posted this task can invite VAs to it."))
        if job.status != Job.Status.OPEN or job.hidden_at is not None:
            raise ValidationError(
                {"job": _("This task is not open for bids, so nobody can be invited to it.")}
            )
        if job.closes_at is not None and job.closes_at <= timezone.now():
            raise ValidationError({"job": _("Bidding on this task has closed.")})
        if va.pk == by.pk:
            raise ValidationError(_("You cannot invite yourself."))
        if not va.is_va or not va.is_active or va.suspended_at is not None:
            raise ValidationError(
                _("This person cannot be invited: they do not work as a VA here.")
            )
        # Reading bids through the reverse relation keeps jobs from importing bids.
        if job.bids.filter(va_id=va.pk).exclude(status="withdrawn").exists():
            raise ValidationError(
                _("%(name)s has already bid on this task.") % {"name": va.display_name}
            )
        if Invitation.objects.filter(job=job, va=va).exists():
            raise _already_invited(va)
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(job=job, va=va, note=note)
        except IntegrityError as exc:  # an identical send that got past the check first
            raise _already_invited(va) from exc
        _notify_invitation("invitation_received", invitation, job, to=va.pk, actor=by)
    return invitation


def _lock_invitation(invitation: Invitation, va) -> Invitation:
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("job", "job__client", "va")
        .get(pk=invitation.pk)
    )
    if invitation.va_id != va.pk:
        raise ValidationError(_("This invitation is not yours."))
    return invitation


def invitation_accept(*, invitation: Invitation, va) -> Invitation:
    """The VA takes up the invitation (their bid comes next, on the bid form).

    Accepting one already accepted changes nothing; a declined one stays declined (the row
    lock decides between an accept and a decline sent at the same moment)."""
    with transaction.atomic():
        invitation = _lock_invitation(invitation, va)
        if invitation.status == Invitation.Status.ACCEPTED:
            return invitation
        if invitation.status == Invitation.Status.DECLINED:
            raise ValidationError(_("You declined this invitation."))
        job = invitation.job
        if job.status != Job.Status.OPEN or job.hidden_at is not None:
            raise ValidationError(_("This task is no longer open for bids."))
        invitation.status = Invitation.Status.ACCEPTED
        invitation.answered_at = timezone.now()
        invitation.save(update_fields=["status", "answered_at"])
    return invitation


def invitation_decline(*, invitation: Invitation, va, reason: str = "") -> Invitation:
    """The VA says no, with an optional reason; the client is told."""
    reason = _check_note(reason, "reason")
    with transaction.atomic():
        invitation = _lock_invitation(invitation, va)
        if invitation.status != Invitation.Status.SENT:
            raise ValidationError(_("You have already answered this invitation."))
        invitation.status = Invitation.Status.DECLINED
        invitation.decline_reason = reason
        invitation.answered_at = timezone.now()
        invitation.save(update_fields=["status", "decline_reason", "answered_at"])
        job = invitation.job
        _notify_invitation("invitation_declined", invitation, job, to=job.client_id, actor=va)
    return invitation


def invitation_mark_accepted(*, job_id: int, va_id: int) -> None:
    """A bid from an invited VA answers their invitation (call in the bid's transaction)."""
    Invitation.objects.filter(job_id=job_id, va_id=va_id, status=Invitation.Status.SENT).update(
        status=Invitation.Status.ACCEPTED, answered_at=timezone.now()
    )
