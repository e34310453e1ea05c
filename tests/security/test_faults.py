"""Faults with real processes: Redis killed and restarted, a PostgreSQL connection dropped.

Every test here runs against a PRIVATE redis-server (never the shared one): cache, sessions,
rate limits, /healthz and the Celery broker all point at it, so killing it is a real outage.

Covered elsewhere, with the same real processes, and not repeated here:
- SMTP down (temporary 451s, then past the retry limit and retried by staff):
  tests/notifications/test_worker.py::test_smtp_failing_twice_then_working_sends_one_email,
  ::test_smtp_failing_past_the_limit_fails_then_staff_retry_it_from_the_admin;
- a Celery worker killed with kill -9 mid-batch (nothing lost, nothing sent twice):
  ::test_a_worker_killed_mid_batch_loses_and_duplicates_nothing;
- a bid saved by the service while the broker is down, emailed once Redis is back:
  ::test_with_redis_down_a_bid_is_saved_and_emailed_once_redis_is_back.
"""

from contextlib import contextmanager
from datetime import timedelta

import psycopg2
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from bids.models import Bid, WorkSample
from jobs.models import Job
from jobs.services import search_vectors_refresh
from notifications import services as notification_services
from notifications.broker import forget_outage
from notifications.models import Delivery, Notification
from tests import factories
from tests.notifications.conftest import (  # noqa: F401 - fixtures, shared not copied
    private_redis,
    publishing_to,
    smtp_sink,
    start_worker,
    wait_for,
)
from tests.security.world import png_bytes

OUR_500 = "Something went wrong on our side"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def redis_outage(private_redis, settings):  # noqa: F811 - the imported fixture
    """Point everything that uses Redis at the private server; yield it for kill/restart.

    Cache, sessions and rate limits follow settings.CACHES, /healthz settings.REDIS_URL;
    the Celery publisher is configured once per process, so publishing_to repoints it (and
    puts it back afterwards: it must read the original broker URL first).
    """
    with publishing_to(private_redis.url):
        settings.REDIS_URL = private_redis.url
        settings.CACHES = {
            alias: {**config, "LOCATION": private_redis.url}
            for alias, config in settings.CACHES.items()
        }
        yield private_redis


@contextmanager
def redis_down(server):
    server.stop()
    try:
        yield
    finally:
        server.start()
        # This process remembers a broker outage for a few seconds so requests skip the
        # broker (notifications.broker); a fresh web process would not remember it either.
        forget_outage()


def _anonymous() -> Client:
    # A failing request must show our own page, not raise into the test.
    return Client(raise_request_exception=False)


def _public_pages(job: Job) -> list[str]:
    return [
        "/",
        reverse("jobs:board"),
        reverse("jobs:board") + "?q=receipts",
        job.get_absolute_url(),
    ]


def _bid_form(job: Job) -> dict:
    return {
        "amount": "400000",
        "delivery_date": (timezone.localdate() + timedelta(days=7)).isoformat(),
        "cover_letter": "I have sorted receipts for three shops and can start tomorrow.",
        "manual_version": str(job.current_manual.number),
        "manual_acknowledged": "on",
        "files": [SimpleUploadedFile("receipts.png", png_bytes(), "image/png")],
    }


# --- Redis ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_with_redis_down_visitors_still_get_the_pages_and_healthz_says_503(
    redis_outage, client_user
):
    job = factories.JobFactory(client=client_user, title="Sort the receipts")
    search_vectors_refresh(job_ids=[job.pk])
    visitor = _anonymous()
    with redis_down(redis_outage):
        for path in _public_pages(job):
            response = visitor.get(path)
            assert response.status_code == 200, (path, response.content.decode()[:500])
            assert "Sort the receipts" in response.content.decode() or path == "/"
        health = visitor.get("/healthz")
        assert health.status_code == 503
        assert health.json()["redis"] == "error"
        assert health.json()["postgres"] == "ok"

    for path in [*_public_pages(job), "/healthz"]:
        assert visitor.get(path).status_code == 200, path


