"""Which events reach which endpoints (the pages' visibility rules), and what one send does.

Deliveries are sent here by calling `webhooks.delivery.deliver` as the task does; the real
worker runs them in test_worker.py.
"""

import json

import pytest

from api.serializers import BidSerializer, ContractSerializer
from bids import services as bid_services
from contracts import services as contract_services
from jobs import services as job_services
from notifications.models import JobAnnouncement, Notification
from notifications.services import job_fan_out
from tests import factories
from tests.bids.helpers import pdf_upload, terms
from tests.contracts.factories import fixed_contract
from tests.notifications.factories import JobAlertFactory
from tests.webhooks.conftest import endpoint_for, verify
from webhooks import delivery, services
from webhooks.models import Attempt, Delivery, Endpoint, Event

pytestmark = pytest.mark.django_db

ALL = [
    "bid.created",
    "job.published",
    "message.created",
    "contract.created",
    "contract.completed",
    "contract.ended",
]


def delivered_to(endpoint: Endpoint) -> list[str]:
    return list(
        Delivery.objects.filter(endpoint=endpoint)
        .order_by("pk")
        .values_list("event__type", flat=True)
    )


def send_all() -> None:
    for pk in Delivery.objects.filter(status="pending").values_list("pk", flat=True):
        delivery.deliver(delivery_id=pk)


def test_a_bid_reaches_only_the_job_owner_signed_with_the_api_serializer(
    client_user, other_client, va, other_va, receiver
):
    owner_hook = endpoint_for(client_user, receiver.url, *ALL)
    other_client_hook = endpoint_for(other_client, receiver.url, *ALL)
    bidder_hook = endpoint_for(va, receiver.url, *ALL)
    other_va_hook = endpoint_for(other_va, receiver.url, *ALL)
    job = factories.JobFactory(client=client_user)

    bid = bid_services.bid_submit(job=job, va=va, terms=terms(job), uploads=pdf_upload())

    assert delivered_to(owner_hook) == ["bid.created"]
    # Sealed bids: no other client, no other VA, not even the bidder's own programs.
    assert delivered_to(other_client_hook) == []
    assert delivered_to(other_va_hook) == []
    assert delivered_to(bidder_hook) == []
    send_all()
    [request] = receiver.received()
    assert verify(request, owner_hook.secret)
    assert not verify(request, other_client_hook.secret)
    body = json.loads(request.body)
    assert body["type"] == "bid.created"
    assert request.headers["Asisten-Event"] == "bid.created"
    bid.refresh_from_db()
    assert body["data"] == json.loads(json.dumps(BidSerializer(bid).data))
    assert Delivery.objects.get(endpoint=owner_hook).status == "sent"


def test_a_tampered_body_does_not_verify(client_user, va, receiver):
    hook = endpoint_for(client_user, receiver.url)
    job = factories.JobFactory(client=client_user)
    bid_services.bid_submit(job=job, va=va, terms=terms(job), uploads=pdf_upload())
    send_all()
    [request] = receiver.received()
    request.body = request.body.replace(b"bid.created", b"bid.createD")
    assert not verify(request, hook.secret)


def _publish(job):
    job_services.job_publish(job=job, by=job.client)
    for announcement in JobAnnouncement.objects.filter(job_id=job.pk):
        job_fan_out(announcement_id=announcement.pk)


def test_job_published_reaches_vas_whose_alerts_match_and_never_for_invite_only(
    client_user, va, other_va, receiver
):
    bookkeeping = factories.category("bookkeeping")
    JobAlertFactory(user=va, category_ids=[bookkeeping.pk])
    JobAlertFactory(user=other_va, category_ids=[factories.category("social-media").pk])
    va_hook = endpoint_for(va, receiver.url, "job.published")
    other_hook = endpoint_for(other_va, receiver.url, "job.published")
    owner_hook = endpoint_for(client_user, receiver.url, "job.published")

    secret_task = factories.JobFactory(
        client=client_user,
        category=bookkeeping,
        status="draft",
        published_at=None,
        invite_only=True,
    )
    _publish(secret_task)
    # Even if the fan-out were ever run for it, the listener refuses an invite-only task.
    assert services.job_published_fan_out(job_id=secret_task.pk, user_ids=[va.pk]) == 0
    assert not Delivery.objects.exists()

    public = factories.JobFactory(
        client=client_user, category=bookkeeping, status="draft", published_at=None
    )
    _publish(public)
    assert delivered_to(va_hook) == ["job.published"]
    assert delivered_to(other_hook) == []
    assert delivered_to(owner_hook) == []
    # A rerun of the fan-out (the sweep after a killed worker) adds nothing.
    for announcement in JobAnnouncement.objects.all():
        JobAnnouncement.objects.filter(pk=announcement.pk).update(done_at=None)
        job_fan_out(announcement_id=announcement.pk)
    assert Delivery.objects.count() == 1
    send_all()
    [request] = receiver.received()
    assert verify(request, va_hook.secret)
    assert json.loads(request.body)["data"]["id"] == public.pk


