"""The bid review page and My bids cache their rows' HTML (issue 11): every change made
through the services shows on the very next request, and nothing of one viewer reaches
another."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts import services as account_services
from accounts.models import PortfolioItem
from bids import services
from bids.models import Bid, Interview, WorkSample
from contracts import services as contract_services
from jobs import services as job_services
from tests.bids.factories import InterviewFactory, WorkSampleFactory
from tests.contracts.factories import fixed_contract
from tests.factories import BidFactory, JobFactory, VAFactory
from tests.jobs.factories import edit_job

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(client, client_user):
    job = JobFactory(client=client_user, title="Tidy the shared drive")
    va = VAFactory(name="Vina Rahma")
    bid = BidFactory(job=job, va=va, amount=Decimal("150000"), cover_letter="I sort files.")
    WorkSampleFactory(bid=bid, original_name="before-and-after.pdf")
    client.force_login(client_user)
    url = reverse("bids:review", args=[job.pk])

    def page() -> str:
        response = client.get(url)
        assert response.status_code == 200
        return response.content.decode()

    assert "I sort files." in page()  # now cached
    return {"job": job, "va": va, "bid": bid, "page": page, "url": url}


def test_a_decision_shows_at_once(review, client_user):
    services.bid_shortlist(bid=review["bid"], client=client_user)
    html = review["page"]()
    assert "Shortlisted" in html and "Propose an interview" in html


def test_an_edited_bid_shows_at_once(review):
    bid = review["bid"]
    terms = services.BidTerms(
        amount=Decimal("120000"),
        cover_letter="I sort files and label them, and I keep a log of every folder I move.",
        delivery_date=bid.delivery_date or timezone.localdate() + timedelta(days=7),
        manual_version=bid.job.current_manual,
        manual_acknowledged=True,
    )
    services.bid_edit(bid=bid, va=review["va"], terms=terms)
    html = review["page"]()
    assert "I keep a log of every folder I move." in html
    assert "120.000" in html.replace(",", ".")


def test_a_portfolio_sample_follows_its_item_at_once(review):
    item = PortfolioItem.objects.create(
        profile=review["va"].va_profile, title="My filing system", link="https://example.com/a"
    )
    WorkSample.objects.create(
        bid=review["bid"],
        portfolio_item=item,
        original_name=item.title,
        content_type="text/uri-list",
    )
    assert "https://example.com/a" in review["page"]()
    account_services.portfolio_item_update(
        item=item, title="My filing system", link="https://example.com/b"
    )
    html = review["page"]()
    assert "https://example.com/b" in html and "https://example.com/a" not in html


def test_an_interview_and_its_confirmation_show_at_once(review, client_user):
    services.bid_shortlist(bid=review["bid"], client=client_user)
    review["page"]()
    soon = timezone.now() + timedelta(days=2)
    interview = services.interview_propose(
        bid=Bid.objects.get(pk=review["bid"].pk), client=client_user, slots=[soon]
    )
    assert "Times proposed" in review["page"]()
    services.interview_confirm(
        interview=interview, user=review["va"], slot_id=interview.slots.get().pk
    )
    html = review["page"]()
    assert "Confirmed" in html and "Times proposed" not in html


def test_an_interview_shows_as_done_once_its_time_has_passed(review, client_user):
    bid = review["bid"]
    Bid.objects.filter(pk=bid.pk).update(status=Bid.Status.SHORTLISTED)
    start = timezone.now() - timedelta(minutes=45)
    interview = InterviewFactory(bid=bid, slots=[start], duration_minutes=60)
    interview.chosen_slot = interview.slots.get()
    interview.status = Interview.Status.CONFIRMED
    interview.save()
    assert "Done" not in review["page"]()  # 15 minutes still to go
    # Nothing is written when the hour is up: only the clock moves.
    interview.slots.update(starts_at=timezone.now() - timedelta(minutes=61))
    Interview.objects.filter(pk=interview.pk).update(updated_at=interview.updated_at)
    assert "Done" in review["page"]()


def test_the_vas_profile_and_name_show_at_once(review):
    va = review["va"]
    account_services.profile_update(
        user=va,
        user_data={"name": "Vina Rahmawati"},
        va_data={"headline": "Drive and inbox organiser", "years_experience": 9},
    )
    html = review["page"]()
    assert "Vina Rahmawati" in html and "Drive and inbox organiser" in html and "9 years" in html


def test_a_new_rating_shows_at_once(review, other_client):
    contract = fixed_contract(client=other_client, va=review["va"])
    contract_services.contract_complete(contract=contract, client=other_client)
    review["page"]()
    contract.refresh_from_db()
    scores = {"overall": 4, "communication": 5, "quality": 4, "timeliness": 3}
    contract_services.review_leave(contract=contract, author=other_client, **scores)
    assert "out of 5" not in review["page"]()  # double-blind: not visible yet
    contract_services.review_leave(contract=contract, author=review["va"], **scores)
    html = review["page"]()
    assert "4.0 out of 5" in html and "1 completed contract" in html


def test_a_new_manual_version_flags_older_bids_at_once(review, client_user):
    job = review["job"]
    job_services.manual_update(job=job, by=client_user, body="New steps.", checklist=[])
    assert "older than the current version 2" in review["page"]()


def test_cancelling_the_job_takes_the_decisions_away_at_once(review, client_user):
    assert ">Shortlist<" in review["page"]()
    job_services.job_cancel(job=review["job"], by=client_user)
    html = review["page"]()
    assert ">Shortlist<" not in html and "Cancelled" in html


def test_staff_see_the_same_bids_without_the_clients_decisions(review, client, staff):
    client.force_login(staff)
    html = client.get(review["url"]).content.decode()
    assert "I sort files." in html and ">Shortlist<" not in html


def test_each_viewer_gets_their_own_csrf_token_in_the_cached_cards(review, client):
    first = review["page"]()
    client.cookies.pop("csrftoken", None)  # a new browser: a new CSRF secret
    second = review["page"]()

    def tokens(html):
        return {part.split('"')[0] for part in html.split('csrfmiddlewaretoken" value="')[1:]}

    assert len(tokens(first)) == 1 and len(tokens(second)) == 1
    assert tokens(first) != tokens(second)


# --- My bids ------------------------------------------------------------------------------


@pytest.fixture
def mine(client, va, client_user):
    job = JobFactory(client=client_user, title="Enter the receipts")
    bid = BidFactory(job=job, va=va)
    client.force_login(va)

    def page() -> str:
        return client.get(reverse("bids:mine")).content.decode()

    assert "Enter the receipts" in page()
    return {"job": job, "bid": bid, "page": page}


def test_my_bids_shows_an_edited_task_title_at_once(mine, client_user):
    edit_job(mine["job"], client_user, title="Enter the receipts for March")
    assert "Enter the receipts for March" in mine["page"]()


def test_my_bids_shows_a_decision_and_an_interview_at_once(mine, client_user):
    services.bid_shortlist(bid=mine["bid"], client=client_user)
    assert "Shortlisted" in mine["page"]()
    services.interview_propose(
        bid=Bid.objects.get(pk=mine["bid"].pk),
        client=client_user,
        slots=[timezone.now() + timedelta(days=1)],
    )
    assert "Times proposed" in mine["page"]()


def test_my_bids_offers_edit_only_while_the_task_is_open(mine, client_user):
    assert ">Edit<" in mine["page"]()
    job_services.job_close(job=mine["job"], by=client_user)
    html = mine["page"]()
    assert ">Edit<" not in html and "Withdraw" in html
