"""Both sides hear about money through the outbox (in-app + email, in their language):
funded once the provider confirms, released, refunded, a withdrawal paid out or failed."""

import pytest

from contracts import services as contract_services
from notifications.models import Delivery, Notification
from notifications.rendering import build_notification_email
from payments import sandbox, services
from tests.payments.conftest import approve, deliver, fund, process

pytestmark = pytest.mark.django_db


def told(kind):
    return sorted(Notification.objects.filter(kind=kind).values_list("recipient", flat=True))


def test_funding_is_announced_to_both_only_once_the_provider_confirms(fixed):
    payment = services.funding_start(contract=fixed, client=fixed.client)
    assert not Notification.objects.filter(kind="payment_funded").exists()
    event = deliver(payment)
    assert not Notification.objects.filter(kind="payment_funded").exists()  # stored, not done
    process(event)
    process(deliver(payment, event_id="evt_same_news_again"))
    assert told("payment_funded") == sorted([fixed.client_id, fixed.va_id])
    # Each is an in-app item with an email queued.
    assert Delivery.objects.filter(notification__kind="payment_funded").count() == 2


def test_a_release_is_announced_to_the_va(fixed):
    fund(fixed)
    approve(fixed)
    assert told("payment_released") == [fixed.va_id]


def test_a_refund_is_announced_to_the_client(fixed):
    fund(fixed)
    contract_services.contract_end(contract=fixed, user=fixed.va, reason="Cannot do it")
    assert told("payment_refunded") == [fixed.client_id]


def _payout_event(payout, outcome):
    body = sandbox.payout_event_body(payout=payout, outcome=outcome)
    process(services.webhook_receive(provider="sandbox", body=body, signature=sandbox.sign(body)))


def test_a_paid_out_withdrawal_is_announced_in_the_vas_language(fixed):
    fund(fixed)
    approve(fixed)
    fixed.va.language = "id"
    fixed.va.save(update_fields=["language"])
    payout = services.payout_request(va=fixed.va, currency="IDR")
    _payout_event(payout, "complete")
    notification = Notification.objects.get(kind="payout_paid")
    assert notification.recipient == fixed.va
    assert "Penarikan" in build_notification_email(notification, fixed.va).subject


def test_a_failed_withdrawal_is_announced_with_the_reason(fixed):
    fund(fixed)
    approve(fixed)
    payout = services.payout_request(va=fixed.va, currency="IDR")
    _payout_event(payout, "fail")
    notification = Notification.objects.get(kind="payout_failed")
    payout.refresh_from_db()
    email = build_notification_email(notification, fixed.va)
    assert "failed" in email.subject and payout.failure_reason in email.body
