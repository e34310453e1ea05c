"""A local fake of the Xendit and Stripe APIs: the subset our providers call, answered the
way the real APIs answer, so the official SDKs' own code runs against it (pointed here by
XENDIT_API_BASE / STRIPE_API_BASE). Webhooks are built and signed the way each provider
signs them (Stripe: `Stripe-Signature: t=..,v1=HMAC-SHA256(secret, "t.payload")`; Xendit:
the dashboard's callback token in `x-callback-token`).

The list calls reconciliation makes (issue 17) are answered from the same stores: Xendit
`GET /v2/invoices` (paid_after / paid_before / statuses, paged by last_invoice) and
`GET /v2/payouts?reference_id=`, Stripe `GET /v1/checkout/sessions` and `GET /v1/transfers`
(created[gte] / created[lt], paged by starting_after). A test changes what the provider
"has" by editing the stored objects (e.g. `fake.sessions[key]["amount_total"] = ...`).

Faults: `fail(path_prefix, status)` makes the next request to that path answer `status`
(5xx); `fail(path_prefix, "timeout")` makes it hang past the client's timeout.
"""

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

XENDIT_KEY = "xnd_development_fake_secret"
XENDIT_TOKEN = "fake-callback-token"
STRIPE_KEY = "sk_test_fake_secret"
STRIPE_WEBHOOK_SECRET = "whsec_fake_secret"


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _unflatten(pairs: list[tuple[str, str]]) -> dict:
    """Stripe's form encoding (a[b][0][c]=v) back into nested dicts / lists."""
    root: dict = {}
    for key, value in pairs:
        parts = key.replace("]", "").split("[")
        node = root
        for part, following in zip(parts, parts[1:] + [None], strict=True):
            if following is None:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        if node and all(key.isdigit() for key in node):
            return [_lists(node[key]) for key in sorted(node, key=int)]
        return {key: _lists(value) for key, value in node.items()}
    return node


