"""What `make bench` measures: the pages of issue 11 (with issue 21's VA directory and
issue 17's money pages) and the upload memory check.

Each page names the seeded user it is seen as (bench users from `manage.py seed`) and its
target: a share of the ceiling's requests/s, or of another page's.
"""

import os
import random
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlencode


@dataclass
class Page:
    name: str
    path: str
    email: str | None = None
    target: float | None = None
    target_of: str = "ceiling"
    # A cold page sends each of these paths once (never `path` again): queries the run has
    # not sent before, so no cached ranking can answer them (`cold_searches`).
    cold: list[str] = field(default_factory=list)
    p99_max: float | None = None  # a latency target (ms) besides the ratio


# Paths a cold page's run may send (one wrk run of `--duration` seconds); more requests
# than this would repeat queries, which bench.run reports as a defect of the run.
COLD_PATHS_PER_RUN = 8000


def cold_searches(base: str, *, count: int, rng: random.Random, board: bool) -> list[str]:
    """`count` distinct search URLs under `base` that a person could type: one or two words
    of the seed's vocabulary (demo.vocabulary; two from the same task phrase, or a task word
    and a word of one of its category's skills), in English or Indonesian, half of them with filters
    (board: pay type, currency, category; directory: currency, category)."""
    from demo import vocabulary as v

    words = {language: v.search_words(language) for language in ("en", "id")}
    phrases = {
        language: [
            (category, v.search_words_of(task))
            for category, tasks in v.TASKS[language].items()
            for task in tasks
        ]
        for language in ("en", "id")
    }
    seen: set[str] = set()
    found: list[str] = []
    for _ in range(count * 50):
        if len(found) >= count:
            break
        language = rng.choice(("en", "id"))
        category, phrase = rng.choice(phrases[language])
        if rng.random() < 0.5 or len(phrase) < 2:
            q = rng.choice(words[language])
        elif rng.random() < 0.7:
            q = " ".join(sorted(rng.sample(phrase, 2), key=phrase.index))
        else:
            skill_words = v.search_words_of(" ".join(v.SKILLS[category]))
            q = f"{rng.choice(phrase)} {rng.choice(skill_words)}"
        params = {"q": q}
        if rng.random() < 0.5:
            if rng.random() < 0.4:
                params["category"] = rng.choice(v.CATEGORY_SLUGS)
            if board and rng.random() < 0.6:
                params["pay_type"] = rng.choice(("hourly", "fixed"))
            if rng.random() < 0.6 or len(params) == 1:
                params["currency"] = rng.choice(("IDR", "USD"))
        url = f"{base}?{urlencode(params)}"
        if url not in seen:
            seen.add(url)
            found.append(url)
    if len(found) < count:
        raise SystemExit(f"Only {len(found)} distinct cold queries for {base}; need {count}.")
    return found


def deep_page_path(number: int) -> str:
    """The board's page `number` as a visitor reaches it: by following Next from page 1.

    The walk runs the board's own paging code in-process (jobs.board.board_page) and returns
    the URL of page `number - 1`'s Next link (a keyset cursor): what a person who clicked
    Next all the way there asks for.
    """
    from jobs.board import BoardQuery, board_page

    query = BoardQuery()
    page = board_page(query, page=1)
    for _ in range(number - 2):
        if not page.has_next:
            raise SystemExit(f"The board has fewer than {number} pages: seed more jobs.")
        page = board_page(query, page=page.next_page_number, after=page.next_cursor)
    return "/jobs/?" + page.links("")["next"]


