"""Journey 1: a client signs up, verifies the address, completes the profile, posts a task."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import JOURNEY, field, look, main_nav

PASSWORD = "a-long-and-unusual-passphrase-9"


@JOURNEY
def test_a_client_signs_up_verifies_and_publishes_a_task(page, live_server, size, mailoutbox):
    page.goto(live_server.url + "/")
    look(page, size)
    main_nav(page).get_by_role("link", name="Join Asisten").click()

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.get_by_label("Full name").fill("Citra Client")
    page.get_by_label("Email").fill("citra@example.com")
    page.get_by_label(re.compile(r"^Password\W*$")).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_label("I want to hire a virtual assistant").check()
    look(page, size, "signup")
    page.get_by_role("button", name="Sign Up").click()

    expect(page.get_by_role("main")).to_contain_text("citra@example.com")
    look(page, size, "signup-verify-email")

    # The verification email, read from Django's outbox (live_server shares this process).
    assert len(mailoutbox) == 1
    email = mailoutbox[0]
    assert email.to == ["citra@example.com"]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", email.body).group(0)
    page.goto(link)
    look(page, size)
    page.get_by_role("button", name="Confirm").click()

    # Verified and signed in: the first stop is the profile.
    expect(page.get_by_role("heading", name="Edit my profile")).to_be_visible()
    look(page, size, "profile-edit-client")
    page.get_by_label("Name or company").fill("Citra Coffee Roasters")
    page.get_by_label("Website").fill("https://citra-coffee.example")
    page.get_by_label("About").fill("A small coffee roastery in Bandung with an online shop.")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile is saved.")
    expect(page.get_by_role("main")).to_contain_text("Citra Coffee Roasters")
    look(page, size)

    # Post a task with a manual and a checklist.
    main_nav(page).get_by_role("link", name="Post a task").click()
    expect(page.get_by_role("heading", name="Post a task")).to_be_visible()
    # Sent empty first: each error is announced with its field (aria-describedby).
    page.get_by_role("button", name="Save draft and preview").click()
    expect(field(page, "Title")).to_have_attribute("aria-invalid", "true")
    expect(field(page, "Title")).to_have_accessible_description(
        re.compile("This field is required")
    )
    look(page, size, "job-form-errors")
    page.get_by_label("Title").fill("Answer customer emails for our coffee shop")
    page.get_by_label("Description").fill(
        "Reply to customer emails about orders and deliveries within one working day."
    )
    page.get_by_label("Category").select_option(label="Customer support")
    page.get_by_label("Per task").check()
    page.get_by_label("Currency").select_option("IDR")
    page.get_by_label("Maximum rate").fill("750000")
    page.get_by_label("Deliverables").fill("All emails from last week answered, with a short log.")
    page.get_by_label("Instructions").fill(
        "1. Sign in to the shared inbox.\n2. Answer **every** open email.\n3. Log each reply."
    )
    page.get_by_label("Checklist").fill("Every email answered\nLog filled in")
    look(page, size, "job-form")
    page.get_by_role("button", name="Save draft and preview").click()

    # The preview shows the task as VAs will see it, then the client publishes.
    expect(page.get_by_role("note")).to_contain_text("this is exactly how VAs will see your task")
    article = page.get_by_role("article")
    expect(article.get_by_role("heading", level=1)).to_have_text(
        "Answer customer emails for our coffee shop"
    )
    expect(article).to_contain_text("up to Rp 750,000 per task")
    expect(article.get_by_role("strong")).to_have_text("every")
    expect(article.get_by_role("listitem").filter(has_text="Log filled in")).to_be_visible()
    look(page, size, "job-preview")
    page.get_by_role("button", name="Publish").click()

    expect(page.get_by_role("status")).to_contain_text("Published: your task is on the board.")
    expect(page.get_by_role("article")).to_contain_text("Open")
    look(page, size, "job-published")

    # And it is on the board for everyone.
    main_nav(page).get_by_role("link", name="Find work").click()
    expect(
        page.get_by_role("link", name="Answer customer emails for our coffee shop")
    ).to_be_visible()
    look(page, size, "board")
