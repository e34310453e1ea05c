"""The payment providers behind the ledger: Xendit for Rupiah, Stripe for dollars, and the
built-in sandbox (payments.sandbox) for a currency whose provider has no key.

Every call to a real provider goes through its official SDK (`xendit-python`, `stripe`),
never hand-made HTTP. The SDKs are pointed at XENDIT_API_BASE / STRIPE_API_BASE: the real
hosts by default, the tests' local fake servers in tests. Outgoing creates carry our own
reference (Payment.reference / Payout.reference) as the external id and, where the API has
one, as the idempotency key, so a retry after a timeout never opens or pays twice.

Incoming webhooks are verified here (Stripe: `stripe.Webhook.construct_event` over the
`Stripe-Signature` header; Xendit: the `x-callback-token` header against the dashboard's
token) and translated into the sandbox's event shape, which payments.services acts on:
`checkout.paid | checkout.failed | checkout.expired | payout.paid | payout.failed`, with
`data = {reference, amount, currency, failure_reason}`.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings

from payments import sandbox

SANDBOX, XENDIT, STRIPE = "sandbox", "xendit", "stripe"

# The header each provider signs its webhooks in (as Django's request.META names it).
SIGNATURE_HEADERS = {
    SANDBOX: sandbox.SIGNATURE_HEADER,
    XENDIT: "HTTP_X_CALLBACK_TOKEN",
    STRIPE: "HTTP_STRIPE_SIGNATURE",
}


# What the VA's bank statement shows for a withdrawal (a name, the same in every language).
PAYOUT_DESCRIPTION = "Asisten"


class ProviderUnavailable(Exception):
    """The provider did not answer in time, or answered with a server error: try later."""


class ProviderRefused(Exception):
    """The provider answered and said no (a bad account number, a closed account, ...)."""


class WebhookInvalid(Exception):
    """Not a genuine event of this provider (bad signature or token, or not an event)."""


def configured(provider: str) -> bool:
    if provider == XENDIT:
        return bool(settings.XENDIT_SECRET_KEY and settings.XENDIT_WEBHOOK_TOKEN)
    if provider == STRIPE:
        return bool(settings.STRIPE_SECRET_KEY and settings.STRIPE_WEBHOOK_SECRET)
    return provider == SANDBOX and bool(settings.PAYMENTS_SANDBOX)


def for_currency(currency: str) -> str | None:
    """The provider that moves money in `currency`, or None when none is set up."""
    real = {"IDR": XENDIT, "USD": STRIPE}.get(currency)
    if real and configured(real):
        return real
    return SANDBOX if configured(SANDBOX) else None


# Stripe counts in the currency's minor unit; Rupiah has none at Xendit.
def _minor(amount: Decimal, currency: str) -> int:
    return int(amount) if currency == "IDR" else int((amount * 100).to_integral_value())


def _from_minor(value, currency: str) -> Decimal:
    return Decimal(int(value)) if currency == "IDR" else Decimal(int(value)) / 100


# --- clients ---------------------------------------------------------------------------


def _xendit_client():
    import xendit

    configuration = xendit.Configuration(host=settings.XENDIT_API_BASE)
    configuration.api_key = settings.XENDIT_SECRET_KEY
    configuration.retries = 0  # a timed-out create is retried by us, with its idempotency key
    return xendit.ApiClient(configuration=configuration)


def _stripe_client():
    import stripe

    return stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        base_addresses={"api": settings.STRIPE_API_BASE},
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=settings.PAYMENTS_PROVIDER_TIMEOUT),
    )


def _xendit_call(call):
    """Run one SDK call; sort its failures into unavailable (try later) and refused."""
    import urllib3
    from xendit import XenditSdkException

    try:
        return call()
    except XenditSdkException as exc:
        status = str(getattr(exc, "status", "") or "")
        if not status.isdigit() or int(status) >= 500 or int(status) == 0:
            raise ProviderUnavailable(f"xendit {status}: {exc.errorMessage}") from exc
        raise ProviderRefused(str(exc.errorMessage or exc.errorCode)[:200]) from exc
    except (urllib3.exceptions.HTTPError, OSError) as exc:
        raise ProviderUnavailable(f"xendit: {type(exc).__name__}") from exc


def _stripe_call(call):
    import stripe

    try:
        return call()
    except stripe.APIConnectionError as exc:
        raise ProviderUnavailable(f"stripe: {exc.user_message or exc}") from exc
    except stripe.StripeError as exc:
        if exc.http_status is None or exc.http_status >= 500 or exc.http_status == 429:
            raise ProviderUnavailable(f"stripe {exc.http_status}: {exc}") from exc
        raise ProviderRefused(str(exc.user_message or exc)[:200]) from exc


# --- funding ---------------------------------------------------------------------------


@dataclass
class Checkout:
    provider_ref: str = ""
    url: str = ""


def checkout_create(payment, *, title: str, return_url: str) -> Checkout:
    """Open the provider's hosted checkout for `payment`; the client is sent to `url`."""
    if payment.provider == XENDIT:
        from xendit.apis import InvoiceApi
        from xendit.invoice.model.create_invoice_request import CreateInvoiceRequest

        request = CreateInvoiceRequest(
            external_id=str(payment.reference),
            amount=float(payment.amount),
            description=title[:255],
            payer_email=payment.client.email,
            currency="IDR",
            success_redirect_url=return_url,
            failure_redirect_url=return_url,
        )
        invoice = _xendit_call(
            lambda: InvoiceApi(_xendit_client()).create_invoice(
                create_invoice_request=request,
                _request_timeout=settings.PAYMENTS_PROVIDER_TIMEOUT,
            )
        )
        return Checkout(provider_ref=str(invoice.id), url=str(invoice.invoice_url))
    if payment.provider == STRIPE:
        currency = payment.currency.lower()
        params = {
            "mode": "payment",
            "client_reference_id": str(payment.reference),
            "customer_email": payment.client.email,
            "success_url": return_url,
            "cancel_url": return_url,
            "metadata": {"reference": str(payment.reference)},
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": currency,
                        "unit_amount": _minor(payment.amount, payment.currency),
                        "product_data": {"name": title[:250]},
                    },
                }
            ],
        }
        session = _stripe_call(
            lambda: _stripe_client().v1.checkout.sessions.create(
                params=params, options={"idempotency_key": f"checkout-{payment.reference}"}
            )
        )
        return Checkout(provider_ref=session.id, url=session.url)
    return Checkout()  # the sandbox: our own page (Payment.get_checkout_url)


