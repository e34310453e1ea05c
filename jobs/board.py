"""The job board's read side: filters and sorts, keyset pages, a bounded count, search.

Pages are keyset ("cursor") pages. The Next link carries the sort key of the page's last
row (`after=`), Previous the first row's (`before=`), and `page=` only the number shown.
A page reads 21 rows from the sort's partial index starting at the cursor, so page 500
costs what page 1 costs: no OFFSET that grows with depth. A bare `?page=N` (a bookmark,
a typed URL) has no cursor; it is served by an OFFSET over index entries alone, bounded
at page 50.

The count is bounded too: at most RESULT_CAP + 1 matching rows are counted, and the page
says "1,000+ tasks" beyond that.

A full-text search ranks at most SEARCH_CANDIDATES matches: the newest ones (issue 20).
A common word matches a third of the board, and ranking every match read every one of
those rows (300 ms for one Indonesian word at 100k jobs); finding the newest matches walks
the board's date index and stops at the bound (or, for a rarer word, the planner reads the
few matches through the GIN index), so a cold search costs about the same whatever the
word. With no more matches than the bound the ranking is exactly that of every match. Its
ranked ids (at most RESULT_CAP + 1, the count comes with them) are cached for SEARCH_CACHE_SECONDS under a generation that changes
whenever a job enters, leaves or changes on the board (`search_results_changed`). Whatever
the cache says, a page only ever shows rows that are open and visible *now*: every page's
rows are read from PostgreSQL on every request.

Everything a page reads per request goes through compiled queries (marketplace.prepared);
the results' HTML is cached under that state (views.board, marketplace.fragments).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import ClassVar

from django.contrib.postgres.search import SearchRank
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from jobs.models import FILTER_TOKENS, Job
from marketplace import generations, prepared
from marketplace.paging import KeysetPage, RowCompare, keyset_window
from marketplace.search import bilingual_query

PAGE_SIZE = 20
RESULT_CAP = 1000
# Pages a cursor-less `?page=N` reaches (an OFFSET over at most RESULT_CAP index entries).
OFFSET_PAGES = RESULT_CAP // PAGE_SIZE
SEARCH_CACHE_SECONDS = 60
# A search ranks the newest this many matches (module docstring); at least the count's cap.
SEARCH_CANDIDATES = RESULT_CAP + 1

# Sort key columns and directions; every sort but "relevance" follows a partial index in
# models.Job.Meta, and every key ends in the id, so the order is total.
SORT_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "newest": (("published_at", "desc"), ("id", "desc")),
    "rate": (("max_rate", "desc"), ("id", "desc")),
    "fewest_bids": (("bid_count", "asc"), ("published_at", "desc"), ("id", "desc")),
    "closing": (("closes_at", "asc"), ("id", "asc")),
}
SORTS = [*SORT_KEYS, "relevance"]
FILTERS = (
    "q",
    "category_id",
    "pay_type",
    "currency",
    "rate_min",
    "rate_max",
    "posted_since",
    "fewer_bids_than",
)


# --- filters ----------------------------------------------------------------------------


# Each filter's lookup on the job (the values are the board's, or prepared stand-ins).
_LOOKUPS = {
    "category_id": "category_id",
    "pay_type": "pay_type",
    "currency": "currency",
    "rate_min": "max_rate__gte",
    "rate_max": "max_rate__lte",
    "posted_since": "published_at__gte",
    "fewer_bids_than": "bid_count__lt",
}


def _filtered(v: dict) -> QuerySet[Job]:
    """Open, visible jobs matching the filters named in `v`."""
    jobs = Job.objects.open()
    if "q" in v:
        # The equality filters also go into the text query (Job.objects.search), where
        # the GIN index applies them; the plain filters below stay as they are.
        jobs = jobs.search(v["q"], **{name: v[name] for name in FILTER_TOKENS if name in v})
    return jobs.filter(**{lookup: v[name] for name, lookup in _LOOKUPS.items() if name in v})


def _order(sort: str, reverse: bool = False) -> list:
    if sort == "relevance":
        return ["-rank", "-published_at", "-id"]
    terms = []
    for name, direction in SORT_KEYS[sort]:
        descending = (direction == "desc") != reverse
        expression = F(name).desc() if descending else F(name).asc()
        if name == "closes_at":  # "closing soon": jobs without a closing date come last
            expression = (
                F(name).desc(nulls_first=True) if descending else F(name).asc(nulls_last=True)
            )
        terms.append(expression)
    return terms


@dataclass(frozen=True)
class BoardQuery:
    """What the board shows: the valid filters and the sort, from the query string."""

    q: str = ""
    category_id: int | None = None
    pay_type: str = ""
    currency: str = ""
    rate_min: Decimal | None = None
    rate_max: Decimal | None = None
    posted_within_days: int | None = None
    fewer_bids_than: int | None = None
    sort: str = "newest"

    @classmethod
    def of(cls, *, category=None, sort: str = "", **filters) -> BoardQuery:
        q = (filters.pop("q", "") or "").strip()
        if category is not None:
            filters["category_id"] = category.pk
        if sort not in SORTS or (sort == "relevance" and not q):
            sort = "relevance" if q else "newest"
        return cls(q=q, sort=sort, **filters)

    def values(self) -> dict:
        """The set filters as prepared-query values (their names are the query's shape)."""
        values = {
            "q": self.q or None,
            "category_id": self.category_id,
            "pay_type": self.pay_type or None,
            "currency": self.currency or None,
            "rate_min": self.rate_min,
            "rate_max": self.rate_max,
            "fewer_bids_than": self.fewer_bids_than,
        }
        if self.posted_within_days:
            # To the minute: the same filters within a minute make the same query.
            now = timezone.now().replace(second=0, microsecond=0)
            values["posted_since"] = now - timedelta(days=self.posted_within_days)
        return {k: v for k, v in values.items() if v is not None}

    def queryset(self) -> QuerySet[Job]:
        if self.sort == "relevance":
            # The newest SEARCH_CANDIDATES matches, ranked (search_ranking's rows).
            newest = _newest_matches(self.values()).values("pk")[:SEARCH_CANDIDATES]
            return (
                Job.objects.filter(pk__in=newest)
                .annotate(rank=SearchRank(F("search_vector"), bilingual_query(self.q)))
                .order_by(*_order("relevance"))
            )
        return _filtered(self.values()).order_by(*_order(self.sort))


def _newest_matches(v: dict) -> QuerySet[Job]:
    return _filtered(v).order_by("-published_at", "-id")


def search_ranking(query: BoardQuery) -> list[int]:
    """The ids of `query.queryset()` (a search) in rank order, at most RESULT_CAP + 1, in one
    statement: the newest SEARCH_CANDIDATES matches with their rank, then ordered by it (the
    ORM's `pk__in` form reads every candidate row a second time)."""
    newest = _newest_matches(query.values()).values_list("id", "published_at", "rank")
    sql, params = newest[:SEARCH_CANDIDATES].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM ({sql}) AS newest "  # noqa: S608 - the ORM's own SQL, values bound
            f"ORDER BY rank DESC, published_at DESC, id DESC LIMIT {RESULT_CAP + 1}",
            params,
        )
        return [row[0] for row in cursor.fetchall()]


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
    return BoardQuery.of(
        q=q,
        category=category,
        pay_type=pay_type,
        currency=currency,
        rate_min=rate_min,
        rate_max=rate_max,
        posted_within_days=posted_within_days,
        fewer_bids_than=fewer_bids_than,
        sort=sort,
    ).queryset()