@pytest.mark.django_db
def test_with_redis_down_signing_in_shows_our_error_page_and_works_once_it_is_back(
    redis_outage, va
):
    visitor = _anonymous()
    with redis_down(redis_outage):
        login_page = visitor.get(reverse("account_login"))
        assert login_page.status_code == 200
        response = visitor.post(
            reverse("account_login"), {"login": va.email, "password": factories.PASSWORD}
        )
        assert response.status_code == 500
        assert OUR_500 in response.content.decode()
        assert "Traceback" not in response.content.decode()

    # Redis is back: the same form signs the VA in.
    response = visitor.post(
        reverse("account_login"), {"login": va.email, "password": factories.PASSWORD}
    )
    assert response.status_code == 302
    assert visitor.get(reverse("bids:mine")).status_code == 200


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_bid_sent_during_a_redis_outage_is_not_half_saved_and_goes_through_once_after(
    redis_outage,
    client_user,
    va,
    smtp_sink,  # noqa: F811
    start_worker,  # noqa: F811
):
    """Sessions live in Redis, so a VA signed in before the outage is signed out by it.

    The right behaviour: the bid is not taken (no bid, sample, file or notification), the VA
    is sent to the sign-in page (a normal page, no traceback); once Redis is back they sign in,
    send it again, and it arrives exactly once — one bid, one notification, one email.
    """
    job = factories.JobFactory(client=client_user, title="Sort the receipts")
    url = reverse("bids:submit", args=[job.pk])
    browser = _anonymous()
    browser.force_login(va)
    assert browser.get(url).status_code == 200

    with redis_down(redis_outage):
        response = browser.post(url, _bid_form(job))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
        sign_in = browser.get(response["Location"])
        assert sign_in.status_code == 200
        assert not Bid.objects.exists()
        assert not WorkSample.objects.exists()
        assert not Notification.objects.exists()

    start_worker(broker_url=redis_outage.url)
    browser.force_login(va)
    response = browser.post(url, _bid_form(job))
    assert response.status_code == 302, response.content.decode()[:2000]
    # The browser's back button and a second click: an edit of the same bid, never a copy.
    assert browser.post(url, _bid_form(job)).status_code == 302

    assert Bid.objects.filter(job=job, va=va).count() == 1
    assert Job.objects.get(pk=job.pk).bid_count == 1
    kinds = sorted(
        Notification.objects.filter(recipient=client_user).values_list("kind", flat=True)
    )
    assert kinds == ["bid_edited", "bid_submitted"]
    wait_for(
        lambda: not Delivery.objects.filter(status="pending").exists(),
        timeout=60,
        message="no pending delivery",
    )
    notification_services.outbox_sweep(min_age=timedelta(0))  # a later sweep sends nothing more
    [submitted] = Delivery.objects.filter(notification__kind="bid_submitted")
    assert submitted.status == "sent"
    # The edit waits for the client's daily digest (their default for bid_edited).
    assert Delivery.objects.get(notification__kind="bid_edited").status == "held"
    [email] = smtp_sink.to(client_user.email)
    assert "Sort the receipts" in email["Subject"]


# --- PostgreSQL ----------------------------------------------------------------------------


def _terminate_backend(pid: int) -> None:
    """pg_terminate_backend from a second, independent connection (as a failover would)."""
    db = connection.settings_dict
    other = psycopg2.connect(
        dbname=db["NAME"],
        user=db["USER"],
        password=db["PASSWORD"] or None,
        host=db["HOST"] or None,
        port=db["PORT"] or None,
    )
    try:
        other.autocommit = True
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            assert cursor.fetchone() == (True,)

            def gone() -> bool:  # the signal is asynchronous: wait until the backend exited
                cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                return cursor.fetchone() == (0,)

            wait_for(gone, timeout=10, message=f"backend {pid} to exit")
    finally:
        other.close()


def _serve(path: str):
    """One request through Django's real WSGI handler (the test client skips the
    request_started hook that checks persistent connections)."""
    environ = RequestFactory().get(path).environ
    statuses = []
    response = WSGIHandler()(
        environ, lambda status, headers, exc_info=None: statuses.append(status)
    )
    body = b"".join(response)
    response.close()  # request_finished: what the server does after each response
    return int(statuses[0].split()[0]), body


@pytest.fixture
def persistent_connection(monkeypatch):
    """Connections kept between requests, as in production (CONN_MAX_AGE > 0)."""
    connection.close()
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
    yield connection
    connection.close()


def _drop_the_connection_between_two_requests(job) -> tuple[int, bytes, int]:
    status, _ = _serve(job.get_absolute_url())
    assert status == 200
    pid = connection.connection.get_backend_pid()  # the connection the next request inherits
    _terminate_backend(pid)
    status, body = _serve(job.get_absolute_url())
    return status, body, pid


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_dropped_postgres_connection_is_replaced_before_the_next_request(
    persistent_connection, client_user
):
    job = factories.JobFactory(client=client_user, title="Sort the receipts")
    assert django_settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True

    status, body, old_pid = _drop_the_connection_between_two_requests(job)

    assert status == 200
    assert b"Sort the receipts" in body
    assert connection.connection.get_backend_pid() != old_pid


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_without_health_checks_the_same_drop_would_fail_a_request(
    persistent_connection, monkeypatch, client_user
):
    """The control: shows the test above exercises CONN_HEALTH_CHECKS, not luck."""
    monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", False)
    connection.close()  # read at connect time
    job = factories.JobFactory(client=client_user, title="Sort the receipts")

    status, body, _ = _drop_the_connection_between_two_requests(job)

    assert status == 500
    assert OUR_500.encode() in body
