"""The one entry point other apps use to tell people something: `notify(...)`.

Notifications are an outbox (DESIGN.md §5): rows are written in the caller's transaction,
and delivery tasks are enqueued only after commit, with ids. If the broker is down the rows
stay `pending` and the periodic sweep sends them later; a request never waits on Redis.

Everything else that writes notification data lives here too: job alert fan-out, the sweep,
the daily digest, preferences, alerts and unsubscribing.
"""

import json
import logging
import zoneinfo
from collections.abc import Iterable
from datetime import timedelta
from decimal import Decimal
from functools import partial

from django.apps import apps
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from live import services as live
from notifications import kinds
from notifications.broker import publish
from notifications.models import Delivery, JobAlert, JobAnnouncement, Notification, Preference
from notifications.registry import fan_out_listeners

logger = logging.getLogger(__name__)

INSERT_CHUNK = 1000
ENQUEUE_CHUNK = 500
FAN_OUT_CHUNK = 1000
UNSUBSCRIBE_SALT = "notifications.unsubscribe"
# Unsubscribing from this "kind" turns off every kind the user had put in the daily digest.
DIGEST_KIND = "digest"


# --- notify -----------------------------------------------------------------------------


def notify(
    *,
    kind: str,
    recipients: Iterable,
    event_key: str,
    actor=None,
    job_id: int | None = None,
    bid_id: int | None = None,
    contract_id: int | None = None,
    interview_id: int | None = None,
    data: dict | None = None,
) -> int:
    """Record that `kind` happened for each recipient (users or user ids) and queue email.

    Call inside the domain service's transaction. `event_key` identifies the event (e.g.
    f"bid_submitted:{bid.pk}:{bid.updated_at.timestamp()}"); a second call with the same key
    for the same recipient is a no-op, so retries never duplicate. `data` holds everything
    the message needs to render later in the recipient's language: at least "url" (a
    site-relative path) and "title", other values as strings (amounts as "amount" and
    "currency"). The recipient's preference for `kind` decides the email: instant (queued
    on commit), daily digest (held) or off (in-app only). Returns how many new
    notifications were written.
    """
    recipient_ids = sorted({getattr(r, "pk", r) for r in recipients} - {None})
    if not recipient_ids:
        return 0
    actor_id = getattr(actor, "pk", actor)
    payload = json.dumps(data or {}, cls=DjangoJSONEncoder)
    with transaction.atomic():
        created = _insert_notifications(
            kind=kind,
            recipient_ids=recipient_ids,
            event_key=event_key,
            actor_id=actor_id,
            target=(job_id, bid_id, contract_id, interview_id),
            payload=payload,
        )
        if not created:
            return 0
        modes = email_modes(kind=kind, user_ids=[rid for _, rid in created])
        deliveries = [
            Delivery(
                notification_id=nid,
                channel="email",
                status=Delivery.Status.PENDING
                if modes[rid] == kinds.INSTANT
                else Delivery.Status.HELD,
            )
            for nid, rid in created
            if modes[rid] != kinds.OFF
        ]
        Delivery.objects.bulk_create(deliveries, batch_size=INSERT_CHUNK)
        pending = [d.pk for d in deliveries if d.status == Delivery.Status.PENDING]
        if pending:
            transaction.on_commit(partial(enqueue_deliveries, pending))
        _publish_live(created, kind=kind, data=data or {})
    return len(created)


def _publish_live(created: list[tuple[int, int]], *, kind: str, data: dict) -> None:
    """Each recipient's open pages update the badge (their own unread count) and the centre."""
    counts = dict(
        Notification.objects.filter(
            recipient_id__in=[rid for _, rid in created], read_at__isnull=True
        )
        .order_by()
        .values("recipient_id")
        .annotate(n=Count("pk"))
        .values_list("recipient_id", "n")
    )
    item = {"kind": kind, "url": str(data.get("url", "")), "title": str(data.get("title", ""))}
    live.publish_each(
        kind="notification",
        data_by_user={
            rid: {"unread": counts.get(rid, 0), "item": {"id": nid, **item}} for nid, rid in created
        },
    )