# --- cursors ----------------------------------------------------------------------------


def _encode(value) -> str:
    if value is None:
        return "-"
    if isinstance(value, datetime):
        delta = value - datetime(1970, 1, 1, tzinfo=UTC)
        return str((delta.days * 86400 + delta.seconds) * 1_000_000 + delta.microseconds)
    return str(value)


def _decode(name: str, text: str):
    if text == "-":
        return None
    if name in ("published_at", "closes_at"):
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(text))
    if name == "max_rate":
        value = Decimal(text)
        if not value.is_finite():
            raise ValueError(text)
        return value
    return int(text)


def encode_cursor(sort: str, row: dict) -> str:
    return "_".join(_encode(row[name]) for name, _d in SORT_KEYS[sort])


def decode_cursor(sort: str, text: str) -> tuple | None:
    """The sort key values in a cursor, or None when it is not one of this sort's."""
    names = [name for name, _d in SORT_KEYS[sort]]
    parts = text.split("_")
    if len(parts) != len(names) or len(text) > 100:
        return None
    try:
        values = tuple(_decode(name, part) for name, part in zip(names, parts, strict=True))
    except (ValueError, ArithmeticError, InvalidOperation, OverflowError):
        return None
    # Only "closing soon" has rows whose key may be empty (no closing date); the id never is.
    if any(v is None for name, v in zip(names, values, strict=True) if name != "closes_at"):
        return None
    return values


