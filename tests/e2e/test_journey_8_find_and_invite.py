"""Journey 8: a client looks for a VA in the directory, saves her, invites her to an
invite-only task; she accepts and bids; the client sees the answer on the task."""

import re
from decimal import Decimal

from playwright.sync_api import expect

from accounts.services import va_search_vectors_refresh
from bids.models import Bid
from jobs.models import Invitation, Job
from tests import factories
from tests.e2e.conftest import JOURNEY, look, main_nav, make_pdf, sign_in_as

TITLE = "Reconcile our Xero accounts for November"


def directory_world():
    """Two VAs (only one keeps books in Xero) and a client with an invite-only task."""
    sari = factories.VAFactory(email="sari@example.com", name="Sari Pembukuan")
    sari.va_profile.headline = "Bookkeeper for small shops: Xero and invoices"
    sari.va_profile.save(update_fields=["headline"])
    sari.va_profile.skills.add(factories.SkillFactory(name="Xero"))
    other = factories.VAFactory(email="budi@example.com", name="Budi Sosmed")
    other.va_profile.headline = "Instagram posts and captions for cafés"
    other.va_profile.save(update_fields=["headline"])
    va_search_vectors_refresh(profile_ids=[sari.va_profile.pk, other.va_profile.pk])

    client = factories.ClientFactory(email="citra@example.com", name="Citra Client")
    job = factories.JobFactory(
        client=client,
        title=TITLE,
        category=factories.category("bookkeeping"),
        max_rate=Decimal("900000"),
        invite_only=True,
    )
    return client, sari, job


@JOURNEY
def test_a_client_finds_saves_and_invites_a_va_who_accepts_and_bids(
    page, live_server, size, tmp_path
):
    client, sari, job = directory_world()

    # The client searches the directory (signed in, as clients who hire are).
    sign_in_as(page, live_server, client)
    page.goto(live_server.url + "/")
    main_nav(page).get_by_role("link", name="Find a VA").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a VA")
    expect(page.get_by_role("article")).to_have_count(2)
    look(page, size, "directory")

    search = page.get_by_role("search")
    if not search.is_visible():  # on a phone the filters fold behind "Filters"
        page.locator("summary", has_text="Filters").click()
    search.get_by_label("Search").fill("xero")
    search.get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name="1 VA")).to_be_visible()
    card = page.get_by_role("article", name="Sari Pembukuan")
    expect(card).to_contain_text("Bookkeeper for small shops")
    expect(card).to_contain_text("Xero")
    look(page, size, "directory-search")

    # Saves her; she is on the saved list afterwards.
    card.get_by_role("button", name="Save VA").click()
    expect(page.get_by_role("status")).to_contain_text("Sari Pembukuan is on your saved VAs.")
    expect(page.get_by_role("article", name="Sari Pembukuan")).to_be_visible()
    page.goto(live_server.url + "/saved/")
    saved = page.get_by_role("region", name="Saved VAs")
    expect(saved.get_by_role("article", name="Sari Pembukuan")).to_be_visible()
    look(page, size, "saved-vas")

    # Invites her to the invite-only task, from the saved list's card.
    saved.get_by_role("link", name=re.compile("Invite to bid")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Invite Sari Pembukuan to bid")
    page.get_by_label("Task").select_option(label=TITLE)
    page.get_by_label("Note (optional)").fill("You keep books in Xero: this is a good fit.")
    look(page, size, "invite-form")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_role("status")).to_contain_text(
        f"Sari Pembukuan is invited to bid on “{TITLE}”."
    )
    invitation = Invitation.objects.get(job=job, va=sari)
    assert invitation.status == Invitation.Status.SENT
    assert invitation.note == "You keep books in Xero: this is a good fit."

    # The task is invite-only: the board does not list it.
    page.goto(live_server.url + "/jobs/")
    expect(page.get_by_role("link", name=TITLE)).to_have_count(0)

    # Sari hears of it, accepts and bids.
    sign_in_as(page, live_server, sari)
    page.goto(live_server.url + "/")
    main_nav(page).get_by_role("link", name=re.compile(r"^Notifications")).click()
    notice = page.get_by_role("link", name=re.compile(TITLE))
    expect(notice).to_be_visible()
    look(page, size)
    main_nav(page).get_by_role("link", name="Invitations").click()
    item = page.get_by_role("listitem").filter(has=page.get_by_role("link", name=TITLE))
    expect(item).to_contain_text("From Citra Client")
    expect(item).to_contain_text("You keep books in Xero")
    look(page, size, "invitations")
    item.get_by_role("button", name=re.compile("Accept and bid")).click()

    expect(page.get_by_role("heading", name="Bid on this task")).to_be_visible()
    page.get_by_label("Your rate").fill("850000")
    page.get_by_label("Delivery date").fill("2031-01-15")
    page.get_by_label("Cover letter").fill(
        "I reconcile Xero for three shops every month and can finish November this week."
    )
    page.get_by_label("Upload work samples").set_input_files(
        make_pdf(tmp_path / "reconciliation.pdf", "October reconciliation")
    )
    page.get_by_label("I have read the task manual (v1)").check()
    look(page, size, "invited-bid-form")
    page.get_by_role("button", name="Send bid").click()
    expect(page.get_by_role("status")).to_contain_text("Your bid has been sent.")

    bid = Bid.objects.get(job=job, va=sari)
    assert bid.amount == Decimal("850000")
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED

    # Budi, not invited, cannot open the task.
    budi_page = page.context.new_page()
    sign_in_as(budi_page, live_server, factories.VAFactory(email="vivi@example.com"))
    response = budi_page.goto(live_server.url + job.get_absolute_url())
    assert response.status == 404
    budi_page.close()

    # The client sees who was invited and that she answered with a bid.
    sign_in_as(page, live_server, client)
    page.goto(live_server.url + job.get_absolute_url())
    invited = page.get_by_role("region", name="Invited VAs")
    expect(invited).to_contain_text("Sari Pembukuan")
    expect(invited).to_contain_text("Accepted")
    look(page, size, "task-invitations")
    assert Job.objects.get(pk=job.pk).invite_only