def _insert_notifications(
    *, kind: str, recipient_ids: list[int], event_key: str, actor_id, target: tuple, payload: str
) -> list[tuple[int, int]]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: exactly the rows this call created."""
    table = connection.ops.quote_name(Notification._meta.db_table)
    now = timezone.now()
    row = "(%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s)"
    created: list[tuple[int, int]] = []
    with connection.cursor() as cursor:
        for start in range(0, len(recipient_ids), INSERT_CHUNK):
            chunk = recipient_ids[start : start + INSERT_CHUNK]
            params: list = []
            for rid in chunk:
                params += [rid, kind, actor_id, *target, payload, event_key, now]
            cursor.execute(
                f"INSERT INTO {table} (recipient_id, kind, actor_id, job_id, bid_id, contract_id, "  # noqa: S608 - table name from model meta
                f"interview_id, data, event_key, created_at) VALUES {', '.join([row] * len(chunk))} "
                "ON CONFLICT (recipient_id, event_key) DO NOTHING RETURNING id, recipient_id",
                params,
            )
            created += cursor.fetchall()
    return created


def email_modes(*, kind: str, user_ids: list[int]) -> dict[int, str]:
    """Each user's email mode for `kind`: their preference, else the kind's default."""
    default = kinds.default_email_mode(kind)
    modes = dict.fromkeys(user_ids, default)
    modes.update(
        Preference.objects.filter(kind=kind, user_id__in=user_ids).values_list(
            "user_id", "email_mode"
        )
    )
    return modes


def enqueue_deliveries(delivery_ids: list[int]) -> None:
    """Hand delivery ids to the worker; never raises (the sweep covers a dead broker)."""
    from notifications.tasks import deliver_batch

    for start in range(0, len(delivery_ids), ENQUEUE_CHUNK):
        if not publish(deliver_batch, args=[delivery_ids[start : start + ENQUEUE_CHUNK]]):
            return


# --- new jobs: alert fan-out ------------------------------------------------------------


def announce_job(
    *,
    job_id: int,
    client_id: int,
    title: str,
    text: str,
    category_id: int,
    skill_ids: list[int],
    pay_type: str,
    max_rate,
    currency: str,
    url: str | None = None,
) -> None:
    """Tell every VA whose job alert matches a newly published job (fan-out in a worker).

    Called by jobs.services.job_publish inside its transaction. It writes an outbox row
    (`JobAnnouncement`) in that transaction and queues the fan-out task on commit; if the
    broker is down, the sweep runs the fan-out later. `text` is what keywords match against
    besides the title (description, deliverables).
    """
    if url is None:
        try:
            url = reverse("jobs:detail", args=[job_id])
        except NoReverseMatch:
            url = f"/jobs/{job_id}/"
    payload = {
        "job_id": job_id,
        "client_id": client_id,
        "title": title,
        "text": text,
        "category_id": category_id,
        "skill_ids": [int(s) for s in skill_ids],
        "pay_type": pay_type,
        "max_rate": str(max_rate),
        "currency": currency,
        "url": url,
    }
    announcement, created = JobAnnouncement.objects.get_or_create(
        job_id=job_id, defaults={"payload": payload}
    )
    if created:
        transaction.on_commit(partial(_enqueue_fan_out, announcement.pk))


def _enqueue_fan_out(announcement_id: int) -> None:
    from notifications.tasks import fan_out_job

    publish(fan_out_job, args=[announcement_id])


MATCHING_SQL = """
SELECT DISTINCT a.user_id
FROM {alert} a
JOIN {user} u ON u.id = a.user_id
WHERE a.is_active
  AND u.is_active AND u.is_va AND u.suspended_at IS NULL
  AND a.user_id <> %(client_id)s
  AND a.user_id > %(after)s
  AND (cardinality(a.category_ids) = 0 OR a.category_ids && ARRAY[%(category_id)s]::bigint[])
  AND (cardinality(a.skill_ids) = 0 OR a.skill_ids && %(skill_ids)s::bigint[])
  AND (a.pay_type = '' OR a.pay_type = %(pay_type)s)
  AND (a.currency = '' OR a.currency = %(currency)s)
  AND (a.min_rate IS NULL OR a.min_rate <= %(max_rate)s)
  AND NOT EXISTS (
    SELECT 1 FROM regexp_split_to_table(lower(a.keywords), %(space)s) AS w(word)
    WHERE w.word <> '' AND strpos(lower(%(haystack)s), w.word) = 0
  )