def _segments(sort: str, cursor: tuple, backward: bool) -> list[tuple[tuple, object, tuple]]:
    """The rows after (or before) a cursor, as parts read one after another in order.

    Each part is one condition an index serves in order: a row comparison where the sort's
    columns run the same way, split where they do not (fewest bids: fewer bids, newest
    first) or where NULLs end the order (closing soon: jobs without a closing date last).
    Returns (shape of the part, condition, the cursor columns the condition uses).
    """
    names = tuple(name for name, _d in SORT_KEYS[sort])
    less = "<" if not backward else ">"
    more = ">" if not backward else "<"
    if sort in ("newest", "rate"):
        return [(("row", less), RowCompare(list(names), less, list(cursor)), names)]
    if sort == "fewest_bids":
        bids, published_at, pk = cursor
        same = Q(bid_count=bids) & RowCompare(["published_at", "id"], less, [published_at, pk])
        beyond = Q(bid_count__gt=bids) if not backward else Q(bid_count__lt=bids)
        return [
            (("same-bids", less), same, names),
            (("other-bids", more), beyond, ("bid_count",)),
        ]
    closes_at, pk = cursor  # "closing": ascending, jobs without a closing date last
    if closes_at is not None:
        dated_part = RowCompare(["closes_at", "id"], more, [closes_at, pk])
        if not backward:
            return [
                (("dated-after",), dated_part, names),
                (("undated",), Q(closes_at__isnull=True), ()),
            ]
        return [(("dated-before",), dated_part, names)]
    undated_part = Q(closes_at__isnull=True) & (Q(id__gt=pk) if not backward else Q(id__lt=pk))
    if not backward:
        return [(("undated-after",), undated_part, ("id",))]
    return [
        (("undated-before",), undated_part, ("id",)),
        (("dated",), Q(closes_at__isnull=False), ()),
    ]


_PARTS: dict[tuple, list[tuple[tuple, tuple]]] = {}


def _parts(sort: str, cursor: tuple, backward: bool) -> list[tuple[tuple, tuple]]:
    """(shape, cursor columns used) of each part of `_segments`, without building the
    conditions: they depend only on the sort, the direction and which values are empty."""
    key = (sort, backward, tuple(value is None for value in cursor))
    found = _PARTS.get(key)
    if found is None:
        found = _PARTS[key] = [
            (shape, used) for shape, _condition, used in _segments(sort, cursor, backward)
        ]
    return found


# --- pages ------------------------------------------------------------------------------

_STATE_COLUMNS = ("id", "updated_at", "bid_count", "published_at", "max_rate", "closes_at")


