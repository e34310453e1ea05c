"""`make scale-test`: many processes, one truth (issue 20), under load.

    python loadtest/scale.py [--users 20] [--minutes 2] [--spawn-rate 5] [--keep-db]

On the PostgreSQL server and Redis of DATABASE_URL / REDIS_URL (the private ones of
`scripts/run.py exec`): a scratch database (`asisten_scale`, seeded small by `manage.py
seed`) and a Redis database of its own (SCALE_REDIS_DB, flushed first). It starts two
Celery workers, two independent gunicorn masters (two workers each, DEBUG off, as
production runs them) on two ports, and nginx (Debian's package; config and logs under
.data/scale/) with two listeners: one in front of instance A alone, one round robin over
A and B.

1. Locust (loadtest/locustfile.py: visitors, VAs bidding, clients reviewing bids) through
   the one-instance listener: the throughput of one instance.
2. The same load through the round-robin listener while the checker (loadtest/coherence.py)
   repeats its rounds: a fresh cast, then for each change (a moderator hides a task, a VA
   withdraws a bid, a client edits a title and max rate, a VA changes their name, a client
   reads their notifications) the pages are read on both instances, the change is made,
   and the next request to the other instance must show it. A stale read is read again
   until it is fresh (up to --settle seconds), which gives its duration.

Prints each round as it ends, then the count of stale reads (goal 0), the longest, the
throughput with one and with two instances and the load average; exits non-zero on a
stale read, a 5xx answer or a round whose pages did not show the state before the change.
"""

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import django_setup, free_port, wait_for  # noqa: E402 - after sys.path
from loadtest import coherence  # noqa: E402
from loadtest.run import (  # noqa: E402
    SmtpSink,
    _create_scratch_database,
    _prepare_data,
    _run_locust,
    _start,
    _start_worker,
    production_env,
    stop_everything,
)

SCRATCH_DATABASE = "asisten_scale"
START_LOAD: list[float] = []
NGINX = """worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    client_max_body_size 20m;
    upstream one {{ server 127.0.0.1:{a}; keepalive 16; }}
    upstream both {{ server 127.0.0.1:{a}; server 127.0.0.1:{b}; keepalive 16; }}
    server {{
        listen 127.0.0.1:{one_port};
        location / {{ proxy_pass http://one; {proxy} }}
    }}
    server {{
        listen 127.0.0.1:{both_port};
        location / {{ proxy_pass http://both; {proxy} }}
    }}
}}
"""
PROXY = (
    "proxy_http_version 1.1; proxy_set_header Connection ''; proxy_set_header Host $http_host; "
    "proxy_set_header X-Forwarded-For $remote_addr;"
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20, help="concurrent Locust users")
    parser.add_argument("--minutes", type=float, default=2.0, help="each load phase")
    parser.add_argument("--spawn-rate", type=float, default=5.0)
    parser.add_argument("--bids-per-va", type=int, default=3)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds to follow a stale page")
    parser.add_argument("--keep-db", action="store_true", help=f"keep {SCRATCH_DATABASE}")
    args = parser.parse_args()
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            raise SystemExit(f"{name} is not set (`make scale-test` sets it).")
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not nginx:
        raise SystemExit("nginx is missing: `make scale-test` installs it (as root).")

    START_LOAD[:] = os.getloadavg()  # other work on the machine, before ours starts
    work = ROOT / ".data" / "scale"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    media = Path(tempfile.mkdtemp(prefix="asisten-scale-media-"))
    processes = []
    admin_url = os.environ["DATABASE_URL"]
    sink = None
    say(f"scratch database {SCRATCH_DATABASE}; logs and nginx config in {work}")
    scratch_url = _create_scratch_database(admin_url, SCRATCH_DATABASE)
    try:
        sink = SmtpSink()
        ports = {"a": free_port(), "b": free_port(), "one": free_port(), "both": free_port()}
        env = production_env(
            database_url=scratch_url,
            redis_url=_redis_url(os.environ["REDIS_URL"]),
            email_url=sink.url,
            site_url=f"http://127.0.0.1:{ports['both']}",
            files=media,
        )
        django_setup(env)
        from django.core.cache import caches

        caches["default"].clear()  # this run's own Redis database
        plan = _prepare_data(args)
        plan_path = work / "plan.json"
        plan_path.write_text(json.dumps(plan))
        _start(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], work / "static.log"
        ).wait()

        say("starting two Celery workers, two gunicorn masters (2 workers each) and nginx")
        processes += [_start_worker(work, "scale-worker-1"), _start_worker(work, "scale-worker-2")]
        for name in ("a", "b"):
            command = coherence.gunicorn_command(sys.executable, ports[name], workers=2)
            # Each instance's access log: how many requests the balancer gave it.
            access = {**os.environ, "GUNICORN_ACCESS_LOG": str(work / f"access-{name}.log")}
            processes.append(_start(command, work / f"gunicorn-{name}.log", access))
        for name in ("a", "b"):
            wait_for(f"http://127.0.0.1:{ports[name]}/healthz")
        conf = work / "nginx.conf"
        conf.write_text(
            NGINX.format(
                work=work,
                a=ports["a"],
                b=ports["b"],
                one_port=ports["one"],
                both_port=ports["both"],
                proxy=PROXY,
            )  # fmt: skip
        )
        processes.append(
            _start(
                [nginx, "-c", str(conf), "-p", str(work), "-g", "daemon off;"], work / "nginx.log"
            )
        )
        for name in ("one", "both"):
            wait_for(f"http://127.0.0.1:{ports[name]}/healthz")

        say(f"phase 1: Locust, {args.users} users, one instance (nginx → A)")
        with ticking("phase 1", args.minutes * 60):
            one = _run_locust(args, f"http://127.0.0.1:{ports['one']}", plan_path, work, "one")
        say(f"  {one['requests']} requests, {one['rps']:.1f} req/s, p95 {one['p95_ms']:.0f} ms")

        say(f"phase 2: Locust, {args.users} users, two instances (nginx round robin over A, B)")
        instances = [
            coherence.Instance("A", f"http://127.0.0.1:{ports['a']}"),
            coherence.Instance("B", f"http://127.0.0.1:{ports['b']}"),
        ]
        checker = Checker(instances, args.settle)
        thread = threading.Thread(target=checker.loop, daemon=True)
        thread.start()
        with ticking("phase 2", args.minutes * 60):
            both = _run_locust(args, f"http://127.0.0.1:{ports['both']}", plan_path, work, "both")
        checker.stop.set()
        thread.join(timeout=300)
        served = {name: _lines(work / f"access-{name}.log") for name in ("a", "b")}
        return _report(args, one, both, checker, served)
    finally:
        stop_everything(processes, sink, None if args.keep_db else admin_url, SCRATCH_DATABASE)
        shutil.rmtree(media, ignore_errors=True)


