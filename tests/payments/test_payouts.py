"""Withdrawals through the sandbox: available → pending → paid out, or back on failure."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from payments import sandbox, services
from payments.models import Account, LedgerTransaction, Payout, WebhookEvent
from tests.contracts.factories import fixed_contract
from tests.payments.conftest import approve, balance, fund, process

pytestmark = pytest.mark.django_db

AVAILABLE = Account.Kind.VA_AVAILABLE
PENDING = Account.Kind.VA_PENDING_PAYOUT
PAID_OUT = Account.Kind.VA_PAID_OUT


@pytest.fixture
def earned(fixed):
    """Vina has Rp 360.000 available (Rp 400.000 released less the 10% fee)."""
    fund(fixed)
    approve(fixed)
    return fixed.va


def _send(payout, outcome: str, event_id: str | None = None):
    body = sandbox.payout_event_body(payout=payout, outcome=outcome, event_id=event_id)
    return process(
        services.webhook_receive(provider="sandbox", body=body, signature=sandbox.sign(body))
    )


def test_a_withdrawal_moves_the_whole_available_balance_to_pending(earned):
    payout = services.payout_request(va=earned, currency="IDR")
    assert (payout.amount, payout.status) == (Decimal("360000"), Payout.Status.PENDING)
    assert balance(AVAILABLE, user=earned) == 0
    assert balance(PENDING, user=earned) == Decimal("360000")


def test_the_providers_confirmation_pays_it_out_once(earned):
    payout = services.payout_request(va=earned, currency="IDR")
    _send(payout, "complete", "evt_payout")
    _send(payout, "complete", "evt_payout_again")
    _send(payout, "fail")  # a late contradiction changes nothing
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    assert balance(PENDING, user=earned) == 0
    assert balance(PAID_OUT, user=earned) == Decimal("360000")
    assert LedgerTransaction.objects.filter(kind="payout_sent").count() == 1


def test_a_failed_payout_returns_the_money_with_the_reason(client, earned):
    payout = services.payout_request(va=earned, currency="IDR")
    _send(payout, "fail")
    payout.refresh_from_db()
    assert payout.status == Payout.Status.FAILED
    assert payout.failure_reason == sandbox.PAYOUT_FAILURE_REASON
    assert balance(AVAILABLE, user=earned) == Decimal("360000")
    assert balance(PENDING, user=earned) == 0
    client.force_login(earned)
    page = client.get(reverse("payments:balance")).content.decode()
    assert sandbox.PAYOUT_FAILURE_REASON in page
    # And it can be withdrawn again.
    assert services.payout_request(va=earned, currency="IDR").amount == Decimal("360000")


def test_nothing_to_withdraw_or_below_the_minimum_is_refused(earned, settings, other_va):
    with pytest.raises(ValidationError, match="nothing to withdraw"):
        services.payout_request(va=other_va, currency="IDR")
    with pytest.raises(ValidationError, match="nothing to withdraw"):
        services.payout_request(va=earned, currency="USD")
    settings.PAYOUT_MINIMUM = {"IDR": "500000", "USD": "10"}
    with pytest.raises(ValidationError, match="minimum withdrawal is Rp 500,000"):
        services.payout_request(va=earned, currency="IDR")
    assert not Payout.objects.exists()


def test_a_second_withdrawal_waits_for_the_first(earned, fixed):
    services.payout_request(va=earned, currency="IDR")
    more = fixed_contract(client=fixed.client, va=earned)
    fund(more)
    approve(more)  # new money arrives while the first withdrawal is on its way
    with pytest.raises(ValidationError, match="already on its way"):
        services.payout_request(va=earned, currency="IDR")
    assert Payout.objects.count() == 1
    assert balance(AVAILABLE, user=earned) == Decimal("360000")


def test_a_payout_event_with_another_amount_fails_and_moves_nothing(earned):
    payout = services.payout_request(va=earned, currency="IDR")
    payout.amount = Decimal("1")  # what a forged or mistaken event would claim
    event = _send(payout, "complete")
    assert event.status == WebhookEvent.Status.FAILED
    assert balance(PENDING, user=earned) == Decimal("360000")


# --- the pages ------------------------------------------------------------------------------


def test_the_withdraw_button_sends_the_va_to_the_sandbox_transfer(client, earned):
    client.force_login(earned)
    page = client.get(reverse("payments:balance")).content.decode()
    assert "Withdraw Rp 360,000" in page
    response = client.post(reverse("payments:withdraw"), {"currency": "IDR", "amount": "9999999"})
    payout = Payout.objects.get()
    assert payout.amount == Decimal("360000")  # the posted amount is ignored
    assert response["Location"] == payout.get_sandbox_url()
    response = client.post(
        reverse("payments:sandbox_payout_act", args=[payout.reference]), {"outcome": "complete"}
    )
    assert response.status_code == 302
    process(WebhookEvent.objects.get(event_type="payout.paid"))
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID


@pytest.mark.parametrize("currency", ["", "EUR"])
def test_a_bad_currency_is_refused_with_a_message(client, earned, currency):
    client.force_login(earned)
    response = client.post(reverse("payments:withdraw"), {"currency": currency}, follow=True)
    assert "Choose a currency you hold a balance in." in response.content.decode()
    assert not Payout.objects.exists()


def test_a_bad_sandbox_outcome_is_refused(client, earned):
    payout = services.payout_request(va=earned, currency="IDR")
    client.force_login(earned)
    response = client.post(
        reverse("payments:sandbox_payout_act", args=[payout.reference]), {"outcome": "steal"}
    )
    assert response.status_code == 400
    assert "Choose complete or fail." in response.content.decode()
    assert not WebhookEvent.objects.filter(event_type__startswith="payout.").exists()


def test_the_sandbox_transfer_is_the_vas_own(client, earned, other_va, fixed, staff):
    payout = services.payout_request(va=earned, currency="IDR")
    page_url = payout.get_sandbox_url()
    act_url = reverse("payments:sandbox_payout_act", args=[payout.reference])
    for user in (other_va, fixed.client):
        client.force_login(user)
        assert client.get(page_url).status_code == 404
        assert client.post(act_url, {"outcome": "complete"}).status_code == 404
    client.force_login(staff)
    assert client.get(page_url).status_code == 200
    assert client.post(act_url, {"outcome": "complete"}).status_code == 404
    client.logout()
    assert client.get(page_url).status_code == 404
    assert not WebhookEvent.objects.filter(event_type__startswith="payout.").exists()


def test_withdrawing_is_rate_limited(client, earned, settings):
    settings.ACTION_RATE_LIMITS = {**settings.ACTION_RATE_LIMITS, "payout_request": 1}
    client.force_login(earned)
    assert client.post(reverse("payments:withdraw"), {"currency": "IDR"}).status_code == 302
    assert client.post(reverse("payments:withdraw"), {"currency": "IDR"}).status_code == 429
