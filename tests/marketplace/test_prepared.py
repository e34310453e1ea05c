"""Compiled queries (marketplace.prepared): the ORM's answers, at a fraction of the cost."""

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jobs.models import Job
from marketplace import prepared
from notifications.models import Notification
from tests.factories import ClientFactory, JobFactory
from tests.notifications.factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_compilations():
    prepared.forget()
    yield
    prepared.forget()


def _board_like(v):
    return (
        Job.objects.filter(
            status="open",
            currency=v["currency"],
            max_rate__gte=v["rate_min"],
            published_at__lt=v["before"],
            bid_count__lt=v["bids"],
        )
        .order_by("-published_at", "-id")
        .values_list("pk", "title", "max_rate", "published_at")
    )


def test_a_compiled_query_answers_what_the_orm_answers_for_every_value(client_user):
    now = timezone.now()
    for i in range(12):
        JobFactory(
            client=client_user,
            currency="IDR" if i % 2 else "USD",
            max_rate=Decimal(10 + i * 10),
            bid_count=i % 4,
            published_at=now - timedelta(hours=i),
        )
    cases = [
        {"currency": "IDR", "rate_min": Decimal("30"), "before": now, "bids": 3},
        {
            "currency": "USD",
            "rate_min": Decimal("0.50"),
            "before": now - timedelta(hours=3),
            "bids": 1,
        },
        {"currency": "IDR", "rate_min": Decimal("1000"), "before": now, "bids": 9},
    ]
    for values in cases:
        assert prepared.rows(("test-board",), _board_like, **values) == list(_board_like(values))


def test_later_calls_only_bind_values(client_user):
    JobFactory(client=client_user)
    values = {"currency": "IDR", "rate_min": Decimal(1), "before": timezone.now(), "bids": 5}
    prepared.rows(("test-board",), _board_like, **values)
    calls = []

    def counting(v):
        calls.append(v)
        return _board_like(v)

    for _ in range(3):
        prepared.rows(("test-board",), counting, **values)
    assert calls == []  # the ORM built and compiled it once, on the first call


def test_json_comes_back_decoded_as_the_orm_would(va):
    NotificationFactory(recipient=va, data={"url": "/bids/", "title": "Sort the inbox"})
    rows = prepared.rows(
        ("test-json",),
        lambda v: Notification.objects.filter(recipient_id=v["user"]).values_list("data"),
        user=va.pk,
    )
    assert rows == [({"url": "/bids/", "title": "Sort the inbox"},)]


def test_objects_are_model_instances_with_their_annotations(client_user):
    job = JobFactory(client=client_user, title="Annotated")
    JobFactory(client=client_user)
    found = prepared.objects(
        ("test-objects",),
        lambda v: Job.objects.filter(pk=v["pk"]).annotate(
            siblings=Count("client__jobs", distinct=True)
        ),
        pk=job.pk,
    )
    assert [(j.pk, j.title, j.client_id, j.siblings) for j in found] == [
        (job.pk, "Annotated", client_user.pk, 2)
    ]
    assert not found[0]._state.adding
    found[0].title = "Saved through the ORM"
    found[0].save(update_fields=["title"])
    assert Job.objects.get(pk=job.pk).title == "Saved through the ORM"


def test_count_counts_the_rows_of_a_sliced_query(client_user):
    for _ in range(7):
        JobFactory(client=client_user)
    count = prepared.count(
        ("test-count",),
        lambda v: Job.objects.filter(client_id=v["client"]).values_list("pk")[:5],
        client=client_user.pk,
    )
    assert count == 5


def test_a_positive_integer_column_binds_like_any_other(client_user):
    # A stand-in outside the column's range would make Django answer "no rows" unseen.
    JobFactory(client=client_user, bid_count=2)
    rows = prepared.rows(
        ("test-positive",),
        lambda v: Job.objects.filter(bid_count=v["bids"]).values_list("bid_count"),
        bids=2,
    )
    assert rows == [(2,)]


