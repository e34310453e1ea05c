"""Every contracts model is in the admin, and its changelist does not grow a query per row."""

from datetime import timedelta

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import models, services
from contracts.services import week_start_of
from tests.contracts.conftest import text_file
from tests.contracts.factories import fixed_contract, hourly_contract, local_today
from tests.factories import ClientFactory, VAFactory

pytestmark = pytest.mark.django_db

MODELS = [
    models.Contract,
    models.Message,
    models.MessageAttachment,
    models.Deliverable,
    models.DeliverableFile,
    models.Timesheet,
    models.HourEntry,
    models.PaymentMark,
    models.Review,
]


def make_rows(n: int) -> None:
    """n of everything: a finished per-task contract (paid, both reviewed) and an hourly one."""
    for _ in range(n):
        client_user, va = ClientFactory(), VAFactory()
        fixed = fixed_contract(client=client_user, va=va)
        services.message_send(contract=fixed, author=va, body="Hi", files=[text_file()])
        deliverable = services.deliverable_submit(
            contract=fixed, va=va, note="Done", files=[text_file()]
        )
        services.deliverable_approve(deliverable=deliverable, client=client_user)
        services.payment_mark(contract=fixed, client=client_user, deliverable=deliverable)
        services.contract_complete(contract=fixed, client=client_user)
        for author in (client_user, va):
            services.review_leave(
                contract=fixed, author=author, overall=5, communication=5, quality=5, timeliness=5
            )
        hourly = hourly_contract(client=client_user, va=va)
        monday = week_start_of(local_today(va)) - timedelta(days=7)
        services.hours_log(contract=hourly, va=va, work_date=monday, hours="1", memo="Email")


def test_every_model_is_registered():
    assert all(admin.site.is_registered(model) for model in MODELS)


def test_changelists_do_not_grow_a_query_per_row(client, staff):
    client.force_login(staff)
    make_rows(1)
    urls = [reverse(f"admin:contracts_{m._meta.model_name}_changelist") for m in MODELS]
    for url in urls:
        client.get(url)  # warm up
    few = {}
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        few[url] = len(queries.captured_queries)
    make_rows(3)
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        # Related contract / job / users come joined (list_select_related), not per row.
        assert len(queries.captured_queries) == few[url], url


def test_a_contract_change_page_opens(client, staff):
    make_rows(1)
    client.force_login(staff)
    contract = models.Contract.objects.first()
    response = client.get(reverse("admin:contracts_contract_change", args=[contract.pk]))
    assert response.status_code == 200
