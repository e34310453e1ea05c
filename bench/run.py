"""`make bench`: pages against Django's own ceiling, measured in one run on this machine.

Needs a seeded database (`make seed`). Starts gunicorn as production runs it (2 workers,
DEBUG off) on 127.0.0.1, warms every page up, then drives each page with wrk for a fixed
duration at a fixed concurrency and prints one table: requests/s, p50, p99, SQL queries per
request, and the ratio to the ceiling. Then the upload (peak RSS of the worker) and the
notification fan-out (bench/fanout.py) measurements.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def django_setup(env: dict) -> None:
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    import django

    django.setup()


def session_cookie(email: str) -> str:
    """A real signed-in session for `email`, stored where the app keeps sessions (Redis)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.cache import SessionStore

    from accounts.models import User

    user = User.objects.get(email=email)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return f"{settings.SESSION_COOKIE_NAME}={store.session_key}"


def queries_per_request(path: str, email: str | None) -> int:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    if email:
        client.force_login(User.objects.get(email=email))
    client.get(path)  # warm caches the same way the server is warmed
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(path)
    if response.status_code != 200:
        raise SystemExit(
            f"{path} answered {response.status_code} in-process; is the database seeded?"
        )
    return len(ctx.captured_queries)


def parse_wrk(output: str) -> dict:
    def to_ms(text: str) -> float:
        value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    # Anchored: the thread stats end in percentages too ("87.50%"), which must not match.
    p50 = to_ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = to_ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:.*", output)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(0) if errors else "",
    }


def run_wrk(url: str, cookie: str | None, *, duration: int, connections: int) -> dict:
    cmd = [
        "wrk",
        "-t2",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "-H",
        "X-Forwarded-Proto: https",
    ]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per page")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--skip-fanout", action="store_true")
    parser.add_argument("--skip-upload", action="store_true")
    args = parser.parse_args()

    if not shutil.which("wrk"):
        raise SystemExit(
            "wrk is not installed: `apt-get install -y wrk` (make bench does this when root)."
        )

    env = {
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-" + "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "BENCHMARK_VIEWS": "1",
        "SECURE_SSL_REDIRECT": "0",
        "CONN_MAX_AGE": "600",
        "LOG_LEVEL": "WARNING",
    }
    for name in ("DATABASE_URL", "REDIS_URL"):
        if not os.environ.get(name):
            raise SystemExit(
                f"{name} is not set (the Makefile sets it from the quick-start services)."
            )
        env[name] = os.environ[name]
    django_setup(env)

    from bench import scenarios

    pages = scenarios.pages()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT,
        env={**os.environ},
        check=True,
    )
    server = subprocess.Popen(
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
            "2",
        ],
        cwd=ROOT,
        env={**os.environ},
        start_new_session=True,
    )
    try:
        wait_for(base + "/healthz")
        print(
            f"gunicorn (2 workers) on {base}; {args.duration}s per page at {args.connections} connections\n"
        )
        results = []
        for page in pages:
            cookie = session_cookie(page.email) if page.email else None
            for _ in range(20):  # warm-up: connections, template caches, PostgreSQL buffers
                request = urllib.request.Request(
                    base + page.path,
                    headers={
                        "X-Forwarded-Proto": "https",
                        **({"Cookie": cookie} if cookie else {}),
                    },
                )
                with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback only
                    response.read()
            measured = run_wrk(
                base + page.path, cookie, duration=args.duration, connections=args.connections
            )
            measured["queries"] = queries_per_request(page.path, page.email)
            results.append((page, measured))
            sys.stderr.write(f"  measured {page.name}: {measured['rps']:.0f} req/s\n")
        print_table(results)
        if not args.skip_upload:
            scenarios.upload_measurement(base, server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    if not args.skip_fanout:
        subprocess.run([sys.executable, str(ROOT / "bench" / "fanout.py")], cwd=ROOT, check=True)


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not answer within {timeout}s")


def print_table(results) -> None:
    ceiling = results[0][1]["rps"]
    by_name = {page.name: measured for page, measured in results}
    header = f"{'page':<34} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'SQL/req':>8} {'ratio':>7}  {'target':<18} {'met':<4}"
    print(header)
    print("-" * len(header))
    for page, m in results:
        ratio = m["rps"] / ceiling if ceiling else 0
        if page.target_of == "ceiling":
            target_ratio, basis = page.target, "of ceiling"
        else:
            target_ratio = (
                page.target * by_name[page.target_of]["rps"] / ceiling if page.target else None
            )
            basis = f"of {page.target_of}"
        met = "" if page.target is None else ("yes" if ratio >= target_ratio - 1e-9 else "NO")
        target = "" if page.target is None else f">= {page.target:.1f} {basis}"
        print(
            f"{page.name:<34} {m['rps']:>8.0f} {m['p50']:>8.1f} {m['p99']:>8.1f} {m['queries']:>8} {ratio:>7.2f}  {target:<18} {met:<4}"
        )
        if m["non2xx"] or m["errors"]:
            print(f"    ! {m['non2xx']} non-2xx responses {m['errors']}")


if __name__ == "__main__":
    main()