def _redis_url(url: str) -> str:
    """The same Redis server, the run's own database (SCALE_REDIS_DB, default 12)."""
    base, _slash, _db = url.rpartition("/")
    return f"{base}/{os.environ.get('SCALE_REDIS_DB', '12')}"


class Checker:
    """Rounds of coherence.run until told to stop, writing each read down."""

    def __init__(self, instances, settle: float):
        self.instances = instances
        self.settle = settle
        self.stop = threading.Event()
        self.outcome = coherence.Outcome()
        self.rounds = 0
        self.error = ""

    def loop(self) -> None:
        started = time.monotonic()
        try:
            while not self.stop.is_set():
                world = coherence.make_world()
                # Each instance read twice per page before the change: with round robin
                # inside a master, both of its workers have most likely cached the page.
                outcome = coherence.run(
                    coherence.scenarios(world),
                    self.instances,
                    warm_reads=2,
                    settle_seconds=self.settle,
                )
                self.rounds += 1
                self.outcome.reads += outcome.reads
                self.outcome.broken_before += outcome.broken_before
                say(
                    f"  checker round {self.rounds} at {time.monotonic() - started:.0f}s: "
                    f"{len(outcome.reads)} reads after a change, {len(outcome.stale)} stale"
                    + (
                        f", {len(outcome.broken_before)} not as expected before"
                        if outcome.broken_before
                        else ""
                    )
                )
                for read in outcome.stale:
                    say(
                        f"    STALE {read.scenario}: {read.page} on {read.instance} for {read.stale_seconds:.1f}s"
                    )
        except Exception as error:  # noqa: BLE001 - reported, and fails the run
            self.error = repr(error)
            say(f"  checker stopped: {error!r}")
        finally:
            from django.db import connections

            connections.close_all()


def _lines(path: Path) -> int:
    return sum(1 for _ in path.open(errors="replace")) if path.exists() else 0


def _report(args, one: dict, both: dict, checker: Checker, served: dict) -> int:
    outcome = checker.outcome
    errors = {
        label: sum(n for s, n in r["statuses"].items() if s.isdigit() and int(s) >= 500)
        for label, r in (("one", one), ("both", both))
    }
    load = os.getloadavg()
    print("\n=== scale test ===")
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores; "
        f"load average before the run {START_LOAD[0]:.2f}, at the end "
        f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min)"
    )
    print(f"Locust: {args.users} users, {args.minutes:g} min per phase; 2 Celery workers")
    for label, r, key in (("one instance ", one, "one"), ("two instances", both, "both")):
        print(
            f"  {label}: {r['requests']} requests, {r['rps']:.1f} req/s, "
            f"median {r['median_ms']:.0f} ms, p95 {r['p95_ms']:.0f} ms, "
            f"failed {r['failures']} (5xx {errors[key]})"
        )
    print(
        f"requests served over both phases: A {served['a']}, B {served['b']} "
        "(A had phase 1 alone; the checker reads each directly)"
    )
    print(
        f"checker: {checker.rounds} rounds, {len(outcome.reads)} reads on the other instance "
        f"right after a change"
    )
    print(f"stale reads: {len(outcome.stale)}; longest {outcome.longest_stale:.1f}s")
    for text in outcome.broken_before:
        print(f"  not as expected before the change: {text}")
    if checker.error:
        print(f"  checker error: {checker.error}")
    ok = (
        not outcome.stale
        and not outcome.broken_before
        and not checker.error
        and checker.rounds > 0
        and not any(errors.values())
        and not one["failures"]
        and not both["failures"]
    )
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


@contextlib.contextmanager
def ticking(label: str, seconds: float):
    """A progress line every 15 s while a Locust phase runs (it prints only its summary)."""
    done = threading.Event()

    def tick():
        started = time.monotonic()
        while not done.wait(15):
            say(f"  {label}: {time.monotonic() - started:.0f}s of {seconds:.0f}s")

    thread = threading.Thread(target=tick, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()


def say(text: str) -> None:
    print(text, flush=True)


if __name__ == "__main__":
    sys.exit(main())
