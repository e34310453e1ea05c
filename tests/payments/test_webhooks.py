"""Webhooks: verified, stored raw, idempotent by event id, correct in any order."""

import json
import time
from decimal import Decimal

import pytest
from django.urls import reverse

from payments import sandbox, services
from payments.models import Account, LedgerTransaction, Payment, WebhookEvent
from tests.payments.conftest import balance, deliver, fund, process

pytestmark = pytest.mark.django_db

URL = "/payments/webhooks/sandbox/"


def _post(client, body: bytes, signature: str):
    return client.post(
        URL, data=body, content_type="application/json", HTTP_SANDBOX_SIGNATURE=signature
    )


def _state():
    return (
        sorted(Payment.objects.values_list("pk", "status")),
        sorted(Account.objects.values_list("pk", "balance")),
        LedgerTransaction.objects.count(),
        WebhookEvent.objects.count(),
    )


@pytest.fixture
def checkout(fixed):
    return services.funding_start(contract=fixed, client=fixed.client)


def test_a_signed_event_is_stored_raw_and_answered_at_once(client, checkout):
    body = sandbox.event_body(payment=checkout, outcome="pay", event_id="evt_1")
    response = _post(client, body, sandbox.sign(body))
    assert response.status_code == 200
    event = WebhookEvent.objects.get()
    assert (event.event_id, event.event_type, event.status) == (
        "evt_1",
        "checkout.paid",
        "received",
    )
    assert event.body.encode() == body
    checkout.refresh_from_db()
    assert checkout.status == Payment.Status.PENDING  # processing is the task's job


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "t=1,v1=00",
        "v1=deadbeef",
        "garbage",
    ],
)
def test_a_bad_signature_is_refused_and_nothing_changes(client, checkout, signature):
    before = _state()
    body = sandbox.event_body(payment=checkout, outcome="pay")
    assert _post(client, body, signature).status_code == 400
    assert _state() == before


def test_a_body_changed_after_signing_is_refused(client, checkout):
    body = sandbox.event_body(payment=checkout, outcome="fail")
    signature = sandbox.sign(body)
    tampered = body.replace(b"checkout.failed", b"checkout.paid")
    before = _state()
    assert _post(client, tampered, signature).status_code == 400
    assert _state() == before


def test_an_old_signature_is_refused_replay(client, checkout):
    body = sandbox.event_body(payment=checkout, outcome="pay")
    signature = sandbox.sign(body, timestamp=int(time.time()) - sandbox.TOLERANCE_SECONDS - 5)
    assert _post(client, body, signature).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_signed_body_that_is_not_an_event_is_refused(client, checkout):
    for body in (b"not json", b'{"type": "checkout.paid"}', b"[]"):
        assert _post(client, body, sandbox.sign(body)).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_unknown_providers_get_404_and_get_is_not_allowed(client):
    assert (
        client.post(
            "/payments/webhooks/paypal/", data=b"{}", content_type="application/json"
        ).status_code
        == 404
    )
    assert client.get(URL).status_code == 405


def test_the_same_event_twice_is_stored_and_applied_once(client, checkout):
    body = sandbox.event_body(payment=checkout, outcome="pay", event_id="evt_twice")
    assert _post(client, body, sandbox.sign(body)).status_code == 200
    assert _post(client, body, sandbox.sign(body)).status_code == 200
    event = WebhookEvent.objects.get()
    process(event)
    process(event)
    assert LedgerTransaction.objects.filter(kind="funding").count() == 1
    assert balance(Account.Kind.ESCROW, contract=checkout.contract) == checkout.amount


def test_two_paid_events_for_one_checkout_fund_it_once(checkout):
    process(deliver(checkout, "pay"))
    process(deliver(checkout, "pay"))
    assert LedgerTransaction.objects.filter(kind="funding").count() == 1
    assert WebhookEvent.objects.filter(status="processed").count() == 2


