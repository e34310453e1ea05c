"""The public job board: full-text search (English and Indonesian), filters, sorts, pages."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs.board import PAGE_SIZE, RESULT_CAP, BoardQuery, board_jobs, board_page
from jobs.models import Job
from jobs.services import search_vectors_refresh
from marketplace import prepared
from tests.factories import ClientFactory, SkillFactory, category
from tests.jobs.factories import bulk_open_jobs, edit_job, indexed_hourly_job, indexed_job
from tests.plans import plan_of_queryset

pytestmark = pytest.mark.django_db

GIN_INDEXES = ("job_search_gin", "job_open_search")


def titles(response) -> list[str]:
    return [job.title for job in response.context["page"].jobs]


@pytest.fixture
def corpus(client_user):
    """A handful of known documents in both languages."""
    excel = SkillFactory(name="Excel")
    return {
        "title_match": indexed_job(
            client=client_user,
            title="Bookkeeping for a small bakery",
            description="Monthly work on receipts.",
            category=category("other"),
        ),
        "skill_match": indexed_job(
            client=client_user,
            title="Monthly numbers for a café",
            description="Enter receipts into a sheet.",
            category=category("other"),
            skills=[SkillFactory(name="Bookkeeping basics"), excel],
        ),
        "description_match": indexed_job(
            client=client_user,
            title="Help our shop with admin",
            description="Some light bookkeeping and answering email.",
            category=category("admin-support"),
        ),
        "indonesian": indexed_job(
            client=client_user,
            title="Membukukan transaksi toko online",
            description="Kami butuh asisten untuk pembukuan bulanan dan laporan keuangan.",
            category=category("data-entry"),
        ),
        "travel": indexed_hourly_job(
            client=client_user,
            title="Travel arrangements for our sales team",
            description="Book flights and hotels for three people each month.",
            category=category("travel"),
        ),
    }


# --- search relevance --------------------------------------------------------------------


def test_a_title_match_ranks_above_skills_and_skills_above_description(client, corpus):
    response = client.get("/jobs/", {"q": "bookkeeping"})
    assert titles(response)[:3] == [
        "Bookkeeping for a small bakery",
        "Monthly numbers for a café",
        "Help our shop with admin",
    ]


def test_an_english_query_finds_english_text_by_its_stem(client, corpus):
    response = client.get("/jobs/", {"q": "booking flight"})
    assert titles(response) == ["Travel arrangements for our sales team"]


def test_an_indonesian_query_finds_indonesian_text_by_its_stem(client, corpus):
    # The `indonesian` configuration stems both "pembukuan" and "membukukan" to "buku"
    # (checked with SELECT to_tsvector('indonesian', 'pembukuan membukukan')).
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_tsvector('indonesian', 'pembukuan membukukan')::text")
        assert cursor.fetchone()[0] == "'buku':1,2"
    response = client.get("/jobs/", {"q": "pembukuan"})
    assert titles(response) == ["Membukukan transaksi toko online"]
    response = client.get("/jobs/", {"q": "laporan keuangan"})
    assert titles(response) == ["Membukukan transaksi toko online"]


def test_category_names_in_either_language_are_searchable(client, corpus):
    assert titles(client.get("/jobs/", {"q": "entri data"})) == ["Membukukan transaksi toko online"]
    assert titles(client.get("/jobs/", {"q": "travel"})) == [
        "Travel arrangements for our sales team"
    ]


def test_websearch_syntax_excludes_and_quotes(client, corpus):
    response = client.get("/jobs/", {"q": "bookkeeping -bakery"})
    assert "Bookkeeping for a small bakery" not in titles(response)
    assert "Monthly numbers for a café" in titles(response)
    response = client.get("/jobs/", {"q": '"sales team"'})
    assert titles(response) == ["Travel arrangements for our sales team"]


def test_search_never_shows_drafts_hidden_or_closed_jobs(client, client_user):
    for status in ("draft", "closed", "cancelled"):
        indexed_job(client=client_user, title=f"Bookkeeping {status}", status=status)
    indexed_job(client=client_user, title="Bookkeeping hidden", hidden_at=timezone.now())
    indexed_job(client=client_user, title="Bookkeeping visible")
    assert titles(client.get("/jobs/", {"q": "bookkeeping"})) == ["Bookkeeping visible"]


def test_a_job_edited_through_the_service_is_found_by_its_new_words(client, client_user):
    job = indexed_job(client=client_user, title="Sort our invoices")
    edit_job(job, client_user, title="Schedule our podcast guests")
    assert titles(client.get("/jobs/", {"q": "podcast"})) == ["Schedule our podcast guests"]
    assert titles(client.get("/jobs/", {"q": "invoices"})) == []


def test_search_uses_the_gin_index(client_user, corpus):
    # Enough rows that reading them all costs more than the index, and fresh statistics;
    # on a near-empty table the planner rightly prefers to scan everything (or to walk a
    # partial index in order), which says nothing about production. We also switch off
    # sequential scans for this session for the same reason.
    bulk_open_jobs(client_user, 3000)
    search_vectors_refresh(job_ids=Job.objects.values_list("pk", flat=True))
    jobs = board_jobs(q="bookkeeping")
    # Rows written in this transaction sit in the GIN "pending list" until a vacuum; the
    # planner prices that list as slow to scan, so it is merged first, as autovacuum would.
    plan = plan_of_queryset(jobs, gin=GIN_INDEXES)
    # The board's own index: open, visible jobs only.
    assert "Bitmap Index Scan on job_open_search" in plan, plan
    assert [job.title for job in jobs][:1] == ["Bookkeeping for a small bakery"]


def test_a_search_with_filters_narrows_inside_the_gin_index(client_user, corpus):
    bulk_open_jobs(client_user, 3000)
    search_vectors_refresh(job_ids=Job.objects.values_list("pk", flat=True))
    jobs = board_jobs(q="bookkeeping", pay_type="fixed", currency="IDR")
    plan = plan_of_queryset(jobs, gin=GIN_INDEXES)
    index_condition = plan.split("Bitmap Index Scan on job_open_search")[1].split("\n")[1]
    assert "'pay=fixed'" in index_condition and "'currency=idr'" in index_condition, plan


# --- filters -----------------------------------------------------------------------------


@pytest.fixture
def mix(client_user):
    now = timezone.now()
    return {
        "idr_fixed": indexed_job(
            client=client_user,
            title="Idr fixed",
            max_rate=Decimal("500000"),
            bid_count=2,
            published_at=now - timedelta(hours=2),
            closes_at=now + timedelta(days=10),
            category=category("file-storage"),
        ),
        "idr_cheap": indexed_job(
            client=client_user,
            title="Idr cheap",
            max_rate=Decimal("100000"),
            bid_count=12,
            published_at=now - timedelta(days=5),
            closes_at=now + timedelta(days=2),
            category=category("data-entry"),
        ),
        "usd_hourly": indexed_hourly_job(
            client=client_user,
            title="Usd hourly",
            max_rate=Decimal("12.50"),
            bid_count=0,
            published_at=now - timedelta(days=20),
            closes_at=None,
            category=category("social-media"),
        ),
    }


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"category": "data-entry"}, {"Idr cheap"}),
        ({"pay_type": "hourly"}, {"Usd hourly"}),
        ({"pay_type": "fixed"}, {"Idr fixed", "Idr cheap"}),
        ({"currency": "USD"}, {"Usd hourly"}),
        ({"currency": "IDR", "rate_min": "200000"}, {"Idr fixed"}),
        ({"currency": "IDR", "rate_max": "150000"}, {"Idr cheap"}),
        ({"currency": "USD", "rate_min": "10", "rate_max": "13"}, {"Usd hourly"}),
        ({"posted": "1"}, {"Idr fixed"}),
        ({"posted": "7"}, {"Idr fixed", "Idr cheap"}),
        ({"bids": "1"}, {"Usd hourly"}),
        ({"bids": "5"}, {"Usd hourly", "Idr fixed"}),
    ],
)
def test_each_filter_narrows_the_board(client, mix, params, expected):
    response = client.get("/jobs/", params)
    assert set(titles(response)) == expected


def test_the_rate_range_reads_indonesian_thousands(client, mix):
    client.cookies["django_language"] = "id"
    response = client.get("/jobs/", {"currency": "IDR", "rate_min": "200.000"})
    assert titles(response) == ["Idr fixed"]


def test_a_bad_filter_value_is_reported_and_ignored(client, mix):
    response = client.get("/jobs/", {"category": "no-such-thing", "rate_min": "lots"})
    assert response.status_code == 200
    form = response.context["form"]
    assert "category" in form.errors and "rate_min" in form.errors
    assert len(titles(response)) == 3
    assert 'id="id_rate_min_error"' in response.content.decode()


def test_a_reversed_rate_range_is_reported(client, mix):
    response = client.get("/jobs/", {"rate_min": "20", "rate_max": "10"})
    assert "rate_max" in response.context["form"].errors


# --- sorts -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("newest", ["Idr fixed", "Idr cheap", "Usd hourly"]),
        ("", ["Idr fixed", "Idr cheap", "Usd hourly"]),
        ("rate", ["Idr fixed", "Idr cheap", "Usd hourly"]),
        ("fewest_bids", ["Usd hourly", "Idr fixed", "Idr cheap"]),
        ("closing", ["Idr cheap", "Idr fixed", "Usd hourly"]),
        ("relevance", ["Idr fixed", "Idr cheap", "Usd hourly"]),  # no words: newest
    ],
)
def test_each_sort_orders_the_board(client, mix, sort, expected):
    assert titles(client.get("/jobs/", {"sort": sort})) == expected


def test_highest_rate_within_a_currency(client, mix):
    assert titles(client.get("/jobs/", {"sort": "rate", "currency": "IDR"})) == [
        "Idr fixed",
        "Idr cheap",
    ]


def test_sorting_by_newest_overrides_relevance_when_searching(client, corpus):
    response = client.get("/jobs/", {"q": "bookkeeping", "sort": "newest"})
    assert titles(response) == [
        "Help our shop with admin",
        "Monthly numbers for a café",
        "Bookkeeping for a small bakery",
    ]


# --- pages and counts --------------------------------------------------------------------


def test_results_are_paged_with_an_exact_count_below_the_cap(client, client_user):
    bulk_open_jobs(client_user, PAGE_SIZE + 5)
    first = client.get("/jobs/")
    assert first.context["page"].count == PAGE_SIZE + 5
    assert len(titles(first)) == PAGE_SIZE
    assert "25 tasks" in first.content.decode()
    second = client.get("/jobs/", {"page": "2"})
    assert titles(second) == [f"Bulk task {i}" for i in range(PAGE_SIZE, PAGE_SIZE + 5)]
    assert not second.context["page"].has_next


def _link(response, rel: str) -> str:
    match = re.search(rf'rel="{rel}" href="([^"]+)"', response.content.decode())
    return html.unescape(match.group(1)) if match else ""


def test_the_next_page_link_keeps_the_filters(client, client_user):
    bulk_open_jobs(client_user, PAGE_SIZE + 1)
    bulk_open_jobs(client_user, 2, currency="USD")
    response = client.get("/jobs/", {"currency": "IDR"})
    next_link = _link(response, "next")
    assert next_link.startswith("?currency=IDR&after=") and next_link.endswith("&page=2")
    second = client.get("/jobs/" + next_link)
    assert titles(second) == [f"Bulk task {PAGE_SIZE}"]
    assert second.context["page"].number == 2
    assert not second.context["page"].has_next
    # Previous from page 2 is page 1, with the filters and without a cursor.
    assert _link(second, "prev") == "/jobs/?currency=IDR"


def test_the_count_is_capped_rather_than_counting_every_row(client_user):
    bulk_open_jobs(client_user, RESULT_CAP + 3)
    page = board_page(BoardQuery(), page=1)
    assert page.count_is_capped
    assert page.num_pages is None
    with CaptureQueriesContext(connection) as queries:
        board_page(BoardQuery(), page=1)
    count_sql = prepared.statement_text(queries.captured_queries[0]["sql"])
    assert "COUNT(*)" in count_sql
    assert f"LIMIT {RESULT_CAP + 1}" in count_sql


def test_a_capped_count_reads_as_a_thousand_plus(client, client_user):
    bulk_open_jobs(client_user, RESULT_CAP + 1)
    assert "1,000+ tasks" in client.get("/jobs/").content.decode()


def test_a_nonsense_page_number_shows_the_first_page(client, client_user):
    bulk_open_jobs(client_user, 3)
    assert client.get("/jobs/", {"page": "abc"}).context["page"].number == 1


def test_the_board_makes_the_same_number_of_queries_for_5_jobs_and_for_50(
    client, django_assert_num_queries, cold_pages
):
    # Guards the N+1s of a job card: category, client and skills per row.
    skills = [SkillFactory(name=f"Skill {i}") for i in range(3)]
    clients = [ClientFactory() for _ in range(5)]
    for i in range(5):
        indexed_job(client=clients[i], skills=skills)
    client.get("/jobs/")  # warm up: the category and skill names digest
    cold_pages()
    with CaptureQueriesContext(connection) as few:
        assert len(titles(client.get("/jobs/", {"q": "organise drive"}))) == 5
    for i in range(45):
        indexed_job(client=clients[i % 5], skills=skills)
    cold_pages()
    with django_assert_num_queries(len(few)):
        assert len(titles(client.get("/jobs/", {"q": "organise drive"}))) == PAGE_SIZE
    # Rendered before: the search's page states only (the ranking is cached, too).
    with django_assert_num_queries(1):
        assert client.get("/jobs/", {"q": "organise drive"}).status_code == 200


def test_on_phones_the_filters_fold_behind_a_toggle_with_the_active_count(client, mix):
    page = client.get("/jobs/", {"q": "task", "currency": "IDR", "sort": "rate"}).content.decode()
    # <details> without `open`: folded without JavaScript; app.js opens it on wide screens.
    assert re.search(r"<details class=\"filters-fold\" data-open-wide>\s*<summary", page)
    assert "Filters (2)</summary>" in page  # the sort orders, it does not filter
    assert "Filters</summary>" in client.get("/jobs/").content.decode()
