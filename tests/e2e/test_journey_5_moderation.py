"""Journey 5: someone reports a scam task; a moderator (with MFA) hides it in the admin."""

from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from moderation.roles import MODERATORS
from tests import factories
from tests.accounts.helpers import current_totp_code
from tests.e2e.conftest import JOURNEY, look, main_nav, sign_in_as

TITLE = "Easy money: pay a small registration fee first"


@JOURNEY
def test_a_reported_scam_is_hidden_by_a_moderator_and_leaves_the_board(
    page, live_server, size, client_user, va
):
    job = factories.JobFactory(
        client=client_user,
        title=TITLE,
        description="Send Rp 100.000 to my bank account to register, then you get the work.",
    )
    moderator = factories.UserFactory(
        email="mona@example.com", name="Mona Moderator", is_staff=True
    )
    moderator.groups.add(Group.objects.get(name=MODERATORS))
    secret = generate_totp_secret()
    TOTP.activate(moderator, secret)

    # A VA reports the task.
    sign_in_as(page, live_server, va)
    page.goto(live_server.url + job.get_absolute_url())
    page.get_by_role("link", name="Report this task").click()
    expect(page.get_by_role("heading", name="Report a problem")).to_be_visible()
    page.get_by_label("Scam or fraud").check()
    page.get_by_label("Details").fill("Asks VAs to pay a registration fee before any work.")
    look(page, size, "report-form")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you. Our moderators will look")
    look(page, size)

    # The moderator signs in through the real form and the authenticator step.
    page.context.clear_cookies()
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Email").fill("mona@example.com")
    page.get_by_label("Password").fill(factories.PASSWORD)
    look(page, size, "admin-login")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_label("Code").fill(current_totp_code(secret, seconds_needed=10))
    look(page, size, "admin-mfa")
    page.get_by_role("button", name="Sign In").click()

    # The reports queue, the report, and the hide action with a reason.
    page.get_by_role("link", name="Reports").first.click()
    row = page.get_by_role("row").filter(has_text=TITLE)
    expect(row).to_be_visible()
    look(page, size, "admin-reports")
    row.get_by_role("link").first.click()
    expect(page.get_by_role("main")).to_contain_text("registration fee")
    look(page, size, "admin-report")
    page.get_by_role("link", name="Hide task").click()
    page.get_by_label("Reason").fill("Registration-fee scam.")
    look(page, size, "admin-hide-confirm")
    page.get_by_role("button", name="Confirm: Hide task").click()
    expect(page.get_by_text("Registration-fee scam.").first).to_be_visible()

    # Visitors no longer find it.
    page.context.clear_cookies()
    page.goto(live_server.url + "/")
    main_nav(page).get_by_role("link", name="Find work").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)
    look(page, size, "board-after-hide")
    response = page.goto(live_server.url + job.get_absolute_url())
    assert response.status == 404