def pages(*, deep_page: int = 500, cold_runs: int = 10, seed: int | None = None) -> list[Page]:
    """The pages to measure. Cold pages get enough fresh queries for `cold_runs` wrk runs
    (and the warm-up and query count); `seed` picks them (default: a new set every run)."""
    from demo.ledger import bench_contract
    from demo.management.commands.seed import BENCH_CLIENT, BENCH_READER, BENCH_VA
    from jobs.models import Job

    bench_job = (
        Job.objects.filter(client__email=BENCH_CLIENT)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    any_open = Job.objects.open().order_by("-published_at").values_list("id", flat=True).first()
    contract = bench_contract()
    if bench_job is None or any_open is None or contract is None:
        raise SystemExit("No seed data: run `make seed` first.")
    return [
        Page("1 ceiling (20 rows, keyset)", "/bench/ceiling/?after=50000"),
        Page("2 job board, first page", "/jobs/", target=0.5),
        Page(
            "3 board: search + 2 filters",
            "/jobs/?q=bookkeeping&pay_type=hourly&currency=IDR",
            target=0.3,
        ),
        Page(
            f"4 board page {deep_page}",
            deep_page_path(deep_page),
            target=0.8,
            target_of="2 job board, first page",
        ),
        Page("5 job detail", f"/jobs/{any_open}/", target=0.5),
        Page("6 bid review (200 bids)", f"/jobs/{bench_job}/bids/", BENCH_CLIENT, target=0.5),
        Page("7 my bids (300 bids)", "/bids/", BENCH_VA, target=0.5),
        Page("8 notifications (1,000)", "/notifications/", BENCH_READER, target=0.5),
        Page("9 VA directory, first page", "/vas/", target=0.5),
        Page("10 VA directory as a client", "/vas/", BENCH_CLIENT, target=0.5),
        Page(
            "11 directory: search + filter",
            "/vas/?q=bookkeeping&currency=IDR&sort=rating",
            target=0.3,
        ),
        *_cold_pages(cold_runs, seed),
        # Issue 17: a contract's workspace and escrow statement with 50 payments, and its
        # VA's earnings over the seeded ledger (about a million entries).
        Page(
            "14 workspace (50 payments)",
            f"/contracts/{contract.pk}/",
            contract.client.email,
            target=0.5,
        ),
        Page(
            "15 escrow statement (50)",
            f"/payments/contracts/{contract.pk}/",
            contract.client.email,
            target=0.5,
        ),
        Page("16 VA earnings", "/payments/earnings/", contract.va.email, target=0.5),
        # Not a target: what any signed-in page costs before it shows anything (session,
        # user with unread count, header, footer), to read pages 6-8 against.
        Page("- signed-in layout, empty page", "/bench/layout/", BENCH_READER),
    ]


def _cold_pages(runs: int, seed: int | None) -> list[Page]:
    rng = random.Random(seed if seed is not None else time.time_ns())  # noqa: S311 - not secret
    count = runs * COLD_PATHS_PER_RUN + 50
    board = cold_searches("/jobs/", count=count, rng=rng, board=True)
    directory = cold_searches("/vas/", count=count, rng=rng, board=False)
    return [
        Page("12 board: cold search", board[0], target=0.3, cold=board, p99_max=50),
        Page("13 directory: cold search", directory[0], target=0.3, cold=directory, p99_max=50),
    ]


def _rss_kb(pid: int) -> tuple[int, int]:
    """(current RSS, peak RSS) in kB of a process, from /proc."""
    text = open(f"/proc/{pid}/status").read()  # noqa: PTH123
    rss = int(re.search(r"VmRSS:\s+(\d+)", text).group(1))
    hwm = int(re.search(r"VmHWM:\s+(\d+)", text).group(1))
    return rss, hwm


def _children(pid: int) -> list[int]:
    path = f"/proc/{pid}/task/{pid}/children"
    try:
        return [int(p) for p in open(path).read().split()]  # noqa: PTH123
    except OSError:
        return []


def upload_measurement(base: str, master_pid: int) -> None:
    """POST a bid with two 5 MB samples to gunicorn and report the workers' peak RSS growth."""
    from bench.bids_upload import submit_bid_with_samples

    workers = _children(master_pid)
    before = {pid: _rss_kb(pid) for pid in workers}
    started = time.monotonic()
    status = submit_bid_with_samples(base, sample_bytes=5 * 1024 * 1024, count=2)
    elapsed = time.monotonic() - started
    after = {pid: _rss_kb(pid) for pid in workers if os.path.exists(f"/proc/{pid}")}
    growth = max((after[pid][1] - before[pid][1]) for pid in after) / 1024
    print()
    print(
        f"bid with 2 x 5 MB samples: HTTP {status} in {elapsed:.2f}s; "
        f"worker peak RSS before {max(v[1] for v in before.values()) / 1024:.1f} MB, "
        f"after {max(v[1] for v in after.values()) / 1024:.1f} MB, growth {growth:.1f} MB "
        f"(target < 30 MB for 10 MB of samples: {'met' if growth < 30 else 'NOT met'})"
    )
