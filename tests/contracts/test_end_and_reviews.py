"""The end of a contract, and two-way double-blind reviews within 14 days."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from contracts import services
from contracts.models import Contract, Review
from jobs.models import Job
from notifications.models import Notification

pytestmark = pytest.mark.django_db

STARS = {"overall": 5, "communication": 4, "quality": 5, "timeliness": 3}


def review(contract, author, **scores):
    return services.review_leave(
        contract=contract, author=author, **{**STARS, **scores}, text="Great to work with."
    )


def test_completing_the_contract_completes_the_job_and_tells_the_va(client, fixed, client_user, va):
    client.force_login(client_user)
    client.post(reverse("contracts:complete", args=[fixed.pk]))
    fixed.refresh_from_db()
    assert fixed.status == Contract.Status.COMPLETED
    assert fixed.ended_at is not None and fixed.ended_by == client_user
    assert Job.objects.get(pk=fixed.job_id).status == Job.Status.COMPLETED
    assert Notification.objects.get(kind="contract_completed").recipient == va


def test_only_the_client_completes(fixed, va):
    with pytest.raises(ValidationError, match="Only the client"):
        services.contract_complete(contract=fixed, client=va)


def test_either_side_ends_early_with_a_reason(client, fixed, client_user, va):
    client.force_login(va)
    response = client.post(reverse("contracts:end", args=[fixed.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    fixed.refresh_from_db()
    assert fixed.status == Contract.Status.ACTIVE

    client.post(
        reverse("contracts:end", args=[fixed.pk]), {"reason": "I fell ill and cannot continue."}
    )
    fixed.refresh_from_db()
    assert fixed.status == Contract.Status.ENDED
    assert fixed.end_reason == "I fell ill and cannot continue."
    notification = Notification.objects.get(kind="contract_ended")
    assert notification.recipient == client_user
    assert notification.data["reason"] == "I fell ill and cannot continue."
    with pytest.raises(ValidationError, match="has ended"):
        services.contract_complete(contract=fixed, client=client_user)


def test_no_review_while_the_contract_is_active(fixed, client_user):
    with pytest.raises(ValidationError, match="once the contract has ended"):
        review(fixed, client_user)


def test_each_side_reviews_once(fixed, client_user, va):
    services.contract_complete(contract=fixed, client=client_user)
    first = review(fixed, client_user)
    assert first.subject == va and first.author_role == "client"
    with pytest.raises(ValidationError, match="already reviewed"):
        review(fixed, client_user)
    assert Notification.objects.get(kind="review_received").recipient == va


def test_reviews_are_hidden_until_both_are_in(client, fixed, client_user, va):
    services.contract_complete(contract=fixed, client=client_user)
    by_client = review(fixed, client_user, overall=2)
    assert not Review.objects.visible().exists()
    client.force_login(va)
    page = client.get(reverse("contracts:workspace", args=[fixed.pk])).content.decode()
    assert "The other side has left a review" in page
    assert "Great to work with." not in page

    by_va = review(fixed, va)
    assert set(Review.objects.visible()) == {by_client, by_va}
    page = client.get(reverse("contracts:workspace", args=[fixed.pk])).content.decode()
    assert "Great to work with." in page


def test_a_lone_review_shows_once_the_window_closes(fixed, client_user):
    services.contract_complete(contract=fixed, client=client_user)
    lone = review(fixed, client_user)
    assert list(Review.objects.visible(now=timezone.now() + timedelta(days=13))) == []
    assert list(Review.objects.visible(now=timezone.now() + timedelta(days=14, minutes=1))) == [
        lone
    ]


def test_no_review_after_14_days(fixed, client_user, va):
    services.contract_complete(contract=fixed, client=client_user)
    Contract.objects.filter(pk=fixed.pk).update(
        ended_at=timezone.now() - timedelta(days=14, minutes=1)
    )
    with pytest.raises(ValidationError, match="14 days"):
        review(fixed, va)


def test_the_review_form_refuses_missing_stars_and_keeps_the_text(client, fixed, client_user):
    services.contract_complete(contract=fixed, client=client_user)
    client.force_login(client_user)
    response = client.post(
        reverse("contracts:review", args=[fixed.pk]),
        {
            "overall": "5",
            "communication": "9",
            "quality": "",
            "timeliness": "4",
            "text": "Lovely work",
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Select a valid choice" in page and "This field is required." in page
    assert "Lovely work" in page
    assert not Review.objects.exists()


def test_outsiders_cannot_review(fixed, client_user, other_va):
    services.contract_complete(contract=fixed, client=client_user)
    with pytest.raises(ValidationError, match="Only the client and the VA"):
        review(fixed, other_va)
