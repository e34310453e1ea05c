"""`make bench`: pages against Django's own ceiling, measured in one run on this machine.

Needs a seeded database (`make seed`). Starts gunicorn as production runs it (2 workers,
DEBUG off) on 127.0.0.1, warms every page up, then drives each page with wrk for a fixed
duration at a fixed concurrency and prints one table: requests/s, p50, p99, SQL queries per
request, and the ratio to the ceiling. Then the upload (peak RSS of the worker) and the
notification fan-out (bench/fanout.py) measurements.

The pages are measured in rounds, each page paired with a run of the ceiling right beside
it: a page's ratio in a round is against that ceiling run, and the table shows the median
of the rounds with the lowest and highest ratio beside it. On a shared machine the absolute
rate drifts by a factor of two within a minute; a ratio measured seconds apart drifts far
less, and many short pairs give a steadier median than a few long ones. The order inside
a pair alternates from round to round (ceiling first, then page first), so neither side
always runs on the heels of the other.

Cold pages (bench.scenarios.cold_searches) never send a query twice: every wrk run gets a
fresh slice of distinct search URLs through a Lua script, each connection walking its own
share of them, and the run starts by moving both search generations so that no ranking
an earlier run cached can answer. A run that sent more requests than it had URLs says so
in the table (its extra requests were repeats).
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
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
    from django.utils.crypto import get_random_string

    from accounts.models import User

    user = User.objects.get(email=email)
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    # A browser that has shown one of our forms also holds the CSRF cookie and sends it back.
    csrf_secret = get_random_string(32, allowed_chars=string.ascii_letters + string.digits)
    return (
        f"{settings.SESSION_COOKIE_NAME}={store.session_key}; "
        f"{settings.CSRF_COOKIE_NAME}={csrf_secret}"
    )


def queries_per_request(path: str, email: str | None, *, warm_path: str | None = None) -> int:
    """SQL queries of one request to `path`, after one request to `warm_path` (default:
    `path` itself, so caches are warm the way the server's are; a cold page warms with
    another query of its kind and counts a query never sent before)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    client = Client(HTTP_X_FORWARDED_PROTO="https", HTTP_HOST="127.0.0.1")
    if email:
        client.force_login(User.objects.get(email=email))
    client.get(warm_path or path)
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
    sent = re.search(r"(\d+) requests in", output)
    errors = re.search(r"Socket errors:.*", output)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(0) if errors else "",
        "requests": int(sent.group(1)) if sent else 0,
    }


# Each wrk thread walks the paths from its own offset in steps of the thread count, so no
# two requests of a run share a path until every path has been sent once.
_COLD_SCRIPT = """
local paths = {%(paths)s}
local n = 0
function setup(thread)
  thread:set("offset", n)
  n = n + 1
end
function init(args)
  counter = offset
end
function request()
  local path = paths[(counter %% #paths) + 1]
  counter = counter + %(threads)d
  return wrk.format("GET", path)
end
"""


def cold_script(paths: list[str], threads: int) -> str:
    """A wrk Lua script sending `paths` in turn (written to a temporary file)."""
    body = ",".join('"' + p.replace("\\", "\\\\").replace('"', '\\"') + '"' for p in paths)
    handle = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
    with handle:
        handle.write(_COLD_SCRIPT % {"paths": body, "threads": threads})
    return handle.name


WRK_THREADS = 2


