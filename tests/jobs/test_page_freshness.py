"""The task page and the board cache their HTML (issue 11): every change made through the
services shows on the very next request, and each viewer sees their own page."""

import zoneinfo
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from jobs import services
from jobs.models import Job
from moderation import services as moderation_services
from tests.factories import JobFactory
from tests.jobs.factories import edit_job, indexed_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def task(client_user):
    job = indexed_job(client=client_user, title="Book our trip to Bali")
    url = reverse("jobs:detail", args=[job.pk])
    visitor = Client()

    def page(who=visitor) -> str:
        response = who.get(url)
        assert response.status_code == 200
        return response.content.decode()

    assert "Book our trip to Bali" in page()  # now cached
    return {"job": job, "url": url, "page": page, "visitor": visitor}


def test_an_edit_shows_on_the_task_page_at_once(task, client_user):
    edit_job(task["job"], client_user, title="Book our trip to Lombok")
    html = task["page"]()
    assert "Book our trip to Lombok" in html and "Bali" not in html


def test_a_new_manual_shows_at_once(task, client_user):
    services.manual_update(job=task["job"], by=client_user, body="Use **Traveloka**.", checklist=[])
    assert "<strong>Traveloka</strong>" in task["page"]()


def test_a_new_bid_count_shows_at_once(task):
    Job.objects.filter(pk=task["job"].pk).update(bid_count=4)  # as the bids services do
    assert "4 bids so far" in task["page"]()


def test_the_clients_facts_and_name_show_at_once(task, client_user):
    before = task["page"]()
    assert "Alice Client Ltd" in before
    services.job_publish(job=JobFactory(client=client_user, status="draft"), by=client_user)
    account_services.profile_update(
        user=client_user, user_data={}, client_data={"display_name": "Alice's Travel Co"}
    )
    html = task["page"]()
    assert "Alice&#x27;s Travel Co" in html
    assert html.count("<dt>Tasks posted</dt><dd>2</dd>") == 1


def test_hiding_or_closing_a_task_shows_at_once(task, client_user, staff):
    services.job_close(job=task["job"], by=client_user)
    assert "This task is not taking bids." in task["page"]()
    moderation_services.job_hide(job_id=task["job"].pk, moderator=staff, reason="Scam")
    assert task["visitor"].get(task["url"]).status_code == 404


def test_visitors_members_and_the_owner_each_get_their_own_page(task, client_user, va):
    assert "Sign in to bid" in task["page"]()
    member = Client()
    member.force_login(va)
    html = task["page"](member)
    assert "Bid on this task" in html and "Report this task" in html
    owner = Client()
    owner.force_login(client_user)
    html = task["page"](owner)
    assert "Edit task" in html and "Report this task" not in html


# --- the board -----------------------------------------------------------------------


def test_a_reinstated_task_is_found_again_at_once(client, client_user, staff):
    job = indexed_job(client=client_user, title="Bookkeeping for a bakery")
    moderation_services.job_hide(job_id=job.pk, moderator=staff, reason="Check")
    assert "Bookkeeping for a bakery" not in client.get("/jobs/", {"q": "bakery"}).content.decode()
    moderation_services.job_unhide(job_id=job.pk, moderator=staff, reason="Fine")
    assert "Bookkeeping for a bakery" in client.get("/jobs/", {"q": "bakery"}).content.decode()


def test_a_search_narrowed_by_filters_finds_only_those(client, client_user):
    from tests.jobs.factories import indexed_hourly_job

    indexed_job(client=client_user, title="Bookkeeping per task", currency="IDR")
    indexed_hourly_job(client=client_user, title="Bookkeeping by the hour", currency="IDR")
    indexed_hourly_job(client=client_user, title="Bookkeeping in dollars", currency="USD")
    response = client.get("/jobs/", {"q": "bookkeeping", "pay_type": "hourly", "currency": "IDR"})
    assert [job.title for job in response.context["page"].jobs] == ["Bookkeeping by the hour"]


def test_times_on_the_board_are_in_each_viewers_time_zone(client_user, va, other_va):
    closes = timezone.now().replace(hour=3, minute=0, second=0, microsecond=0) + timedelta(days=3)
    JobFactory(client=client_user, closes_at=closes)
    seen = []
    for user, tz in ((va, "Asia/Jakarta"), (other_va, "Europe/London")):
        user.timezone = tz
        user.save(update_fields=["timezone"])
        browser = Client()
        browser.force_login(user)
        seen.append(browser.get("/jobs/").content.decode())
    local = [
        timezone.localtime(closes, timezone=zoneinfo.ZoneInfo(tz))
        for tz in ("Asia/Jakarta", "Europe/London")
    ]
    assert local[0].strftime("%H:%M") in seen[0] and local[1].strftime("%H:%M") in seen[1]
    assert local[0].strftime("%H:%M") != local[1].strftime("%H:%M")