@dataclass
class BoardPage(KeysetPage):
    page_size: ClassVar[int] = PAGE_SIZE
    result_cap: ClassVar[int] = RESULT_CAP
    # (id, updated_at, bid_count, published_at, max_rate, closes_at) of each row: a job card
    # shows nothing that changes without one of these changing (job edits save updated_at;
    # bids keep bid_count), so they key the cached HTML.
    state: list[tuple] = field(default_factory=list)
    sort: str = "newest"

    @property
    def ids(self) -> list[int]:
        return [row[0] for row in self.state]

    @cached_property
    def jobs(self) -> list[Job]:
        """The page's jobs, read only when the page is rendered (not on a cache hit)."""
        found = Job.objects.for_listing().in_bulk(self.ids)
        return [found[pk] for pk in self.ids if pk in found]


def _shape(values: dict) -> tuple:
    return tuple(sorted(values))


def _count(values: dict) -> int:
    """Matching rows, counted up to RESULT_CAP + 1 (an index-only scan of the partial index)."""
    return prepared.count(
        ("board-count", _shape(values)),
        lambda v: _filtered(v).order_by().values_list("pk")[: RESULT_CAP + 1],
        **values,
    )


def _rows(shape: tuple, build, values: dict) -> list[dict]:
    found = prepared.rows(shape, build, **values)
    return [dict(zip(_STATE_COLUMNS, row, strict=True)) for row in found]


def _keyset_rows(query: BoardQuery, values: dict, cursor: tuple, backward: bool) -> list[dict]:
    """Up to PAGE_SIZE + 1 rows after (or, backward, before) the cursor, in page order."""
    rows: list[dict] = []
    names = [name for name, _d in SORT_KEYS[query.sort]]
    by_name = dict(zip(names, cursor, strict=True))
    for part_shape, used in _parts(query.sort, cursor, backward):
        wanted = PAGE_SIZE + 1 - len(rows)

        def build(v, part_shape=part_shape, wanted=wanted):
            stand_in = tuple(v.get(f"cursor_{n}", by_name[n]) for n in names)
            parts = {
                shape: condition
                for shape, condition, _u in _segments(query.sort, stand_in, backward)
            }
            return (
                _filtered({k: v[k] for k in values})
                .filter(parts[part_shape])
                .order_by(*_part_order(query.sort, part_shape, backward))
                .values_list(*_STATE_COLUMNS)[:wanted]
            )

        rows += _rows(
            ("board-keyset", query.sort, part_shape, backward, wanted, _shape(values)),
            build,
            {**values, **{f"cursor_{n}": by_name[n] for n in used}},
        )
        if len(rows) > PAGE_SIZE:
            break
    return rows


def _part_order(sort: str, part_shape: tuple, backward: bool) -> list:
    if sort == "fewest_bids" and part_shape[0] == "same-bids":
        within = [F("published_at").desc(), F("id").desc()]
        return within if not backward else [F("published_at").asc(), F("id").asc()]
    if sort == "closing" and part_shape[0].startswith("undated"):
        return [F("id").asc()] if not backward else [F("id").desc()]
    return _order(sort, reverse=backward)


