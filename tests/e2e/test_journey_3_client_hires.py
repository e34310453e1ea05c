"""Journey 3: the client compares bids, interviews a VA, hires; the other VA is told no."""

import zoneinfo
from datetime import datetime
from decimal import Decimal

from icalendar import Calendar
from playwright.sync_api import expect

from bids import services as bid_services
from tests import factories
from tests.bids.helpers import pdf_upload, png_upload, terms
from tests.e2e.conftest import JOURNEY, look, main_nav, sign_in_as

TITLE = "Answer customer emails for our coffee shop"
JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")


@JOURNEY
def test_a_client_interviews_and_hires_a_va_and_the_other_bidder_is_told(
    page, live_server, size, client_user, va, other_va
):
    job = factories.JobFactory(
        client=client_user,
        title=TITLE,
        category=factories.category("customer-support"),
        max_rate=Decimal("750000"),
    )
    bid_services.bid_submit(
        job=job,
        va=va,
        terms=terms(job, amount=Decimal("700000")),
        uploads=pdf_upload("reply-templates.pdf") + png_upload("inbox-zero.png"),
    )
    bid_services.bid_submit(
        job=job,
        va=other_va,
        terms=terms(job, amount=Decimal("650000")),
        uploads=pdf_upload("wati-cv.pdf"),
    )

    # The client finds the bids from their dashboard.
    sign_in_as(page, live_server, client_user)
    page.goto(live_server.url + "/")
    main_nav(page).get_by_role("link", name="My tasks").click()
    look(page, size, "my-tasks")
    page.get_by_role("link", name=TITLE, exact=True).click()
    page.get_by_role("link", name="Compare bids").click()
    expect(page.get_by_role("heading", name="Compare bids")).to_be_visible()
    look(page, size, "bid-review")

    vina = page.get_by_role("article", name="Vina Assistant")
    expect(vina).to_contain_text("Rp 700,000")
    expect(page.get_by_role("article", name="Wati Other")).to_contain_text("Rp 650,000")

    # Open the image sample, as the client would, and come back.
    with page.expect_response(lambda r: "/samples/" in r.url) as sample:
        vina.get_by_role("link", name="inbox-zero.png").click()
    assert sample.value.status == 200
    assert sample.value.headers["content-type"] == "image/png"
    page.go_back()

    vina.get_by_role("button", name="Shortlist").click()
    expect(page.get_by_role("status")).to_contain_text("Added to your shortlist.")
    vina = page.get_by_role("article", name="Vina Assistant")
    expect(vina).to_contain_text("Shortlisted")
    vina.get_by_role("link", name="Propose an interview").click()

    expect(
        page.get_by_role("heading", name="Propose an interview with Vina Assistant")
    ).to_be_visible()
    page.get_by_label("Time 1").fill("2031-02-03T10:00")
    page.get_by_label("Time 2").fill("2031-02-04T14:30")
    look(page, size, "interview-propose")
    page.get_by_role("button", name="Send times").click()
    expect(page.get_by_role("heading", name="Proposed times")).to_be_visible()
    look(page, size)

    # The VA picks the second time and saves the calendar file.
    sign_in_as(page, live_server, va)
    page.goto(live_server.url + "/")
    main_nav(page).get_by_role("link", name="My bids").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    expect(row).to_contain_text("Times proposed")
    look(page, size)
    row.get_by_role("link", name="Interview").click()
    page.get_by_role("group", name="Choose a time").get_by_role("radio").nth(1).check()
    look(page, size, "interview-confirm")
    page.get_by_role("button", name="Confirm this time").click()
    expect(page.get_by_role("main")).to_contain_text("Confirmed")
    look(page, size, "interview-confirmed")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Add to calendar (.ics)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".ics")
    calendar = Calendar.from_ical(open(download.path(), "rb").read())
    event = next(iter(calendar.walk("VEVENT")))
    assert event.decoded("dtstart") == datetime(2031, 2, 4, 14, 30, tzinfo=JAKARTA)
    assert TITLE in str(event.get("summary")) + str(event.get("description"))

    # The client hires her.
    sign_in_as(page, live_server, client_user)
    page.goto(live_server.url + f"/jobs/{job.pk}/bids/")
    vina = page.get_by_role("article", name="Vina Assistant")
    expect(vina).to_contain_text("Confirmed")
    vina.get_by_role("button", name="Hire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("main")).to_contain_text("VA: Vina Assistant")
    look(page, size, "contract-started")

    # The other VA sees the outcome on "My bids".
    sign_in_as(page, live_server, other_va)
    page.goto(live_server.url + "/")
    main_nav(page).get_by_role("link", name="My bids").click()
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=TITLE))
    expect(row).to_contain_text("Not selected")
    look(page, size, "my-bids-rejected")
