"""The real providers through their official SDKs (xendit-python, stripe), run against a
local fake server that speaks their APIs, with webhooks signed the way each one signs."""

import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from contracts import services as contract_services
from contracts.models import Timesheet
from contracts.services import week_start_of
from payments import providers, services
from payments.models import (
    Account,
    LedgerTransaction,
    Payment,
    Payout,
    PayoutMethod,
    WebhookEvent,
)
from tests.contracts.factories import hourly_contract, local_today
from tests.payments.conftest import approve, balance
from tests.payments.fakes import server as fake_api

pytestmark = pytest.mark.django_db


def _deliver(client, provider: str, body: bytes, headers: dict):
    """The provider's POST to our webhook endpoint; then the worker's processing."""
    response = client.post(
        f"/payments/webhooks/{provider}/", data=body, content_type="application/json", **headers
    )
    if response.status_code == 200:
        event = WebhookEvent.objects.get(
            provider=provider, event_id=json.loads(response.content)["received"]
        )
        services.webhook_event_process(event_id=event.pk)
    return response


def _state():
    return (
        sorted(Payment.objects.values_list("pk", "status")),
        sorted(Payout.objects.values_list("pk", "status")),
        sorted(Account.objects.values_list("pk", "balance")),
        LedgerTransaction.objects.count(),
        WebhookEvent.objects.count(),
    )


# --- funding --------------------------------------------------------------------------


def _press_fund(client, contract, provider: str):
    """The client presses Fund: one payment at `provider`, and the response."""
    client.force_login(contract.client)
    response = client.post(f"/payments/contracts/{contract.pk}/fund/")
    payment = Payment.objects.get()
    assert payment.provider == provider
    return response, payment


def test_rupiah_funding_opens_a_xendit_invoice_and_is_funded_only_by_its_callback(
    client, fake, fixed
):
    response, payment = _press_fund(client, fixed, "xendit")
    invoice = fake.invoices[payment.provider_ref]
    # The client is sent to Xendit's hosted page (VA, e-wallet, QRIS, card).
    assert response.status_code == 302
    assert response["Location"] == invoice["invoice_url"] == payment.checkout_url
    # What the SDK sent: our reference as external id, the contract's price, our return URL.
    sent = json.loads(fake.requests[-1]["body"])
    assert sent["external_id"] == str(payment.reference)
    assert Decimal(str(sent["amount"])) == fixed.rate == Decimal("400000")
    assert sent["success_redirect_url"].endswith(f"{fixed.get_absolute_url()}#escrow")
    # Coming back from the hosted page funds nothing.
    client.get(fixed.get_absolute_url())
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert balance(Account.Kind.ESCROW, contract=fixed) == 0

    body, headers = fake.xendit_invoice_callback(payment.provider_ref, "PAID")
    assert _deliver(client, "xendit", body, headers).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert balance(Account.Kind.ESCROW, contract=fixed) == Decimal("400000")

    # Xendit's later SETTLED for the same invoice, and the PAID again: nothing changes.
    before = _state()
    body, headers = fake.xendit_invoice_callback(payment.provider_ref, "SETTLED")
    assert _deliver(client, "xendit", body, headers).status_code == 200
    body, headers = fake.xendit_invoice_callback(payment.provider_ref, "PAID")
    assert _deliver(client, "xendit", body, headers).status_code == 200
    assert _state() == before


def test_dollar_funding_opens_a_stripe_checkout_session_funded_by_its_webhook(
    client, fake, fixed_usd
):
    response, payment = _press_fund(client, fixed_usd, "stripe")
    assert response["Location"] == payment.checkout_url
    assert payment.checkout_url.startswith("https://checkout.stripe.invalid/")
    request = fake.requests[-1]
    assert request["path"] == "/v1/checkout/sessions"
    assert request["headers"]["idempotency-key"] == f"checkout-{payment.reference}"
    session = fake.sessions[f"checkout-{payment.reference}"]
    assert session["amount_total"] == 12345  # $123.45 in cents, from the contract
    assert session["client_reference_id"] == str(payment.reference)

    body, headers = fake.stripe_session_paid(payment.provider_ref)
    assert _deliver(client, "stripe", body, headers).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    assert balance(Account.Kind.ESCROW, "USD", contract=fixed_usd) == Decimal("123.45")
    # The same event delivered again changes nothing.
    before = _state()
    assert _deliver(client, "stripe", body, headers).status_code == 200
    assert _state() == before


