"""Journey 9: client and VA talk in the contract workspace with no reload; the client's
badge counts what arrives (issue 18). The sockets go to a real uvicorn process beside the
live server, as `make run` starts them."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from bids import services as bid_services
from contracts.services import message_send
from tests import factories
from tests.bids.helpers import pdf_upload, terms
from tests.contracts.factories import fixed_contract
from tests.e2e.conftest import JOURNEY, check_accessibility, sign_in_as
from tests.live.servers import AsgiServer, csp_allowing


@pytest.fixture
def asgi_server(tmp_path, settings):
    server = AsgiServer(tmp_path / "asgi.log")
    settings.LIVE_WEBSOCKET_PORT = server.port
    settings.CONTENT_SECURITY_POLICY = csp_allowing(settings, server.port)
    yield server
    server.stop()


def open_workspace(page, live_server, user, contract):
    sign_in_as(page, live_server, user)
    page.goto(live_server.url + f"/contracts/{contract.pk}/")
    expect(page.locator("html")).to_have_attribute("data-live", "ready")
    # A reload would forget this: the checks below prove the page was never reloaded.
    page.evaluate("window.stillTheSamePage = true")


def send(page, text: str) -> None:
    messages = page.get_by_role("region", name="Messages")
    messages.get_by_label("Message").fill(text)
    messages.get_by_role("button", name="Send").click()


@JOURNEY
def test_client_and_va_exchange_messages_live_and_the_badge_changes(
    page, browser, browser_context_args, live_server, asgi_server, client_user, va
):
    contract = fixed_contract(client=client_user, va=va)
    open_workspace(page, live_server, client_user, contract)
    badge = page.locator(".notification-link .badge")
    expect(badge).to_have_count(0)

    va_context = browser.new_context(**browser_context_args)
    try:
        va_page = va_context.new_page()
        va_page.set_default_timeout(10_000)
        open_workspace(va_page, live_server, va, contract)

        send(va_page, "Good morning! The inbox is sorted.")
        thread = page.get_by_role("region", name="Messages").get_by_role("list").first
        expect(thread).to_contain_text("Good morning! The inbox is sorted.")
        expect(thread.locator(".thread-message").last).to_contain_text("Vina Assistant")
        expect(badge).to_have_text("1")
        assert page.evaluate("window.stillTheSamePage === true")
        expect(page.locator(".notification-link")).to_contain_text("(1 unread)")
        check_accessibility(page, label="workspace after a live message")

        send(page, "Thank you, that was quick.")
        expect(va_page.get_by_role("region", name="Messages")).to_contain_text(
            "Thank you, that was quick."
        )
        # The client's own post reloaded their page; it goes live again by itself.
        expect(page.locator("html")).to_have_attribute("data-live", "ready")
        page.evaluate("window.stillTheSamePage = true")
        send(va_page, "Next: the invoices.")
        expect(thread).to_contain_text("Next: the invoices.")
        expect(badge).to_have_text("2")
        assert page.evaluate("window.stillTheSamePage === true")
        check_accessibility(va_page, label="VA workspace, live")
    finally:
        va_context.close()


@JOURNEY
def test_without_javascript_the_workspace_is_todays_page(
    browser, browser_context_args, live_server, client_user, va
):
    contract = fixed_contract(client=client_user, va=va)
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    try:
        page = context.new_page()
        sign_in_as(page, live_server, va)
        page.goto(live_server.url + f"/contracts/{contract.pk}/")
        send(page, "Sent without any script.")
        expect(page.get_by_role("region", name="Messages")).to_contain_text(
            "Sent without any script."
        )
        assert page.locator("html").get_attribute("data-live") is None
    finally:
        context.close()


@JOURNEY
def test_a_new_bid_appears_and_a_withdrawn_one_goes_on_the_open_bid_review_page(
    page, live_server, asgi_server, client_user, va
):
    job = factories.JobFactory(client=client_user, title="Sort the shared drive")
    sign_in_as(page, live_server, client_user)
    page.goto(live_server.url + f"/jobs/{job.pk}/bids/")
    expect(page.locator("html")).to_have_attribute("data-live", "ready")
    page.evaluate("window.stillTheSamePage = true")
    card = page.get_by_role("heading", name="Vina Assistant")
    expect(card).to_have_count(0)

    bid = bid_services.bid_submit(job=job, va=va, terms=terms(job), uploads=pdf_upload())
    expect(card).to_be_visible()
    check_accessibility(page, label="bid review after a live bid")
    bid_services.bid_withdraw(bid=bid, va=va)
    expect(card).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage === true")


@JOURNEY
def test_a_confirmed_then_cancelled_interview_updates_the_open_interview_page(
    page, live_server, asgi_server, client_user, va
):
    job = factories.JobFactory(client=client_user, title="Plan the trade fair trip")
    bid = factories.BidFactory(job=job, va=va, status="shortlisted")
    interview = bid_services.interview_propose(
        bid=bid,
        client=client_user,
        slots=[timezone.now() + timedelta(days=2)],
        meeting_url="https://meet.example.org/room",
    )
    sign_in_as(page, live_server, client_user)
    page.goto(live_server.url + f"/interviews/{interview.pk}/")
    expect(page.locator("html")).to_have_attribute("data-live", "ready")
    page.evaluate("window.stillTheSamePage = true")
    status = page.locator(".page-head .status")
    expect(status).to_have_text("Proposed")

    confirmed = bid_services.interview_confirm(
        interview=interview, user=va, slot_id=interview.slots.first().pk
    )
    expect(status).to_have_text("Confirmed")
    bid_services.interview_cancel(interview=confirmed, user=va)
    expect(status).to_have_text("Cancelled")
    check_accessibility(page, label="interview after live updates")
    # The badge counted both notifications meanwhile.
    expect(page.locator(".notification-link .badge")).to_have_text("2")
    assert page.evaluate("window.stillTheSamePage === true")


@JOURNEY
def test_the_sender_sees_seen_and_the_readers_list_follows_without_reload(
    page, browser, browser_context_args, live_server, asgi_server, client_user, va
):
    contract = fixed_contract(client=client_user, va=va)
    # Alice keeps "My contracts" open in one tab; the workspace comes later, in another.
    sign_in_as(page, live_server, client_user)
    page.goto(live_server.url + "/contracts/")
    expect(page.locator("html")).to_have_attribute("data-live", "ready")
    page.evaluate("window.stillTheSamePage = true")
    new_messages = page.get_by_role("link", name=re.compile(r"new message"))
    expect(new_messages).to_have_count(0)

    va_context = browser.new_context(**browser_context_args)
    try:
        va_page = va_context.new_page()
        va_page.set_default_timeout(10_000)
        open_workspace(va_page, live_server, va, contract)
        seen_mark = va_page.locator("#seen-mark")

        first = message_send(contract=contract, author=va, body="The inbox is sorted.")
        expect(new_messages).to_have_text("1 new message")  # the list, live
        expect(va_page.locator(f"#message-{first.pk}")).to_be_visible()
        expect(seen_mark).to_have_count(0)

        # Alice opens the thread (the server marks it read): Vina's page shows "Seen" under
        # her message, and Alice's list tab drops its "new message".
        workspace = page.context.new_page()
        workspace.set_default_timeout(10_000)
        workspace.goto(live_server.url + f"/contracts/{contract.pk}/")
        expect(workspace.locator("html")).to_have_attribute("data-live", "ready")
        expect(va_page.locator(f"#message-{first.pk} #seen-mark")).to_contain_text("Seen")
        expect(seen_mark.locator("time")).to_have_attribute("datetime", re.compile(r"^\d{4}-"))
        expect(new_messages).to_have_count(0)
        expect(workspace.locator("#seen-mark")).to_have_count(0)  # Alice sent nothing

        # A second message shows up in Alice's open, visible workspace: her page tells the
        # server, and the mark moves under it on Vina's page (one mark only).
        workspace.bring_to_front()
        second = message_send(contract=contract, author=va, body="Invoices next.")
        expect(workspace.locator(f"#message-{second.pk}")).to_contain_text("Invoices next.")
        expect(va_page.locator(f"#message-{second.pk} #seen-mark")).to_contain_text("Seen")
        expect(seen_mark).to_have_count(1)
        expect(new_messages).to_have_count(0)
        assert va_page.evaluate("window.stillTheSamePage === true")
        assert page.evaluate("window.stillTheSamePage === true")
        check_accessibility(va_page, label="VA workspace with a live Seen mark")
        check_accessibility(page, label="contracts list after live updates")

        # Without the live update the mark is where it was: a reload renders the same.
        va_page.reload()
        expect(va_page.locator(f"#message-{second.pk} #seen-mark")).to_contain_text("Seen")
    finally:
        va_context.close()