# --- payouts ---------------------------------------------------------------------------


def payout_create(payout, method) -> str:
    """Ask the provider to send `payout` to the VA's `method`; returns its transfer id.
    Idempotent by the payout's reference: a retry after a timeout sends it once."""
    if payout.provider == XENDIT:
        from xendit.apis import PayoutApi
        from xendit.payout.model.create_payout_request import CreatePayoutRequest
        from xendit.payout.model.digital_payout_channel_properties import (
            DigitalPayoutChannelProperties,
        )

        request = CreatePayoutRequest(
            reference_id=str(payout.reference),
            channel_code=method.channel_code,
            channel_properties=DigitalPayoutChannelProperties(
                account_number=method.account_number,
                account_holder_name=method.account_holder_name,
            ),
            amount=float(payout.amount),
            currency=payout.currency,
            description=PAYOUT_DESCRIPTION,
        )
        created = _xendit_call(
            lambda: PayoutApi(_xendit_client()).create_payout(
                idempotency_key=f"payout-{payout.reference}",
                create_payout_request=request,
                _request_timeout=settings.PAYMENTS_PROVIDER_TIMEOUT,
            )
        )
        return str(created.id)
    if payout.provider == STRIPE:
        transfer = _stripe_call(
            lambda: _stripe_client().v1.transfers.create(
                params={
                    "amount": _minor(payout.amount, payout.currency),
                    "currency": payout.currency.lower(),
                    "destination": method.stripe_account,
                    "metadata": {"reference": str(payout.reference)},
                },
                options={"idempotency_key": f"payout-{payout.reference}"},
            )
        )
        return transfer.id
    return ""


# --- webhooks --------------------------------------------------------------------------


@dataclass
class Event:
    id: str
    type: str
    data: dict = field(default_factory=dict)


