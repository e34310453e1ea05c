"""Abuse limits (issue 9): posting tasks, bidding, messaging and reporting are rate-limited."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_limits(settings):
    settings.ACTION_RATE_LIMITS = {"bid_submit": 2, "job_create": 2, "message_send": 2}


def _assert_limited(response):
    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_posting_tasks_is_limited_per_person(client, client_user, other_client, tight_limits):
    client.force_login(client_user)
    for _ in range(2):
        assert client.post("/jobs/new/", {"title": ""}).status_code != 429
    _assert_limited(client.post("/jobs/new/", {"title": ""}))
    # The limit is per person: another client is not affected.
    client.force_login(other_client)
    assert client.post("/jobs/new/", {"title": ""}).status_code != 429


def test_bidding_is_limited_per_person(client, va, tight_limits):
    job = factories.JobFactory()
    client.force_login(va)
    for _ in range(2):
        assert client.post(f"/jobs/{job.pk}/bid/", {"amount": "1"}).status_code != 429
    _assert_limited(client.post(f"/jobs/{job.pk}/bid/", {"amount": "1"}))
    assert client.get(f"/jobs/{job.pk}/bid/").status_code == 200  # reading is never limited


def test_sending_messages_is_limited(
    client, client_user, va, tight_limits, django_capture_on_commit_callbacks
):
    from bids.services import bid_hire

    contract = bid_hire(
        bid=factories.BidFactory(job=factories.JobFactory(client=client_user), va=va),
        client=client_user,
    )
    client.force_login(va)
    for _ in range(2):
        assert (
            client.post(f"/contracts/{contract.pk}/messages/", {"body": "hello"}).status_code != 429
        )
    _assert_limited(client.post(f"/contracts/{contract.pk}/messages/", {"body": "hello"}))


def test_password_reset_requests_hit_allauths_limit_and_show_our_page(client, client_user):
    for _ in range(5):
        assert (
            client.post("/accounts/password/reset/", {"email": client_user.email}).status_code
            == 302
        )
    response = client.post("/accounts/password/reset/", {"email": client_user.email})
    _assert_limited(response)
