"""The job board's read side: filters and sorts from the query string, and a bounded count.

Pagination choice: numbered pages over OFFSET, with a *bounded* count. Counting every
matching row on each request gets slow at 100k open jobs, so we count at most
RESULT_CAP + 1 rows (`SELECT COUNT(*) FROM (… LIMIT 1001)`) and show "1,000+" beyond
that; pages stop at RESULT_CAP (people refine a search long before page 50, and OFFSET
stays cheap that shallow because every sort reads a matching partial index in order).
"""

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from django.db.models import F, QuerySet
from django.utils import timezone

from jobs.models import Job

PAGE_SIZE = 20
RESULT_CAP = 1000

SORTS = {
    # key: ORDER BY; every key but "relevance" follows an index in models.Job.Meta.
    "relevance": ("-rank", "-published_at", "-id"),
    "newest": ("-published_at", "-id"),
    "rate": ("-max_rate", "-id"),
    "fewest_bids": ("bid_count", "-published_at", "-id"),
    "closing": (F("closes_at").asc(nulls_last=True), "id"),
}


def board_jobs(
    *,
    q: str = "",
    category=None,
    pay_type: str = "",
    currency: str = "",
    rate_min=None,
    rate_max=None,
    posted_within_days: int | None = None,
    fewer_bids_than: int | None = None,
    sort: str = "",
) -> QuerySet[Job]:
    """Open, visible jobs matching the board's filters, in the chosen order."""
    jobs = Job.objects.open()
    if q:
        jobs = jobs.search(q)
    if category is not None:
        jobs = jobs.filter(category=category)
    if pay_type:
        jobs = jobs.filter(pay_type=pay_type)
    if currency:
        jobs = jobs.filter(currency=currency)
    if rate_min is not None:
        jobs = jobs.filter(max_rate__gte=rate_min)
    if rate_max is not None:
        jobs = jobs.filter(max_rate__lte=rate_max)
    if posted_within_days:
        # To the minute: the same filters within a minute make the same query.
        now = timezone.now().replace(second=0, microsecond=0)
        jobs = jobs.filter(published_at__gte=now - timedelta(days=posted_within_days))
    if fewer_bids_than is not None:
        jobs = jobs.filter(bid_count__lt=fewer_bids_than)
    if sort not in SORTS or (sort == "relevance" and not q):
        sort = "relevance" if q else "newest"
    return jobs.order_by(*SORTS[sort])


@dataclass
class BoardPage:
    ids: list[int]
    number: int
    count: int  # capped at RESULT_CAP + 1
    has_next: bool
    # (id, updated_at, bid_count) of each row: everything a job card shows changes one of
    # these (job edits save updated_at; bids keep bid_count), so they key the cached HTML.
    state: list[tuple] = field(default_factory=list)

    @cached_property
    def jobs(self) -> list[Job]:
        """The page's jobs, read only when the page is rendered (not on a cache hit)."""
        found = Job.objects.for_listing().in_bulk(self.ids)
        return [found[pk] for pk in self.ids if pk in found]

    def fragment_key(self, query_string: str) -> str:
        """What the rendered results (and the filter form) depend on, apart from language
        and time zone: the query string, this page's rows and their state, the capped count,
        and the minute ("posted 5 minutes ago")."""
        minute = timezone.now().replace(second=0, microsecond=0).isoformat()
        text = repr((query_string, self.number, self.count, self.state, minute))
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def count_is_capped(self) -> bool:
        return self.count > RESULT_CAP

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def num_pages(self) -> int | None:
        """Known only when the count is not capped."""
        if self.count_is_capped:
            return None
        return max(1, -(-self.count // PAGE_SIZE))


def board_page(jobs: QuerySet[Job], *, page: int) -> BoardPage:
    """One page of results with a count of at most RESULT_CAP + 1.

    Three small queries whatever the page: the capped count and the page's ids (index-only
    scans of the sort's partial index; OFFSET skips at most RESULT_CAP index entries, never
    table rows), then the state of the page's rows by primary key. The rows themselves (one query and a
    prefetch) are read only when the page's HTML is not in the cache (`BoardPage.jobs`).
    """
    last_page = RESULT_CAP // PAGE_SIZE
    page = min(max(page, 1), last_page)
    start = (page - 1) * PAGE_SIZE
    if "rank" in jobs.query.annotations:
        count, ids = _search_results(jobs)
        page_ids = ids[start : start + PAGE_SIZE]
        # The state of the page's rows, in rank order.
        found = Job.objects.open().filter(pk__in=page_ids).order_by()
        rows = {row[0]: row for row in found.values_list("pk", "updated_at", "bid_count")}
        state = [rows[pk] for pk in page_ids if pk in rows]
    else:
        count = jobs.order_by().values("pk")[: RESULT_CAP + 1].count()
        # Ids alone walk the index without reading the table (an index-only scan), so a
        # deep OFFSET costs index entries; then the state of just those rows.
        page_ids = list(jobs.values_list("pk", flat=True)[start : start + PAGE_SIZE])
        found = Job.objects.filter(pk__in=page_ids).order_by()
        rows = {row[0]: row for row in found.values_list("pk", "updated_at", "bid_count")}
        state = [rows[pk] for pk in page_ids if pk in rows]
    has_next = page < last_page and count > start + PAGE_SIZE
    return BoardPage(
        ids=[row[0] for row in state], number=page, count=count, has_next=has_next, state=state
    )


def _search_results(jobs: QuerySet[Job]) -> tuple[int, list[int]]:
    """(capped count, ids of the first RESULT_CAP matches in order) of a full-text search.

    Ranking reads every matching row, however deep the page, so one query takes the first
    RESULT_CAP + 1 ids and the count comes with them (a separate count would match again).
    Not cached: moderation hides and reinstates jobs without touching `updated_at`, so no
    cheap key says when a cached result list went stale.
    """
    ids = list(jobs.values_list("pk", flat=True)[: RESULT_CAP + 1])
    return len(ids), ids[:RESULT_CAP]
