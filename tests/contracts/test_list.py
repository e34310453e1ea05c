"""My contracts: both roles, active first, what needs my action; a flat number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import services
from contracts.models import Contract, Timesheet
from contracts.services import week_start_of
from tests.contracts.factories import fixed_contract, hourly_contract, local_today
from tests.factories import ClientFactory

pytestmark = pytest.mark.django_db


def busy_contracts(client_user, va, n: int):
    """n contracts of each kind, each with something waiting for someone."""
    for _ in range(n):
        hourly = hourly_contract(client=client_user, va=va)
        services.message_send(contract=hourly, author=client_user, body="Hello")
        monday = week_start_of(local_today(va)) - timedelta(days=7)
        services.hours_log(contract=hourly, va=va, work_date=monday, hours="2", memo="Email")
        fixed = fixed_contract(client=client_user, va=va)
        services.deliverable_submit(contract=fixed, va=va, note="Done")


def test_the_list_shows_what_needs_the_clients_action(client, client_user, va):
    busy_contracts(client_user, va, 1)
    client.force_login(client_user)
    page = client.get(reverse("contracts:list")).content.decode()
    assert "A delivery is waiting for your approval" in page
    assert "Hours are waiting for your approval" in page
    assert "You hired Vina Assistant" in page


def test_the_list_shows_the_vas_side(client, client_user, va):
    busy_contracts(client_user, va, 1)
    sheet = Timesheet.objects.get()
    services.timesheet_approve(timesheet=sheet, client=client_user)
    hourly = sheet.contract
    services.payment_mark(contract=hourly, client=client_user, timesheet=sheet)
    client.force_login(va)
    page = client.get(reverse("contracts:list")).content.decode()
    assert "1 new message" in page
    assert "A payment is waiting for you to confirm receipt" in page
    assert "Client: Alice Client" in page


def test_active_contracts_come_first_and_ended_ones_ask_for_a_review(client, client_user, va):
    done = fixed_contract(client=client_user, va=va, started_days_ago=1)
    services.contract_complete(contract=done, client=client_user)
    active = fixed_contract(client=client_user, va=va, started_days_ago=5)
    client.force_login(va)
    response = client.get(reverse("contracts:list"))
    assert [c.pk for c in response.context["contracts"]] == [active.pk, done.pk]
    assert "Leave your review" in response.content.decode()


def test_the_list_costs_the_same_for_few_and_many_contracts(client, client_user, va):
    busy_contracts(client_user, va, 1)
    client.force_login(client_user)
    client.get(reverse("contracts:list"))  # warm up session and content types
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("contracts:list"))
    busy_contracts(client_user, va, 4)
    fixed_contract(client=ClientFactory(), va=va)
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("contracts:list"))
    assert len(response.context["contracts"]) == 10
    # Every "needs action" flag and unread count is annotated; nothing is fetched per row.
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_workspace_costs_the_same_for_a_short_or_long_history(
    client, client_user, va, cold_pages
):
    hourly = hourly_contract(client=client_user, va=va)
    monday = week_start_of(local_today(va)) - timedelta(days=14)
    services.message_send(contract=hourly, author=client_user, body="Hi")
    services.hours_log(contract=hourly, va=va, work_date=monday, hours="1", memo="Email")
    client.force_login(va)
    url = reverse("contracts:workspace", args=[hourly.pk])
    client.get(url)
    # Something new to read both times, so both visits move the "seen" mark (and publish).
    services.message_send(contract=hourly, author=client_user, body="Hi again")
    cold_pages()  # both visits render everything (the escrow panel is a cached fragment)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(5):
        services.message_send(contract=hourly, author=client_user, body=f"More {i}")
        services.hours_log(
            contract=hourly,
            va=va,
            work_date=monday + timedelta(days=7 + i % 2),
            hours="1",
            memo="x",
        )
    cold_pages()
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_lists_live_region_follows_reads_at_a_flat_cost(client, client_user, va):
    """live.js fetches the list again (X-Live-Refresh) when a message arrives or is read
    elsewhere and swaps #live-contracts: the fresh copy counts right, whatever was read."""
    busy_contracts(client_user, va, 1)
    client.force_login(va)
    url = reverse("contracts:list")
    region = 'id="live-contracts" data-live-refresh="message messages.read"'
    page = client.get(url, headers={"X-Live-Refresh": "1"}).content.decode()
    assert region in page and "1 new message" in page
    with CaptureQueriesContext(connection) as few:
        client.get(url, headers={"X-Live-Refresh": "1"})
    busy_contracts(client_user, va, 4)
    for contract in Contract.objects.filter(va=va).order_by("pk")[:5]:
        services.contract_mark_read(contract=contract, user=va)  # seen marks on half of them
    with CaptureQueriesContext(connection) as many:
        page = client.get(url, headers={"X-Live-Refresh": "1"}).content.decode()
    assert page.count("1 new message") == 2  # 5 threads with a message, 3 of them read
    assert len(many.captured_queries) == len(few.captured_queries)