def board_page(
    query: BoardQuery,
    *,
    page: int = 1,
    after: str = "",
    before: str = "",
) -> BoardPage:
    """One page of results and the capped count, read through compiled queries.

    Search pages come from the cached ranking (`_search_results`); browse pages from the
    cursor (keyset), or without one from a bounded OFFSET over the sort's index.
    """
    values = query.values()
    page = max(page, 1)
    if query.sort == "relevance":
        return _search_page(query, values, page)
    count = _count(values)
    cursor_text, backward = (before, True) if before else (after, False)
    cursor = decode_cursor(query.sort, cursor_text) if cursor_text else None
    if cursor is None:
        page = min(page, OFFSET_PAGES)
        start = (page - 1) * PAGE_SIZE
        rows = _offset_rows(query, values, start)
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        has_previous = page > 1
        has_next = more
    else:
        rows, page, has_previous, has_next = keyset_window(
            _keyset_rows(query, values, cursor, backward),
            page=page,
            page_size=PAGE_SIZE,
            backward=backward,
        )
    if not rows:
        has_next = False
    return BoardPage(
        number=page,
        count=count,
        state=[tuple(row[c] for c in _STATE_COLUMNS) for row in rows],
        has_next=has_next,
        has_previous=has_previous,
        next_cursor=encode_cursor(query.sort, rows[-1]) if rows and has_next else "",
        previous_cursor=encode_cursor(query.sort, rows[0]) if rows and has_previous else "",
        sort=query.sort,
    )


def _offset_rows(query: BoardQuery, values: dict, start: int) -> list[dict]:
    """Rows `start`…`start + PAGE_SIZE` (one extra to know of a next page), for a page
    reached without a cursor: the ids from the index alone (an OFFSET over index entries,
    never table rows), then those rows by primary key. The first page reads its rows
    straight from the index order."""
    if start == 0:
        return _rows(
            ("board-first-page", query.sort, _shape(values)),
            lambda v: (
                _filtered({k: v[k] for k in values})
                .order_by(*_order(query.sort))
                .values_list(*_STATE_COLUMNS)[: PAGE_SIZE + 1]
            ),
            values,
        )
    ids = [
        row[0]
        for row in prepared.rows(
            ("board-offset-ids", query.sort, start, _shape(values)),
            lambda v: (
                _filtered({k: v[k] for k in values})
                .order_by(*_order(query.sort))
                .values_list("pk")[start : start + PAGE_SIZE + 1]
            ),
            **values,
        )
    ]
    return _rows_by_id(ids)


def _rows_by_id(ids: list[int]) -> list[dict]:
    """The state of these jobs, in this order, if they are still open and visible."""
    if not ids:
        return []
    found = _rows(
        ("board-rows-by-id", len(ids)),
        lambda v: (
            Job.objects.open()
            .filter(pk__in=[v[f"id{i}"] for i in range(len(ids))])
            .order_by()
            .values_list(*_STATE_COLUMNS)
        ),
        {f"id{i}": pk for i, pk in enumerate(ids)},
    )
    by_id = {row["id"]: row for row in found}
    return [by_id[pk] for pk in ids if pk in by_id]


# --- search -----------------------------------------------------------------------------


def search_results_changed() -> None:
    """A job entered, left or changed on the board: cached search rankings are stale.

    Called by every write that changes what a search could find (marketplace.generations
    says when the bump lands and what happens when Redis misses it); a page never shows a
    row that is no longer open and visible.
    """
    generations.bump(generations.BOARD_SEARCH)


def _search_results(query: BoardQuery, values: dict) -> list[int]:
    """The first RESULT_CAP + 1 ids of a search in rank order (their number is the count).

    Ranking reads every candidate row, however deep the page, so the ranked ids are cached
    under the current generation for SEARCH_CACHE_SECONDS.
    """
    return generations.cached(
        generations.BOARD_SEARCH,
        "jobs:search",
        sorted(values.items()),
        lambda: search_ranking(query),
        SEARCH_CACHE_SECONDS,
    )


def _search_page(query: BoardQuery, values: dict, page: int) -> BoardPage:
    ids = _search_results(query, values)
    page = min(page, OFFSET_PAGES)
    start = (page - 1) * PAGE_SIZE
    rows = _rows_by_id(ids[start : start + PAGE_SIZE])
    return BoardPage(
        number=page,
        count=len(ids),
        state=[tuple(row[c] for c in _STATE_COLUMNS) for row in rows],
        has_next=len(ids) > start + PAGE_SIZE and page < OFFSET_PAGES,
        has_previous=page > 1,
        sort=query.sort,
    )
