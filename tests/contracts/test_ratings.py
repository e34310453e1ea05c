"""Ratings on profiles and the bid review page: visible reviews only, a fixed number of queries."""

from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import services
from contracts.ratings import (
    attach_va_ratings,
    client_rating_summary,
    va_rating_summaries,
    va_rating_summary,
)
from tests.contracts.factories import fixed_contract
from tests.factories import BidFactory, ClientFactory, JobFactory

pytestmark = pytest.mark.django_db


def finished(client, va, *, client_stars: int, va_stars: int | None = None):
    contract = fixed_contract(client=client, va=va)
    services.contract_complete(contract=contract, client=client)
    scores = {"communication": client_stars, "quality": client_stars, "timeliness": client_stars}
    services.review_leave(
        contract=contract, author=client, overall=client_stars, text="Good", **scores
    )
    if va_stars is not None:
        scores = {"communication": va_stars, "quality": va_stars, "timeliness": va_stars}
        services.review_leave(contract=contract, author=va, overall=va_stars, **scores)
    return contract


def test_a_va_rating_averages_visible_client_reviews(client_user, other_client, va):
    finished(client_user, va, client_stars=5, va_stars=4)
    finished(other_client, va, client_stars=4, va_stars=5)
    finished(ClientFactory(), va, client_stars=1)  # the VA has not reviewed back: still hidden
    summary = va_rating_summary(va)
    assert summary.average == Decimal("4.5")
    assert summary.count == 2
    assert summary.completed_contracts == 3
    assert [r.overall for r in summary.recent_reviews] and len(summary.recent_reviews) == 2


def test_a_client_rating_and_hire_rate(client_user, va, other_va):
    finished(client_user, va, client_stars=5, va_stars=4)
    finished(client_user, other_va, client_stars=5, va_stars=2)
    JobFactory(client=client_user)  # posted, nobody hired yet
    JobFactory(client=client_user)
    summary = client_rating_summary(client_user)
    assert summary.average == Decimal("3.0")
    assert summary.count == 2
    assert summary.hires == 2 and summary.jobs_posted == 4
    assert summary.hire_rate == 50


def test_no_reviews_reads_as_such(va):
    html = render_to_string("includes/rating_summary.html", {"summary": va_rating_summary(va)})
    assert "No reviews yet" in html


def test_the_summary_partial_shows_the_average_and_recent_reviews(client_user, va):
    finished(client_user, va, client_stars=4, va_stars=5)
    html = render_to_string(
        "includes/rating_summary.html", {"summary": va_rating_summary(va), "show_reviews": True}
    )
    assert "4.0 out of 5" in html and "(1 review)" in html and "1 completed contract" in html
    assert "Alice Client" in html


def test_the_profile_helper_costs_the_same_for_one_review_or_many(client_user, va):
    finished(client_user, va, client_stars=5, va_stars=5)
    with CaptureQueriesContext(connection) as one:
        render_to_string(
            "includes/rating_summary.html", {"summary": va_rating_summary(va), "show_reviews": True}
        )
    for _ in range(4):
        finished(ClientFactory(), va, client_stars=4, va_stars=4)
    with CaptureQueriesContext(connection) as many:
        render_to_string(
            "includes/rating_summary.html", {"summary": va_rating_summary(va), "show_reviews": True}
        )
    # Guards against a query per review (author / job fetched per row on the profile).
    assert len(many.captured_queries) == len(one.captured_queries) == 3


def test_the_bid_review_helper_rates_many_vas_in_two_queries(
    client_user, va, other_va, django_assert_num_queries
):
    finished(client_user, va, client_stars=5, va_stars=5)
    finished(ClientFactory(), other_va, client_stars=3, va_stars=3)
    job = JobFactory(client=client_user)
    bids = [BidFactory(job=job, va=va), BidFactory(job=job, va=other_va), BidFactory(job=job)]
    with django_assert_num_queries(2):
        rated = attach_va_ratings(bids)
    assert [b.va_rating.average for b in rated] == [Decimal("5.0"), Decimal("3.0"), None]
    assert va_rating_summaries([]) == {}


def test_the_public_va_profile_shows_rating_and_recent_reviews_in_flat_queries(
    client, client_user, va
):
    finished(client_user, va, client_stars=5, va_stars=5)
    url = reverse("accounts:va_public", args=[va.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        page = client.get(url).content.decode()
    assert "5.0 out of 5" in page and "Good" in page
    for _ in range(3):
        finished(ClientFactory(), va, client_stars=4, va_stars=4)
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert "(4 reviews)" in page
    assert len(many.captured_queries) == len(one.captured_queries)


def test_the_bid_rating_tag_rates_every_bid_on_the_page_at_once(client_user, va, other_va):
    finished(client_user, va, client_stars=4, va_stars=5)
    finished(ClientFactory(), other_va, client_stars=2, va_stars=5)
    job = JobFactory(client=client_user)
    bids = [BidFactory(job=job, va=va), BidFactory(job=job, va=other_va), BidFactory(job=job)]
    html = []
    with CaptureQueriesContext(connection) as queries:
        for bid in bids:
            html.append(render_to_string("includes/bid_rating.html", {"bid": bid, "bids": bids}))
    assert len(queries.captured_queries) == 2
    assert "4.0 out of 5" in html[0] and "2.0 out of 5" in html[1]
    assert html[2].strip() == ""  # no reviews: nothing at all, never "0 stars"
