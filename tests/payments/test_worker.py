"""A real Celery worker processes stored webhook events; a broker outage loses nothing."""

import pytest

from payments import sandbox, services
from payments.models import Account, Payment, WebhookEvent
from payments.tasks import sweep_webhook_events
from tests.notifications.conftest import free_port, publishing_to, wait_for
from tests.payments.conftest import balance

pytestmark = [
    pytest.mark.slow,
    # serialized_rollback restores what data migrations made (the Moderators group) for the
    # transactional tests that run after these.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Real Celery workers share the broker queue: keep them on one xdist worker.
    pytest.mark.xdist_group("celery-worker"),
]


def _post_paid(client, payment, event_id: str):
    body = sandbox.event_body(payment=payment, outcome="pay", event_id=event_id)
    return client.post(
        "/payments/webhooks/sandbox/",
        data=body,
        content_type="application/json",
        HTTP_SANDBOX_SIGNATURE=sandbox.sign(body),
    )


def _funded(payment) -> bool:
    payment.refresh_from_db()
    return payment.status == Payment.Status.PAID


def test_the_worker_funds_the_contract_from_the_stored_event(client, fixed, start_worker):
    start_worker()
    payment = services.funding_start(contract=fixed, client=fixed.client)
    assert _post_paid(client, payment, "evt_worker").status_code == 200
    wait_for(lambda: _funded(payment), timeout=30, message="the worker to fund the contract")
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.Status.PROCESSED and event.processed_at
    assert balance(Account.Kind.ESCROW, contract=fixed) == payment.amount
    # The same event delivered again is answered, stored once and never applied twice.
    assert _post_paid(client, payment, "evt_worker").status_code == 200
    assert WebhookEvent.objects.count() == 1


def test_with_the_broker_down_the_event_is_kept_and_processed_after(client, fixed, start_worker):
    payment = services.funding_start(contract=fixed, client=fixed.client)
    with publishing_to(f"redis://127.0.0.1:{free_port()}/0"):
        assert _post_paid(client, payment, "evt_outage").status_code == 200
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.Status.RECEIVED
    assert not _funded(payment)
    start_worker()
    assert sweep_webhook_events(min_age_seconds=0) == 1
    wait_for(lambda: _funded(payment), timeout=30, message="the sweep's task to fund it")
    event.refresh_from_db()
    assert event.status == WebhookEvent.Status.PROCESSED
