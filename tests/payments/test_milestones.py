"""Milestones: a plan adding up to the agreed price, each funded and released on its own."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from contracts import services as contract_services
from payments import services
from payments.models import Account, Milestone, Payment
from tests.payments.conftest import approve, balance, deliver, process

pytestmark = pytest.mark.django_db


def _items(*amounts):
    due = timezone.localdate() + timedelta(days=7)
    return [
        {"title": f"Step {i}", "amount": Decimal(a), "due_date": due + timedelta(days=i)}
        for i, a in enumerate(amounts, start=1)
    ]


@pytest.fixture
def planned(fixed):
    services.milestones_plan(contract=fixed, client=fixed.client, items=_items("100000", "300000"))
    return fixed


def _fund(contract, milestone):
    payment = services.funding_start(contract=contract, client=contract.client, milestone=milestone)
    process(deliver(payment))
    payment.refresh_from_db()
    return payment


def _form(rows):
    data = {
        "milestones-TOTAL_FORMS": str(len(rows)),
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "1",
        "milestones-MAX_NUM_FORMS": "20",
    }
    for i, (title, amount, due) in enumerate(rows):
        data.update(
            {
                f"milestones-{i}-title": title,
                f"milestones-{i}-amount": amount,
                f"milestones-{i}-due_date": due,
            }
        )
    return data


def test_each_milestone_is_funded_for_its_own_amount(planned):
    first, second = planned.milestones.all()
    payment = _fund(planned, first)
    assert (payment.amount, payment.milestone) == (Decimal("100000"), first)
    assert balance(Account.Kind.ESCROW, contract=planned) == Decimal("100000")
    second_payment = _fund(planned, second)
    assert second_payment.amount == Decimal("300000")
    assert balance(Account.Kind.ESCROW, contract=planned) == Decimal("400000")


def test_a_split_contract_is_not_funded_as_a_whole(planned):
    with pytest.raises(ValidationError, match="one by one"):
        services.funding_start(contract=planned, client=planned.client)


def test_approving_a_milestone_releases_only_that_milestone(planned):
    first, second = planned.milestones.all()
    _fund(planned, first)
    _fund(planned, second)
    services.milestone_approve(milestone=first, client=planned.client)
    assert balance(Account.Kind.VA_AVAILABLE, user=planned.va) == Decimal("90000")
    assert balance(Account.Kind.PLATFORM_FEES) == Decimal("10000")
    assert balance(Account.Kind.ESCROW, contract=planned) == Decimal("300000")
    with pytest.raises(ValidationError, match="already approved"):
        services.milestone_approve(milestone=first, client=planned.client)


def test_an_unfunded_milestone_cannot_be_approved(planned):
    first = planned.milestones.first()
    with pytest.raises(ValidationError, match="Fund this milestone"):
        services.milestone_approve(milestone=first, client=planned.client)
    with pytest.raises(ValidationError, match="Only the client"):
        services.milestone_approve(milestone=first, client=planned.va)


def test_ending_refunds_only_the_unreleased_milestones(planned):
    first, second = planned.milestones.all()
    _fund(planned, first)
    services.milestone_approve(milestone=first, client=planned.client)
    _fund(planned, second)
    contract_services.contract_end(contract=planned, user=planned.va, reason="Stopping")
    assert balance(Account.Kind.VA_AVAILABLE, user=planned.va) == Decimal("90000")
    assert balance(Account.Kind.CLIENT_FUNDING, user=planned.client) == Decimal("-100000")
    assert Payment.objects.get(milestone=second).status == Payment.Status.REFUNDED


def test_the_final_approval_releases_every_held_milestone(planned):
    for milestone in planned.milestones.all():
        _fund(planned, milestone)
    approve(planned)
    assert balance(Account.Kind.VA_AVAILABLE, user=planned.va) == Decimal("360000")


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        (("100000", "200000"), "add up to Rp 300,000"),
        (("400000.50",), "whole units"),
        (("-1", "400001"), "above zero"),
    ],
)
def test_a_plan_that_does_not_fit_is_refused(fixed, amounts, message):
    with pytest.raises(ValidationError, match=message):
        services.milestones_plan(contract=fixed, client=fixed.client, items=_items(*amounts))
    assert not Milestone.objects.exists()


def test_the_plan_is_fixed_once_funding_started(planned):
    _fund(planned, planned.milestones.first())
    with pytest.raises(ValidationError, match="fixed once funding"):
        services.milestones_plan(contract=planned, client=planned.client, items=_items("400000"))
    assert planned.milestones.count() == 2


# --- the page ------------------------------------------------------------------------------


def test_the_client_saves_a_plan_on_the_page(client, fixed):
    client.force_login(fixed.client)
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(
        reverse("payments:milestones", args=[fixed.pk]),
        _form([("Draft", "150000", due), ("Final", "250000", due), ("", "", "")]),
    )
    assert response.status_code == 302
    assert list(fixed.milestones.values_list("title", "amount")) == [
        ("Draft", Decimal("150000")),
        ("Final", Decimal("250000")),
    ]
    page = client.get(reverse("contracts:workspace", args=[fixed.pk])).content.decode()
    assert "Fund Rp 150,000" in page and "Fund Rp 250,000" in page
    assert "Fund Rp 400,000" not in page


@pytest.mark.parametrize(
    ("row", "error"),
    [
        (("", "400000", "2099-01-01"), "Give the milestone a title."),
        (("Only", "lots", "2099-01-01"), "Enter the amount as a number."),
        (("Only", "400000", "next week"), "Enter the date as YYYY-MM-DD."),
        (("Only", "400000", "2000-01-01"), "A due date cannot be in the past."),
        (("Only", "1", "2099-01-01"), "they must add up to the agreed price"),
    ],
)
def test_bad_rows_are_refused_with_a_message_and_nothing_saved(client, fixed, row, error):
    client.force_login(fixed.client)
    response = client.post(reverse("payments:milestones", args=[fixed.pk]), _form([row]))
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Milestone.objects.exists()


def test_the_plan_page_is_the_clients(client, fixed, other_client, staff):
    url = reverse("payments:milestones", args=[fixed.pk])
    for user, status in ((fixed.client, 200), (staff, 200), (fixed.va, 404), (other_client, 404)):
        client.force_login(user)
        assert client.get(url).status_code == status
    client.force_login(staff)
    due = (timezone.localdate() + timedelta(days=3)).isoformat()
    response = client.post(url, _form([("Staff plan", "400000", due)]))
    assert response.status_code == 400 and not Milestone.objects.exists()


def test_only_the_client_funds_and_approves_milestones_on_the_page(client, planned, other_client):
    first = planned.milestones.first()
    fund_url = reverse("payments:milestone_fund", args=[planned.pk, first.pk])
    approve_url = reverse("payments:milestone_approve", args=[planned.pk, first.pk])
    client.force_login(other_client)
    assert client.post(fund_url).status_code == 404
    assert client.post(approve_url).status_code == 404
    client.force_login(planned.va)
    client.post(fund_url)
    client.post(approve_url)
    assert not Payment.objects.exists()
    client.force_login(planned.client)
    response = client.post(fund_url)
    payment = Payment.objects.get()
    assert response["Location"] == payment.get_checkout_url()
    process(deliver(payment))
    client.post(approve_url)
    assert balance(Account.Kind.VA_AVAILABLE, user=planned.va) == Decimal("90000")
