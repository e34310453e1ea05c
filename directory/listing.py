"""The VA directory's read side: filters, sorts, keyset pages and a bounded count.

Like the job board (jobs.board): browse pages are keyset pages — the Next link carries the
sort key of the page's last row (`after=`), Previous the first row's (`before=`) — so a
deep page costs what the first costs; the count stops at RESULT_CAP + 1. Every sort's key
is a tuple of non-NULL values running the same way and ending in the id, so one row
comparison walks it.

A search sorts its matches by the chosen sort; "relevance" (a search's default) ranks only
the SEARCH_CANDIDATES best-rated matches by `ts_rank` (issue 20: ranking every match of a
common word read every one of those rows), so with no more matches than that the ranking
is that of every match, and with more it is the best-rated matches, best ranked first.
As on the board, its first RESULT_CAP + 1 ids
in order (their number is the count) are cached for SEARCH_CACHE_SECONDS under a
generation (marketplace.generations) that every write changing what a search could find
moves (`accounts.services.va_directory_changed`: a profile, its skills or portfolio, a VA's stored rating
and contracts, a suspension); its pages go by number over those ids (at most
OFFSET_PAGES). Whatever the cache says, the page's rows are read from PostgreSQL on every
request, and only profiles listed now are shown.

A card's rating and completed contracts are stored on the profile (see
accounts.models.VAProfile), so the page reads a fixed number of queries: the count, the
page's profiles with their users (and, for a signed-in client, which of them they saved);
the cards' skills and portfolio items only for cards not yet cached (directory.views).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import ClassVar

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from accounts.models import VAProfile
from marketplace import generations, prepared
from marketplace.paging import KeysetPage, RowCompare, keyset_window

PAGE_SIZE = 20
RESULT_CAP = 1000
OFFSET_PAGES = RESULT_CAP // PAGE_SIZE
MAX_SKILLS = 5
SEARCH_CACHE_SECONDS = 60
# A relevance search ranks the best-rated this many matches (`search_ranking`).
SEARCH_CANDIDATES = RESULT_CAP + 1

# Sort key columns; every key runs one way and ends in the id, so the order is total.
SORT_KEYS: dict[str, tuple[tuple[str, ...], str]] = {
    "rating": (("rating_average", "rating_count", "id"), "desc"),
    "completed": (("completed_contracts", "rating_average", "id"), "desc"),
    "rate_low": (("rate_missing", "rate_key", "id"), "asc"),
    "rate_high": (("rate_present", "rate_key", "id"), "desc"),
}
SORTS = [*SORT_KEYS, "relevance"]
_DECIMAL_KEYS = {"rating_average", "rate_key"}


@dataclass(frozen=True)
class DirectoryQuery:
    """What the directory shows: the valid filters and the sort, from the query string."""

    q: str = ""
    category_id: int | None = None
    skills: tuple[str, ...] = ()  # skill slugs; a VA must list every one
    currency: str = ""
    rate_min: Decimal | None = None
    rate_max: Decimal | None = None
    min_rating: Decimal | None = None
    language: str = ""
    country: str = ""
    availability: str = ""
    min_years: int | None = None
    sort: str = "rating"

    @classmethod
    def of(cls, *, category=None, sort: str = "", **filters) -> DirectoryQuery:
        q = (filters.pop("q", "") or "").strip()
        if category is not None:
            filters["category_id"] = category.pk
        filters["skills"] = tuple(filters.get("skills") or ())[:MAX_SKILLS]
        if sort not in SORTS or (sort == "relevance" and not q):
            sort = "relevance" if q else "rating"
        return cls(q=q, sort=sort, **filters)

    def values(self) -> dict:
        """The filters that are set, by name: which are set is the query's shape (the
        `prepared` key), their values are bound."""
        found = {
            name: getattr(self, name)
            for name in _FILTER_NAMES
            if getattr(self, name) not in (None, "")
        }
        found.update({f"skill_{i}": slug for i, slug in enumerate(self.skills)})
        if self.q:
            found["q"] = self.q
        return found

    def profiles(self, v: dict | None = None) -> QuerySet[VAProfile]:
        """Listed profiles matching the filters in `v` (default: this query's `values()`),
        with the sort's key columns annotated."""
        v = self.values() if v is None else v
        profiles = VAProfile.objects.listed()
        if "q" in v:
            profiles = profiles.search(v["q"])
        if "category_id" in v:
            profiles = profiles.filter(
                Exists(
                    VAProfile.categories.through.objects.filter(
                        vaprofile_id=OuterRef("pk"), category_id=v["category_id"]
                    )
                )
            )
        for name in sorted(n for n in v if n.startswith("skill_")):
            profiles = profiles.filter(
                Exists(
                    VAProfile.skills.through.objects.filter(
                        vaprofile_id=OuterRef("pk"), skill__slug=v[name]
                    )
                )
            )
        if "currency" in v:
            profiles = profiles.filter(currency=v["currency"])
            if "rate_min" in v:
                profiles = profiles.filter(hourly_rate__gte=v["rate_min"])
            if "rate_max" in v:
                profiles = profiles.filter(hourly_rate__lte=v["rate_max"])
        if "min_rating" in v:
            profiles = profiles.filter(rating_average__gte=v["min_rating"], rating_count__gt=0)
        if "language" in v:
            profiles = profiles.filter(languages__icontains=v["language"])
        if "country" in v:
            profiles = profiles.filter(country__iexact=v["country"])
        if "availability" in v:
            profiles = profiles.filter(availability=v["availability"])
        if "min_years" in v:
            profiles = profiles.filter(years_experience__gte=v["min_years"])
        return profiles.annotate(
            rate_key=Coalesce(F("hourly_rate") * _in_rupiah(), Value(Decimal(0))),
            rate_missing=Case(
                When(hourly_rate__isnull=True, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            rate_present=Case(
                When(hourly_rate__isnull=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )


def _in_rupiah() -> Case:
    """What one unit of a profile's currency counts as when rates are sorted: rates in
    different currencies are compared in Rupiah at RATE_SORT_IDR_PER_USD (an ordering aid
    only; every rate is shown in its own currency)."""
    return Case(
        When(currency="USD", then=Value(Decimal(settings.RATE_SORT_IDR_PER_USD))),
        default=Value(Decimal(1)),
        output_field=DecimalField(max_digits=12, decimal_places=0),
    )


_FILTER_NAMES = (
    "category_id",
    "currency",
    "rate_min",
    "rate_max",
    "min_rating",
    "language",
    "country",
    "availability",
    "min_years",
)
# Through the ORM, not `prepared`: a filter whose value the ORM rewrites before binding
# it (`icontains` wraps it in %). A search (`_search_results`) is never prepared either:
# its generic plan (the text as a parameter), which PostgreSQL picks after five runs, ran
# 20x slower than a plan for the text itself (12 ms against 0.5 ms for "bookkeeping").
_UNPREPARED = {"language"}
# What a page reads of each row on every request: what keys its card's cached HTML
# (directory.views) and the sort keys its cursors are made of.
STATE_COLUMNS = (
    "id",
    "user_id",
    "updated_at",
    "user__name",
    "rating_average",
    "rating_count",
    "completed_contracts",
    "rate_key",
    "rate_missing",
    "rate_present",
)


def _order(sort: str, reverse: bool = False) -> list:
    if sort == "relevance":
        return [F("rank").desc(), F("id").desc()]
    names, direction = SORT_KEYS[sort]
    descending = (direction == "desc") != reverse
    return [F(name).desc() if descending else F(name).asc() for name in names]


# --- cursors ----------------------------------------------------------------------------


def encode_cursor(sort: str, row: dict) -> str:
    """The sort key of a page's row (a `STATE_COLUMNS` dict) as a cursor."""
    names, _direction = SORT_KEYS[sort]
    return "_".join(str(row[name]) for name in names)


def decode_cursor(sort: str, text: str) -> tuple | None:
    """The sort key values in a cursor, or None when it is not one of this sort's."""
    names, _direction = SORT_KEYS[sort]
    parts = text.split("_")
    if len(parts) != len(names) or len(text) > 100:
        return None
    values = []
    try:
        for name, part in zip(names, parts, strict=True):
            if name in _DECIMAL_KEYS:
                value = Decimal(part)
                if not value.is_finite() or value < 0:
                    return None
            else:
                value = int(part)
            values.append(value)
    except (ValueError, ArithmeticError, InvalidOperation):
        return None
    return tuple(values)


# --- pages ------------------------------------------------------------------------------


@dataclass
class DirectoryPage(KeysetPage):
    page_size: ClassVar[int] = PAGE_SIZE
    result_cap: ClassVar[int] = RESULT_CAP

    state: list[dict] = field(default_factory=list)  # STATE_COLUMNS of each row, in order
    sort: str = "rating"

    @cached_property
    def profiles(self) -> list[VAProfile]:
        """The page's profiles with all a card shows (read when asked for, not per request)."""
        found = VAProfile.objects.for_cards().in_bulk([row["id"] for row in self.state])
        return [found[row["id"]] for row in self.state if row["id"] in found]


def _shape(values: dict) -> tuple:
    return tuple(sorted(values))


def _read(query: DirectoryQuery, values: dict, shape: tuple, build, *, counted=False):
    """Run `build(values)`: compiled once per shape (marketplace.prepared), or through the
    ORM for the filters that cannot be bound (`_UNPREPARED`)."""
    if _UNPREPARED.intersection(values):
        queryset = build(values)
        return queryset.count() if counted else list(queryset)
    # The sort rate is written into the SQL as a constant (rate_key): it is part of the shape.
    key = ("directory", settings.RATE_SORT_IDR_PER_USD) + shape
    if counted:
        return prepared.count(key, build, **values)
    return prepared.rows(key, build, **values)


def search_ranking(query: DirectoryQuery, values: dict) -> list[int]:
    """The first RESULT_CAP + 1 profile ids of a search, in the sort's order. "Relevance"
    ranks only the SEARCH_CANDIDATES best-rated matches (issue 20), in one statement: the
    rating sort's index walk stops at the bound (or a rare word's few matches come through
    the GIN index), and only those rows are ranked."""
    if query.sort != "relevance":
        return list(
            query.profiles(values)
            .order_by(*_order(query.sort))
            .values_list("pk", flat=True)[: RESULT_CAP + 1]
        )
    best = query.profiles(values).order_by(*_order("rating")).values_list("id", "rank")
    sql, params = best[:SEARCH_CANDIDATES].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id FROM ({sql}) AS best "  # noqa: S608 - the ORM's own SQL, values bound
            f"ORDER BY rank DESC, id DESC LIMIT {RESULT_CAP + 1}",
            params,
        )
        return [row[0] for row in cursor.fetchall()]


def _search_results(query: DirectoryQuery, values: dict) -> list[int]:
    """`search_ranking`, cached under the directory's search generation."""
    return generations.cached(
        generations.DIRECTORY_SEARCH,
        "directory:search",
        (query.sort, sorted(values.items()), settings.RATE_SORT_IDR_PER_USD),
        lambda: search_ranking(query, values),
        SEARCH_CACHE_SECONDS,
    )


def _rows_by_id(ids: list[int]) -> list[dict]:
    """The state of these profiles, in this order, if they are listed now."""
    if not ids:
        return []
    found = prepared.rows(
        ("directory-rows-by-id", len(ids), settings.RATE_SORT_IDR_PER_USD),
        lambda v: (
            DirectoryQuery()
            .profiles({})
            .filter(pk__in=[v[f"id{i}"] for i in range(len(ids))])
            .order_by()
            .values_list(*STATE_COLUMNS)
        ),
        **{f"id{i}": pk for i, pk in enumerate(ids)},
    )
    by_id = {row[0]: dict(zip(STATE_COLUMNS, row, strict=True)) for row in found}
    return [by_id[pk] for pk in ids if pk in by_id]


def _search_page(query: DirectoryQuery, values: dict, page: int) -> DirectoryPage:
    ids = _search_results(query, values)
    page = min(max(page, 1), OFFSET_PAGES)
    start = (page - 1) * PAGE_SIZE
    return DirectoryPage(
        number=page,
        count=len(ids),
        state=_rows_by_id(ids[start : start + PAGE_SIZE]),
        has_next=len(ids) > start + PAGE_SIZE and page < OFFSET_PAGES,
        has_previous=page > 1,
        sort=query.sort,
    )


def directory_page(
    query: DirectoryQuery, *, page: int = 1, after: str = "", before: str = ""
) -> DirectoryPage:
    """One page of listed VAs and the capped count (see the module's docstring): the rows'
    state only; `DirectoryPage.profiles` reads the whole profiles when they are needed."""
    values = query.values()
    if query.q:
        return _search_page(query, values, page)
    fields = _shape(values)
    count = _read(
        query,
        values,
        ("count", fields),
        lambda v: query.profiles(v).order_by().values_list("pk")[: RESULT_CAP + 1],
        counted=True,
    )
    page = max(page, 1)
    cursor_text, backward = (before, True) if before else (after, False)
    cursor = decode_cursor(query.sort, cursor_text) if cursor_text else None
    if cursor is None:
        page = min(page, OFFSET_PAGES)
        start = (page - 1) * PAGE_SIZE
        found = _read(
            query,
            values,
            ("offset", query.sort, start, fields),
            lambda v: (
                query.profiles(v)
                .order_by(*_order(query.sort))
                .values_list(*STATE_COLUMNS)[start : start + PAGE_SIZE + 1]
            ),
        )
        rows = [dict(zip(STATE_COLUMNS, row, strict=True)) for row in found]
        has_next = len(rows) > PAGE_SIZE and page < OFFSET_PAGES
        rows = rows[:PAGE_SIZE]
        has_previous = page > 1
    else:
        names, direction = SORT_KEYS[query.sort]
        op = "<" if (direction == "desc") != backward else ">"
        cursor_values = {f"cursor_{n}": value for n, value in zip(names, cursor, strict=True)}

        def build(v):
            return (
                query.profiles({k: v[k] for k in values})
                .filter(RowCompare(list(names), op, [v[k] for k in cursor_values]))
                .order_by(*_order(query.sort, reverse=backward))
                .values_list(*STATE_COLUMNS)[: PAGE_SIZE + 1]
            )

        found = _read(
            query, {**values, **cursor_values}, ("keyset", query.sort, backward, fields), build
        )
        rows, page, has_previous, has_next = keyset_window(
            [dict(zip(STATE_COLUMNS, row, strict=True)) for row in found],
            page=page,
            page_size=PAGE_SIZE,
            backward=backward,
        )
    if not rows:
        has_next = False
    return DirectoryPage(
        number=page,
        count=count,
        state=rows,
        has_next=has_next,
        has_previous=has_previous,
        next_cursor=encode_cursor(query.sort, rows[-1]) if rows and has_next else "",
        previous_cursor=encode_cursor(query.sort, rows[0]) if rows and has_previous else "",
        sort=query.sort,
    )