def test_a_stripe_session_completed_but_unpaid_waits_for_the_async_confirmation(
    client, fake, fixed_usd
):
    payment = services.funding_start(contract=fixed_usd, client=fixed_usd.client)
    session = dict(fake.sessions[f"checkout-{payment.reference}"], status="complete")
    body, headers = fake.stripe_event("checkout.session.completed", session)
    assert _deliver(client, "stripe", body, headers).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    body, headers = fake.stripe_event(
        "checkout.session.async_payment_succeeded", dict(session, payment_status="paid")
    )
    _deliver(client, "stripe", body, headers)
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


@pytest.mark.parametrize(
    "provider,headers",
    [
        ("stripe", {}),
        ("stripe", {"HTTP_STRIPE_SIGNATURE": "t=1,v1=00"}),
        ("stripe", "wrong-secret"),
        ("stripe", "stale"),
        ("xendit", {}),
        ("xendit", {"HTTP_X_CALLBACK_TOKEN": "not-the-token"}),
    ],
)
def test_a_badly_signed_provider_webhook_is_refused_and_changes_nothing(
    client, fake, fixed, fixed_usd, provider, headers
):
    if provider == "stripe":
        payment = services.funding_start(contract=fixed_usd, client=fixed_usd.client)
        body, good = fake.stripe_session_paid(payment.provider_ref)
        if headers == "wrong-secret":
            headers = {"HTTP_STRIPE_SIGNATURE": fake_api.stripe_signature(body, "whsec_other")}
        elif headers == "stale":
            old = fake_api.stripe_signature(body, fake_api.STRIPE_WEBHOOK_SECRET, 1_000_000)
            headers = {"HTTP_STRIPE_SIGNATURE": old}
    else:
        payment = services.funding_start(contract=fixed, client=fixed.client)
        body, _good = fake.xendit_invoice_callback(payment.provider_ref, "PAID")
    before = _state()
    response = _deliver(client, provider, body, headers)
    assert response.status_code == 400
    assert _state() == before
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING


def test_a_provider_webhook_is_refused_while_that_provider_has_no_keys(
    client, fake, fixed, settings
):
    payment = services.funding_start(contract=fixed, client=fixed.client)
    body, headers = fake.xendit_invoice_callback(payment.provider_ref, "PAID")
    settings.XENDIT_SECRET_KEY = ""
    assert _deliver(client, "xendit", body, headers).status_code == 400
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize("fault", [500, 503, "timeout"])
@pytest.mark.parametrize("currency", ["IDR", "USD"])
def test_a_provider_down_on_create_shows_a_clear_message_and_writes_nothing(
    client, fake, fixed, fixed_usd, fault, currency
):
    contract = fixed if currency == "IDR" else fixed_usd
    fake.fail("/v2/invoices" if currency == "IDR" else "/v1/checkout/sessions", fault)
    client.force_login(contract.client)
    response = client.post(f"/payments/contracts/{contract.pk}/fund/", follow=True)
    assert response.redirect_chain[0][0].endswith(f"/contracts/{contract.pk}/#escrow")
    assert "The payment provider is not answering right now" in response.content.decode()
    assert not Payment.objects.exists()
    assert not LedgerTransaction.objects.exists()
    # Once it answers again, the same button opens the checkout.
    client.post(f"/payments/contracts/{contract.pk}/fund/")
    assert Payment.objects.get().checkout_url


def test_a_provider_refusal_on_create_is_shown_with_its_reason(fake, fixed):
    fake.fail("/v2/invoices", 400)
    with pytest.raises(ValidationError, match="refused this payment"):
        services.funding_start(contract=fixed, client=fixed.client)
    assert not Payment.objects.exists()


def test_the_indonesian_message_for_a_provider_that_is_down(client, fake, fixed):
    fake.fail("/v2/invoices", 502)
    fixed.client.language = "id"
    fixed.client.save(update_fields=["language"])
    client.force_login(fixed.client)
    response = client.post(
        f"/payments/contracts/{fixed.pk}/fund/", follow=True, HTTP_ACCEPT_LANGUAGE="id"
    )
    assert "Penyedia pembayaran sedang tidak menjawab" in response.content.decode()


