"""Bids in the admin: every model registered, changelists with flat query counts."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.bids.factories import InterviewFactory, WorkSampleFactory
from tests.factories import BidFactory

pytestmark = pytest.mark.django_db


def make_rows(count):
    for _ in range(count):
        bid = BidFactory()
        WorkSampleFactory(bid=bid)
        InterviewFactory(bid=bid)


@pytest.mark.parametrize("model", ["bid", "worksample", "interview"])
def test_changelist_queries_do_not_grow_with_rows(client, staff, model, django_assert_num_queries):
    """Guards the N+1s on job, VA, manual version and chosen slot in list_display."""
    url = reverse(f"admin:bids_{model}_changelist")
    client.force_login(staff)
    make_rows(2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    make_rows(20)
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


def test_a_bid_change_page_shows_samples_and_interviews(client, staff):
    bid = BidFactory()
    WorkSampleFactory(bid=bid, original_name="portfolio.pdf")
    InterviewFactory(bid=bid)
    client.force_login(staff)
    response = client.get(reverse("admin:bids_bid_change", args=[bid.pk]))
    assert response.status_code == 200
    assert "portfolio.pdf" in response.content.decode()


def test_an_interview_change_page_lists_its_slots(client, staff):
    interview = InterviewFactory()
    client.force_login(staff)
    response = client.get(reverse("admin:bids_interview_change", args=[interview.pk]))
    assert response.status_code == 200
    assert "slots-TOTAL_FORMS" in response.content.decode()
