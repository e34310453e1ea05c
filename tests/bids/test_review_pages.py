"""The bid review page of a popular job (issue 11): paged, with filters and sort kept."""

import pytest
from django.urls import reverse

from bids.models import Bid
from bids.views import REVIEW_PAGE_SIZE
from tests.factories import BidFactory, JobFactory, VAFactory

pytestmark = pytest.mark.django_db


def _cards(response) -> int:
    return response.content.decode().count('class="card bid-card"')


def test_a_job_with_many_bids_is_reviewed_a_page_at_a_time(client, client_user):
    job = JobFactory(client=client_user)
    for _ in range(REVIEW_PAGE_SIZE + 3):
        BidFactory(job=job, va=VAFactory())
    client.force_login(client_user)
    url = reverse("bids:review", args=[job.pk])
    first = client.get(url, {"sort": "newest"})
    assert _cards(first) == REVIEW_PAGE_SIZE
    assert "?status=active&amp;sort=newest&amp;page=2" in first.content.decode()
    second = client.get(url, {"sort": "newest", "page": "2"})
    assert _cards(second) == 3
    shown = first.context["bid_ids"] + second.context["bid_ids"]
    assert sorted(shown) == sorted(Bid.objects.filter(job=job).values_list("pk", flat=True))


def test_a_decision_returns_to_the_same_page_of_bids(client, client_user):
    job = JobFactory(client=client_user)
    for _ in range(REVIEW_PAGE_SIZE + 1):
        BidFactory(job=job, va=VAFactory())
    client.force_login(client_user)
    response = client.get(reverse("bids:review", args=[job.pk]), {"page": "2"})
    bid = Bid.objects.get(pk=response.context["bid_ids"][0])
    assert 'value="status=active&sort=amount&page=2"' in response.content.decode()
    back = client.post(
        reverse("bids:shortlist", args=[bid.pk]),
        {"next_query": "status=active&sort=amount&page=2"},
    )
    assert back.url.endswith("?status=active&sort=amount&page=2")