ORDER BY a.user_id
LIMIT %(limit)s
"""


def matching_va_ids(*, payload: dict, after: int = 0, limit: int = FAN_OUT_CHUNK) -> list[int]:
    """VAs (user ids, ascending, > `after`) with an active alert matching the job.

    One set-based query: categories and skills overlap (or the alert leaves them empty), pay
    type and currency equal (or blank), the job's max rate at least the alert's minimum, and
    every keyword found in the title or text (case-insensitive). The job's own client and
    inactive or suspended accounts are left out; a VA with several matching alerts is one row.
    """
    user_model = apps.get_model("accounts", "User")
    sql = MATCHING_SQL.format(
        alert=connection.ops.quote_name(JobAlert._meta.db_table),
        user=connection.ops.quote_name(user_model._meta.db_table),
    )
    params = {
        "client_id": payload["client_id"],
        "after": after,
        "category_id": payload["category_id"],
        "skill_ids": [int(s) for s in payload.get("skill_ids") or []],
        "pay_type": payload["pay_type"],
        "currency": payload["currency"],
        "max_rate": Decimal(payload["max_rate"]),
        "space": r"\s+",
        "haystack": f"{payload['title']}\n{payload.get('text', '')}",
        "limit": limit,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def job_fan_out(*, announcement_id: int) -> int:
    """Notify every matching VA of an announced job, in chunks; idempotent. Returns new count.

    Each chunk is its own transaction (its deliveries are queued as it commits), so a job
    matching tens of thousands of VAs never holds one huge transaction, and a worker killed
    halfway leaves finished chunks in place: the rerun skips them by event key.
    """
    announcement = JobAnnouncement.objects.filter(pk=announcement_id, done_at__isnull=True).first()
    if announcement is None:
        return 0
    JobAnnouncement.objects.filter(pk=announcement.pk).update(started_at=timezone.now())
    payload = announcement.payload
    job_model = apps.get_model("jobs", "Job")
    # A job hidden, cancelled or closed before its fan-out ran is not worth announcing.
    if not job_model.objects.open().filter(pk=announcement.job_id).exists():
        JobAnnouncement.objects.filter(pk=announcement.pk).update(done_at=timezone.now())
        return 0
    data = {
        "url": payload["url"],
        "title": payload["title"],
        "pay_type": payload["pay_type"],
        "max_rate": payload["max_rate"],
        "currency": payload["currency"],
        "excerpt": " ".join(payload.get("text", "").split())[:280],
    }
    total, after = 0, 0
    while ids := matching_va_ids(payload=payload, after=after):
        with transaction.atomic():
            total += notify(
                kind="job_posted",
                recipients=ids,
                event_key=f"job_posted:{announcement.job_id}",
                job_id=announcement.job_id,
                data=data,
            )
            for listener in fan_out_listeners():
                listener(job_id=announcement.job_id, user_ids=ids)
        after = ids[-1]
    JobAnnouncement.objects.filter(pk=announcement.pk).update(
        done_at=timezone.now(),
        matched=Notification.objects.filter(event_key=f"job_posted:{announcement.job_id}").count(),
    )
    return total


# --- the sweep and the digest -----------------------------------------------------------


def outbox_sweep(*, min_age: timedelta = timedelta(minutes=1), limit: int = 10000) -> dict:
    """Re-enqueue what should have been handled by now (beat runs this every minute).

    Deliveries still `pending` `min_age` after they were written (and not backing off after
    an SMTP error), and job announcements whose fan-out has not finished: a Redis outage at
    commit time, a lost message or a killed worker delays a notification, never loses it.
    """
    cutoff = timezone.now() - min_age
    delivery_ids = list(
        Delivery.objects.due(older_than=min_age).order_by("id").values_list("id", flat=True)[:limit]
    )
    enqueue_deliveries(delivery_ids)
    announcement_ids = list(
        JobAnnouncement.objects.filter(done_at__isnull=True, created_at__lte=cutoff)
        .exclude(started_at__gt=cutoff)
        .values_list("id", flat=True)[:100]
    )
    for announcement_id in announcement_ids:
        _enqueue_fan_out(announcement_id)
    return {"deliveries": len(delivery_ids), "announcements": len(announcement_ids)}


DIGEST_LOCAL_HOUR = 8


def digest_recipient_ids(*, local_hour: int | None = DIGEST_LOCAL_HOUR) -> list[int]:
    """Users with held notifications for whom it is now `local_hour` o'clock (None: all).

    The digest task runs hourly, so each user gets one digest a day at the same local time.
    """
    rows = (
        Delivery.objects.filter(status=Delivery.Status.HELD)
        .values_list("notification__recipient_id", "notification__recipient__timezone")
        .distinct()
        .order_by()
    )
    now = timezone.now()
    chosen = []
    for user_id, tzname in rows:
        if local_hour is None or _local_hour(now, tzname) == local_hour:
            chosen.append(user_id)
    return chosen


def _local_hour(now, tzname: str) -> int:
    try:
        return now.astimezone(zoneinfo.ZoneInfo(tzname or "UTC")).hour
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return now.hour


def digest_send(*, user_id: int) -> int:
    """Send one user their daily digest of held notifications; returns how many it listed.

    The held rows are locked while the email goes out, so two digest runs cannot both send
    them; an SMTP error leaves them held for the next run.
    """
    from notifications.rendering import build_digest_email

    with transaction.atomic():
        deliveries = list(
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(status=Delivery.Status.HELD, notification__recipient_id=user_id)
            .select_related("notification__recipient", "notification__actor")
            .order_by("notification__created_at")
        )
        if not deliveries:
            return 0
        recipient = deliveries[0].notification.recipient
        if not recipient.is_active:
            Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
                status=Delivery.Status.SKIPPED
            )
            return 0
        build_digest_email(
            recipient=recipient, notifications=[d.notification for d in deliveries]
        ).send(fail_silently=False)
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).update(
            status=Delivery.Status.SENT, sent_at=timezone.now(), attempts=1
        )
    return len(deliveries)


def delivery_retry(*, delivery_ids: list[int]) -> int:
    """Staff retry of failed deliveries: back to pending with a fresh set of attempts."""
    with transaction.atomic():
        ids = list(
            Delivery.objects.filter(pk__in=delivery_ids, status=Delivery.Status.FAILED).values_list(
                "id", flat=True
            )
        )
        Delivery.objects.filter(pk__in=ids).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=None
        )
        transaction.on_commit(partial(enqueue_deliveries, ids))
    return len(ids)


# --- reading -----------------------------------------------------------------------------


def notification_mark_read(*, user, notification_id: int) -> None:
    Notification.objects.for_user(user).filter(pk=notification_id, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notifications_mark_all_read(*, user) -> int:
    return Notification.objects.for_user(user).unread().update(read_at=timezone.now())


# --- preferences and unsubscribing -------------------------------------------------------


def preferences_update(*, user, modes: dict[str, str]) -> None:
    """Save the user's email mode per kind (in-app notifications are always on)."""
    valid = {choice for choice, _label in Preference.EmailMode.choices}
    with transaction.atomic():
        for kind, mode in modes.items():
            if kind not in kinds.KINDS or mode not in valid:
                raise ValidationError(_("Choose one of the offered email options."))
            Preference.objects.update_or_create(user=user, kind=kind, defaults={"email_mode": mode})


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    """A signed, non-expiring token naming one user and one kind (no login needed)."""
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT, compress=False)


