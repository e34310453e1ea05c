"""End to end with real processes: Redis, a Celery worker, an SMTP sink; then the faults.

Each test starts its own worker (see conftest) against the pytest database, so the tests are
transactional: the worker sees only committed rows, as in production.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse

from notifications import services
from notifications.broker import forget_outage
from notifications.models import Delivery, JobAnnouncement, Notification
from tests import factories
from tests.notifications.conftest import html_body, publishing_to, text_body, wait_for
from tests.notifications.factories import JobAlertFactory, bulk_vas

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Real Celery workers share the broker queue: keep them on one xdist worker.
    pytest.mark.xdist_group("celery-worker"),
]

NOW = timedelta(0)


def settle(timeout: float = 40) -> None:
    """Sweep (as beat would) until no delivery is pending."""

    def done() -> bool:
        services.outbox_sweep(min_age=NOW)
        return not Delivery.objects.filter(status="pending").exists()

    wait_for(done, timeout=timeout, interval=1, message="no pending deliveries")


def test_a_published_job_emails_matching_vas_only(
    client_user, va, other_va, smtp_sink, start_worker
):
    from jobs.services import job_publish

    start_worker()
    JobAlertFactory(user=va, category_ids=[factories.category("bookkeeping").pk])
    JobAlertFactory(user=other_va, category_ids=[factories.category("social-media").pk])
    job = factories.JobFactory(
        client=client_user,
        title="Monthly bookkeeping",
        category=factories.category("bookkeeping"),
        status="draft",
        published_at=None,
    )
    job_publish(job=job, by=client_user)

    [message] = wait_for(lambda: smtp_sink.to(va.email), message="the VA's email")
    assert "Monthly bookkeeping" in message["Subject"]
    assert f"/jobs/{job.pk}/" in text_body(message)
    assert f"/jobs/{job.pk}/" in html_body(message)
    assert " ".join(message["List-Unsubscribe"].split()).startswith("<http")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert Notification.objects.filter(recipient=va, kind="job_posted", job_id=job.pk).count() == 1
    wait_for(lambda: JobAnnouncement.objects.filter(job_id=job.pk, done_at__isnull=False).exists())
    assert not Notification.objects.filter(recipient=other_va).exists()
    assert smtp_sink.to(other_va.email) == []
    wait_for(
        lambda: Delivery.objects.filter(status="sent").count() == 1, message="delivery marked sent"
    )


def test_a_rolled_back_transaction_sends_nothing(
    client_user, other_client, smtp_sink, start_worker
):
    start_worker()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.notify(
            kind="bid_submitted",
            recipients=[client_user],
            event_key="bid_submitted:rolled-back",
            data={"url": "/jobs/1/bids/", "title": "Never happened"},
        )
        raise RuntimeError("the bid could not be saved")
    # A later event goes through the same queue: once it has arrived, the first would have too.
    with transaction.atomic():
        services.notify(
            kind="bid_submitted",
            recipients=[other_client],
            event_key="bid_submitted:committed",
            data={"url": "/jobs/2/bids/", "title": "Did happen"},
        )
    wait_for(lambda: smtp_sink.to(other_client.email), message="the committed event's email")
    assert smtp_sink.to(client_user.email) == []
    assert not Notification.objects.filter(recipient=client_user).exists()


def test_with_redis_down_a_bid_is_saved_and_emailed_once_redis_is_back(
    client_user, va, smtp_sink, start_worker, private_redis
):
    from accounts.models import PortfolioItem
    from bids.services import BidTerms, bid_submit

    job = factories.JobFactory(client=client_user, title="Plan a team offsite")
    sample = PortfolioItem.objects.create(
        profile=va.va_profile, title="Offsite plan", link="https://example.com/offsite-plan"
    )
    with publishing_to(private_redis.url):
        private_redis.stop()
        bid = bid_submit(
            job=job,
            va=va,
            terms=BidTerms(
                amount=Decimal("450000"),
                cover_letter="I have planned three offsites for teams of twenty; happy to help.",
                delivery_date=date.today() + timedelta(days=7),
                manual_version=job.current_manual,
                manual_acknowledged=True,
            ),
            portfolio_items=[sample],
        )
        # The request's work is done and committed although the broker was unreachable.
        assert bid.pk is not None
        delivery = Delivery.objects.get(
            notification__recipient=client_user, notification__kind="bid_submitted"
        )
        assert delivery.status == "pending"

        private_redis.start()
        # Beat's sweep runs in its own process, which never saw the outage; this process
        # remembers it for a few seconds (notifications.broker) so requests skip the broker.
        forget_outage()
        services.outbox_sweep(min_age=NOW)
        start_worker(broker_url=private_redis.url)
        wait_for(
            lambda: smtp_sink.to(client_user.email), message="the client's email after the outage"
        )
        wait_for(lambda: Delivery.objects.get(pk=delivery.pk).status == "sent")
        services.outbox_sweep(min_age=NOW)  # further sweeps change nothing
    assert len(smtp_sink.to(client_user.email)) == 1
    assert "Plan a team offsite" in smtp_sink.to(client_user.email)[0]["Subject"]


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(
    client_user, smtp_sink, start_worker
):
    vas = bulk_vas(40)
    for va in vas:
        JobAlertFactory(user=va)
    job = factories.JobFactory(client=client_user, title="Data entry sprint")
    smtp_sink.delay = 0.1  # a slow mail server: the batch takes seconds
    worker = start_worker()
    with transaction.atomic():
        services.announce_job(
            job_id=job.pk,
            client_id=client_user.pk,
            title=job.title,
            text=job.description,
            category_id=job.category_id,
            skill_ids=[],
            pay_type=job.pay_type,
            max_rate=job.max_rate,
            currency=job.currency,
        )
    wait_for(lambda: len(smtp_sink.messages) >= 5, message="the batch to be under way")
    worker.kill()
    assert Delivery.objects.filter(status="pending").exists(), "the batch finished before the kill"

    smtp_sink.delay = 0
    start_worker()
    settle()
    for va in vas:
        assert (
            Notification.objects.filter(recipient=va, event_key=f"job_posted:{job.pk}").count() == 1
        )
        assert smtp_sink.to(va.email), f"{va.email} got no email"
    assert set(Delivery.objects.values_list("status", flat=True)) == {"sent"}
    assert Delivery.objects.count() == len(vas)


def _notify_client(client_user, key="bid_submitted:smtp"):
    with transaction.atomic():
        services.notify(
            kind="bid_submitted",
            recipients=[client_user],
            event_key=key,
            data={"url": "/jobs/1/bids/", "title": "Sort the inbox"},
        )
    return Delivery.objects.get(notification__event_key=key)


def test_smtp_failing_twice_then_working_sends_one_email(client_user, smtp_sink, start_worker):
    smtp_sink.fail_next = 2
    start_worker()
    delivery = _notify_client(client_user)
    wait_for(
        lambda: Delivery.objects.get(pk=delivery.pk).status == "sent", message="sent after retries"
    )
    delivery.refresh_from_db()
    assert delivery.attempts == 3
    assert "451" in delivery.last_error
    assert len(smtp_sink.to(client_user.email)) == 1


def test_smtp_failing_past_the_limit_fails_then_staff_retry_it_from_the_admin(
    client, client_user, staff, smtp_sink, start_worker
):
    smtp_sink.fail_next = 100
    start_worker(NOTIFICATIONS_MAX_ATTEMPTS=3)
    delivery = _notify_client(client_user)
    wait_for(
        lambda: Delivery.objects.get(pk=delivery.pk).status == "failed", message="failed delivery"
    )
    delivery.refresh_from_db()
    assert delivery.attempts == 3
    assert smtp_sink.to(client_user.email) == []

    client.force_login(staff)
    changelist = reverse("admin:notifications_delivery_changelist")
    response = client.get(changelist, {"status__exact": "failed"})
    assert response.status_code == 200
    assert client_user.email in response.content.decode()

    smtp_sink.fail_next = 0
    response = client.post(
        changelist, {"action": "retry_deliveries", "_selected_action": [delivery.pk]}, follow=True
    )
    assert response.status_code == 200
    wait_for(
        lambda: Delivery.objects.get(pk=delivery.pk).status == "sent",
        message="sent after staff retry",
    )
    assert len(smtp_sink.to(client_user.email)) == 1


# --- a worker that cannot reach this run's servers fails its test at once ------------------


def test_a_worker_given_an_unreachable_database_fails_at_once_with_its_log(start_worker):
    import time

    started = time.monotonic()
    with pytest.raises(AssertionError) as failure:
        start_worker(DATABASE_URL="postgres://postgres@127.0.0.1:9/nowhere")

    assert time.monotonic() - started < 30  # its start-up line, not a wait for email
    assert "did not reach this run's servers" in str(failure.value)
    assert 'database "nowhere" at 127.0.0.1:9 unreachable' in str(failure.value)


def test_a_worker_given_another_database_on_the_same_server_fails_at_once(start_worker):
    from django.conf import settings as django_settings

    from marketplace import dburl

    other = dburl.url_from_settings(django_settings.DATABASES["default"], name="postgres")
    with pytest.raises(AssertionError) as failure:
        start_worker(DATABASE_URL=other)

    assert 'worker start-up: database "postgres" on the server started' in str(failure.value)


def test_a_worker_given_an_unreachable_broker_fails_at_once_with_its_log(start_worker):
    import time

    started = time.monotonic()
    with pytest.raises(AssertionError) as failure:
        start_worker(broker_url="redis://127.0.0.1:9/0")

    assert time.monotonic() - started < 30
    assert "cannot reach its broker" in str(failure.value)
    assert "redis://127.0.0.1:9/0" in str(failure.value)
