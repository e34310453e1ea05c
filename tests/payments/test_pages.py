"""The statement, the balance page and the workspace panel: who sees them, what they say,
and a flat number of queries however much money has moved."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from payments import services
from tests.contracts.factories import fixed_contract
from tests.payments.conftest import approve, deliver, fund, process

pytestmark = pytest.mark.django_db


def _released(client_user, va, n: int):
    contracts = []
    for _ in range(n):
        contract = fixed_contract(client=client_user, va=va)
        fund(contract)
        approve(contract)
        contracts.append(contract)
    return contracts


def _late_payments(contract, n: int):
    """n expired checkouts whose money arrived after another funded the contract."""
    for _ in range(n):
        old = services.funding_start(contract=contract, client=contract.client)
        process(deliver(old, "expire"))
    newest = services.funding_start(contract=contract, client=contract.client)
    process(deliver(newest, "pay"))
    for old in contract.escrow_payments.filter(status="expired"):
        process(deliver(old, "pay"))


def test_the_statement_shows_funding_release_and_the_fee(client, fixed):
    fund(fixed)
    approve(fixed)
    client.force_login(fixed.client)
    page = client.get(reverse("payments:statement", args=[fixed.pk])).content.decode()
    assert "Rp 400,000" in page  # funded and released
    assert "Rp 40,000" in page  # the platform fee (10%)
    assert "Rp 360,000" in page  # to the VA
    assert "Platform fee (10%)" in page


def test_the_statement_is_for_the_parties_and_staff_only(
    client, fixed, other_client, other_va, staff
):
    url = reverse("payments:statement", args=[fixed.pk])
    for user in (fixed.client, fixed.va, staff):
        client.force_login(user)
        assert client.get(url).status_code == 200
    for user in (other_client, other_va):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 404


def test_the_statement_costs_the_same_for_one_or_many_movements(client, client_user, va):
    quiet = fixed_contract(client=client_user, va=va)
    fund(quiet)
    busy = fixed_contract(client=client_user, va=va)
    _late_payments(busy, 4)
    approve(busy)
    client.force_login(client_user)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("payments:statement", args=[quiet.pk]))
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("payments:statement", args=[busy.pk]))
    assert (
        len(response.context["summary"]["transactions"]) == 10
    )  # 5 fundings, 4 refunds, 1 release
    # Transactions come with their payment in one query; nothing is fetched per row.
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_balance_page_shows_available_and_history(client, client_user, va):
    _released(client_user, va, 2)
    client.force_login(va)
    response = client.get(reverse("payments:balance"))
    page = response.content.decode()
    [row] = response.context["balances"]
    assert (row["currency"], row["available"], row["pending"]) == ("IDR", 720000, 0)
    assert row["can_withdraw"]
    assert "Rp 720,000" in page
    assert len(response.context["history"]) == 2


def test_the_balance_page_is_mine_only(client, client_user, va, other_va):
    _released(client_user, va, 1)
    client.force_login(other_va)
    response = client.get(reverse("payments:balance"))
    assert response.context["balances"] == [] and response.context["history"] == []
    assert "Rp 360,000" not in response.content.decode()
    client.logout()
    assert client.get(reverse("payments:balance")).status_code == 302


def test_the_balance_page_costs_the_same_for_a_short_or_long_history(client, client_user, va):
    _released(client_user, va, 1)
    client.force_login(va)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("payments:balance"))
    _released(client_user, va, 5)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("payments:balance"))
    assert len(response.context["history"]) == 6
    # Each entry's transaction, contract and task come in the same query.
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_workspace_panel_offers_funding_to_the_client_only(client, fixed):
    url = reverse("contracts:workspace", args=[fixed.pk])
    client.force_login(fixed.client)
    assert "Fund Rp 400,000" in client.get(url).content.decode()
    client.force_login(fixed.va)
    page = client.get(url).content.decode()
    assert "Fund Rp 400,000" not in page and "Not funded yet" in page


def test_the_workspace_says_released_with_the_fee_after_approval(client, fixed):
    fund(fixed)
    approve(fixed)
    client.force_login(fixed.va)
    page = client.get(reverse("contracts:workspace", args=[fixed.pk])).content.decode()
    assert "Released" in page and "Rp 360,000" in page and "Rp 40,000" in page
    assert "Fund Rp" not in page


def test_the_panel_is_in_indonesian_with_rupiah_formatting(client, fixed):
    fund(fixed)
    client.force_login(fixed.client)
    fixed.client.language = "id"
    fixed.client.save()
    page = client.get(
        reverse("contracts:workspace", args=[fixed.pk]), HTTP_ACCEPT_LANGUAGE="id"
    ).content.decode()
    assert "Rp 400.000" in page
    assert "ditahan di escrow" in page
