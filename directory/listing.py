"""The VA directory's read side: filters, sorts, keyset pages and a bounded count.

Like the job board (jobs.board): browse pages are keyset pages — the Next link carries the
sort key of the page's last row (`after=`), Previous the first row's (`before=`) — so a
deep page costs what the first costs; the count stops at RESULT_CAP + 1. Every sort's key
is a tuple of non-NULL values running the same way and ending in the id, so one row
comparison walks it. A search ("best match") ranks every match, so it pages by number
instead (an OFFSET, bounded at OFFSET_PAGES pages), as the board's search does.

A card's rating and completed contracts are stored on the profile (see
accounts.models.VAProfile), so the page reads a fixed number of queries: the count, the
page's profiles with their users (and, for a signed-in client, which of them they saved);
the cards' skills and portfolio items only for cards not yet cached (directory.views).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import ClassVar

from django.db.models import Case, Exists, F, IntegerField, OuterRef, QuerySet, Value, When
from django.db.models.functions import Coalesce

from accounts.models import VAProfile
from marketplace.paging import KeysetPage, RowCompare, keyset_window

PAGE_SIZE = 20
RESULT_CAP = 1000
OFFSET_PAGES = RESULT_CAP // PAGE_SIZE
MAX_SKILLS = 5

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

    def profiles(self) -> QuerySet[VAProfile]:
        """Listed profiles matching the filters, with the sort's key columns annotated."""
        profiles = VAProfile.objects.listed()
        if self.q:
            profiles = profiles.search(self.q)
        if self.category_id:
            profiles = profiles.filter(
                Exists(
                    VAProfile.categories.through.objects.filter(
                        vaprofile_id=OuterRef("pk"), category_id=self.category_id
                    )
                )
            )
        for slug in self.skills:
            profiles = profiles.filter(
                Exists(
                    VAProfile.skills.through.objects.filter(
                        vaprofile_id=OuterRef("pk"), skill__slug=slug
                    )
                )
            )
        if self.currency and (self.rate_min is not None or self.rate_max is not None):
            profiles = profiles.filter(currency=self.currency)
            if self.rate_min is not None:
                profiles = profiles.filter(hourly_rate__gte=self.rate_min)
            if self.rate_max is not None:
                profiles = profiles.filter(hourly_rate__lte=self.rate_max)
        elif self.currency:
            profiles = profiles.filter(currency=self.currency)
        if self.min_rating is not None:
            profiles = profiles.filter(rating_average__gte=self.min_rating, rating_count__gt=0)
        if self.language:
            profiles = profiles.filter(languages__icontains=self.language)
        if self.country:
            profiles = profiles.filter(country__iexact=self.country)
        if self.availability:
            profiles = profiles.filter(availability=self.availability)
        if self.min_years is not None:
            profiles = profiles.filter(years_experience__gte=self.min_years)
        return profiles.annotate(
            rate_key=Coalesce(F("hourly_rate"), Value(Decimal(0))),
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


def _order(sort: str, reverse: bool = False) -> list:
    if sort == "relevance":
        return [F("rank").desc(), F("id").desc()]
    names, direction = SORT_KEYS[sort]
    descending = (direction == "desc") != reverse
    return [F(name).desc() if descending else F(name).asc() for name in names]


# --- cursors ----------------------------------------------------------------------------


def encode_cursor(sort: str, profile: VAProfile) -> str:
    names, _direction = SORT_KEYS[sort]
    return "_".join(str(getattr(profile, name)) for name in names)


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

    profiles: list[VAProfile] = field(default_factory=list)
    sort: str = "rating"


def directory_page(
    query: DirectoryQuery, *, page: int = 1, after: str = "", before: str = ""
) -> DirectoryPage:
    """One page of listed VAs and the capped count (see the module's docstring)."""
    profiles = query.profiles()
    count = profiles.order_by().values("pk")[: RESULT_CAP + 1].count()
    page = max(page, 1)
    cursor_text, backward = (before, True) if before else (after, False)
    cursor = (
        decode_cursor(query.sort, cursor_text)
        if cursor_text and query.sort != "relevance"
        else None
    )
    if cursor is None:
        page = min(page, OFFSET_PAGES)
        start = (page - 1) * PAGE_SIZE
        rows = list(
            profiles.for_listing().order_by(*_order(query.sort))[start : start + PAGE_SIZE + 1]
        )
        has_next = len(rows) > PAGE_SIZE and page < OFFSET_PAGES
        rows = rows[:PAGE_SIZE]
        has_previous = page > 1
    else:
        names, direction = SORT_KEYS[query.sort]
        op = "<" if (direction == "desc") != backward else ">"
        rows, page, has_previous, has_next = keyset_window(
            list(
                profiles.for_listing()
                .filter(RowCompare(list(names), op, list(cursor)))
                .order_by(*_order(query.sort, reverse=backward))[: PAGE_SIZE + 1]
            ),
            page=page,
            page_size=PAGE_SIZE,
            backward=backward,
        )
    if not rows:
        has_next = False
    keyset = query.sort != "relevance"
    return DirectoryPage(
        number=page,
        count=count,
        profiles=rows,
        has_next=has_next,
        has_previous=has_previous,
        next_cursor=encode_cursor(query.sort, rows[-1]) if keyset and rows and has_next else "",
        previous_cursor=(
            encode_cursor(query.sort, rows[0]) if keyset and rows and has_previous else ""
        ),
        sort=query.sort,
    )