# --- payouts --------------------------------------------------------------------------


@pytest.fixture
def earned_idr(client, fake, fixed):
    payment = services.funding_start(contract=fixed, client=fixed.client)
    body, headers = fake.xendit_invoice_callback(payment.provider_ref, "PAID")
    _deliver(client, "xendit", body, headers)
    approve(fixed)
    PayoutMethod.objects.create(
        va=fixed.va,
        currency="IDR",
        channel_code="ID_BCA",
        account_number="1234567890",
        account_holder_name="Vina Aulia",
    )
    return fixed


def test_a_rupiah_withdrawal_is_sent_as_a_xendit_payout_and_paid_by_its_webhook(
    client, fake, earned_idr
):
    va = earned_idr.va
    available = balance(Account.Kind.VA_AVAILABLE, user=va)
    assert available == Decimal("360000")  # 400.000 less the 10% fee
    client.force_login(va)
    response = client.post("/payments/balance/withdraw/", {"currency": "IDR"}, follow=True)
    assert "Your withdrawal is on its way" in response.content.decode()
    payout = Payout.objects.get()
    assert (payout.provider, payout.status, payout.amount) == ("xendit", "pending", available)
    assert balance(Account.Kind.VA_PENDING_PAYOUT, user=va) == available

    services.payout_send(payout_id=payout.pk)
    payout.refresh_from_db()
    sent = fake.requests[-1]
    assert sent["path"] == "/v2/payouts"
    assert sent["headers"]["idempotency-key"] == f"payout-{payout.reference}"
    body = json.loads(sent["body"])
    assert body["channel_code"] == "ID_BCA"
    assert body["channel_properties"]["account_number"] == "1234567890"
    assert body["reference_id"] == str(payout.reference)
    assert Decimal(str(body["amount"])) == available
    assert payout.provider_ref.startswith("disb-")
    # Sending again (a retried task) calls nobody and changes nothing.
    services.payout_send(payout_id=payout.pk)
    assert fake.count("/v2/payouts") == 1

    body, headers = fake.xendit_payout_callback(payout.provider_ref, succeeded=True)
    assert _deliver(client, "xendit", body, headers).status_code == 200
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    assert balance(Account.Kind.VA_PENDING_PAYOUT, user=va) == 0
    assert balance(Account.Kind.VA_PAID_OUT, user=va) == available
    before = _state()
    assert _deliver(client, "xendit", body, headers).status_code == 200
    assert _state() == before


def test_a_failed_xendit_payout_returns_the_money_with_the_reason(client, fake, earned_idr):
    va = earned_idr.va
    payout = services.payout_request(va=va, currency="IDR")
    services.payout_send(payout_id=payout.pk)
    payout.refresh_from_db()
    body, headers = fake.xendit_payout_callback(payout.provider_ref, succeeded=False)
    _deliver(client, "xendit", body, headers)
    payout.refresh_from_db()
    assert payout.status == Payout.Status.FAILED
    assert payout.failure_reason == "INSUFFICIENT_BALANCE"
    assert balance(Account.Kind.VA_AVAILABLE, user=va) == Decimal("360000")
    assert balance(Account.Kind.VA_PENDING_PAYOUT, user=va) == 0
    client.force_login(va)
    assert "INSUFFICIENT_BALANCE" in client.get("/payments/balance/").content.decode()


def test_a_payout_the_provider_refuses_returns_at_once_with_its_reason(fake, earned_idr):
    PayoutMethod.objects.filter(va=earned_idr.va).update(account_number="0001112223")
    payout = services.payout_request(va=earned_idr.va, currency="IDR")
    services.payout_send(payout_id=payout.pk)
    payout.refresh_from_db()
    assert payout.status == Payout.Status.FAILED
    assert payout.failure_reason == "The destination account is invalid."
    assert balance(Account.Kind.VA_AVAILABLE, user=earned_idr.va) == Decimal("360000")


