"""Cold searches timed in-process (issue 20): no HTTP server, no wrk — the test client
sends `--count` board and directory searches never sent before (bench.scenarios
`cold_searches`, a fixed seed so two runs send the same URLs) and reports, per page, the
median and p99 of each request's total time and of its SQL time.

    DATABASE_URL=... REDIS_URL=... .venv/bin/python -m bench.cold_inprocess --count 150

Both search generations are moved and every rendered fragment is forgotten first, so the
first request of a run finds nothing cached (later ones may meet cards shown before, as
the bench's requests do). The figures are those of this process on this machine: note
its load (`uptime`) beside them.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=150)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument(
        "--keep-fragments",
        action="store_true",
        help="keep the HTML rendered by earlier runs (cards seen before), rankings still cold",
    )
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from bench.scenarios import cold_searches
    from marketplace import fragments, generations

    generations.bump(generations.BOARD_SEARCH)
    generations.bump(generations.DIRECTORY_SEARCH)
    if not args.keep_fragments:
        fragments.forget_all()
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    client = Client()
    client.get("/jobs/")  # warm up: templates, compiled queries, the catalogue digest
    client.get("/vas/")
    for base, board in (("/jobs/", True), ("/vas/", False)):
        urls = cold_searches(
            base,
            count=args.count,
            rng=random.Random(args.seed),  # noqa: S311 - a fixed query set, not a secret
            board=board,
        )
        totals, sqls = [], []
        for url in urls:
            spent = [0.0]

            def timed(execute, sql, params, many, context, spent=spent):
                start = time.perf_counter()
                try:
                    return execute(sql, params, many, context)
                finally:
                    spent[0] += time.perf_counter() - start

            start = time.perf_counter()
            with connection.execute_wrapper(timed):
                response = client.get(url)
            totals.append((time.perf_counter() - start) * 1000)
            sqls.append(spent[0] * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")
        print(
            f"{base:7} n={len(urls)} total median {statistics.median(totals):6.1f} ms"
            f" p99 {_percentile(totals, 0.99):6.1f} ms | SQL median"
            f" {statistics.median(sqls):5.1f} ms p99 {_percentile(sqls, 0.99):6.1f} ms"
        )
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))


if __name__ == "__main__":
    main()
