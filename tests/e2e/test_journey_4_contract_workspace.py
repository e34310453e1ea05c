"""Journey 4: the contract workspace, from the first message to both reviews."""

import zoneinfo
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import expect

from bids import services as bid_services
from contracts.models import Contract
from tests import factories
from tests.bids.helpers import pdf_upload, terms
from tests.e2e.conftest import JOURNEY, field, look, main_nav, make_pdf, make_png, sign_in_as

TITLE = "Answer customer emails for our coffee shop"


def review(page, *, stars: str, text: str) -> None:
    form = page.get_by_role("region", name="Reviews")
    for aspect in ("Overall", "Communication", "Quality", "Timeliness"):
        form.get_by_role("group", name=aspect).get_by_label(stars, exact=True).check()
    form.get_by_label("Your review").fill(text)
    form.get_by_role("button", name="Send review").click()
    expect(page.get_by_role("status")).to_contain_text("Thank you for your review.")


@JOURNEY
def test_client_and_va_work_through_a_per_task_contract_and_review_each_other(
    page, live_server, size, client_user, va, tmp_path
):
    job = factories.JobFactory(client=client_user, title=TITLE, max_rate=Decimal("750000"))
    bid = bid_services.bid_submit(
        job=job, va=va, terms=terms(job, amount=Decimal("700000")), uploads=pdf_upload()
    )
    bid_services.bid_hire(bid=bid, client=client_user)
    contract = Contract.objects.get(job=job)

    # The VA opens the workspace and sends a message with a file.
    sign_in_as(page, live_server, va)
    page.goto(live_server.url + "/")
    main_nav(page).get_by_role("link", name="Contracts").click()
    look(page, size, "contracts")
    page.get_by_role("link", name=TITLE).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    look(page, size, "workspace-start")
    messages = page.get_by_role("region", name="Messages")
    messages.get_by_label("Message").fill("Hello! Could you share the inbox login checklist?")
    messages.get_by_label("Attach files").set_input_files(make_png(tmp_path / "plan.png", "Plan"))
    messages.get_by_role("button", name="Send").click()
    thread = page.get_by_role("region", name="Messages").get_by_role("list").first
    expect(thread).to_contain_text("Could you share the inbox login checklist?")
    expect(thread.get_by_role("link", name="plan.png")).to_be_visible()

    # The client reads it and answers.
    sign_in_as(page, live_server, client_user)
    page.goto(live_server.url + f"/contracts/{contract.pk}/")
    messages = page.get_by_role("region", name="Messages")
    expect(messages).to_contain_text("Could you share the inbox login checklist?")
    with page.expect_response(lambda r: "/messages/files/" in r.url) as opened:
        messages.get_by_role("link", name="plan.png").click()
    assert opened.value.status == 200
    page.go_back()
    messages = page.get_by_role("region", name="Messages")
    messages.get_by_label("Message").fill("Welcome aboard! The checklist is in the manual.")
    messages.get_by_role("button", name="Send").click()
    expect(page.get_by_role("region", name="Messages")).to_contain_text("Welcome aboard!")
    look(page, size, "workspace-messages")

    # The VA delivers.
    sign_in_as(page, live_server, va)
    page.goto(live_server.url + f"/contracts/{contract.pk}/")
    delivery = page.get_by_role("region", name="Delivery")
    delivery.get_by_label("What you are delivering").fill(
        "All 42 emails answered; the log is attached."
    )
    delivery.get_by_label("Files").set_input_files(make_pdf(tmp_path / "reply-log.pdf", "Log"))
    look(page, size)
    delivery.get_by_role("button", name="Deliver").click()
    expect(page.get_by_role("status")).to_contain_text("Delivered. The client has been told.")

    # The client approves and completes, then reviews.
    sign_in_as(page, live_server, client_user)
    page.goto(live_server.url + f"/contracts/{contract.pk}/")
    delivery = page.get_by_role("region", name="Delivery")
    expect(delivery.get_by_role("link", name="reply-log.pdf")).to_be_visible()
    look(page, size, "workspace-delivered")
    delivery.get_by_role("button", name="Approve: the task is done").click()
    expect(page.get_by_role("status")).to_contain_text("Approved. The task is done.")
    page.get_by_role("button", name="Complete the contract").click()
    expect(page.get_by_role("status")).to_contain_text("Contract completed.")
    look(page, size, "workspace-review")
    review(page, stars="5", text="Fast, careful and friendly. Every customer got a kind reply.")

    # The VA reviews the client; now both reviews show.
    sign_in_as(page, live_server, va)
    page.goto(live_server.url + f"/contracts/{contract.pk}/")
    review(page, stars="4", text="Clear manual and quick answers to my questions.")
    reviews = page.get_by_role("region", name="Reviews")
    expect(reviews).to_contain_text("Fast, careful and friendly.")
    expect(reviews).to_contain_text("Clear manual and quick answers")
    look(page, size, "workspace-reviewed")

    # Anyone sees the rating on the VA's public page.
    page.context.clear_cookies()
    page.goto(live_server.url + f"/va/{va.pk}/")
    ratings = page.get_by_role("region", name="Ratings and reviews")
    expect(ratings).to_contain_text("5 out of 5")
    expect(ratings).to_contain_text("(1 review)")
    expect(ratings).to_contain_text("Fast, careful and friendly.")
    look(page, size, "va-public-rated")


@JOURNEY
def test_on_an_hourly_contract_the_va_logs_hours_and_the_client_approves_the_week(
    page, live_server, size, client_user, va
):
    job = factories.HourlyJobFactory(client=client_user, title="Keep our calendar tidy, weekly")
    bid = bid_services.bid_submit(job=job, va=va, terms=terms(job), uploads=pdf_upload())
    bid_services.bid_hire(bid=bid, client=client_user)
    contract = Contract.objects.get(job=job)
    today = timezone.localdate(timezone=zoneinfo.ZoneInfo(va.timezone))

    sign_in_as(page, live_server, va)
    page.goto(live_server.url + f"/contracts/{contract.pk}/")
    hours = page.get_by_role("region", name="Hours")
    field(hours, "Date").fill(today.isoformat())
    field(hours, "Hours").fill("2.5")
    field(hours, "What you did").fill("Sorted next week's meetings and sent the invitations.")
    look(page, size, "workspace-hours-form")
    hours.get_by_role("button", name="Log hours").click()
    expect(page.get_by_role("status")).to_contain_text("Hours logged.")
    week = page.get_by_role("region", name="Hours").get_by_role("article")
    expect(week).to_contain_text("2.50 hours")

    sign_in_as(page, live_server, client_user)
    page.goto(live_server.url + f"/contracts/{contract.pk}/")
    week = page.get_by_role("region", name="Hours").get_by_role("article")
    expect(week).to_contain_text("Sorted next week's meetings")
    look(page, size, "workspace-hours")
    week.get_by_role("button", name="Approve this week").click()
    expect(page.get_by_role("status")).to_contain_text("Week approved.")
    week = page.get_by_role("region", name="Hours").get_by_role("article")
    expect(week).to_contain_text("Approved")
    expect(week).to_contain_text("$25.00")
    page.get_by_role("button", name="Complete the contract").click()
    expect(page.get_by_role("status")).to_contain_text("Contract completed.")
    expect(page.get_by_role("region", name="Contract ended")).to_contain_text("Completed on")
    look(page, size)