class FakeProviders:
    def __init__(self):
        self.requests: list[dict] = []
        self.invoices: dict[str, dict] = {}
        self.sessions: dict[str, dict] = {}
        self.payouts: dict[str, dict] = {}  # by idempotency key
        self.transfers: dict[str, dict] = {}  # by idempotency key
        self._faults: dict[str, object] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        """Forget every request, object and pending fault (between tests)."""
        with self._lock:
            for store in (self.requests, self.invoices, self.sessions, self.payouts):
                store.clear()
            self.transfers.clear()
            self._faults.clear()

    def fail(self, path_prefix: str, how) -> None:
        self._faults[path_prefix] = how

    # --- the API --------------------------------------------------------------------

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):  # noqa: N802 - the http.server API
                self.do_POST()

            def do_POST(self):  # noqa: N802 - the http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                record = {
                    "method": self.command,
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "body": body,
                }
                with fake._lock:
                    fake.requests.append(record)
                    fault = next(
                        (
                            fake._faults.pop(prefix)
                            for prefix in list(fake._faults)
                            if self.path.startswith(prefix)
                        ),
                        None,
                    )
                if fault == "timeout":
                    time.sleep(2)
                    return self._answer(504, {"error": "too late"})
                if isinstance(fault, int):
                    return self._answer(fault, fake._error(self.path, fault))
                status, answer = fake._route(self.path, record)
                self._answer(status, answer)

            def _answer(self, status: int, payload: dict):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.send_header("Request-Id", f"req_{uuid.uuid4().hex[:12]}")
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        return Handler

    @staticmethod
    def _error(path: str, status: int) -> dict:
        if path.startswith("/v1/"):
            return {"error": {"type": "api_error", "message": "Internal server error"}}
        return {"error_code": "SERVER_ERROR", "message": "Internal server error"}

    def _route(self, path: str, record: dict) -> tuple[int, dict]:
        headers = record["headers"]
        if record["method"] == "GET":
            return self._route_list(path, headers)
        if path.startswith("/v1/"):
            if headers.get("authorization") != f"Bearer {STRIPE_KEY}":
                return 401, {"error": {"type": "invalid_request_error", "message": "bad key"}}
            params = _unflatten(parse_qsl(record["body"].decode(), keep_blank_values=True))
            key = headers.get("idempotency-key", "")
            if path == "/v1/checkout/sessions":
                return 200, self._stripe_session(params, key)
            if path == "/v1/transfers":
                return self._stripe_transfer(params, key)
            return 404, {"error": {"type": "invalid_request_error", "message": "no route"}}
        auth = "Basic " + base64.b64encode(f"{XENDIT_KEY}:".encode()).decode()
        if headers.get("authorization") != auth:
            return 401, {"error_code": "INVALID_API_KEY", "message": "bad key"}
        params = json.loads(record["body"] or b"{}")
        if path.rstrip("/") == "/v2/invoices":
            return 200, self._xendit_invoice(params)
        if path == "/v2/payouts":
            return self._xendit_payout(params, headers.get("idempotency-key", ""))
        return 404, {"error_code": "NOT_FOUND", "message": "no route"}

    def _route_list(self, path: str, headers: dict) -> tuple[int, dict | list]:
        parts = urlsplit(path)
        query = parse_qsl(parts.query, keep_blank_values=True)
        if parts.path.startswith("/v1/"):
            if headers.get("authorization") != f"Bearer {STRIPE_KEY}":
                return 401, {"error": {"type": "invalid_request_error", "message": "bad key"}}
            params = _unflatten(query)
            store = {"/v1/checkout/sessions": self.sessions, "/v1/transfers": self.transfers}
            if parts.path not in store:
                return 404, {"error": {"type": "invalid_request_error", "message": "no route"}}
            return 200, _stripe_page(parts.path, list(store[parts.path].values()), params)
        auth = "Basic " + base64.b64encode(f"{XENDIT_KEY}:".encode()).decode()
        if headers.get("authorization") != auth:
            return 401, {"error_code": "INVALID_API_KEY", "message": "bad key"}
        if parts.path.rstrip("/") == "/v2/invoices":
            return 200, self._xendit_invoice_list(query)
        if parts.path == "/v2/payouts":
            reference = dict(query).get("reference_id", "")
            found = [p for p in self.payouts.values() if p["reference_id"] == reference]
            return 200, {"data": found, "has_more": False}
        return 404, {"error_code": "NOT_FOUND", "message": "no route"}

    def _xendit_invoice_list(self, query: list[tuple[str, str]]) -> list[dict]:
        params = dict(query)
        statuses = {value for key, value in query if key == "statuses"}
        after = _parse_time(params.get("paid_after"))
        before = _parse_time(params.get("paid_before"))
        found = []
        for invoice in self.invoices.values():
            paid_at = _parse_time(invoice.get("paid_at"))
            if statuses and invoice["status"] not in statuses:
                continue
            if (after or before) and paid_at is None:
                continue
            if (after and paid_at < after) or (before and paid_at > before):
                continue
            found.append(invoice)
        found.sort(key=lambda invoice: invoice["id"])
        if params.get("last_invoice"):
            found = [invoice for invoice in found if invoice["id"] > params["last_invoice"]]
        return found[: int(float(params.get("limit") or 10))]

    def xendit_invoice_paid(self, invoice_id: str, *, at: datetime | None = None) -> None:
        """The client paid the invoice at Xendit (whether or not its callback reaches us)."""
        invoice = self.invoices[invoice_id]
        invoice.update(
            status="PAID",
            paid_amount=invoice["amount"],
            paid_at=_iso(at or datetime.now(UTC)),
            updated=_iso(datetime.now(UTC)),
        )

    def _xendit_invoice(self, params: dict) -> dict:
        now = datetime.now(UTC)
        invoice_id = uuid.uuid4().hex[:24]
        invoice = {
            "id": invoice_id,
            "external_id": params["external_id"],
            "user_id": "5f0c0e3c0a3d2c0012345678",
            "status": "PENDING",
            "merchant_name": "Asisten",
            "merchant_profile_picture_url": "https://example.invalid/logo.png",
            "amount": params["amount"],
            "payer_email": params.get("payer_email"),
            "description": params.get("description"),
            "expiry_date": _iso(now + timedelta(days=1)),
            "invoice_url": f"https://checkout.xendit.invalid/web/{invoice_id}",
            "available_banks": [],
            "available_retail_outlets": [],
            "available_ewallets": [],
            "available_qr_codes": [],
            "available_direct_debits": [],
            "available_paylaters": [],
            "should_exclude_credit_card": False,
            "should_send_email": False,
            "success_redirect_url": params.get("success_redirect_url"),
            "failure_redirect_url": params.get("failure_redirect_url"),
            "created": _iso(now),
            "updated": _iso(now),
            "currency": params.get("currency", "IDR"),
        }
        self.invoices[invoice_id] = invoice
        return invoice

    def _xendit_payout(self, params: dict, key: str) -> tuple[int, dict]:
        if not key:
            return 400, {"error_code": "API_VALIDATION_ERROR", "message": "idempotency-key"}
        if key in self.payouts:
            return 200, self.payouts[key]  # the same request again: the same payout
        if params["channel_properties"]["account_number"].startswith("000"):
            return 400, {
                "error_code": "INVALID_DESTINATION",
                "message": "The destination account is invalid.",
            }
        now = _iso(datetime.now(UTC))
        payout = {
            **params,
            "id": f"disb-{uuid.uuid4().hex[:20]}",
            "created": now,
            "updated": now,
            "business_id": "5f0c0e3c0a3d2c0012345678",
            "status": "ACCEPTED",
        }
        self.payouts[key] = payout
        return 200, payout

    def _stripe_session(self, params: dict, key: str) -> dict:
        if key and key in self.sessions:
            return self.sessions[key]
        item = params["line_items"][0]
        session_id = f"cs_test_{uuid.uuid4().hex}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params["mode"],
            "status": "open",
            "payment_status": "unpaid",
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "metadata": params.get("metadata", {}),
            "amount_total": int(item["price_data"]["unit_amount"]) * int(item["quantity"]),
            "currency": item["price_data"]["currency"],
            "success_url": params.get("success_url"),
            "created": int(time.time()),
            "url": f"https://checkout.stripe.invalid/c/pay/{session_id}",
        }
        self.sessions[key or session_id] = session
        return session

    def _stripe_transfer(self, params: dict, key: str) -> tuple[int, dict]:
        if key and key in self.transfers:
            return 200, self.transfers[key]
        transfer = {
            "id": f"tr_{uuid.uuid4().hex[:24]}",
            "object": "transfer",
            "amount": int(params["amount"]),
            "currency": params["currency"],
            "destination": params["destination"],
            "metadata": params.get("metadata", {}),
            "reversed": False,
            "created": int(time.time()),
        }
        self.transfers[key or transfer["id"]] = transfer
        return 200, transfer

    def count(self, path: str) -> int:
        return sum(1 for r in self.requests if r["path"].rstrip("/") == path.rstrip("/"))

    # --- the webhooks the providers send -------------------------------------------------

    def xendit_invoice_callback(self, invoice_id: str, status: str = "PAID") -> tuple[bytes, dict]:
        invoice = self.invoices[invoice_id]
        body = {
            "id": invoice_id,
            "external_id": invoice["external_id"],
            "user_id": invoice["user_id"],
            "is_high": False,
            "status": status,
            "merchant_name": "Asisten",
            "amount": invoice["amount"],
            "currency": invoice["currency"],
            "created": invoice["created"],
            "updated": _iso(datetime.now(UTC)),
        }
        if status in ("PAID", "SETTLED"):
            if invoice["status"] == "PENDING":
                self.xendit_invoice_paid(invoice_id)
            invoice["status"] = status
            body.update(
                paid_amount=invoice["amount"],
                payment_method="BANK_TRANSFER",
                bank_code="BCA",
                payment_channel="BCA",
                paid_at=_iso(datetime.now(UTC)),
            )
        return json.dumps(body).encode(), {"HTTP_X_CALLBACK_TOKEN": XENDIT_TOKEN}

    def xendit_payout_callback(self, payout_id: str, *, succeeded: bool) -> tuple[bytes, dict]:
        payout = next(p for p in self.payouts.values() if p["id"] == payout_id)
        status = "SUCCEEDED" if succeeded else "FAILED"
        payout["status"] = status
        data = {**payout, "status": status, "updated": _iso(datetime.now(UTC))}
        if not succeeded:
            data["failure_code"] = "INSUFFICIENT_BALANCE"
        body = {
            "event": "payout.succeeded" if succeeded else "payout.failed",
            "business_id": payout["business_id"],
            "created": data["updated"],
            "data": data,
        }
        return json.dumps(body).encode(), {"HTTP_X_CALLBACK_TOKEN": XENDIT_TOKEN}

    def stripe_event(self, event_type: str, obj: dict, *, secret: str = STRIPE_WEBHOOK_SECRET):
        body = json.dumps(
            {
                "id": f"evt_{uuid.uuid4().hex[:24]}",
                "object": "event",
                "api_version": "2025-01-27.acacia",
                "created": int(time.time()),
                "type": event_type,
                "livemode": False,
                "data": {"object": obj},
            }
        ).encode()
        return body, {"HTTP_STRIPE_SIGNATURE": stripe_signature(body, secret)}

    def stripe_session_paid(self, session_id: str):
        session = next(s for s in self.sessions.values() if s["id"] == session_id)
        session.update(status="complete", payment_status="paid")
        return self.stripe_event("checkout.session.completed", dict(session))


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _stripe_page(path: str, objects: list[dict], params: dict) -> dict:
    """One page of a Stripe list: newest first, filtered by created[gte] / created[lt]."""
    created = params.get("created") or {}
    objects = sorted(objects, key=lambda obj: (obj["created"], obj["id"]), reverse=True)
    if "gte" in created:
        objects = [obj for obj in objects if obj["created"] >= int(created["gte"])]
    if "lt" in created:
        objects = [obj for obj in objects if obj["created"] < int(created["lt"])]
    if params.get("status"):
        objects = [obj for obj in objects if obj.get("status") == params["status"]]
    if params.get("starting_after"):
        ids = [obj["id"] for obj in objects]
        objects = objects[ids.index(params["starting_after"]) + 1 :]
    limit = int(params.get("limit") or 10)
    return {
        "object": "list",
        "url": path,
        "has_more": len(objects) > limit,
        "data": objects[:limit],
    }


def stripe_signature(body: bytes, secret: str, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