def test_expired_after_paid_changes_nothing(checkout):
    process(deliver(checkout, "pay"))
    process(deliver(checkout, "expire"))
    process(deliver(checkout, "fail"))
    checkout.refresh_from_db()
    assert checkout.status == Payment.Status.PAID
    assert balance(Account.Kind.ESCROW, contract=checkout.contract) == checkout.amount


def test_paid_after_expired_still_funds_the_contract(checkout):
    """The provider captured the money after all (events out of order): it must count."""
    process(deliver(checkout, "expire"))
    process(deliver(checkout, "pay"))
    checkout.refresh_from_db()
    assert checkout.status == Payment.Status.PAID
    assert balance(Account.Kind.ESCROW, contract=checkout.contract) == checkout.amount


def test_a_late_payment_of_an_old_checkout_replaces_the_open_one(checkout):
    process(deliver(checkout, "expire"))
    newer = services.funding_start(contract=checkout.contract, client=checkout.client)
    process(deliver(checkout, "pay"))
    newer.refresh_from_db()
    checkout.refresh_from_db()
    assert (checkout.status, newer.status) == (Payment.Status.PAID, Payment.Status.EXPIRED)


def test_a_late_payment_after_another_funded_the_contract_is_refunded(checkout):
    process(deliver(checkout, "expire"))
    newer = services.funding_start(contract=checkout.contract, client=checkout.client)
    process(deliver(newer, "pay"))
    process(deliver(checkout, "pay"))
    checkout.refresh_from_db()
    assert checkout.status == Payment.Status.REFUNDED
    assert balance(Account.Kind.ESCROW, contract=checkout.contract) == newer.amount
    assert balance(Account.Kind.CLIENT_FUNDING, user=checkout.client) == -newer.amount


def test_an_amount_that_differs_from_the_checkout_fails_and_funds_nothing(checkout):
    body = json.dumps(
        {
            "id": "evt_wrong",
            "type": "checkout.paid",
            "data": {"reference": str(checkout.reference), "amount": "1", "currency": "IDR"},
        }
    ).encode()
    event = services.webhook_receive(provider="sandbox", body=body, signature=sandbox.sign(body))
    assert process(event).status == WebhookEvent.Status.FAILED
    checkout.refresh_from_db()
    assert checkout.status == Payment.Status.PENDING
    assert not LedgerTransaction.objects.exists()


@pytest.mark.parametrize(
    "data",
    [
        {"type": "customer.created", "data": {}},
        {"type": "checkout.paid", "data": 5},
        {"type": "payout.paid", "data": {"reference": "not-a-uuid"}},
        {"type": "checkout.paid", "data": {"reference": "not-a-uuid"}},
        {
            "type": "checkout.paid",
            "data": {"reference": "7b0c3c0e-0000-4000-8000-000000000000", "amount": "1"},
        },
    ],
)
def test_unknown_events_are_stored_and_ignored(checkout, data):
    body = json.dumps({"id": "evt_unknown", **data}).encode()
    event = services.webhook_receive(provider="sandbox", body=body, signature=sandbox.sign(body))
    assert process(event).status == WebhookEvent.Status.IGNORED
    assert not LedgerTransaction.objects.exists()


def test_the_sweep_queues_events_whose_task_was_lost(
    checkout, django_capture_on_commit_callbacks, monkeypatch
):
    from payments import tasks

    sent = []
    monkeypatch.setattr(tasks, "publish", lambda task, args: sent.append(args))
    event = deliver(checkout, "pay")
    WebhookEvent.objects.filter(pk=event.pk).update(
        received_at=event.received_at.replace(year=2020)
    )
    assert tasks.sweep_webhook_events() == 1
    assert sent == [[event.pk]]
    process(event)
    assert tasks.sweep_webhook_events() == 0


def test_processing_a_funded_event_leaves_the_amount_in_rupiah(fixed):
    payment = fund(fixed)
    txn = LedgerTransaction.objects.get(payment=payment)
    assert txn.amount == Decimal("400000") and txn.currency == "IDR"
    assert reverse("payments:webhook", args=["sandbox"]) == URL