def read_unsubscribe_token(token: str) -> tuple[int, str]:
    """(user id, kind) from a token; raises signing.BadSignature if it was tampered with."""
    value = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    if (
        not isinstance(value, dict)
        or not isinstance(value.get("u"), int)
        or not isinstance(value.get("k"), str)
    ):
        raise signing.BadSignature("Malformed unsubscribe token")
    return value["u"], value["k"]


def preference_unsubscribe(*, user_id: int, kind: str) -> None:
    """Stop email of `kind` (or, for the digest, of every kind the user digests)."""
    with transaction.atomic():
        if kind == DIGEST_KIND:
            digested = [k.key for k in kinds.KINDS.values() if k.default_email == kinds.DIGEST]
            Preference.objects.filter(user_id=user_id, email_mode=kinds.DIGEST).update(
                email_mode=kinds.OFF
            )
            for key in digested:
                Preference.objects.get_or_create(
                    user_id=user_id, kind=key, defaults={"email_mode": kinds.OFF}
                )
        else:
            Preference.objects.update_or_create(
                user_id=user_id, kind=kind, defaults={"email_mode": kinds.OFF}
            )
        # Whatever was waiting for the digest or a retry of this kind is not sent either.
        held = Delivery.objects.filter(
            notification__recipient_id=user_id,
            status__in=[Delivery.Status.HELD, Delivery.Status.PENDING],
        )
        if kind != DIGEST_KIND:
            held = held.filter(notification__kind=kind)
        else:
            held = held.filter(status=Delivery.Status.HELD)
        held.update(status=Delivery.Status.SKIPPED)


