"""The board at scale (issue 11): queries that do not grow, indexes the filters use, and the
cached HTML that never shows a stale job card."""

import html
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs.board import PAGE_SIZE, board_jobs
from jobs.models import Job
from marketplace import prepared
from tests.factories import ClientFactory, JobFactory
from tests.jobs.factories import bulk_open_jobs, indexed_job
from tests.plans import plan_of

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [job.title for job in response.context["page"].jobs]


def test_the_default_board_makes_the_same_number_of_queries_for_5_jobs_and_for_50(
    client, django_assert_num_queries, cold_pages
):
    # The unsearched board reads count and page states from the partial index; rendering
    # reads the rows of the page (no query per card for category, client or skills).
    clients = [ClientFactory() for _ in range(5)]
    for i in range(5):
        JobFactory(client=clients[i])
    client.get("/jobs/")  # warm up: the category and skill names digest
    cold_pages()
    with CaptureQueriesContext(connection) as few:
        assert len(titles(client.get("/jobs/"))) == 5
    for i in range(45):
        JobFactory(client=clients[i % 5])
    cold_pages()
    with django_assert_num_queries(len(few)):
        assert len(titles(client.get("/jobs/"))) == PAGE_SIZE
    # Rendered before: the capped count and the page's states, nothing else.
    with django_assert_num_queries(2):
        assert client.get("/jobs/").status_code == 200


def _next(response) -> str:
    match = re.search(r'rel="next" href="([^"]+)"', response.content.decode())
    return "/jobs/" + html.unescape(match.group(1)) if match else ""


def test_a_deep_page_reached_by_next_costs_what_the_first_costs(client, client_user):
    # 65 pages: past the 50 pages a cursor-less ?page=N may reach.
    bulk_open_jobs(client_user, 65 * PAGE_SIZE)
    client.get("/jobs/")  # warm up: the category and skill names digest
    with CaptureQueriesContext(connection) as first:
        response = client.get("/jobs/")
    for _ in range(64):
        url = _next(response)
        response = client.get(url)
    page = response.context["page"]
    assert page.number == 65
    assert titles(response) == [f"Bulk task {i}" for i in range(64 * PAGE_SIZE, 65 * PAGE_SIZE)]
    assert not page.has_next and "Page 65" in response.content.decode()
    with CaptureQueriesContext(connection) as deep:
        client.get(url)
    assert len(deep) == len(first)
    # The deep page reads from the cursor on: no OFFSET in what it runs.
    statements = [prepared.statement_text(q["sql"]) for q in deep.captured_queries]
    assert not any("OFFSET" in sql for sql in statements), statements


def test_every_sort_pages_through_every_open_job_once_both_ways(client, client_user):
    now = timezone.now()
    for i in range(3 * PAGE_SIZE + 5):
        JobFactory(
            client=client_user,
            title=f"Job {i}",
            max_rate=Decimal(100_000 + (i % 7) * 1000),  # ties broken by id
            bid_count=i % 3,
            published_at=now - timedelta(minutes=i % 11),
            # Some without a closing date: "closing soon" lists them last.
            closes_at=None if i % 4 == 0 else now + timedelta(days=1 + i % 5),
        )
    open_ids = set(Job.objects.open().values_list("pk", flat=True))
    for sort in ("newest", "rate", "fewest_bids", "closing"):
        response = client.get("/jobs/", {"sort": sort})
        pages = [response.context["page"].ids]
        while url := _next(response):
            response = client.get(url)
            pages.append(response.context["page"].ids)
        seen = [pk for page in pages for pk in page]
        assert seen == list(board_jobs(sort=sort).values_list("pk", flat=True)), sort
        assert set(seen) == open_ids and len(seen) == len(open_ids), sort
        for expected in reversed(pages[:-1]):  # and back again with Previous
            match = re.search(r'rel="prev" href="([^"]+)"', response.content.decode())
            response = client.get(html.unescape(match.group(1)))
            assert response.context["page"].ids == expected, sort


