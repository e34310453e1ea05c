"""Auto-release: a delivery the client leaves undecided for PAYMENTS_AUTO_RELEASE_DAYS is
approved and its escrow released by the beat task; both sides are warned 3 and 1 days
before, once each; a dispute stops the clock. Time is moved by back-dating the delivery
(the services read `now`), and the beat task itself is called as the worker would."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from contracts import services as contract_services
from contracts.models import Deliverable
from notifications.models import Notification
from payments import services
from payments.models import Account, Payment
from payments.tasks import auto_release_deliveries
from tests.payments.conftest import balance, fund

pytestmark = pytest.mark.django_db


def delivered(contract, days_ago: float) -> Deliverable:
    deliverable = contract_services.deliverable_submit(
        contract=contract, va=contract.va, note="Done"
    )
    Deliverable.objects.filter(pk=deliverable.pk).update(
        submitted_at=timezone.now() - timedelta(days=days_ago)
    )
    deliverable.refresh_from_db()
    return deliverable


def warnings(contract):
    return Notification.objects.filter(kind="auto_release_warning", contract_id=contract.pk)


def test_an_undecided_delivery_is_released_after_the_set_days(fixed):
    payment = fund(fixed)
    deliverable = delivered(fixed, days_ago=14.01)
    assert auto_release_deliveries() == 1
    deliverable.refresh_from_db()
    payment.refresh_from_db()
    assert deliverable.status == Deliverable.Status.APPROVED
    assert payment.status == Payment.Status.RELEASED
    assert balance(Account.Kind.VA_AVAILABLE, user=fixed.va) == Decimal("360000")
    told = set(
        Notification.objects.filter(kind="payment_auto_released").values_list(
            "recipient", flat=True
        )
    )
    assert told == {fixed.client_id, fixed.va_id}
    assert auto_release_deliveries() == 0  # once


def test_nothing_is_released_before_the_days_are_up(fixed):
    payment = fund(fixed)
    delivered(fixed, days_ago=13.9)
    assert auto_release_deliveries() == 0
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID


def test_the_days_are_a_setting(fixed, settings):
    settings.PAYMENTS_AUTO_RELEASE_DAYS = 7
    fund(fixed)
    delivered(fixed, days_ago=7.01)
    assert auto_release_deliveries() == 1


def test_both_sides_are_warned_three_days_and_one_day_before_once_each(fixed):
    fund(fixed)
    deliverable = delivered(fixed, days_ago=0)
    start = deliverable.submitted_at
    assert services.auto_release_warn(now=start + timedelta(days=10)) == 0
    assert not warnings(fixed).exists()
    services.auto_release_warn(now=start + timedelta(days=11, hours=1))
    services.auto_release_warn(now=start + timedelta(days=11, hours=2))  # again: no new one
    assert warnings(fixed).count() == 2
    assert set(warnings(fixed).values_list("recipient", flat=True)) == {
        fixed.client_id,
        fixed.va_id,
    }
    services.auto_release_warn(now=start + timedelta(days=13, hours=1))
    services.auto_release_warn(now=start + timedelta(days=13, hours=12))
    assert warnings(fixed).count() == 4
    release_on = (start + timedelta(days=14)).date().isoformat()
    assert {n.data["release_on"] for n in warnings(fixed)} == {release_on}
    assert services.auto_release_due(now=start + timedelta(days=13, hours=23)) == []
    assert services.auto_release_due(now=start + timedelta(days=14, minutes=1)) == [deliverable.pk]


def test_a_delivery_first_seen_late_gets_only_the_nearest_warning(fixed):
    fund(fixed)
    deliverable = delivered(fixed, days_ago=0)
    services.auto_release_warn(now=deliverable.submitted_at + timedelta(days=13, hours=6))
    keys = set(warnings(fixed).values_list("event_key", flat=True))
    assert keys == {f"auto_release_warning:{fixed.escrow_payments.get().pk}:{deliverable.pk}:1"}


def test_a_disputed_item_never_auto_releases_nor_warns(fixed):
    payment = fund(fixed)
    services.dispute_open(
        contract=fixed, user=fixed.client, payment_id=payment.pk, reason="Wrong files"
    )
    deliverable = delivered(fixed, days_ago=30)
    services.auto_release_warn(now=deliverable.submitted_at + timedelta(days=12))
    assert auto_release_deliveries() == 0
    deliverable.refresh_from_db()
    payment.refresh_from_db()
    assert deliverable.status == Deliverable.Status.SUBMITTED
    assert payment.status == Payment.Status.PAID
    assert not warnings(fixed).exists()


def test_a_decision_stops_the_clock(fixed):
    fund(fixed)
    deliverable = delivered(fixed, days_ago=20)
    contract_services.deliverable_request_changes(
        deliverable=deliverable, client=fixed.client, comment="The second sheet is missing"
    )
    assert auto_release_deliveries() == 0
    assert fixed.escrow_payments.get().status == Payment.Status.PAID


def test_unfunded_work_is_not_approved_on_the_clients_behalf(fixed):
    deliverable = delivered(fixed, days_ago=20)
    assert auto_release_deliveries() == 0
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.SUBMITTED


def test_the_beat_schedule_runs_the_task(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["payments-auto-release"]
    assert entry["task"] == "payments.tasks.auto_release_deliveries"
    assert settings.PAYMENTS_AUTO_RELEASE_DAYS == 14
