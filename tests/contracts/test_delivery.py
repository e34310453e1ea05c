"""Per-task work: the VA delivers, the client approves (task done, price earned) or asks for changes."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts import services
from contracts.models import Deliverable
from notifications.models import Notification
from tests.contracts.conftest import text_file

pytestmark = pytest.mark.django_db


def test_the_va_delivers_and_the_client_is_told(client, fixed, va, client_user):
    client.force_login(va)
    response = client.post(
        reverse("contracts:deliverable_submit", args=[fixed.pk]),
        {"note": "Folders done, guide attached.", "files": [text_file("guide.txt")]},
    )
    deliverable = Deliverable.objects.get()
    assert response.status_code == 302
    assert deliverable.status == Deliverable.Status.SUBMITTED
    assert deliverable.files.get().original_name == "guide.txt"
    notification = Notification.objects.get(kind="deliverable_submitted")
    assert notification.recipient == client_user
    assert notification.data["url"].endswith(f"#deliverable-{deliverable.pk}")


def test_approval_completes_the_task_and_records_the_price_as_earned(
    client, fixed, va, client_user
):
    deliverable = services.deliverable_submit(contract=fixed, va=va, note="Done")
    client.force_login(client_user)
    client.post(reverse("contracts:deliverable_approve", args=[fixed.pk, deliverable.pk]))
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.APPROVED
    assert deliverable.amount == Decimal("400000")
    notification = Notification.objects.get(kind="deliverable_approved")
    assert notification.recipient == va
    assert notification.data["amount"] == "400000.00" and notification.data["currency"] == "IDR"
    page = client.get(reverse("contracts:workspace", args=[fixed.pk])).content.decode()
    assert "Rp 400,000" in page


def test_the_client_asks_for_changes_with_a_comment_and_the_va_delivers_again(
    client, fixed, va, client_user
):
    first = services.deliverable_submit(contract=fixed, va=va, note="Draft")
    client.force_login(client_user)
    prefix = f"deliverable-{first.pk}"
    client.post(
        reverse("contracts:deliverable_changes", args=[fixed.pk, first.pk]),
        {f"{prefix}-comment": "Please add a folder for 2023."},
    )
    first.refresh_from_db()
    assert first.status == Deliverable.Status.CHANGES_REQUESTED
    assert first.client_comment == "Please add a folder for 2023."
    assert (
        Notification.objects.get(kind="changes_requested").data["comment"]
        == "Please add a folder for 2023."
    )
    second = services.deliverable_submit(contract=fixed, va=va, note="With 2023")
    assert second.status == Deliverable.Status.SUBMITTED


def test_asking_for_changes_needs_a_comment(client, fixed, va, client_user):
    deliverable = services.deliverable_submit(contract=fixed, va=va, note="Draft")
    client.force_login(client_user)
    response = client.post(
        reverse("contracts:deliverable_changes", args=[fixed.pk, deliverable.pk]),
        {f"deliverable-{deliverable.pk}-comment": ""},
    )
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    deliverable.refresh_from_db()
    assert deliverable.status == Deliverable.Status.SUBMITTED


def test_a_delivery_needs_a_note_and_the_files_are_kept_out_when_refused(client, fixed, va):
    client.force_login(va)
    response = client.post(reverse("contracts:deliverable_submit", args=[fixed.pk]), {"note": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Deliverable.objects.exists()


def test_the_va_cannot_deliver_twice_while_waiting(fixed, va):
    services.deliverable_submit(contract=fixed, va=va, note="One")
    with pytest.raises(ValidationError, match="still waiting"):
        services.deliverable_submit(contract=fixed, va=va, note="Two")


def test_nothing_more_is_delivered_after_approval(fixed, va, client_user):
    deliverable = services.deliverable_submit(contract=fixed, va=va, note="One")
    services.deliverable_approve(deliverable=deliverable, client=client_user)
    with pytest.raises(ValidationError, match="already approved"):
        services.deliverable_submit(contract=fixed, va=va, note="Two")
    with pytest.raises(ValidationError, match="not waiting"):
        services.deliverable_approve(deliverable=deliverable, client=client_user)


def test_only_the_client_approves_and_only_the_va_delivers(fixed, va, client_user):
    deliverable = services.deliverable_submit(contract=fixed, va=va, note="One")
    with pytest.raises(ValidationError, match="Only the client"):
        services.deliverable_approve(deliverable=deliverable, client=va)
    with pytest.raises(ValidationError, match="Only the VA"):
        services.deliverable_submit(contract=fixed, va=client_user, note="Me")


def test_hourly_contracts_have_no_deliverables(hourly, va):
    with pytest.raises(ValidationError, match="log hours"):
        services.deliverable_submit(contract=hourly, va=va, note="One")


def test_the_approve_button_refusal_is_shown_at_the_top(client, fixed, va, client_user):
    deliverable = services.deliverable_submit(contract=fixed, va=va, note="One")
    services.deliverable_approve(deliverable=deliverable, client=client_user)
    client.force_login(client_user)
    response = client.post(
        reverse("contracts:deliverable_approve", args=[fixed.pk, deliverable.pk]), follow=True
    )
    assert "This delivery is not waiting for your approval." in response.content.decode()
