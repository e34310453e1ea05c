"""Printable receipts per movement (payment, release, refund, withdrawal) and the VA's
earnings per month: who may see them, what they show, and a constant number of queries."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from contracts import services as contract_services
from marketplace.templatetags.money import format_money
from payments import sandbox, services
from payments.models import LedgerTransaction
from tests.contracts.factories import fixed_contract
from tests.payments.conftest import approve, fund, process

pytestmark = pytest.mark.django_db


def _receipt(client, transaction):
    return client.get(f"/payments/receipts/{transaction.pk}/")


@pytest.fixture
def released(fixed):
    fund(fixed)
    approve(fixed)
    return fixed


def test_a_release_receipt_shows_the_fee_breakdown_to_both_parties_and_staff(
    client, released, staff
):
    release = LedgerTransaction.objects.get(kind="release")
    for user in (released.client, released.va, staff):
        client.force_login(user)
        response = _receipt(client, release)
        assert response.status_code == 200
        page = response.content.decode()
        for amount in ("400000", "40000", "360000"):  # the price, the fee, to the VA
            assert format_money(Decimal(amount), "IDR") in page
        assert str(release.payment.reference) in page


def test_receipts_are_404_for_everyone_else(client, released, other_client, other_va):
    funding = LedgerTransaction.objects.get(kind="funding")
    assert _receipt(client, funding).status_code == 404  # anonymous, like the statement
    for user in (other_client, other_va):
        client.force_login(user)
        assert _receipt(client, funding).status_code == 404
    assert client.get("/payments/receipts/999999/").status_code == 404


def test_a_refund_receipt(client, fixed):
    fund(fixed)
    contract_services.contract_end(contract=fixed, user=fixed.client, reason="No longer needed")
    refund = LedgerTransaction.objects.get(kind="refund")
    client.force_login(fixed.client)
    response = _receipt(client, refund)
    assert response.status_code == 200
    assert "Refund" in response.content.decode()


def test_a_withdrawal_receipt_is_the_vas_own(client, released, staff):
    payout = services.payout_request(va=released.va, currency="IDR")
    body = sandbox.payout_event_body(payout=payout, outcome="fail")
    process(services.webhook_receive(provider="sandbox", body=body, signature=sandbox.sign(body)))
    returned = LedgerTransaction.objects.get(kind="payout_returned")
    client.force_login(released.va)
    page = _receipt(client, returned).content.decode()
    assert sandbox.PAYOUT_FAILURE_REASON in page and str(payout.reference) in page
    client.force_login(staff)
    assert _receipt(client, returned).status_code == 200
    client.force_login(released.client)  # the client of the contract has no business here
    assert _receipt(client, returned).status_code == 404


def test_the_receipt_is_in_indonesian(client, released):
    released.va.language = "id"
    released.va.save(update_fields=["language"])
    client.force_login(released.va)
    release = LedgerTransaction.objects.get(kind="release")
    page = client.get(f"/payments/receipts/{release.pk}/", HTTP_ACCEPT_LANGUAGE="id")
    assert "Kuitansi" in page.content.decode()


def _release_in(month: datetime, client_user, va, amount=Decimal("400000")):
    contract = fixed_contract(client=client_user, va=va)
    fund(contract)
    approve(contract)
    LedgerTransaction.objects.filter(contract=contract).update(created_at=month)


def test_the_earnings_page_totals_each_month_in_constant_queries(client, client_user, va):
    client.force_login(va)
    march = timezone.make_aware(datetime(2026, 3, 10, 12))
    april = timezone.make_aware(datetime(2026, 4, 2, 12))
    _release_in(march, client_user, va)
    with CaptureQueriesContext(connection) as few:
        response = client.get("/payments/earnings/")
    assert response.status_code == 200
    for month in (march, march, april, april, april):
        _release_in(month, client_user, va)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/payments/earnings/")
    assert len(many) == len(few)
    rows = {row["month"].month: row for row in response.context["months"]}
    assert rows[3]["count"] == 3 and rows[4]["count"] == 3
    assert rows[3]["gross"] == Decimal("1200000")
    assert rows[3]["fee"] == Decimal("120000")
    assert rows[3]["net"] == Decimal("1080000")


def test_the_earnings_page_shows_only_my_own(client, client_user, va, other_va):
    _release_in(timezone.now(), client_user, va)
    client.force_login(other_va)
    assert client.get("/payments/earnings/").context["months"] == []
