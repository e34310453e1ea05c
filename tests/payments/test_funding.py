"""Funding: the amount comes from the contract; "funded" only after the webhook is processed."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts import services as contract_services
from payments import services
from payments.models import Account, LedgerTransaction, Payment, WebhookEvent
from tests.contracts.factories import fixed_contract, hourly_contract
from tests.payments.conftest import approve, balance, deliver, fund, process

pytestmark = pytest.mark.django_db


def test_funding_charges_the_agreed_price(fixed):
    payment = services.funding_start(contract=fixed, client=fixed.client)
    assert (payment.amount, payment.currency, payment.status) == (
        Decimal("400000"),
        "IDR",
        Payment.Status.PENDING,
    )
    assert not LedgerTransaction.objects.exists()


def test_a_second_click_returns_the_same_checkout(fixed):
    first = services.funding_start(contract=fixed, client=fixed.client)
    assert services.funding_start(contract=fixed, client=fixed.client) == first
    assert Payment.objects.count() == 1


def test_the_paid_webhook_moves_the_price_into_escrow(fixed):
    payment = fund(fixed)
    assert payment.status == Payment.Status.PAID
    assert balance(Account.Kind.ESCROW, contract=fixed) == Decimal("400000")
    assert balance(Account.Kind.CLIENT_FUNDING, user=fixed.client) == Decimal("-400000")


@pytest.mark.parametrize(("outcome", "status"), [("fail", "failed"), ("expire", "expired")])
def test_a_failed_or_expired_checkout_funds_nothing_and_can_be_retried(fixed, outcome, status):
    payment = services.funding_start(contract=fixed, client=fixed.client)
    process(deliver(payment, outcome))
    payment.refresh_from_db()
    assert payment.status == status
    assert not LedgerTransaction.objects.exists()
    again = services.funding_start(contract=fixed, client=fixed.client)
    assert again != payment and again.status == Payment.Status.PENDING


def test_a_funded_contract_cannot_be_funded_again(fixed):
    fund(fixed)
    with pytest.raises(ValidationError, match="already funded"):
        services.funding_start(contract=fixed, client=fixed.client)


def test_only_the_client_can_fund(fixed, other_client):
    for user in (fixed.va, other_client):
        with pytest.raises(ValidationError, match="Only the client"):
            services.funding_start(contract=fixed, client=user)
    assert not Payment.objects.exists()


def test_hourly_contracts_are_not_funded_in_advance(client_user, va):
    contract = hourly_contract(client=client_user, va=va)
    with pytest.raises(ValidationError, match="Hourly"):
        services.funding_start(contract=contract, client=client_user)


def test_an_ended_or_approved_contract_cannot_be_funded(fixed, client_user, va):
    contract_services.contract_end(contract=fixed, user=fixed.client, reason="Plans changed")
    with pytest.raises(ValidationError, match="ended"):
        services.funding_start(contract=fixed, client=fixed.client)
    other = fixed_contract(client=client_user, va=va)
    approve(other)
    with pytest.raises(ValidationError, match="already approved"):
        services.funding_start(contract=other, client=client_user)


def test_without_a_provider_funding_is_not_offered(fixed, settings):
    settings.PAYMENTS_SANDBOX = False
    with pytest.raises(ValidationError, match="not available"):
        services.funding_start(contract=fixed, client=fixed.client)


# --- the pages ---------------------------------------------------------------------------


def test_the_fund_button_sends_the_client_to_the_sandbox_checkout(client, fixed):
    client.force_login(fixed.client)
    response = client.post(reverse("payments:fund", args=[fixed.pk]), {"amount": "1"})
    payment = Payment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/payments/sandbox/{payment.reference}/"
    # The posted "amount" is ignored: the price is the contract's.
    assert payment.amount == fixed.rate


def test_the_va_cannot_fund_and_outsiders_get_404(client, fixed, other_client):
    client.force_login(fixed.va)
    response = client.post(reverse("payments:fund", args=[fixed.pk]))
    assert response.status_code == 302 and "#escrow" in response["Location"]
    client.force_login(other_client)
    assert client.post(reverse("payments:fund", args=[fixed.pk])).status_code == 404
    assert not Payment.objects.exists()


def test_funding_is_rate_limited(client, fixed, settings):
    settings.ACTION_RATE_LIMITS = {**settings.ACTION_RATE_LIMITS, "payment_fund": 2}
    client.force_login(fixed.client)
    url = reverse("payments:fund", args=[fixed.pk])
    assert [client.post(url).status_code for _ in range(3)] == [302, 302, 429]


def test_the_checkout_page_is_the_paying_clients(client, fixed, other_client, va, staff):
    payment = services.funding_start(contract=fixed, client=fixed.client)
    url = payment.get_checkout_url()
    client.force_login(fixed.client)
    page = client.get(url)
    assert page.status_code == 200
    assert "Rp 400,000" in page.content.decode()
    for outsider in (other_client, fixed.va):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(staff)
    staff_page = client.get(url).content.decode()
    assert 'value="pay"' not in staff_page  # staff read along but do not pay
    client.logout()
    assert client.get(url).status_code == 404


def test_pressing_pay_stores_the_event_but_the_contract_is_not_funded_yet(client, fixed):
    payment = services.funding_start(contract=fixed, client=fixed.client)
    client.force_login(fixed.client)
    response = client.post(
        reverse("payments:sandbox_act", args=[payment.reference]), {"outcome": "pay"}
    )
    assert response.status_code == 302
    event = WebhookEvent.objects.get()
    assert event.status == WebhookEvent.Status.RECEIVED
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    workspace = client.get(reverse("contracts:workspace", args=[fixed.pk])).content.decode()
    assert "Waiting for the payment to be confirmed" in workspace
    process(event)
    workspace = client.get(reverse("contracts:workspace", args=[fixed.pk])).content.decode()
    assert "is held in escrow until the client approves the work" in workspace


@pytest.mark.parametrize("outcome", ["", "refund", "PAY"])
def test_a_bad_outcome_is_refused_and_nothing_is_sent(client, fixed, outcome):
    payment = services.funding_start(contract=fixed, client=fixed.client)
    client.force_login(fixed.client)
    response = client.post(
        reverse("payments:sandbox_act", args=[payment.reference]), {"outcome": outcome}
    )
    assert response.status_code == 400
    assert "Choose pay, fail or expire." in response.content.decode()
    assert not WebhookEvent.objects.exists()


def test_only_the_paying_client_can_press_the_buttons(client, fixed, staff, other_client):
    payment = services.funding_start(contract=fixed, client=fixed.client)
    url = reverse("payments:sandbox_act", args=[payment.reference])
    for user in (staff, other_client, fixed.va):
        client.force_login(user)
        assert client.post(url, {"outcome": "pay"}).status_code == 404
    assert not WebhookEvent.objects.exists()


def test_a_closed_checkout_sends_nothing_more(client, fixed):
    payment = fund(fixed)
    client.force_login(fixed.client)
    url = reverse("payments:sandbox_act", args=[payment.reference])
    assert client.post(url, {"outcome": "fail"}).status_code == 302
    assert WebhookEvent.objects.count() == 1
