"""Admin: useful lists with a flat query count, and the retry action."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import services
from notifications.models import Delivery, JobAnnouncement, Preference
from tests.notifications.factories import JobAlertFactory, NotificationFactory, bulk_vas

pytestmark = pytest.mark.django_db


def _make_rows(n: int) -> None:
    for user in bulk_vas(n):
        notification = NotificationFactory(recipient=user)
        Delivery.objects.create(
            notification=notification, status="failed", attempts=5, last_error="451"
        )
        JobAlertFactory(user=user)
        Preference.objects.create(user=user, kind="job_posted", email_mode="digest")
    JobAnnouncement.objects.create(job_id=JobAnnouncement.objects.count() + 1, payload={})


@pytest.mark.parametrize(
    "model", ["notification", "delivery", "jobalert", "preference", "jobannouncement"]
)
def test_changelists_do_not_grow_a_query_per_row(client, staff, model, django_assert_num_queries):
    client.force_login(staff)
    url = reverse(f"admin:notifications_{model}_changelist")
    _make_rows(2)
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _make_rows(10)
    # Guards an N+1 on the recipient / user columns (list_select_related).
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200


def test_failed_deliveries_can_be_filtered_and_retried(client, staff, va):
    notification = NotificationFactory(recipient=va)
    failed = Delivery.objects.create(
        notification=notification, status="failed", attempts=5, last_error="451 later"
    )
    sent = Delivery.objects.create(
        notification=NotificationFactory(recipient=va), status="sent", attempts=1
    )
    client.force_login(staff)
    url = reverse("admin:notifications_delivery_changelist")
    page = client.get(url, {"status__exact": "failed"}).content.decode()
    assert "451 later" in page
    response = client.post(
        url, {"action": "retry_deliveries", "_selected_action": [failed.pk, sent.pk]}, follow=True
    )
    assert "1 delivery queued again." in response.content.decode()
    failed.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == ("pending", 0)
    assert sent.status == "sent"


def test_retry_service_only_touches_failed_rows(va):
    delivery = Delivery.objects.create(
        notification=NotificationFactory(recipient=va), status="held"
    )
    assert services.delivery_retry(delivery_ids=[delivery.pk]) == 0
    delivery.refresh_from_db()
    assert delivery.status == "held"


def test_non_staff_cannot_reach_the_admin(client, va):
    client.force_login(va)
    response = client.get(reverse("admin:notifications_delivery_changelist"))
    assert response.status_code == 302
