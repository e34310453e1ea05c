"""Paging helpers: numbered pages when the rows are read separately (compiled state
queries, cached HTML), and the row comparison keyset pages walk an index with."""

from dataclasses import dataclass
from typing import ClassVar

from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Expression, F, Value


def numbered_page(count: int, number, per_page: int) -> tuple[Page, int]:
    """Django's page `number` (bad or out-of-range numbers as `get_page` treats them) of
    `count` rows, without loading any row, and the page's offset into them."""
    page = Paginator(range(count), per_page).get_page(number)
    return page, (page.start_index() - 1 if count else 0)


class RowCompare(Expression):
    """`(a, b) < (x, y)`: the row comparison PostgreSQL walks an index with."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, columns: list[str], op: str, values: list):
        super().__init__()
        self.columns = [F(name) for name in columns]
        self.values = [Value(value) for value in values]
        self.op = op

    def get_source_expressions(self):
        return [*self.columns, *self.values]

    def set_source_expressions(self, exprs):
        n = len(self.columns)
        self.columns, self.values = exprs[:n], exprs[n:]

    def as_sql(self, compiler, connection):
        left = [compiler.compile(e) for e in self.columns]
        right = [compiler.compile(e) for e in self.values]
        params = [p for _sql, ps in left + right for p in ps]
        sql = f"({', '.join(s for s, _p in left)}) {self.op} ({', '.join(s for s, _p in right)})"
        return sql, params


@dataclass
class KeysetPage:
    """A page of keyset ("cursor") results: its number, the capped count, and the cursors
    of its Previous and Next links (the sort key of its first and last row). Subclasses
    (jobs.board.BoardPage, directory.listing.DirectoryPage) add the rows."""

    page_size: ClassVar[int] = 20
    result_cap: ClassVar[int] = 1000

    number: int
    count: int  # capped at result_cap + 1
    has_next: bool = False
    has_previous: bool = False
    next_cursor: str = ""
    previous_cursor: str = ""

    @property
    def count_is_capped(self) -> bool:
        return self.count > self.result_cap

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
        return max(1, -(-self.count // self.page_size))

    def links(self, base_query: str) -> dict[str, str]:
        """Query strings of the Previous and Next links (filters kept, cursors added)."""
        prefix = f"{base_query}&" if base_query else ""
        links = {}
        if self.has_next:
            cursor = f"after={self.next_cursor}&" if self.next_cursor else ""
            links["next"] = f"{prefix}{cursor}page={self.next_page_number}"
        if self.has_previous:
            if self.previous_page_number == 1:
                links["previous"] = base_query
            elif self.previous_cursor:
                links["previous"] = (
                    f"{prefix}before={self.previous_cursor}&page={self.previous_page_number}"
                )
            else:
                links["previous"] = f"{prefix}page={self.previous_page_number}"
        return links


def keyset_window(rows: list, *, page: int, page_size: int, backward: bool):
    """The `page_size + 1` rows read after (or, `backward`, before) a cursor, in the order
    read, as the page shows them: (rows, page number, has_previous, has_next)."""
    more = len(rows) > page_size
    rows = rows[:page_size]
    if backward:
        rows.reverse()
        has_previous, has_next = more, True
    else:
        has_previous, has_next = True, more
    if page == 1 and has_previous:
        page = 2  # a cursor always comes from a later page than the first
    if not has_previous:
        page = 1
    return rows, page, has_previous, has_next