def test_a_cursor_that_is_not_one_shows_the_first_page(client, client_user):
    bulk_open_jobs(client_user, PAGE_SIZE + 1)
    first = client.get("/jobs/").context["page"].ids
    for cursor in ("nonsense", "1_2_3", "9" * 200, "-_-", "1e999_5"):
        response = client.get("/jobs/", {"after": cursor})
        assert response.status_code == 200
        assert response.context["page"].ids == first


def _plans_of(client, path, params=None) -> list[str]:
    """The plans of the statements the board really runs for this request (EXPLAIN EXECUTE
    of its compiled queries), on a table analysed and with sequential scans off: a test
    table this small could rightly be scanned whole."""
    client.get(path, params)  # compiled and prepared on this connection
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path, params).status_code == 200
    return [plan_of(query["sql"]) for query in queries.captured_queries]


def test_the_filters_read_the_partial_index_of_open_jobs(client, client_user):
    bulk_open_jobs(client_user, 1500, pay_type="hourly")
    bulk_open_jobs(client_user, 1500, currency="USD")
    count_plan, page_plan = _plans_of(client, "/jobs/", {"pay_type": "hourly", "currency": "IDR"})
    assert "job_open_published" in page_plan, page_plan
    assert "Sort" not in page_plan.split("job_open_published")[0], page_plan
    assert "job_open_" in count_plan, count_plan


def test_a_deep_page_walks_the_index_from_its_cursor(client, client_user):
    bulk_open_jobs(client_user, 1500)
    url = _next(client.get(_next(client.get("/jobs/"))))
    path, _, query = url.partition("?")
    _count_plan, page_plan = _plans_of(client, path + "?" + query)
    assert "Index" in page_plan and "job_open_published" in page_plan, page_plan
    assert "Sort" not in page_plan.split("job_open_published")[0], page_plan


def test_a_new_bid_count_shows_at_once_although_the_page_is_cached(client, client_user):
    job = JobFactory(client=client_user, title="Count my bids")
    assert "0 bids" in client.get("/jobs/").content.decode()
    # As the bids services do: .update(), which leaves updated_at alone.
    Job.objects.filter(pk=job.pk).update(bid_count=3)
    assert "3 bids" in client.get("/jobs/").content.decode()


def test_an_edited_title_shows_at_once_although_the_page_is_cached(client, client_user):
    job = JobFactory(client=client_user, title="Old title")
    assert "Old title" in client.get("/jobs/").content.decode()
    job.title = "New title"
    job.save()
    html = client.get("/jobs/").content.decode()
    assert "New title" in html
    assert "Old title" not in html


def test_the_cached_page_follows_the_viewers_language(client, client_user):
    JobFactory(client=client_user)
    assert "Find work" in client.get("/jobs/").content.decode()
    client.cookies["django_language"] = "id"
    response = client.get("/jobs/", HTTP_ACCEPT_LANGUAGE="id")
    assert response.context["LANGUAGE_CODE"] == "id"
    assert "Find work" not in response.content.decode()


def test_a_job_published_after_a_search_is_found_by_the_same_search(client, client_user):
    # The ranking is cached; publishing (a new search vector) moves its generation.
    indexed_job(client=client_user, title="Bookkeeping for a bakery")
    assert titles(client.get("/jobs/", {"q": "bookkeeping"})) == ["Bookkeeping for a bakery"]
    indexed_job(client=client_user, title="Bookkeeping for a florist")
    assert sorted(titles(client.get("/jobs/", {"q": "bookkeeping"}))) == [
        "Bookkeeping for a bakery",
        "Bookkeeping for a florist",
    ]


def test_a_job_hidden_after_a_search_drops_out_of_the_cached_results(client, client_user):
    job = indexed_job(client=client_user, title="Bookkeeping for a bakery")
    indexed_job(client=client_user, title="Bookkeeping for a florist")
    assert len(titles(client.get("/jobs/", {"q": "bookkeeping"}))) == 2
    # Moderation hides with .update(): updated_at does not move, the live filter still acts.
    Job.objects.filter(pk=job.pk).update(hidden_at=timezone.now())
    assert titles(client.get("/jobs/", {"q": "bookkeeping"})) == ["Bookkeeping for a florist"]