def verify(provider: str, body: bytes, signature: str) -> None:
    """Raise WebhookInvalid unless `body` is signed by `provider` (`signature` is the value
    of its header in SIGNATURE_HEADERS)."""
    if not configured(provider):
        raise WebhookInvalid("unknown provider")
    if provider == SANDBOX:
        ok = sandbox.verify(body, signature)
    elif provider == XENDIT:
        ok = hmac.compare_digest((signature or "").encode(), settings.XENDIT_WEBHOOK_TOKEN.encode())
    else:
        import stripe

        try:
            stripe.Webhook.construct_event(body, signature or "", settings.STRIPE_WEBHOOK_SECRET)
        except (stripe.SignatureVerificationError, ValueError):
            ok = False
        else:
            ok = True
    if not ok:
        raise WebhookInvalid("bad signature")


def parse(provider: str, body: bytes | str) -> Event:
    """The event in our shape (see the module docstring). Raises WebhookInvalid if the
    body is not an event; an event type we do not act on keeps its own name."""
    try:
        payload = json.loads(body)
        if provider == XENDIT:
            return _parse_xendit(payload)
        if provider == STRIPE:
            return _parse_stripe(payload)
        return Event(
            id=str(payload["id"]), type=str(payload.get("type", "")), data=payload.get("data")
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WebhookInvalid("not an event") from exc


_XENDIT_INVOICE = {
    "PAID": "checkout.paid",
    "SETTLED": "checkout.paid",
    "EXPIRED": "checkout.expired",
}
_XENDIT_PAYOUT = {"payout.succeeded": "payout.paid", "payout.failed": "payout.failed"}


def _parse_xendit(payload: dict) -> Event:
    if "event" in payload:  # a payout webhook: {"event": ..., "data": {...}}
        data = payload["data"]
        kind = str(payload["event"])
        # Other products' events (stored, then ignored) may carry no id of their own.
        object_id = (
            data.get("id")
            or hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:40]
        )
        return Event(
            id=f"payout:{object_id}:{data.get('status', kind)}",
            type=_XENDIT_PAYOUT.get(kind, kind),
            data={
                "reference": data.get("reference_id"),
                "amount": str(data.get("amount")),
                "currency": data.get("currency"),
                "failure_reason": data.get("failure_code") or "",
            },
        )
    # An invoice callback: the invoice itself, with its new status.
    status = str(payload["status"])
    kind = _XENDIT_INVOICE.get(status, f"invoice.{status.lower()}")
    return Event(
        # PAID then SETTLED is one piece of news: both are "paid", stored once.
        id=f"invoice:{payload['id']}:{kind}",
        type=kind,
        data={
            "reference": payload.get("external_id"),
            "amount": str(payload.get("amount")),
            "currency": payload.get("currency", "IDR"),
        },
    )


_STRIPE_TYPES = {
    "checkout.session.completed": "checkout.paid",
    "checkout.session.async_payment_succeeded": "checkout.paid",
    "checkout.session.async_payment_failed": "checkout.failed",
    "checkout.session.expired": "checkout.expired",
    "transfer.created": "payout.paid",
    "transfer.reversed": "payout.failed",
}


def _parse_stripe(payload: dict) -> Event:
    kind = str(payload["type"])
    obj = payload["data"]["object"]
    ours = _STRIPE_TYPES.get(kind, kind)
    if kind == "checkout.session.completed" and obj.get("payment_status") != "paid":
        # A delayed method (bank debit): the money is confirmed by async_payment_succeeded.
        ours = "checkout.pending"
    currency = str(obj.get("currency", "")).upper()
    if ours.startswith("checkout."):
        reference, amount = obj.get("client_reference_id"), obj.get("amount_total")
    else:
        reference, amount = (obj.get("metadata") or {}).get("reference"), obj.get("amount")
    return Event(
        id=str(payload["id"]),
        type=ours,
        data={
            "reference": reference,
            "amount": str(_from_minor(amount or 0, currency)),
            "currency": currency,
            "failure_reason": "The transfer was reversed." if kind == "transfer.reversed" else "",
        },
    )


# --- reconciliation: what the provider has for a day ----------------------------------


@dataclass
class Record:
    """One money movement as the provider reports it, in our terms: a paid checkout
    (`kind="payment"`) or a withdrawal (`kind="payout"`, status pending / paid / failed)."""

    kind: str
    provider_id: str
    reference: str
    amount: Decimal
    currency: str
    status: str


PAGE_SIZE = 100
# Stripe's checkout session carries its creation time, not its payment time: a session
# opened the evening before and paid today is listed from a day earlier.
STRIPE_SESSION_LOOKBACK_SECONDS = 24 * 60 * 60

