"""The board's search ranks the newest SEARCH_CANDIDATES matches (issue 20): with fewer
matches than that it ranks exactly as ranking every match would; with more, the results
are the newest matches, best ranked first, so a common word costs what a rare one does."""

from datetime import timedelta

import pytest
from django.utils import timezone

from jobs import board
from jobs.board import BoardQuery, board_jobs, board_page, search_ranking
from jobs.models import Job
from tests.factories import category
from tests.jobs.factories import indexed_hourly_job, indexed_job

pytestmark = pytest.mark.django_db


def _job(client_user, title, description, *, days_ago, hourly=False, **fields):
    maker = indexed_hourly_job if hourly else indexed_job
    return maker(
        client=client_user,
        title=title,
        description=description,
        published_at=timezone.now() - timedelta(days=days_ago),
        **fields,
    )


@pytest.fixture
def shelf(client_user):
    """Jobs mentioning "invoices" in the title (ranks high) or only the description (low),
    at known ages, and one job that does not match at all."""
    other = category("other")
    return {
        "old_title": _job(client_user, "Sort invoices", "Monthly.", days_ago=30, category=other),
        "new_title": _job(
            client_user, "Invoices into Xero", "Every week.", days_ago=1, category=other
        ),
        "new_text": _job(
            client_user, "Weekly admin", "Enter invoices and receipts.", days_ago=2, hourly=True
        ),
        "mid_text": _job(client_user, "Office help", "Scan invoices.", days_ago=5, category=other),
        "newest_text": _job(client_user, "Tidy files", "File the invoices.", days_ago=0),
        "no_match": _job(client_user, "Plan a trip", "Flights and hotels.", days_ago=0),
    }


def _full_ranking(q: str, **filters) -> list[int]:
    """Every match ranked, as the board did before the bound."""
    return list(
        board._filtered(BoardQuery.of(q=q, **filters).values())
        .order_by("-rank", "-published_at", "-id")
        .values_list("pk", flat=True)
    )


def test_with_few_matches_the_ranking_is_that_of_every_match(shelf):
    expected = _full_ranking("invoices")
    assert len(expected) == 5
    # Title matches first (weight A), newest first among equals.
    assert expected[:2] == [shelf["new_title"].pk, shelf["old_title"].pk]
    assert search_ranking(BoardQuery.of(q="invoices")) == expected
    assert list(board_jobs(q="invoices").values_list("pk", flat=True)) == expected


def test_with_more_matches_than_the_bound_it_ranks_the_newest(shelf, monkeypatch):
    monkeypatch.setattr(board, "SEARCH_CANDIDATES", 3)
    ranked = search_ranking(BoardQuery.of(q="invoices"))
    # The three newest matches (0, 1 and 2 days old), the title match of them first; the
    # older title match (30 days) is past the bound.
    assert ranked[0] == shelf["new_title"].pk
    assert set(ranked) == {shelf["newest_text"].pk, shelf["new_title"].pk, shelf["new_text"].pk}
    assert shelf["old_title"].pk not in ranked
    assert list(board_jobs(q="invoices").values_list("pk", flat=True)) == ranked


def test_the_bound_counts_only_jobs_matching_the_filters(shelf, monkeypatch):
    monkeypatch.setattr(board, "SEARCH_CANDIDATES", 2)
    # Filtered first, then bounded: the two newest *per-task* matches, not the newest two
    # matches of which one (the hourly job) the filter would drop.
    ranked = search_ranking(BoardQuery.of(q="invoices", pay_type="fixed"))
    assert set(ranked) == {shelf["newest_text"].pk, shelf["new_title"].pk}
    assert ranked == list(board_jobs(q="invoices", pay_type="fixed").values_list("pk", flat=True))


def test_a_search_page_shows_only_jobs_still_open(client, shelf):
    query = BoardQuery.of(q="invoices")
    assert board_page(query).count == 5
    Job.objects.filter(pk=shelf["new_title"].pk).update(status="closed")
    board.search_results_changed()
    page = board_page(query)
    assert page.count == 4 and shelf["new_title"].pk not in page.ids
    assert titles_of(client.get("/jobs/", {"q": "invoices"}))[0] == "Sort invoices"


def titles_of(response) -> list[str]:
    return [job.title for job in response.context["page"].jobs]
