"""The built-in local sandbox provider: a hosted checkout of our own and its webhooks.

It stands in for Xendit / Stripe when no provider keys are set (`make run`, tests). Its
events look like a provider's: a JSON body with an event id, a type and the checkout's
reference, amount and currency, signed `t=<unix time>,v1=<HMAC-SHA256 of "t.body">` in the
`Sandbox-Signature` header. The signing key is derived from SECRET_KEY, so there is no new
secret to configure and nobody outside the server can forge an event.
"""

import hashlib
import hmac
import json
import time
import uuid

from django.conf import settings

SIGNATURE_HEADER = "HTTP_SANDBOX_SIGNATURE"
TOLERANCE_SECONDS = 300

OUTCOMES = {
    "pay": "checkout.paid",
    "fail": "checkout.failed",
    "expire": "checkout.expired",
}
PAYOUT_OUTCOMES = {
    "complete": "payout.paid",
    "fail": "payout.failed",
}
# What the sandbox says when it fails a payout (a real provider names the bank's reason).
PAYOUT_FAILURE_REASON = "The bank refused the transfer (sandbox)."


def _key() -> bytes:
    return hmac.new(
        settings.SECRET_KEY.encode(), b"payments.sandbox.webhook", hashlib.sha256
    ).digest()


def sign(body: bytes, *, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(_key(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(body: bytes, header: str, *, now: float | None = None) -> bool:
    """True if `header` signs `body` with our key, made within the tolerance window."""
    parts = dict(part.split("=", 1) for part in (header or "").split(",") if "=" in part)
    try:
        timestamp = int(parts.get("t", ""))
    except ValueError:
        return False
    now = time.time() if now is None else now
    if abs(now - timestamp) > TOLERANCE_SECONDS:
        return False
    expected = sign(body, timestamp=timestamp).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _body(event_type: str, item, event_id: str | None, **extra) -> bytes:
    return json.dumps(
        {
            "id": event_id or f"evt_{uuid.uuid4().hex}",
            "type": event_type,
            "created": int(time.time()),
            "data": {
                "reference": str(item.reference),
                "amount": str(item.amount),
                "currency": item.currency,
                **extra,
            },
        },
        separators=(",", ":"),
    ).encode()


def event_body(*, payment, outcome: str, event_id: str | None = None) -> bytes:
    """The JSON the sandbox sends for `outcome` ("pay", "fail", "expire") on `payment`."""
    return _body(OUTCOMES[outcome], payment, event_id)


def payout_event_body(*, payout, outcome: str, event_id: str | None = None) -> bytes:
    """The JSON the sandbox sends when a payout is sent ("complete") or bounces ("fail")."""
    extra = {"failure_reason": PAYOUT_FAILURE_REASON} if outcome == "fail" else {}
    return _body(PAYOUT_OUTCOMES[outcome], payout, event_id, **extra)


def day_records(*, start, end, payout_references=()) -> list:
    """The sandbox's statement for [start, end), as providers.Record rows: what it told us.
    Its records are the signed events it sent (stored as WebhookEvent before anything acts
    on them): the checkouts it reported paid in the window, and for each withdrawal of
    `payout_references` its latest outcome (none yet: it still holds it, "pending")."""
    from payments.models import WebhookEvent
    from payments.providers import SANDBOX, Record

    events = WebhookEvent.objects.filter(provider=SANDBOX)
    records, seen = [], set()
    paid = events.filter(event_type=OUTCOMES["pay"], received_at__gte=start, received_at__lt=end)
    for event in paid.order_by("received_at", "pk"):
        data = json.loads(event.body)["data"]
        if data["reference"] in seen:
            continue
        seen.add(data["reference"])
        records.append(_record(Record, "payment", event.event_id, data, "paid"))
    outcomes = {value: key for key, value in PAYOUT_OUTCOMES.items()}
    for reference in payout_references:
        latest = (
            events.filter(event_type__in=outcomes, body__contains=str(reference))
            .order_by("-received_at", "-pk")
            .first()
        )
        if latest is None:
            continue
        data = json.loads(latest.body)["data"]
        status = "paid" if outcomes[latest.event_type] == "complete" else "failed"
        records.append(_record(Record, "payout", latest.event_id, data, status))
    return records


def _record(record_class, kind: str, provider_id: str, data: dict, status: str):
    from decimal import Decimal

    return record_class(
        kind=kind,
        provider_id=provider_id,
        reference=str(data["reference"]),
        amount=Decimal(str(data["amount"])),
        currency=str(data["currency"]),
        status=status,
    )