@pytest.mark.parametrize("fault", [500, "timeout"])
def test_a_payout_send_that_times_out_is_retried_with_the_same_key_and_pays_once(
    fake, earned_idr, fault
):
    payout = services.payout_request(va=earned_idr.va, currency="IDR")
    fake.fail("/v2/payouts", fault)
    with pytest.raises(providers.ProviderUnavailable):
        services.payout_send(payout_id=payout.pk)
    payout.refresh_from_db()
    assert (payout.status, payout.provider_ref) == ("pending", "")
    services.payout_send(payout_id=payout.pk)  # the task's retry
    payout.refresh_from_db()
    keys = [r["headers"]["idempotency-key"] for r in fake.requests if r["path"] == "/v2/payouts"]
    assert keys == [f"payout-{payout.reference}"] * 2
    assert len(fake.payouts) == 1 and payout.provider_ref.startswith("disb-")


def test_a_withdrawal_needs_payout_details_first(fake, earned_idr):
    PayoutMethod.objects.all().delete()
    with pytest.raises(ValidationError, match="payout details"):
        services.payout_request(va=earned_idr.va, currency="IDR")
    assert not Payout.objects.exists()


def test_a_dollar_withdrawal_is_a_stripe_connect_transfer(client, fake, fixed_usd):
    payment = services.funding_start(contract=fixed_usd, client=fixed_usd.client)
    _deliver(client, "stripe", *fake.stripe_session_paid(payment.provider_ref))
    approve(fixed_usd)
    PayoutMethod.objects.create(va=fixed_usd.va, currency="USD", stripe_account="acct_1VinaTest")
    payout = services.payout_request(va=fixed_usd.va, currency="USD")
    services.payout_send(payout_id=payout.pk)
    payout.refresh_from_db()
    transfer = fake.transfers[f"payout-{payout.reference}"]
    assert transfer["destination"] == "acct_1VinaTest"
    assert transfer["amount"] == 11111  # $123.45 less 10% ($12.34), in cents
    assert payout.provider_ref == transfer["id"]
    _deliver(client, "stripe", *fake.stripe_event("transfer.created", transfer))
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    assert balance(Account.Kind.VA_PAID_OUT, "USD", user=fixed_usd.va) == Decimal("111.11")


def test_events_we_do_not_act_on_are_stored_and_ignored(client, fake, fixed):
    body = json.dumps({"event": "payment.succeeded", "data": {"status": "SUCCEEDED"}}).encode()
    xendit = _deliver(client, "xendit", body, {"HTTP_X_CALLBACK_TOKEN": fake_api.XENDIT_TOKEN})
    stripe = _deliver(client, "stripe", *fake.stripe_event("customer.created", {"id": "cus_1"}))
    assert (xendit.status_code, stripe.status_code) == (200, 200)
    assert sorted(WebhookEvent.objects.values_list("provider", "status")) == [
        ("stripe", "ignored"),
        ("xendit", "ignored"),
    ]
    assert not LedgerTransaction.objects.exists()


def test_an_approved_hourly_week_is_paid_by_stripe_checkout_and_released_on_its_webhook(
    client, fake, client_user, va
):
    contract = hourly_contract(client=client_user, va=va, cap=Decimal("10"))
    contract_services.hours_log(
        contract=contract, va=va, work_date=local_today(va), hours="3", memo="Bookkeeping"
    )
    contract_services.timesheet_approve(timesheet=Timesheet.objects.get(), client=client_user)
    assert Payment.objects.get().checkout_url == ""  # its page opens on "Pay this week"
    client.force_login(client_user)
    monday = week_start_of(local_today(va))
    response = client.post(
        f"/payments/contracts/{contract.pk}/weeks/pay/", {"week": monday.isoformat()}
    )
    payment = Payment.objects.get()
    assert (payment.provider, payment.week, payment.amount) == ("stripe", monday, Decimal("30"))
    assert response["Location"] == payment.checkout_url
    assert fake.sessions[f"checkout-{payment.reference}"]["amount_total"] == 3000
    # Coming back funds nothing; the webhook funds and releases the approved week at once.
    client.get(contract.get_absolute_url())
    assert balance(Account.Kind.VA_AVAILABLE, "USD", user=va) == 0
    body, headers = fake.stripe_session_paid(payment.provider_ref)
    assert _deliver(client, "stripe", body, headers).status_code == 200
    payment.refresh_from_db()
    assert payment.status == Payment.Status.RELEASED
    assert balance(Account.Kind.VA_AVAILABLE, "USD", user=va) == Decimal("27.00")
    before = _state()
    assert _deliver(client, "stripe", body, headers).status_code == 200
    assert _state() == before
