"""Each contract event writes a notification whose email and in-app line render from its data."""

from datetime import timedelta

import pytest
from django.utils import translation

from contracts import services
from contracts.models import Timesheet
from contracts.services import week_start_of
from notifications.kinds import KINDS
from notifications.models import Notification
from notifications.rendering import build_notification_email, render_summary
from tests.contracts.conftest import text_file
from tests.contracts.factories import fixed_contract, hourly_contract, local_today

pytestmark = pytest.mark.django_db

CONTRACT_KINDS = {
    "message_received",
    "deliverable_submitted",
    "deliverable_approved",
    "changes_requested",
    "hours_approved",
    "hours_disputed",
    "payment_marked",
    "payment_confirmed",
    "contract_completed",
    "contract_ended",
    "review_received",
}


def every_event(client_user, va):
    fixed = fixed_contract(client=client_user, va=va)
    services.message_send(contract=fixed, author=client_user, body="Welcome!", files=[text_file()])
    first = services.deliverable_submit(contract=fixed, va=va, note="Draft")
    services.deliverable_request_changes(deliverable=first, client=client_user, comment="Add 2023")
    second = services.deliverable_submit(contract=fixed, va=va, note="Final")
    services.deliverable_approve(deliverable=second, client=client_user)
    mark = services.payment_mark(contract=fixed, client=client_user, deliverable=second)
    services.payment_confirm(payment=mark, va=va)
    services.contract_complete(contract=fixed, client=client_user)
    services.review_leave(
        contract=fixed, author=va, overall=5, communication=5, quality=5, timeliness=5
    )

    hourly = hourly_contract(client=client_user, va=va)
    monday = week_start_of(local_today(va)) - timedelta(days=7)
    services.hours_log(contract=hourly, va=va, work_date=monday, hours="2", memo="Email")
    services.hours_log(
        contract=hourly, va=va, work_date=monday + timedelta(days=7), hours="1", memo="Email"
    )
    services.timesheet_approve(
        timesheet=Timesheet.objects.get(week_start=monday), client=client_user
    )
    services.timesheet_dispute(
        timesheet=Timesheet.objects.get(week_start=monday + timedelta(days=7)),
        client=client_user,
        comment="No",
    )
    services.contract_end(contract=hourly, user=va, reason="Moving on")


def test_every_contract_kind_is_registered():
    assert CONTRACT_KINDS <= set(KINDS)


def test_every_event_notifies_the_other_side_with_url_and_title(client_user, va):
    every_event(client_user, va)
    written = Notification.objects.all()
    assert {n.kind for n in written} == CONTRACT_KINDS
    for notification in written:
        assert notification.recipient != notification.actor, notification.kind
        assert notification.data["url"].startswith(f"/contracts/{notification.contract_id}/")
        assert notification.data["title"]


@pytest.mark.parametrize("language", ["en", "id"])
def test_every_contract_notification_renders_as_email_and_summary(client_user, va, language):
    every_event(client_user, va)
    type(va).objects.filter(pk__in=[va.pk, client_user.pk]).update(language=language)
    for notification in Notification.objects.select_related("recipient", "actor"):
        with translation.override(language):
            summary = render_summary(notification)
        email = build_notification_email(notification, notification.recipient)
        assert summary and "{{" not in summary, notification.kind
        assert notification.data["title"] in email.body, notification.kind
        assert "/contracts/" in email.alternatives[0][0], notification.kind
    amounts = Notification.objects.get(kind="deliverable_approved")
    email = build_notification_email(amounts, amounts.recipient)
    assert ("Rp 400.000" if language == "id" else "Rp 400,000") in email.body