def run_wrk(
    url: str,
    cookie: str | None,
    *,
    duration: int,
    connections: int,
    paths: list[str] | None = None,
) -> dict:
    """One wrk run against `url`, or, with `paths`, against each of those once in turn."""
    cmd = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "-H",
        "X-Forwarded-Proto: https",
    ]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    script = cold_script(paths, WRK_THREADS) if paths else None
    if script:
        cmd += ["-s", script]
    try:
        output = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    finally:
        if script:
            os.unlink(script)
    result = parse_wrk(output)
    result["repeats"] = max(0, result["requests"] - len(paths)) if paths else 0
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--duration", type=int, default=2, help="seconds per page (and its ceiling) per round"
    )
    parser.add_argument(
        "--rounds", type=int, default=10, help="times every page is measured (medians shown)"
    )
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--skip-fanout", action="store_true")
    parser.add_argument("--skip-upload", action="store_true")
    parser.add_argument(
        "--only",
        nargs="*",
        metavar="N",
        help="measure only these pages by number (the ceiling is always measured)",
    )
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

    from accounts.services import va_directory_changed
    from bench import scenarios
    from jobs.board import search_results_changed

    # No ranking cached by an earlier run may answer this run's cold queries.
    search_results_changed()
    va_directory_changed()
    pages = scenarios.pages(cold_runs=args.rounds + 1)
    # Each cold page's fresh URLs, handed out a slice per wrk run (and per warm-up).
    cold = {page.name: iter(page.cold) for page in pages if page.cold}

    def fresh(page, n: int = scenarios.COLD_PATHS_PER_RUN) -> list[str] | None:
        if page.name not in cold:
            return None
        paths = [path for _i, path in zip(range(n), cold[page.name], strict=False)]
        if len(paths) < n:
            raise SystemExit(f"{page.name}: out of fresh queries")
        return paths

    if args.only:
        pages = [p for i, p in enumerate(pages) if i == 0 or p.name.split()[0] in args.only]
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
            f"gunicorn (2 workers) on {base}; {args.rounds} rounds of {args.duration}s per page "
            f"at {args.connections} connections\n"
        )
        cookies = {page.name: session_cookie(page.email) if page.email else None for page in pages}
        for page in pages:
            # Warm-up: connections, template caches, PostgreSQL buffers (a cold page with
            # queries of its own that it never sends again).
            for path in fresh(page, 20) or [page.path] * 20:
                request = urllib.request.Request(
                    base + path,
                    headers={
                        "X-Forwarded-Proto": "https",
                        **({"Cookie": cookies[page.name]} if cookies[page.name] else {}),
                    },
                )
                with urllib.request.urlopen(request) as response:  # noqa: S310 - loopback only
                    response.read()
        ceiling, *others = pages
        rounds = []
        for number in range(1, args.rounds + 1):
            # Every page beside a ceiling run of its own: each ratio compares two
            # measurements seconds apart, whatever the machine did a minute before.
            measured = {}
            by_name = {page.name: page for page in pages}
            for page in others:
                # A page compared with another (page 500 with the first page) has that one
                # measured beside it too.
                basis = by_name.get(page.target_of) if page.target_of != "ceiling" else None
                order = (ceiling, basis, page) if number % 2 else (page, basis, ceiling)
                runs = {}
                for each in order:
                    if each is not None:
                        runs[each.name] = run_wrk(
                            base + each.path,
                            cookies[each.name],
                            duration=args.duration,
                            connections=args.connections,
                            paths=fresh(each),
                        )
                measured[page.name] = runs[page.name]
                measured.setdefault(ceiling.name, []).append(runs[ceiling.name])
                measured[page.name]["ceiling_rps"] = runs[ceiling.name]["rps"]
                if basis is not None:
                    measured[page.name]["basis_rps"] = runs[basis.name]["rps"]
                sys.stderr.write(
                    f"  round {number}/{args.rounds} {page.name}: {runs[page.name]['rps']:.0f} "
                    f"req/s, ceiling {runs[ceiling.name]['rps']:.0f}"
                    + (f", {basis.name} {runs[basis.name]['rps']:.0f}" if basis else "")
                    + "\n"
                )
            rounds.append(measured)
        queries = {}
        for page in pages:
            warm_path, path = fresh(page, 2) or (None, page.path)
            queries[page.name] = queries_per_request(path, page.email, warm_path=warm_path)
        results = [
            (page, _summary(page, rounds, queries[page.name], is_ceiling=page is ceiling))
            for page in pages
        ]
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


def _summary(page, rounds: list[dict], queries: int, *, is_ceiling: bool) -> dict:
    """Medians over the rounds. A page's ratio in a round is against the ceiling measured
    beside it; the ceiling's own figures are the medians of all its runs."""
    if is_ceiling:
        runs = [run for r in rounds for run in r[page.name]]
        ratios = [1.0]
    else:
        runs = [r[page.name] for r in rounds]
        ratios = [run["rps"] / run["ceiling_rps"] for run in runs]
    relative = None
    if page.target_of != "ceiling" and "basis_rps" in runs[0]:
        # Against the page it is compared with, measured beside it.
        relative = statistics.median(run["rps"] / run["basis_rps"] for run in runs)
    return {
        "rps": statistics.median(run["rps"] for run in runs),
        "p50": statistics.median(run["p50"] for run in runs),
        "p99": statistics.median(run["p99"] for run in runs),
        "ratio": statistics.median(ratios),
        "low": min(ratios),
        "high": max(ratios),
        "relative": relative,
        "queries": queries,
        "non2xx": sum(run["non2xx"] for run in runs),
        "repeats": sum(run.get("repeats", 0) for run in runs),
        "errors": " ".join(run["errors"] for run in runs if run["errors"]),
    }


def print_table(results) -> None:
    header = (
        f"{'page':<34} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7} {'SQL/req':>7} "
        f"{'ratio':>6} {'(range)':>11}  {'target':<31} {'met':<4}"
    )
    print(header)
    print("-" * len(header))
    for page, m in results:
        if page.target is None:
            target, met = "", ""
        elif page.target_of == "ceiling":
            target = f">= {page.target:.1f} of ceiling"
            met = m["ratio"] >= page.target - 1e-9
            if page.p99_max is not None:
                target += f", p99 < {page.p99_max:.0f}"
                met = met and m["p99"] < page.p99_max
            met = "yes" if met else "NO"
        else:
            number = page.target_of.split()[0]
            if m["relative"] is None:  # --only left the page it is compared with out
                target, met = f">= {page.target:.1f} of page {number}", ""
            else:
                target = f">= {page.target:.1f} of page {number}"
                met = "yes" if m["relative"] >= page.target - 1e-9 else "NO"
                target += f" ({m['relative']:.2f})"
        spread = f"{m['low']:.2f}-{m['high']:.2f}"
        print(
            f"{page.name:<34} {m['rps']:>7.0f} {m['p50']:>7.1f} {m['p99']:>7.1f} "
            f"{m['queries']:>7} {m['ratio']:>6.2f} {spread:>11}  {target:<31} {met:<4}"
        )
        if m["non2xx"] or m["errors"]:
            print(f"    ! {m['non2xx']} non-2xx responses {m['errors']}")
        if m["repeats"]:
            print(f"    ! {m['repeats']} requests repeated a query: not all cold")


if __name__ == "__main__":
    main()