def test_messages_and_the_contract_lifecycle_reach_both_parties_only(
    client_user, va, other_va, receiver
):
    client_hook = endpoint_for(client_user, receiver.url, *ALL)
    va_hook = endpoint_for(va, receiver.url, *ALL)
    outsider = endpoint_for(other_va, receiver.url, *ALL)
    job = factories.JobFactory(client=client_user)
    bid = bid_services.bid_submit(job=job, va=va, terms=terms(job), uploads=pdf_upload())
    contract = bid_services.bid_hire(bid=bid, client=client_user)
    contract_services.message_send(contract=contract, author=va, body="Hello, starting today.")
    contract_services.contract_complete(contract=contract, client=client_user)

    assert delivered_to(client_hook) == [
        "bid.created",
        "contract.created",
        "message.created",
        "contract.completed",
    ]
    assert delivered_to(va_hook) == ["contract.created", "message.created", "contract.completed"]
    assert delivered_to(outsider) == []
    event = Event.objects.get(type="contract.completed")
    contract.refresh_from_db()
    assert event.payload == json.loads(json.dumps(ContractSerializer(contract).data))
    message_event = Event.objects.get(type="message.created")
    assert message_event.payload["body"] == "Hello, starting today."
    assert message_event.payload["contract_id"] == contract.pk


def test_contract_ended_early(client_user, va, receiver):
    contract = fixed_contract(client=client_user, va=va)
    hook = endpoint_for(va, receiver.url, "contract.ended")
    contract_services.contract_end(contract=contract, user=client_user, reason="Plans changed.")
    assert delivered_to(hook) == ["contract.ended"]


def test_an_endpoint_only_gets_the_events_it_chose(client_user, va, receiver):
    hook = endpoint_for(client_user, receiver.url, "message.created")
    job = factories.JobFactory(client=client_user)
    bid_services.bid_submit(job=job, va=va, terms=terms(job), uploads=pdf_upload())
    assert delivered_to(hook) == []


def test_nothing_is_sent_to_a_deleted_or_disabled_endpoint_even_if_queued_before(
    client_user, va, receiver
):
    deleted = endpoint_for(client_user, receiver.url)
    raced = endpoint_for(client_user, receiver.url)
    job = factories.JobFactory(client=client_user)
    bid_services.bid_submit(job=job, va=va, terms=terms(job), uploads=pdf_upload())
    assert Delivery.objects.filter(status="pending").count() == 2
    services.endpoint_delete(endpoint=deleted, user=client_user)
    # A delete racing a queued send: the row still says pending, the send checks again.
    Endpoint.objects.filter(pk=raced.pk).update(disabled_at=deleted.created_at)
    for pk in Delivery.objects.values_list("pk", flat=True):
        delivery.deliver(delivery_id=pk)
    assert receiver.received() == []
    assert set(Delivery.objects.values_list("status", flat=True)) == {"cancelled"}
    assert not Attempt.objects.exists()


def test_a_failure_backs_off_then_gives_up(client_user, va, receiver, settings):
    settings.WEBHOOKS_RETRY_SCHEDULE = [60, 300]
    hook = endpoint_for(client_user, receiver.url)
    receiver.statuses = [500, 503, 500]
    job = factories.JobFactory(client=client_user)
    bid_services.bid_submit(job=job, va=va, terms=terms(job), uploads=pdf_upload())
    row = Delivery.objects.get(endpoint=hook)

    assert delivery.deliver(delivery_id=row.pk) == 60
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 1)
    # Not due yet: a duplicate message does nothing.
    assert delivery.deliver(delivery_id=row.pk) is None
    assert len(receiver.received()) == 1
    for _ in range(2):
        Delivery.objects.filter(pk=row.pk).update(next_attempt_at=None)
        delivery.deliver(delivery_id=row.pk)
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 3)
    assert list(row.attempt_log.order_by("number").values_list("status_code", flat=True)) == [
        500,
        503,
        500,
    ]
    assert row.attempt_log.first().response_excerpt == "answered 500"
    hook.refresh_from_db()
    assert hook.consecutive_failures == 3 and hook.is_live


def test_many_failures_in_a_row_turn_the_endpoint_off_and_tell_its_owner(
    client_user, va, receiver, settings
):
    settings.WEBHOOKS_DISABLE_AFTER_FAILURES = 2
    hook = endpoint_for(client_user, receiver.url)
    receiver.statuses = [500, 500]
    first = services.test_event_send(endpoint=hook, user=client_user)
    second = services.test_event_send(endpoint=hook, user=client_user)
    delivery.deliver(delivery_id=first.pk)
    delivery.deliver(delivery_id=second.pk)
    hook.refresh_from_db()
    assert hook.disabled_at is not None
    assert set(Delivery.objects.values_list("status", flat=True)) == {"cancelled"}
    assert Notification.objects.filter(recipient=client_user, kind="webhook_disabled").exists()
    # Turned back on, it is sent to again from a clean count.
    services.endpoint_enable(endpoint=hook, user=client_user)
    hook.refresh_from_db()
    delivery.deliver(delivery_id=services.test_event_send(endpoint=hook, user=client_user).pk)
    hook.refresh_from_db()
    assert hook.is_live and hook.consecutive_failures == 0 and hook.last_success_at


