"""The job board's read side: filters and sorts from the query string, and a bounded count.

Pagination choice: numbered pages over OFFSET, with a *bounded* count. Counting every
matching row on each request gets slow at 100k open jobs, so we count at most
RESULT_CAP + 1 rows (`SELECT COUNT(*) FROM (… LIMIT 1001)`) and show "1,000+" beyond
that; pages stop at RESULT_CAP (people refine a search long before page 50, and OFFSET
stays cheap that shallow because every sort reads a matching partial index in order).
"""

from dataclasses import dataclass
from datetime import timedelta

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
        jobs = jobs.filter(published_at__gte=timezone.now() - timedelta(days=posted_within_days))
    if fewer_bids_than is not None:
        jobs = jobs.filter(bid_count__lt=fewer_bids_than)
    if sort not in SORTS or (sort == "relevance" and not q):
        sort = "relevance" if q else "newest"
    return jobs.order_by(*SORTS[sort])


@dataclass
class BoardPage:
    jobs: list[Job]
    number: int
    count: int  # capped at RESULT_CAP + 1
    has_next: bool

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

    Three queries and a prefetch, whatever the page: the capped count and the page's ids
    walk the sort's partial index alone (ids only, so OFFSET skips index entries, never
    joined rows), then only the page's rows are read and joined.
    """
    last_page = RESULT_CAP // PAGE_SIZE
    page = min(max(page, 1), last_page)
    count = jobs.order_by().values("pk")[: RESULT_CAP + 1].count()
    start = (page - 1) * PAGE_SIZE
    ids = list(jobs.values_list("pk", flat=True)[start : start + PAGE_SIZE])
    found = Job.objects.for_listing().in_bulk(ids)
    rows = [found[pk] for pk in ids]
    has_next = page < last_page and count > start + PAGE_SIZE
    return BoardPage(jobs=rows, number=page, count=count, has_next=has_next)
