"""End to end through a real Celery worker: a bid commits, the worker signs and sends it to a
real receiver, a 500 is retried after its backoff; a deleted endpoint gets nothing."""

import json

import pytest

from bids import services as bid_services
from tests import factories
from tests.bids.helpers import pdf_upload, terms
from tests.notifications.conftest import wait_for
from tests.webhooks.conftest import endpoint_for, verify
from webhooks import services
from webhooks.models import Delivery

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.xdist_group("celery-worker"),
]

FAST = {"WEBHOOKS_RETRY_SCHEDULE": "0.5,0.5,0.5,0.5,0.5", "WEBHOOKS_ALLOW_HTTP_LOCALHOST": "1"}


def test_the_worker_signs_sends_and_retries_after_a_500(client_user, va, receiver, start_worker):
    start_worker(**FAST)
    hook = endpoint_for(client_user, receiver.url)
    receiver.statuses = [500]
    job = factories.JobFactory(client=client_user)

    bid = bid_services.bid_submit(job=job, va=va, terms=terms(job), uploads=pdf_upload())

    first, second = wait_for(
        lambda: (got := receiver.received()) and len(got) >= 2 and got,
        timeout=30,
        message="a 500, then the retry",
    )
    assert first.body == second.body
    for request in (first, second):
        assert verify(request, hook.secret)
        assert request.path == "/hooks/asisten"
    assert json.loads(second.body)["data"]["id"] == bid.pk
    row = wait_for(
        lambda: Delivery.objects.filter(endpoint=hook, status="sent").first(),
        message="the delivery marked sent",
    )
    assert row.attempts == 2
    assert list(row.attempt_log.order_by("number").values_list("status_code", flat=True)) == [
        500,
        200,
    ]


def test_nothing_reaches_an_endpoint_deleted_after_its_event_was_queued(
    client_user, va, other_client, receiver, start_worker
):
    deleted = endpoint_for(client_user, receiver.url)
    job = factories.JobFactory(client=client_user)
    # Queued (on the broker) while no worker runs; then the endpoint is deleted.
    bid_services.bid_submit(job=job, va=va, terms=terms(job), uploads=pdf_upload())
    services.endpoint_delete(endpoint=deleted, user=client_user)
    # A live endpoint's test event afterwards shows the worker did run the queue.
    live = endpoint_for(other_client, receiver.url.replace("asisten", "other"))
    services.test_event_send(endpoint=live, user=other_client)
    start_worker(**FAST)
    [request] = wait_for(receiver.received, message="the live endpoint's test event")
    assert request.path == "/hooks/other"
    wait_for(
        lambda: not Delivery.objects.filter(status="pending").exists(),
        message="nothing pending",
    )
    assert [r.path for r in receiver.received()] == ["/hooks/other"]
    assert Delivery.objects.get(endpoint=deleted).status == "cancelled"
