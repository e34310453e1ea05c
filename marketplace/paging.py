"""Numbered pages when the rows are read separately (compiled state queries, cached HTML)."""

from django.core.paginator import Page, Paginator


def numbered_page(count: int, number, per_page: int) -> tuple[Page, int]:
    """Django's page `number` (bad or out-of-range numbers as `get_page` treats them) of
    `count` rows, without loading any row, and the page's offset into them."""
    page = Paginator(range(count), per_page).get_page(number)
    return page, (page.start_index() - 1 if count else 0)