def test_resend_sends_a_delivered_event_again(client_user, receiver):
    hook = endpoint_for(client_user, receiver.url)
    sent = services.test_event_send(endpoint=hook, user=client_user)
    delivery.deliver(delivery_id=sent.pk)
    services.delivery_resend(delivery=sent, user=client_user)
    delivery.deliver(delivery_id=sent.pk)
    first, again = receiver.received()
    assert json.loads(first.body) == json.loads(again.body)
    assert json.loads(first.body)["type"] == "webhook.test"
    assert list(sent.attempt_log.order_by("number").values_list("number", flat=True)) == [1, 2]


def test_a_name_or_address_that_is_not_public_is_refused_at_send_time(client_user, receiver):
    # Written past the form (as if DNS now pointed a saved name at this machine).
    hook = Endpoint.objects.create(
        user=client_user,
        url=receiver.url.replace("http://127.0.0.1", "https://127.0.0.2"),
        events=["bid.created"],
        secret="whsec_x",
    )
    sent = services.test_event_send(endpoint=hook, user=client_user)
    delivery.deliver(delivery_id=sent.pk)
    attempt = Attempt.objects.get(delivery=sent)
    assert attempt.status_code is None and attempt.error.startswith("Refused")
    assert receiver.received() == []


def test_redirects_are_not_followed(client_user, settings):
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    hits = []

    class Redirect(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(302)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        hook = endpoint_for(client_user, f"http://127.0.0.1:{server.server_address[1]}/a")
        sent = services.test_event_send(endpoint=hook, user=client_user)
        delivery.deliver(delivery_id=sent.pk)
    finally:
        server.shutdown()
        server.server_close()
    assert hits == ["/a"]
    assert Attempt.objects.get(delivery=sent).status_code == 302
    sent.refresh_from_db()
    assert sent.status == "pending"  # a redirect is a failed try


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/hook",
        "https://10.0.0.7/hook",
        "https://192.168.1.20/hook",
        "https://172.16.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::ffff:10.0.0.1]/hook",
        "https://[fd00::1]/hook",
        "https://0.0.0.0/hook",
        "https://printer.local/hook",
        "https://intranet/hook",
        "ftp://example.com/hook",
        "https://user:pw@example.com/hook",
        "not a url",
    ],
)
def test_urls_we_never_send_to(url):
    with pytest.raises(services.ValidationError):
        services.check_url(url)


def test_localhost_only_while_the_setting_is_on(settings):
    assert services.check_url("http://127.0.0.1:8001/x") == "http://127.0.0.1:8001/x"
    assert services.check_url("https://hooks.example.com/x") == "https://hooks.example.com/x"
    assert services.check_url("https://93.184.216.34/x")
    settings.WEBHOOKS_ALLOW_HTTP_LOCALHOST = False
    for url in ("http://127.0.0.1:8001/x", "https://localhost/x", "http://localhost/x"):
        with pytest.raises(services.ValidationError):
            services.check_url(url)


def test_https_is_spoken_to_an_https_url(client_user, receiver):
    # The receiver speaks plain HTTP: an https:// URL must fail the TLS handshake, not
    # quietly fall back to plain text.
    hook = endpoint_for(client_user, receiver.url.replace("http://", "https://"))
    sent = services.test_event_send(endpoint=hook, user=client_user)
    delivery.deliver(delivery_id=sent.pk)
    attempt = Attempt.objects.get(delivery=sent)
    assert attempt.status_code is None and "SSL" in attempt.error
    assert receiver.received() == []


def test_the_sweep_queues_only_what_is_due(client_user, receiver):
    from datetime import timedelta

    from django.utils import timezone

    hook = endpoint_for(client_user, receiver.url)
    due = services.test_event_send(endpoint=hook, user=client_user)
    backing_off = services.test_event_send(endpoint=hook, user=client_user)
    done = services.test_event_send(endpoint=hook, user=client_user)
    Delivery.objects.filter(pk=backing_off.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    Delivery.objects.filter(pk=done.pk).update(status="sent")
    assert services.outbox_sweep(min_age=timedelta(0)) == 1
    assert services.outbox_sweep(min_age=timedelta(minutes=1)) == 0
    assert list(Delivery.objects.due(older_than=timedelta(0)).values_list("pk", flat=True)) == [
        due.pk
    ]
