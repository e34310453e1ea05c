"""The notification centre at scale (issue 11): unread first, read from an index."""

import pytest
from django.db.models import F
from django.utils import timezone

from notifications.models import Notification
from tests.notifications.factories import NotificationFactory, bulk_vas
from tests.plans import plan_of_queryset

pytestmark = pytest.mark.django_db


def test_the_centre_reads_a_page_unread_first_from_its_index(va):
    readers = [va, *bulk_vas(20)]
    Notification.objects.bulk_create(
        [
            Notification(
                recipient=reader,
                kind="bid_shortlisted",
                event_key=f"scale:{reader.pk}:{i}",
                read_at=timezone.now() if i % 3 else None,
                data={"url": "/bids/", "title": "A task"},
            )
            for reader in readers
            for i in range(150)
        ]
    )
    # The centre's own ordering (notifications.views.centre).
    page = (
        Notification.objects.for_user(va)
        .select_related("actor")
        .order_by(F("read_at").desc(nulls_first=True), "-created_at", "-id")[:30]
    )
    # accounts_user too: the join to the actor is priced from its statistics, which earlier
    # tests may have left at "one row", and a hash join over one row makes a sort look cheap.
    plan = plan_of_queryset(page, tables=["notifications_notification", "accounts_user"])
    assert "notification_centre" in plan, plan
    assert "Sort" not in plan, plan  # the index gives the order; no sort of every row


def test_unread_notifications_come_first_then_newest(client, va):
    old_unread = NotificationFactory(recipient=va, data={"url": "/bids/", "title": "Old unread"})
    read = NotificationFactory(
        recipient=va, read_at=timezone.now(), data={"url": "/bids/", "title": "Read"}
    )
    new_unread = NotificationFactory(recipient=va, data={"url": "/bids/", "title": "New unread"})
    client.force_login(va)
    shown = [item["id"] for item in client.get("/notifications/").context["items"]]
    assert shown == [new_unread.pk, old_unread.pk, read.pk]
