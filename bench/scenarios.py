"""What `make bench` measures: the pages of issue 11 (and issue 21's VA directory) and the
upload memory check.

Each page names the seeded user it is seen as (bench users from `manage.py seed`) and its
target: a share of the ceiling's requests/s, or of another page's.
"""

import os
import re
import time
from dataclasses import dataclass


@dataclass
class Page:
    name: str
    path: str
    email: str | None = None
    target: float | None = None
    target_of: str = "ceiling"


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


def pages(*, deep_page: int = 500) -> list[Page]:
    from demo.management.commands.seed import BENCH_CLIENT, BENCH_READER, BENCH_VA
    from jobs.models import Job

    bench_job = (
        Job.objects.filter(client__email=BENCH_CLIENT)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    any_open = Job.objects.open().order_by("-published_at").values_list("id", flat=True).first()
    if bench_job is None or any_open is None:
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
        # Not a target: what any signed-in page costs before it shows anything (session,
        # user with unread count, header, footer), to read pages 6-8 against.
        Page("- signed-in layout, empty page", "/bench/layout/", BENCH_READER),
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