@pytest.mark.parametrize(
    "build",
    [
        lambda v: Job.objects.filter(title__icontains=v["text"]).values_list(
            "pk"
        ),  # wrapped in %…%
        lambda v: Job.objects.values_list("pk"),  # never used
    ],
    ids=["transformed", "unused"],
)
def test_a_value_that_does_not_bind_as_it_is_fails_at_once(build):
    with pytest.raises(ImproperlyConfigured, match="not bind"):
        prepared.rows(("test-refused", id(build)), build, text="abc")


@pytest.mark.parametrize("value", [True, None, [1, 2]])
def test_booleans_none_and_lists_belong_in_the_shape(value):
    with pytest.raises(ImproperlyConfigured):
        prepared.rows(
            ("test-kind", repr(value)),
            lambda v: Job.objects.filter(pk__in=[]).values_list("pk"),
            value=value,
        )


def _server_statements() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, statement FROM pg_prepared_statements")
        return dict(cursor.fetchall())


def test_the_statement_is_prepared_on_the_server_with_its_constants_written_in(client_user):
    JobFactory(client=client_user)
    values = {"currency": "IDR", "rate_min": Decimal(1), "before": timezone.now(), "bids": 5}
    with CaptureQueriesContext(connection) as queries:
        prepared.rows(("test-board",), _board_like, **values)
        prepared.rows(("test-board",), _board_like, **values)
    # The one-off PREPARE is not among the request's queries; both calls EXECUTE it.
    assert [q["sql"].split("(")[0] for q in queries.captured_queries] == [
        queries.captured_queries[0]["sql"].split("(")[0]
    ] * 2
    name = queries.captured_queries[0]["sql"].split()[1].split("(")[0]
    statement = _server_statements()[name]
    # 'open' is a constant of the shape: written in, the planner can match partial indexes.
    assert "'open'" in statement and "$1" in statement
    assert prepared.statement_text(queries.captured_queries[0]["sql"]) == statement


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_new_database_session_prepares_again(client_user):
    JobFactory(client=client_user)
    values = {"currency": "IDR", "rate_min": Decimal(1), "before": timezone.now(), "bids": 5}
    first = prepared.rows(("test-board",), _board_like, **values)
    connection.close()  # as a dropped connection or CONN_MAX_AGE would
    assert prepared.rows(("test-board",), _board_like, **values) == first


def test_a_statement_the_server_refuses_runs_as_plain_sql_inside_the_transaction(client_user):
    JobFactory(client=client_user)
    values = {"currency": "IDR", "rate_min": Decimal(1), "before": timezone.now(), "bids": 5}
    expected = list(_board_like(values))
    prepared.rows(("test-board",), _board_like, **values)
    key = (("test-board",), False)
    prepared._compiled[key] = replace(
        prepared._compiled[key],
        statement="asisten_prepared_broken",
        statement_sql="PREPARE asisten_prepared_broken AS SELEC",
    )
    prepared._key_of["asisten_prepared_broken"] = key
    with transaction.atomic():
        assert prepared.rows(("test-board",), _board_like, **values) == expected
        # The refusal did not abort the transaction.
        assert Job.objects.filter(client=client_user).count() == 1
    assert prepared._compiled[key].statement is None  # and it is not tried again


def test_server_preparation_can_be_turned_off(settings, client_user):
    settings.DATABASE_SERVER_PREPARED = False
    JobFactory(client=client_user)
    values = {"currency": "IDR", "rate_min": Decimal(1), "before": timezone.now(), "bids": 5}
    with CaptureQueriesContext(connection) as queries:
        rows = prepared.rows(("test-board",), _board_like, **values)
    assert rows == list(_board_like(values))
    assert queries.captured_queries[0]["sql"].startswith("SELECT")


def test_a_cheaper_user_lookup_finds_the_same_user_with_the_unread_count(va):
    from accounts.backends import ModelBackend, user_by_id

    NotificationFactory(recipient=va)
    NotificationFactory(recipient=va, read_at=timezone.now())
    user = user_by_id(str(va.pk))
    assert (user.pk, user.email, user.password, user.is_va) == (
        va.pk,
        va.email,
        va.password,
        True,
    )
    assert user.unread_notifications_count == 1
    assert user_by_id("not-a-number") is None
    assert user_by_id(10**12) is None
    other = ClientFactory(is_active=False)
    assert ModelBackend().get_user(other.pk) is None  # inactive: not authenticated
