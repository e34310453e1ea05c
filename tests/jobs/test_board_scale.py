"""The board at scale (issue 11): queries that do not grow, indexes the filters use, and the
cached HTML that never shows a stale job card."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs.board import PAGE_SIZE, board_jobs
from jobs.models import Job
from tests.factories import ClientFactory, JobFactory, category
from tests.jobs.factories import indexed_job

pytestmark = pytest.mark.django_db


def titles(response) -> list[str]:
    return [job.title for job in response.context["page"].jobs]


def _bulk_jobs(client, count: int, **fields):
    now = timezone.now()
    values = {
        "description": "Data entry from scanned forms.",
        "category": category("data-entry"),
        "pay_type": "fixed",
        "max_rate": Decimal("100000"),
        "currency": "IDR",
        "status": "open",
        **fields,
    }
    Job.objects.bulk_create(
        [
            Job(
                client=client,
                title=f"Bulk task {i}",
                published_at=now - timedelta(minutes=i),
                **values,
            )
            for i in range(count)
        ]
    )


def test_the_default_board_makes_the_same_number_of_queries_for_5_jobs_and_for_50(
    client, django_assert_num_queries
):
    # The unsearched board reads count and page ids from the partial index, then the rows
    # of the page (no query per card for category, client or skills).
    clients = [ClientFactory() for _ in range(5)]
    for i in range(5):
        JobFactory(client=clients[i])
    with CaptureQueriesContext(connection) as few:
        assert len(titles(client.get("/jobs/"))) == 5
    for i in range(45):
        JobFactory(client=clients[i % 5])
    with django_assert_num_queries(len(few)):
        assert len(titles(client.get("/jobs/"))) == PAGE_SIZE


def test_the_last_page_costs_the_same_queries_as_the_first(client, client_user):
    _bulk_jobs(client_user, 1200)
    with CaptureQueriesContext(connection) as first:
        assert client.get("/jobs/").status_code == 200
    with CaptureQueriesContext(connection) as deep:
        response = client.get("/jobs/", {"page": "500"})
    # Pages stop at RESULT_CAP: page 500 is the last page, 50, read with the same queries.
    assert response.context["page"].number == 50
    assert titles(response)[0] == "Bulk task 980"
    assert len(deep) == len(first)


def test_the_filters_read_the_partial_index_of_open_jobs(client_user):
    _bulk_jobs(client_user, 1500, pay_type="hourly")
    _bulk_jobs(client_user, 1500, currency="USD")
    jobs = board_jobs(pay_type="hourly", currency="IDR")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE jobs_job")
        # Like the GIN test next door: a table this small could rightly be scanned whole.
        cursor.execute("SET enable_seqscan = off")
        try:
            plans = []
            for query in (jobs.values_list("pk")[:20], jobs.order_by().values("pk")[:1001]):
                sql, params = query.query.sql_with_params()
                cursor.execute(f"EXPLAIN {sql}", params)
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
        finally:
            cursor.execute("SET enable_seqscan = on")
    page_plan, count_plan = plans
    assert "job_open_published" in page_plan, page_plan
    assert "Sort" not in page_plan.split("job_open_published")[0], page_plan
    assert "job_open_" in count_plan, count_plan


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
