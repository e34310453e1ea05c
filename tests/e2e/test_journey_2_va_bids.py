"""Journey 2: a VA signs up, builds a profile, sets a job alert, hears of a task, bids on it."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from bids.models import Bid
from jobs import services as job_services
from notifications.models import JobAnnouncement
from notifications.tasks import fan_out_job
from tests import factories
from tests.e2e.conftest import JOURNEY, look, main_nav, make_pdf, make_png

PASSWORD = "another-long-passphrase-for-vina-7"
TITLE = "Answer customer emails for our coffee shop"


def publish_matching_job(client):
    """The client publishes a task; the alert fan-out (a Celery task) runs here, eagerly."""
    job = job_services.job_create(
        client=client,
        title=TITLE,
        description="Reply to customer emails about orders and deliveries within one working day.",
        category=factories.category("customer-support"),
        pay_type="fixed",
        max_rate=Decimal("750000"),
        currency="IDR",
        deliverables="All emails from last week answered, with a short log.",
        manual_body="1. Sign in to the shared inbox.\n2. Answer every open email.",
        checklist=["Every email answered", "Log filled in"],
    )
    job_services.job_publish(job=job, by=client)
    fan_out_job(JobAnnouncement.objects.get(job_id=job.pk).pk)
    return job


@JOURNEY
def test_a_va_hears_of_a_new_task_through_an_alert_and_bids_with_samples(
    page, live_server, size, mailoutbox, tmp_path
):
    client = factories.ClientFactory(email="citra@example.com", name="Citra Client")

    page.goto(live_server.url + "/accounts/signup/")
    page.get_by_label("Full name").fill("Vina Assistant")
    page.get_by_label("Email").fill("vina@example.com")
    page.get_by_label(re.compile(r"^Password\W*$")).fill(PASSWORD)
    page.get_by_label("Password (again)").fill(PASSWORD)
    page.get_by_label("I want to work as a virtual assistant").check()
    page.get_by_role("button", name="Sign Up").click()
    expect(page.get_by_role("main")).to_contain_text("vina@example.com")
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", mailoutbox[-1].body).group(0)
    page.goto(link)
    page.get_by_role("button", name="Confirm").click()

    # The VA profile.
    expect(page.get_by_role("heading", name="Edit my profile")).to_be_visible()
    look(page, size, "profile-edit-va")
    page.get_by_label("Headline").fill("Friendly customer support and inbox assistant")
    page.get_by_label("About me").fill("Four years answering customer emails for online shops.")
    va_section = page.get_by_role("region", name="VA profile")
    va_section.get_by_role("group", name="Task categories").get_by_label("Customer support").check()
    page.get_by_label("Hourly rate").fill("80000")
    page.get_by_label("Currency").select_option("IDR")
    page.get_by_label("Years of office / secretarial experience").fill("4")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Your profile is saved.")
    look(page, size, "profile-va")

    # A portfolio item with a file.
    page.get_by_role("link", name="Add work").click()
    page.get_by_label("Title").fill("Support inbox playbook")
    page.get_by_label("Description").fill("The reply templates I wrote for a batik shop.")
    page.get_by_label("File", exact=True).set_input_files(
        make_pdf(tmp_path / "playbook.pdf", "Playbook")
    )
    look(page, size, "portfolio-form")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Added to your portfolio.")
    expect(page.get_by_role("heading", name="Support inbox playbook")).to_be_visible()

    # A job alert.
    main_nav(page).get_by_role("link", name="Notifications").click()
    expect(page.get_by_role("main")).to_contain_text("Nothing yet")
    look(page, size)
    page.get_by_role("link", name="Job alerts").click()
    page.get_by_role("link", name="New alert").click()
    page.get_by_label("Name").fill("Email support")
    page.get_by_role("group", name="Task categories").get_by_label("Customer support").check()
    page.get_by_label("Keywords").fill("emails")
    look(page, size, "alert-form")
    page.get_by_role("button", name="Save alert").click()
    expect(page.get_by_role("heading", name="Email support")).to_be_visible()
    look(page, size, "alerts")

    # Only now the client publishes a matching task.
    publish_matching_job(client)

    main_nav(page).get_by_role("link", name=re.compile(r"^Notifications")).click()
    notice = page.get_by_role("link", name=re.compile(TITLE))
    expect(notice).to_be_visible()
    look(page, size, "notification-centre")
    notice.click()

    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    look(page, size, "job-detail-for-va")
    page.get_by_role("link", name="Bid on this task").click()

    expect(page.get_by_role("heading", name="Bid on this task")).to_be_visible()
    page.get_by_label("Your rate").fill("700000")
    page.get_by_label("Delivery date").fill("2031-01-15")
    page.get_by_label("Cover letter").fill(
        "I answer customer emails for two online shops every day and can start tomorrow."
    )
    page.get_by_label("Upload work samples").set_input_files(
        [
            make_pdf(tmp_path / "reply-templates.pdf", "Reply templates"),
            make_png(tmp_path / "inbox-zero.png", "Inbox zero"),
        ]
    )
    page.get_by_label("I have read the task manual (v1)").check()
    look(page, size, "bid-form")
    page.get_by_role("button", name="Send bid").click()

    expect(page.get_by_role("status")).to_contain_text("Your bid has been sent.")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    expect(row).to_contain_text("Rp 700,000")
    expect(row).to_contain_text("Submitted")
    look(page, size, "my-bids")

    bid = Bid.objects.get(va__email="vina@example.com")
    assert sorted(s.original_name for s in bid.samples.all()) == [
        "inbox-zero.png",
        "reply-templates.pdf",
    ]
