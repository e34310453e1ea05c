"""Journey 10: money (issue 17). The client funds a milestone on the sandbox's hosted page,
the VA delivers, the client approves, the VA withdraws; and a dispute a moderator settles.

The sandbox confirms a payment the way a provider does: a signed webhook, stored, then
processed by a real Celery worker. The browser coming back from the checkout proves
nothing, so the workspace says "funded" only once the worker has processed the event.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from marketplace.templatetags.money import fee_hint
from moderation.roles import MODERATORS
from payments.models import Payment, Payout, WebhookEvent
from tests import factories
from tests.accounts.helpers import current_totp_code
from tests.contracts.factories import ContractFactory
from tests.e2e.conftest import JOURNEY, field, look, main_nav, make_pdf, sign_in_as
from tests.notifications.conftest import smtp_sink, start_worker, wait_for  # noqa: F401 - fixtures
from tests.payments.conftest import fund

TITLE = "Tidy our supplier invoices"
PRICE = Decimal("400000")

pytestmark = pytest.mark.slow  # a real Celery worker is started


@pytest.fixture(autouse=True)
def _sandbox_provider(settings):
    """The built-in sandbox is the provider (as in `make run`); no Xendit / Stripe keys."""
    settings.PAYMENTS_SANDBOX = True
    settings.XENDIT_SECRET_KEY = settings.STRIPE_SECRET_KEY = ""
    settings.PLATFORM_FEE_PERCENT = "10"


def per_task_contract(client, va):
    job = factories.JobFactory(client=client, title=TITLE, max_rate=Decimal("500000"))
    bid = factories.BidFactory(job=job, va=va, amount=PRICE, status="accepted")
    return ContractFactory(bid=bid)


def second_context(browser, browser_context_args):
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("dialog", lambda dialog: dialog.accept())
    return context, page


def escrow(page):
    return page.get_by_role("region", name="Escrow")


def processed(model, pk, status) -> bool:
    return model.objects.filter(pk=pk, status=status).exists()


@JOURNEY
def test_a_milestone_is_funded_in_the_sandbox_delivered_approved_and_withdrawn(
    page, browser, browser_context_args, live_server, size, client_user, va, tmp_path, request
):
    contract = per_task_contract(client_user, va)
    workspace = f"{live_server.url}/contracts/{contract.pk}/"
    soon = timezone.localdate() + timedelta(days=7)

    # The client splits the price into two milestones.
    sign_in_as(page, live_server, client_user)
    page.goto(workspace)
    expect(escrow(page)).to_contain_text("Not funded yet.")
    look(page, size, "money-workspace-start")
    escrow(page).get_by_role("link", name="Split into milestones").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Milestones")
    for n, (title, amount) in enumerate(
        [("Sort the inbox", "250000"), ("Write the reply templates", "150000")], start=1
    ):
        row = page.get_by_role("group", name=f"Milestone {n}")
        field(row, "Milestone").fill(title)
        field(row, "Amount").fill(amount)
        field(row, "Due date").fill((soon + timedelta(days=n)).isoformat())
    look(page, size, "money-milestones")
    page.get_by_role("button", name="Save milestones").click()
    expect(page.get_by_role("status")).to_contain_text("Milestones saved.")
    first = escrow(page).get_by_role("listitem").filter(has_text="Sort the inbox")
    expect(first).to_contain_text("Not funded")

    # ... funds the first on the sandbox's hosted page and comes back.
    first.get_by_role("button", name="Fund Rp 250,000").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sandbox checkout")
    expect(page.get_by_role("main")).to_contain_text("Rp 250,000")
    look(page, size, "money-sandbox-checkout")
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("The payment provider has your answer.")
    assert page.url.startswith(workspace)
    look(page, size, "money-workspace-waiting")

    # Coming back proves nothing: the event is stored, not processed, and nothing is funded.
    event = WebhookEvent.objects.get(provider="sandbox", event_type="checkout.paid")
    payment = Payment.objects.get(contract=contract)
    assert event.status == WebhookEvent.Status.RECEIVED
    assert payment.status == Payment.Status.PENDING
    first = escrow(page).get_by_role("listitem").filter(has_text="Sort the inbox")
    expect(first).to_contain_text("Waiting for the payment to be confirmed")
    expect(escrow(page).get_by_text("Funded", exact=True)).to_have_count(1)  # the figure's term

    # A real Celery worker (started only now) processes the sandbox's webhook; now the
    # workspace says funded.
    request.getfixturevalue("start_worker")()
    wait_for(
        lambda: processed(WebhookEvent, event.pk, WebhookEvent.Status.PROCESSED),
        message="the worker to process the sandbox's webhook",
    )
    assert processed(Payment, payment.pk, Payment.Status.PAID)
    page.reload()
    first = escrow(page).get_by_role("listitem").filter(has_text="Sort the inbox")
    expect(first.locator(".status")).to_have_text("Funded")
    expect(escrow(page)).to_contain_text("Rp 250,000 is held in escrow")
    second = escrow(page).get_by_role("listitem").filter(has_text="Write the reply templates")
    expect(second.get_by_role("button", name="Fund Rp 150,000")).to_be_visible()
    look(page, size, "money-workspace-funded")

    va_context, va_page = second_context(browser, browser_context_args)
    try:
        # The VA sees the held money and what they receive, and no client buttons.
        sign_in_as(va_page, live_server, va)
        va_page.goto(workspace)
        va_escrow = escrow(va_page)
        expect(va_escrow).to_contain_text("Rp 250,000 is held in escrow")
        expect(va_escrow).to_contain_text("Platform fee 10%: you receive Rp 360,000 of Rp 400,000")
        expect(va_escrow.get_by_role("button")).to_have_count(0)
        look(va_page, size, "money-workspace-va")

        # On another task's bid form, the "you receive" line follows the typed rate
        # (static/js/fees.js) and says what the server says for the same amount.
        other = factories.JobFactory(
            client=factories.ClientFactory(), title="Plan our team offsite"
        )
        va_page.goto(live_server.url + other.get_absolute_url())
        va_page.get_by_role("link", name="Bid on this task").click()
        hint = va_page.locator(".fee-hint")
        expect(hint).to_have_text("")
        rate = va_page.get_by_label("Your rate")
        rate.press_sequentially("450000")
        expect(hint).to_have_text("Platform fee 10%: you receive Rp 405,000 of Rp 450,000")
        rate.fill("123457")
        expect(hint).to_have_text(fee_hint(Decimal("123457"), "IDR")["text"])
        expect(hint).to_contain_text("you receive Rp 111,111 of Rp 123,457")
        look(va_page, size, "money-bid-fee-hint")
        rate.fill("")
        expect(hint).to_have_text("")

        # The VA delivers the first milestone's work.
        va_page.goto(workspace)
        delivery = va_page.get_by_role("region", name="Delivery")
        delivery.get_by_label("What you are delivering").fill("The inbox is sorted into folders.")
        delivery.get_by_label("Files").set_input_files(make_pdf(tmp_path / "inbox.pdf", "Inbox"))
        delivery.get_by_role("button", name="Deliver").click()
        expect(va_page.get_by_role("status")).to_contain_text("Delivered.")

        # The client approves the milestone: its money goes to the VA, less the fee.
        page.reload()
        expect(page.get_by_role("region", name="Delivery")).to_contain_text(
            "The inbox is sorted into folders."
        )
        first = escrow(page).get_by_role("listitem").filter(has_text="Sort the inbox")
        first.get_by_role("button", name="Approve and release").click()
        expect(page.get_by_role("status")).to_contain_text("Milestone approved")
        first = escrow(page).get_by_role("listitem").filter(has_text="Sort the inbox")
        expect(first.locator(".status")).to_have_text("Released")
        look(page, size, "money-workspace-released")

        # The VA's balance and earnings: Rp 250,000 less the 10% fee.
        va_page.goto(live_server.url + "/")
        main_nav(va_page).get_by_role("link", name="My balance").click()
        expect(va_page.get_by_role("heading", level=1)).to_have_text("My balance")
        balances = va_page.get_by_role("region", name="Balances")
        expect(balances.get_by_role("row").filter(has_text="IDR")).to_contain_text("Rp 225,000")
        look(va_page, size, "money-balance")
        va_page.get_by_role("link", name="Earnings per month").click()
        month = va_page.get_by_role("region", name="Released to you").get_by_role("row").nth(1)
        for cell in ("Rp 250,000", "Rp 25,000", "Rp 225,000"):
            expect(month).to_contain_text(cell)
        look(va_page, size, "money-earnings")

        # Payout details: a mistake is explained and nothing is saved; then saved.
        va_page.get_by_role("link", name="Back to my balance").click()
        va_page.get_by_role("link", name="Payout details: where your withdrawals go").click()
        field(va_page, "Currency").select_option("IDR")
        field(va_page, "Bank or e-wallet").select_option("ID_BCA")
        field(va_page, "Account number").fill("1234-5678")
        field(va_page, "Account holder name").fill("Vina Assistant")
        va_page.get_by_role("button", name="Save payout details").click()
        expect(va_page.get_by_role("main")).to_contain_text("Use digits only.")
        look(va_page, size, "money-payout-details-error")
        field(va_page, "Account number").fill("12345678")
        va_page.get_by_role("button", name="Save payout details").click()
        expect(va_page.get_by_role("status")).to_contain_text("Payout details saved.")

        # The VA withdraws; the sandbox sends the transfer; the worker settles it.
        va_page.get_by_role("button", name="Withdraw Rp 225,000").click()
        expect(va_page.get_by_role("heading", level=1)).to_have_text("Sandbox transfer")
        look(va_page, size, "money-sandbox-transfer")
        va_page.get_by_role("button", name="Complete the transfer").click()
        expect(va_page.get_by_role("status")).to_contain_text(
            "The payment provider has your answer."
        )
        payout = Payout.objects.get(va=va)
        wait_for(
            lambda: processed(Payout, payout.pk, Payout.Status.PAID),
            message="the worker to settle the withdrawal",
        )
        va_page.reload()
        withdrawals = va_page.get_by_role("region", name="Withdrawals")
        expect(withdrawals).to_contain_text("Rp 225,000")
        expect(withdrawals).to_contain_text("Paid out")
        expect(balances.get_by_role("row").filter(has_text="IDR")).to_contain_text("Rp 0")
        look(va_page, size, "money-balance-paid-out")
        main_nav(va_page).get_by_role("link", name="Notifications").click()
        expect(va_page.get_by_role("main")).to_contain_text(
            "Your withdrawal of Rp 225,000 was paid out"
        )
        look(va_page, size)
    finally:
        va_context.close()


def moderator_signs_in(page, live_server, size) -> None:
    """A staff moderator with an authenticator signs in to /admin/ through the real form."""
    moderator = factories.UserFactory(
        email="mona@example.com", name="Mona Moderator", is_staff=True
    )
    moderator.groups.add(Group.objects.get(name=MODERATORS))
    secret = generate_totp_secret()
    TOTP.activate(moderator, secret)
    page.context.clear_cookies()
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Email").fill("mona@example.com")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(current_totp_code(secret, seconds_needed=10))
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    look(page, size)


@JOURNEY
def test_a_dispute_opened_with_a_file_is_split_by_a_moderator_in_the_admin(
    page, live_server, size, client_user, va, tmp_path
):
    contract = per_task_contract(client_user, va)
    fund(contract)
    workspace = f"{live_server.url}/contracts/{contract.pk}/"
    reason = "Half of the invoices were never entered."

    # The client disputes the held price, with a file.
    sign_in_as(page, live_server, client_user)
    page.goto(workspace)
    escrow(page).get_by_role("link", name="Open a dispute").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open a dispute")
    look(page, size, "money-dispute-form")
    page.get_by_role("button", name="Open the dispute").click()  # no reason: refused
    expect(page.get_by_role("main")).to_contain_text("Say why you dispute this payment.")
    look(page, size, "money-dispute-form-error")
    page.get_by_label("Which payment").select_option(label="The agreed price · Rp 400,000")
    page.get_by_label("Why do you dispute it?").fill(reason)
    page.get_by_label("Files").set_input_files(make_pdf(tmp_path / "missing.pdf", "Missing"))
    page.get_by_role("button", name="Open the dispute").click()
    expect(page.get_by_role("status")).to_contain_text("Dispute opened.")
    disputes = page.locator("#disputes")
    expect(disputes).to_contain_text("Open, waiting for a moderator")
    expect(disputes.get_by_role("link", name="missing.pdf")).to_be_visible()
    look(page, size, "money-statement-disputed")

    # A moderator settles it in the admin: a split, with a reason.
    moderator_signs_in(page, live_server, size)
    payments = page.get_by_role("table").filter(has_text="Disputes")
    payments.get_by_role("link", name="Disputes").click()
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_contain_text("Open, waiting for a moderator")
    look(page, size, "admin-disputes")
    row.get_by_role("link").first.click()
    expect(page.get_by_role("main")).to_contain_text(reason)
    expect(page.get_by_role("link", name="missing.pdf")).to_be_visible()
    look(page, size, "admin-dispute")
    page.get_by_role("link", name="Settle this dispute").click()
    expect(page.get_by_role("main")).to_contain_text("disputes Rp 400,000 held for")
    page.get_by_label("Split it").check()
    page.get_by_label("To the VA (before the platform fee)").fill("300000")
    page.get_by_label("Back to the client").fill("50000")
    page.get_by_label("Reason").fill("Three quarters were entered; the rest goes back.")
    page.get_by_role("button", name="Settle this dispute").click()
    expect(page.get_by_role("main")).to_contain_text("they must add up to the held Rp 400,000")
    look(page, size, "admin-dispute-settle-error")
    page.get_by_label("Back to the client").fill("100000")
    page.get_by_role("button", name="Settle this dispute").click()
    expect(page.get_by_text("Dispute settled; both parties are notified.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("Split between the VA and the client")

    # Both parties are told, and their statement shows the outcome and its reason.
    outcome = "Rp 300,000 to the VA (before the platform fee), Rp 100,000 back to the client."
    for role, user in (("client", client_user), ("va", va)):
        sign_in_as(page, live_server, user)
        page.goto(live_server.url + "/")
        main_nav(page).get_by_role("link", name="Notifications").click()
        expect(page.get_by_role("main")).to_contain_text(f"The dispute on “{TITLE}” is settled")
        look(page, size, f"money-notifications-{role}")
        page.goto(workspace)
        escrow(page).get_by_role("link", name="Payment statement").click()
        disputes = page.locator("#disputes")
        expect(disputes).to_contain_text("Settled by a moderator")
        expect(disputes).to_contain_text(outcome)
        expect(disputes).to_contain_text("Three quarters were entered; the rest goes back.")
        look(page, size, f"money-statement-settled-{role}")
    page.goto(live_server.url + "/payments/balance/")
    row = page.get_by_role("region", name="Balances").get_by_role("row").filter(has_text="IDR")
    expect(row).to_contain_text("Rp 270,000")  # Rp 300,000 less the 10% fee
