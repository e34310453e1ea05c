"""Sending one webhook delivery: signed, short timeouts, no redirects, retried with backoff.

The signature is HMAC-SHA256, keyed with the endpoint's secret, over
`<unix timestamp>.<raw body>`, sent as `Asisten-Signature: t=<timestamp>,v1=<hex>`.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import socket
import time
from datetime import timedelta
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from webhooks import services
from webhooks.models import Attempt, Delivery, Endpoint

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Asisten-Signature"
EXCERPT_BYTES = 1024
EARLY_TOLERANCE = timedelta(seconds=2)
# Longer waits than this are left to the sweep (a Redis countdown past the broker's
# visibility timeout would be redelivered early anyway; the row's next_attempt_at decides).
MAX_COUNTDOWN = 600


def retry_schedule() -> list[float]:
    """Seconds to wait after the 1st, 2nd, … failed try; after the last one, `failed`."""
    return [float(s) for s in settings.WEBHOOKS_RETRY_SCHEDULE]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={sign(secret, timestamp, body)}"


class Refused(Exception):
    """We will not send to this URL now (a private address, a bad URL)."""


def _target(url: str) -> tuple[str, str, int, str, str]:
    """(scheme, host, port, path, ip to connect to), checked again at every send."""
    try:
        services.check_url(url)
    except Exception as exc:
        raise Refused("URL not allowed") from exc
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if services.is_local_host(host):
        return parts.scheme, host, port, path, "::1" if host == "::1" else "127.0.0.1"
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise Refused("host name not found") from exc
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    if not addresses or not all(services.address_allowed(ip) for ip in addresses):
        raise Refused("host resolves to a private or local address")
    return parts.scheme, host, port, path, str(addresses[0])


def post(url: str, body: bytes, headers: dict) -> tuple[int, bytes]:
    """POST to the address we checked (so a second DNS answer cannot point elsewhere)."""
    scheme, host, port, path, ip = _target(url)
    seconds = float(settings.WEBHOOKS_TIMEOUT_SECONDS)
    timeout = urllib3.Timeout(connect=seconds, read=seconds)
    if scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            ip,
            port,
            timeout=timeout,
            retries=False,
            server_hostname=host,
            assert_hostname=host,
            cert_reqs="CERT_REQUIRED",
        )
    else:
        pool = urllib3.HTTPConnectionPool(ip, port, timeout=timeout, retries=False)
    default_port = 443 if scheme == "https" else 80
    netloc = host if port == default_port else f"{host}:{port}"
    with pool:
        response = pool.urlopen(
            "POST",
            path,
            body=body,
            headers={**headers, "Host": netloc},
            redirect=False,
            assert_same_host=False,
            preload_content=False,
        )
        try:
            excerpt = response.read(EXCERPT_BYTES, decode_content=False) or b""
        finally:
            response.release_conn()
    return response.status, excerpt


def deliver(*, delivery_id: int) -> float | None:
    """Try one pending delivery. Returns seconds until its retry is due, else None.

    Locked (SKIP LOCKED) for the whole try and left alone unless `pending`, so duplicate
    messages never send twice. An endpoint deleted or disabled since the event was queued
    gets nothing: the delivery is cancelled.
    """
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .filter(pk=delivery_id, status=Delivery.Status.PENDING)
            .first()
        )
        if delivery is None:
            return None
        now = timezone.now()
        if delivery.next_attempt_at and delivery.next_attempt_at > now + EARLY_TOLERANCE:
            return None
        endpoint = Endpoint.objects.select_for_update().get(pk=delivery.endpoint_id)
        if not endpoint.is_live:
            delivery.status = Delivery.Status.CANCELLED
            delivery.next_attempt_at = None
            delivery.save(update_fields=["status", "next_attempt_at"])
            return None
        delivery.attempts += 1
        body = json.dumps(services.envelope(delivery.event), separators=(",", ":")).encode()
        timestamp = int(time.time())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Asisten-Webhooks/1",
            SIGNATURE_HEADER: signature_header(endpoint.secret, timestamp, body),
            "Asisten-Event": delivery.event.type,
            "Asisten-Delivery": str(delivery.pk),
        }
        started = time.monotonic()
        status_code, excerpt, error = None, b"", ""
        try:
            status_code, excerpt = post(endpoint.url, body, headers)
        except Refused as exc:
            error = f"Refused: {exc}"
        except Exception as exc:  # noqa: BLE001 - network, TLS, timeout: a failed try
            error = f"{type(exc).__name__}: {exc}"
        Attempt.objects.create(
            delivery=delivery,
            number=Attempt.objects.filter(delivery=delivery).count() + 1,
            at=now,
            status_code=status_code,
            response_excerpt=excerpt.decode("utf-8", "replace"),
            error=error[:300],
            duration_ms=int((time.monotonic() - started) * 1000),
        )
        if status_code is not None and 200 <= status_code < 300:
            delivery.status = Delivery.Status.SENT
            delivery.sent_at = timezone.now()
            delivery.next_attempt_at = None
            delivery.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at"])
            Endpoint.objects.filter(pk=endpoint.pk).update(
                consecutive_failures=0, last_success_at=delivery.sent_at
            )
            return None
        return _failed(delivery, endpoint, now)


def _failed(delivery: Delivery, endpoint: Endpoint, now) -> float | None:
    schedule = retry_schedule()
    countdown = None
    if delivery.attempts > len(schedule):
        delivery.status = Delivery.Status.FAILED
        delivery.next_attempt_at = None
    else:
        countdown = schedule[delivery.attempts - 1]
        delivery.next_attempt_at = now + timedelta(seconds=countdown)
    delivery.save(update_fields=["attempts", "status", "next_attempt_at"])
    Endpoint.objects.filter(pk=endpoint.pk).update(
        consecutive_failures=F("consecutive_failures") + 1
    )
    endpoint.refresh_from_db(fields=["consecutive_failures"])
    if endpoint.consecutive_failures >= int(settings.WEBHOOKS_DISABLE_AFTER_FAILURES):
        services.endpoint_disable(endpoint=endpoint)
        return None
    if countdown is not None and countdown > MAX_COUNTDOWN:
        return None  # the sweep sends it when next_attempt_at comes
    return countdown