_XENDIT_PAYOUT_STATUS = {
    "ACCEPTED": "pending",
    "REQUESTED": "pending",
    "SUCCEEDED": "paid",
    "FAILED": "failed",
    "CANCELLED": "failed",
    "REVERSED": "failed",
}


def day_records(provider: str, *, start, end, payout_references=()) -> list[Record]:
    """Everything `provider` reports for [start, end): the checkouts paid in it, and the
    withdrawals. Xendit lists payouts only by reference, so its payouts are looked up one by
    one from `payout_references` (ours of the day); Stripe lists the day's transfers."""
    if provider == XENDIT:
        return _xendit_invoices(start, end) + [
            record for ref in payout_references for record in _xendit_payouts(ref)
        ]
    if provider == STRIPE:
        return _stripe_sessions(start, end) + _stripe_transfers(start, end)
    return sandbox.day_records(start=start, end=end, payout_references=payout_references)


def _xendit_invoices(start, end) -> list[Record]:
    from xendit.apis import InvoiceApi
    from xendit.invoice.model.invoice_status import InvoiceStatus

    api = InvoiceApi(_xendit_client())
    records, last = [], None
    while True:
        extra = {"last_invoice": last} if last else {}
        page = _xendit_call(
            lambda extra=extra: api.get_invoices(
                statuses=[InvoiceStatus("PAID"), InvoiceStatus("SETTLED")],
                paid_after=start,
                paid_before=end,
                limit=float(PAGE_SIZE),
                _request_timeout=settings.PAYMENTS_PROVIDER_TIMEOUT,
                **extra,
            )
        )
        for invoice in page:
            currency = str(getattr(invoice, "currency", None) or "IDR")
            records.append(
                Record(
                    kind="payment",
                    provider_id=str(invoice.id),
                    reference=str(invoice.external_id),
                    amount=Decimal(str(invoice.amount)),
                    currency=currency,
                    status="paid",
                )
            )
        if len(page) < PAGE_SIZE:
            return records
        last = str(page[-1].id)


def _xendit_payouts(reference: str) -> list[Record]:
    from xendit.apis import PayoutApi

    found = _xendit_call(
        lambda: PayoutApi(_xendit_client()).get_payouts(
            reference_id=str(reference), _request_timeout=settings.PAYMENTS_PROVIDER_TIMEOUT
        )
    )
    return [
        Record(
            kind="payout",
            provider_id=str(payout["id"]),
            reference=str(payout["reference_id"]),
            amount=Decimal(str(payout["amount"])),
            currency=str(payout["currency"]),
            status=_XENDIT_PAYOUT_STATUS.get(str(payout["status"]), "pending"),
        )
        for payout in (found.get("data") or [])
    ]


def _stripe_sessions(start, end) -> list[Record]:
    created = {
        "gte": int(start.timestamp()) - STRIPE_SESSION_LOOKBACK_SECONDS,
        "lt": int(end.timestamp()),
    }
    page = _stripe_call(
        lambda: _stripe_client().v1.checkout.sessions.list(
            params={"created": created, "status": "complete", "limit": PAGE_SIZE}
        )
    )
    return [
        Record(
            kind="payment",
            provider_id=session.id,
            reference=str(session.client_reference_id or ""),
            amount=_from_minor(session.amount_total or 0, str(session.currency).upper()),
            currency=str(session.currency).upper(),
            status="paid",
        )
        for session in _stripe_call(lambda: list(page.auto_paging_iter()))
        if session.payment_status == "paid"
    ]


def _stripe_transfers(start, end) -> list[Record]:
    created = {"gte": int(start.timestamp()), "lt": int(end.timestamp())}
    page = _stripe_call(
        lambda: _stripe_client().v1.transfers.list(params={"created": created, "limit": PAGE_SIZE})
    )
    return [
        Record(
            kind="payout",
            provider_id=transfer.id,
            reference=str(transfer.metadata.to_dict().get("reference", "")),
            amount=_from_minor(transfer.amount, str(transfer.currency).upper()),
            currency=str(transfer.currency).upper(),
            status="failed" if transfer.reversed else "paid",
        )
        for transfer in _stripe_call(lambda: list(page.auto_paging_iter()))
    ]
