"""Outgoing webhooks: endpoints, events written with the change, deliveries after commit.

Domain services call the `*_event` helpers inside their own transaction, naming exactly the
users who may know (the same people the pages and the notifications tell). A helper writes
an `Event` with the API serializer's output only if one of them has a live endpoint for
that event type, one `Delivery` per such endpoint, and queues the sending on commit. The
sweep (beat, every minute) queues whatever a dead broker or a lost message left pending.
"""

import ipaddress
import json
import secrets
import uuid
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from notifications.broker import publish
from webhooks.models import TEST_EVENT, Attempt, Delivery, Endpoint, Event, EventType

SECRET_PREFIX = "whsec_"  # noqa: S105 - the public marker of our signing secrets
MAX_ENDPOINTS = 10
ENQUEUE_CHUNK = 500
LOCAL_NAMES = {"localhost", "127.0.0.1", "::1"}


# --- where we may send ------------------------------------------------------------------


def address_allowed(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Only public addresses: never private, loopback, link-local, reserved or multicast."""
    mapped = getattr(ip, "ipv4_mapped", None)
    if mapped is not None:
        ip = mapped
    return ip.is_global and not ip.is_multicast


def local_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_HTTP_LOCALHOST", False))


def is_local_host(host: str) -> bool:
    return host.lower() in LOCAL_NAMES


def check_url(url: str) -> str:
    """The URL cleaned, or a ValidationError saying why we will not send there.

    https only; http://localhost or 127.0.0.1 only while WEBHOOKS_ALLOW_HTTP_LOCALHOST is on
    (development and tests). A literal address must be public. A name is resolved again at
    every send (webhooks.delivery), where a name pointing at a private address is refused.
    """
    url = (url or "").strip()
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise ValidationError(_("Enter a full URL starting with https://."))
    if parts.username or parts.password:
        raise ValidationError(_("Leave the user name and password out of the URL."))
    try:
        parts.port  # noqa: B018 - raises for a bad port
    except ValueError as exc:
        raise ValidationError(_("The port in this URL is not valid.")) from exc
    if is_local_host(host):
        if local_allowed():
            return url
        raise ValidationError(_("We do not send to this computer's own addresses."))
    if parts.scheme != "https":
        raise ValidationError(
            _("Use an https:// address: we sign deliveries, but only TLS hides them.")
        )
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        if host.endswith((".localhost", ".local", ".internal")) or "." not in host:
            raise ValidationError(_("Use a public host name or address.")) from None
        return url
    if not address_allowed(ip):
        raise ValidationError(_("This is a private or local address; we only send to public ones."))
    return url


# --- endpoints --------------------------------------------------------------------------


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def endpoint_create(*, user, url: str, events: Iterable[str], description: str = "") -> Endpoint:
    """Register an endpoint; its `secret` is shown to the user once, right after this."""
    errors = {}
    try:
        url = check_url(url)
    except ValidationError as exc:
        errors["url"] = exc.messages
    events = sorted(set(events or ()))
    if not events or any(e not in EventType.values for e in events):
        errors["events"] = [_("Choose at least one of the listed events.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The user's row lock serialises two creates racing past the limit.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if Endpoint.objects.for_user(user).count() >= MAX_ENDPOINTS:
            raise ValidationError(
                _("You can have at most %(count)d endpoints. Delete one you no longer use.")
                % {"count": MAX_ENDPOINTS}
            )
        return Endpoint.objects.create(
            user=user,
            url=url,
            events=events,
            description=" ".join((description or "").split()),
            secret=new_secret(),
        )


def _own(endpoint: Endpoint, user) -> None:
    if endpoint.user_id != user.pk:
        raise ValidationError(_("This is not your endpoint."))


def endpoint_delete(*, endpoint: Endpoint, user) -> None:
    """Stop sending at once: queued deliveries are cancelled when their turn comes."""
    _own(endpoint, user)
    now = timezone.now()
    Endpoint.objects.filter(pk=endpoint.pk, deleted_at__isnull=True).update(deleted_at=now)
    Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.CANCELLED, next_attempt_at=None
    )


def endpoint_enable(*, endpoint: Endpoint, user) -> None:
    """Turn a disabled endpoint back on (its failure count starts again)."""
    _own(endpoint, user)
    Endpoint.objects.filter(pk=endpoint.pk, deleted_at__isnull=True).update(
        disabled_at=None, consecutive_failures=0
    )


def endpoint_disable(*, endpoint: Endpoint) -> None:
    """Too many failures in a row: stop sending and tell the owner (delivery.py calls it)."""
    from notifications.services import notify

    now = timezone.now()
    if not Endpoint.objects.filter(pk=endpoint.pk, disabled_at__isnull=True).update(
        disabled_at=now
    ):
        return
    Delivery.objects.filter(endpoint=endpoint, status=Delivery.Status.PENDING).update(
        status=Delivery.Status.CANCELLED, next_attempt_at=None
    )
    notify(
        kind="webhook_disabled",
        recipients=[endpoint.user_id],
        event_key=f"webhook_disabled:{endpoint.pk}:{int(now.timestamp())}",
        data={
            "url": reverse("webhooks:endpoint", args=[endpoint.pk]),
            "title": endpoint.url,
            "failures": str(endpoint.consecutive_failures),
        },
    )


# --- events -----------------------------------------------------------------------------


def _json(data) -> dict:
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def emit(*, event_type: str, key: str, user_ids: Iterable[int], build: Callable[[], dict]) -> int:
    """Write the event for the users' live endpoints subscribed to it; returns deliveries.

    Call inside the change's transaction. `build` makes the payload's `data` and is called
    only if someone listens. The same `key` again (a rerun) adds only missing deliveries.
    """
    user_ids = sorted({u for u in user_ids if u})
    if not user_ids:
        return 0
    endpoint_ids = list(
        Endpoint.objects.live()
        .filter(user_id__in=user_ids, events__contains=[event_type])
        .values_list("pk", flat=True)
    )
    if not endpoint_ids:
        return 0
    with transaction.atomic():
        event = Event.objects.filter(key=key).first()
        if event is None:
            event = Event.objects.create(type=event_type, key=key, payload=_json(build()))
        return _add_deliveries(event, endpoint_ids)


def _add_deliveries(event: Event, endpoint_ids: list[int]) -> int:
    created = Delivery.objects.bulk_create(
        [Delivery(event=event, endpoint_id=pk) for pk in endpoint_ids], ignore_conflicts=True
    )
    ids = list(
        Delivery.objects.filter(
            event=event, endpoint_id__in=endpoint_ids, status=Delivery.Status.PENDING
        ).values_list("pk", flat=True)
    )
    if ids:
        transaction.on_commit(partial(enqueue_deliveries, ids))
    return len(created)


def envelope(event: Event) -> dict:
    """What an endpoint receives: the event's id, type and time around its data."""
    return {
        "id": event.public_id,
        "type": event.type,
        "created": int(event.created_at.timestamp()),
        "data": event.payload,
    }


def bid_created_event(*, bid) -> int:
    """Sealed bids: only the job's client hears of a bid."""
    from api.serializers import BidSerializer

    return emit(
        event_type=EventType.BID_CREATED,
        key=f"bid.created:{bid.pk}:{int(bid.submitted_at.timestamp())}",
        user_ids=[bid.job.client_id],
        build=lambda: BidSerializer(bid).data,
    )


def contract_event(*, event_type: str, contract) -> int:
    """contract.created / completed / ended: both parties."""
    from api.serializers import ContractSerializer

    return emit(
        event_type=event_type,
        key=f"{event_type}:{contract.pk}",
        user_ids=[contract.client_id, contract.va_id],
        build=lambda: ContractSerializer(contract).data,
    )


def message_created_event(*, message) -> int:
    """A contract message: both parties (the author's programs too)."""
    from api.serializers import MessageSerializer

    contract = message.contract
    return emit(
        event_type=EventType.MESSAGE_CREATED,
        key=f"message.created:{message.pk}",
        user_ids=[contract.client_id, contract.va_id],
        build=lambda: {"contract_id": contract.pk, **MessageSerializer(message).data},
    )


def job_published_fan_out(*, job_id: int, user_ids: list[int]) -> int:
    """The alert fan-out's listener: VAs whose alerts match an open, public job.

    The fan-out runs only for jobs that are announced (never invite-only ones) and still
    open; we check both again, so nothing slips through if that ever changes.
    """
    from api.serializers import JobSerializer
    from jobs.models import Job

    def build():
        job = (
            Job.objects.select_related("category", "client")
            .prefetch_related("skills")
            .get(pk=job_id)
        )
        return JobSerializer(job).data

    if not Job.objects.open().filter(pk=job_id, invite_only=False).exists():
        return 0
    return emit(
        event_type=EventType.JOB_PUBLISHED,
        key=f"job.published:{job_id}",
        user_ids=user_ids,
        build=build,
    )


def test_event_send(*, endpoint: Endpoint, user) -> Delivery:
    """ "Send a test event": one delivery of a `webhook.test` event to this endpoint only."""
    _own(endpoint, user)
    if not endpoint.is_live:
        raise ValidationError(_("This endpoint is turned off; turn it on first."))
    with transaction.atomic():
        event = Event.objects.create(
            type=TEST_EVENT,
            key=f"{TEST_EVENT}:{uuid.uuid4().hex}",
            payload={"message": "This is a test event from Asisten.", "endpoint_id": endpoint.pk},
        )
        delivery = Delivery.objects.create(event=event, endpoint=endpoint)
        transaction.on_commit(partial(enqueue_deliveries, [delivery.pk]))
    return delivery


def delivery_resend(*, delivery: Delivery, user) -> Delivery:
    """Send a delivery again (delivered or failed alike) with a fresh set of tries."""
    _own(delivery.endpoint, user)
    if not delivery.endpoint.is_live:
        raise ValidationError(_("This endpoint is turned off; turn it on first."))
    with transaction.atomic():
        Delivery.objects.filter(pk=delivery.pk).exclude(status=Delivery.Status.PENDING).update(
            status=Delivery.Status.PENDING, attempts=0, next_attempt_at=None
        )
        transaction.on_commit(partial(enqueue_deliveries, [delivery.pk]))
    delivery.refresh_from_db()
    return delivery


# --- queueing and the sweep ---------------------------------------------------------------


def enqueue_deliveries(delivery_ids: list[int]) -> None:
    """Hand delivery ids to the worker; never raises (the sweep covers a dead broker)."""
    from webhooks.tasks import deliver_batch

    for start in range(0, len(delivery_ids), ENQUEUE_CHUNK):
        if not publish(deliver_batch, args=[delivery_ids[start : start + ENQUEUE_CHUNK]]):
            return


def outbox_sweep(*, min_age: timedelta = timedelta(minutes=1), limit: int = 10000) -> int:
    """Queue deliveries still pending `min_age` after they were written, or due a retry."""
    ids = list(
        Delivery.objects.due(older_than=min_age).order_by("pk").values_list("pk", flat=True)[:limit]
    )
    enqueue_deliveries(ids)
    return len(ids)


def deliveries_prune(*, now=None, batch: int = 2000) -> tuple[int, int]:
    """Forget finished deliveries (sent, failed, not sent) older than
    WEBHOOKS_RETENTION_DAYS, with their attempts, then the events no delivery refers to any
    more. A pending delivery is kept whatever its age: the sweep still owes it a try.
    In batches, so a large log never holds long locks. Returns (deliveries, events)."""
    cutoff = (now or timezone.now()) - timedelta(days=int(settings.WEBHOOKS_RETENTION_DAYS))
    deliveries = events = 0
    old = Delivery.objects.filter(created_at__lt=cutoff).exclude(status=Delivery.Status.PENDING)
    while ids := list(old.order_by("pk").values_list("pk", flat=True)[:batch]):
        with transaction.atomic():
            Attempt.objects.filter(delivery_id__in=ids).delete()
            deliveries += Delivery.objects.filter(pk__in=ids).delete()[0]
    orphans = Event.objects.filter(created_at__lt=cutoff, deliveries__isnull=True)
    while ids := list(orphans.order_by("pk").values_list("pk", flat=True)[:batch]):
        events += Event.objects.filter(pk__in=ids).delete()[0]
    return deliveries, events
