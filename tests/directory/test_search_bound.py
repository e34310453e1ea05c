"""The directory's relevance search ranks the SEARCH_CANDIDATES best-rated matches
(issue 20), as the board ranks its newest: with fewer matches than that the ranking is
exactly that of every match; with more, it is the best-rated matches, best ranked first."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import VAProfile
from directory import listing
from directory.listing import DirectoryQuery, search_ranking
from marketplace import fragments
from tests.directory.helpers import card_names, directory_va

pytestmark = pytest.mark.django_db
URL = "/vas/"


def _rated(name: str, headline: str, rating: str):
    user = directory_va(name=name, headline=headline)
    VAProfile.objects.filter(user=user).update(
        rating_average=Decimal(rating), rating_count=3
    )  # a stored rating, as the contracts services keep it
    return VAProfile.objects.get(user=user).pk


@pytest.fixture
def shelf():
    return {
        "strong_low": _rated("Strong Low", "Bookkeeping, bookkeeping and more bookkeeping", "3.0"),
        "weak_top": _rated("Weak Top", "Office help and some bookkeeping", "5.0"),
        "weak_mid": _rated("Weak Mid", "Admin, email, bookkeeping", "4.5"),
        "strong_mid": _rated("Strong Mid", "Bookkeeping and bookkeeping reports", "4.0"),
        "no_match": _rated("No Match", "Travel planning", "5.0"),
    }


def _full_ranking(q: str) -> list[int]:
    """Every match ranked, as the directory did before the bound."""
    query = DirectoryQuery.of(q=q)
    return list(query.profiles().order_by("-rank", "-id").values_list("pk", flat=True))


def test_with_few_matches_the_ranking_is_that_of_every_match(shelf):
    expected = _full_ranking("bookkeeping")
    assert len(expected) == 4 and shelf["no_match"] not in expected
    query = DirectoryQuery.of(q="bookkeeping")
    assert query.sort == "relevance"
    assert search_ranking(query, query.values()) == expected


def test_with_more_matches_than_the_bound_it_ranks_the_best_rated(shelf, monkeypatch):
    monkeypatch.setattr(listing, "SEARCH_CANDIDATES", 2)
    query = DirectoryQuery.of(q="bookkeeping")
    ranked = search_ranking(query, query.values())
    # The two best-rated matches (5.0, 4.5), in rank order: neither repeats the word.
    assert set(ranked) == {shelf["weak_top"], shelf["weak_mid"]}
    assert ranked == [pk for pk in _full_ranking("bookkeeping") if pk in set(ranked)]


def test_other_sorts_still_sort_every_match(shelf, monkeypatch):
    monkeypatch.setattr(listing, "SEARCH_CANDIDATES", 1)
    query = DirectoryQuery.of(q="bookkeeping", sort="rating")
    assert search_ranking(query, query.values()) == [
        shelf["weak_top"],
        shelf["weak_mid"],
        shelf["strong_mid"],
        shelf["strong_low"],
    ]


def test_the_page_shows_the_bounded_ranking(client, shelf, monkeypatch):
    monkeypatch.setattr(listing, "SEARCH_CANDIDATES", 2)
    assert card_names(client.get(URL, {"q": "bookkeeping"})) in (
        ["Weak Top", "Weak Mid"],
        ["Weak Mid", "Weak Top"],
    )


def test_a_cold_search_costs_the_same_queries_for_5_results_and_for_20(
    client, django_assert_num_queries
):
    for i in range(5):
        directory_va(name=f"Few {i}", headline="Bookkeeping in Xero", new_skills=["Xero"])
    client.get(URL)  # warm up: the catalogue digest
    fragments.forget_all()
    with CaptureQueriesContext(connection) as few:
        assert len(card_names(client.get(URL, {"q": "bookkeeping"}))) == 5
    few_queries = len(few)
    assert few_queries > 0
    for i in range(20):
        directory_va(name=f"Many {i}", headline="Bookkeeping in Xero", new_skills=["Xero"])
    client.get(URL)
    fragments.forget_all()
    with django_assert_num_queries(few_queries):
        assert len(card_names(client.get(URL, {"q": "xero bookkeeping"}))) == 20