# --- job alerts --------------------------------------------------------------------------

ALERT_FIELDS = ("name", "category_ids", "skill_ids", "pay_type", "min_rate", "currency", "keywords")


def _validate_alert(values: dict) -> None:
    if values.get("min_rate") is not None and not values.get("currency"):
        raise ValidationError({"currency": _("Choose the currency of the minimum rate.")})


def alert_create(*, user, **values) -> JobAlert:
    """Create a job alert for a VA."""
    if not user.is_va:
        raise ValidationError(_("Only VAs can set job alerts."))
    _validate_alert(values)
    with transaction.atomic():
        return JobAlert.objects.create(
            user=user, **{f: values[f] for f in ALERT_FIELDS if f in values}
        )


def alert_update(*, alert: JobAlert, **values) -> JobAlert:
    _validate_alert(values)
    with transaction.atomic():
        for field in ALERT_FIELDS:
            if field in values:
                setattr(alert, field, values[field])
        alert.save()
    return alert


def alert_set_active(*, alert: JobAlert, active: bool) -> JobAlert:
    """Pause (active=False) or resume an alert."""
    with transaction.atomic():
        alert.is_active = active
        alert.save(update_fields=["is_active"])
    return alert


def alert_delete(*, alert: JobAlert) -> None:
    with transaction.atomic():
        alert.delete()


def alert_create_from_profile(*, user) -> JobAlert:
    """An alert for the task categories on the VA's profile (offered after signing up)."""
    profile = getattr(user, "va_profile", None) if user.is_va else None
    category_ids = sorted(profile.categories.values_list("id", flat=True)) if profile else []
    if not category_ids:
        raise ValidationError(_("Add task categories to your VA profile first."))
    return alert_create(
        user=user, name=_("Tasks in my profile categories"), category_ids=category_ids
    )
