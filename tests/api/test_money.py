"""The API's money writes (issue 19 over issue 17): funding, milestones, disputes and
withdrawals. What each does, who is refused, the scope, bad input (the field named, nothing
saved), and that amounts are the server's, never the caller's."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from payments.models import Dispute, Milestone, Payment, Payout
from tests.api.conftest import api_as
from tests.contracts.factories import fixed_contract
from tests.payments.conftest import approve, balance, deliver, process
from tests.security.world import pdf_bytes

pytestmark = pytest.mark.django_db

PRICE = Decimal("400000")


@pytest.fixture
def contract(client_user, va):
    return fixed_contract(client=client_user, va=va)


def _pay(reference: str) -> None:
    """What the provider does once the client has paid on its page: a signed webhook."""
    process(deliver(Payment.objects.get(reference=reference)))


def _fund(contract) -> dict:
    started = api_as(contract.client).post(f"/api/v1/contracts/{contract.pk}/fund/", {})
    assert started.status_code == 201, started.json()
    _pay(started.json()["reference"])
    return started.json()


def _due(days: int = 10) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


# --- funding -----------------------------------------------------------------------------------


def test_the_client_funds_the_price_and_it_is_funded_only_after_the_webhook(contract):
    client = api_as(contract.client)
    started = client.post(f"/api/v1/contracts/{contract.pk}/fund/", {"amount": "1"}, format="json")
    assert started.status_code == 201, started.json()
    body = started.json()
    # The amount is the contract's price, whatever the caller sent.
    assert (Decimal(body["amount"]), body["currency"], body["status"]) == (PRICE, "IDR", "pending")
    assert body["checkout_url"].startswith("http://testserver/payments/sandbox/")
    path = f"/api/v1/contracts/{contract.pk}/statement/"
    assert client.get(path).json()["is_funded"] is False
    _pay(body["reference"])
    statement = client.get(path).json()
    assert (statement["is_funded"], Decimal(statement["held"])) == (True, PRICE)


def test_only_the_client_funds_and_outsiders_get_404(contract, other_va, client_user):
    path = f"/api/v1/contracts/{contract.pk}/fund/"
    refused = api_as(contract.va).post(path, {}, format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "refused"
    assert api_as(other_va).post(path, {}, format="json").status_code == 404
    assert api_as().post(path, {}, format="json").status_code == 404
    assert not Payment.objects.exists()


def test_funding_needs_the_payments_scope(contract):
    client = api_as(contract.client, scopes=["read", "contracts:write"])
    response = client.post(f"/api/v1/contracts/{contract.pk}/fund/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    assert not Payment.objects.exists()


def test_a_funded_contract_is_not_funded_twice(contract):
    _fund(contract)
    again = api_as(contract.client).post(f"/api/v1/contracts/{contract.pk}/fund/", {})
    assert again.status_code == 409
    assert Payment.objects.filter(contract=contract).count() == 1


def test_a_bad_milestone_id_names_the_field_and_starts_nothing(contract):
    response = api_as(contract.client).post(
        f"/api/v1/contracts/{contract.pk}/fund/", {"milestone_id": "first"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"]["milestone_id"]
    assert not Payment.objects.exists()


def test_funding_is_rate_limited_with_retry_after(contract, settings):
    settings.ACTION_RATE_LIMITS = {**settings.ACTION_RATE_LIMITS, "payment_fund": 1}
    client = api_as(contract.client)
    path = f"/api/v1/contracts/{contract.pk}/fund/"
    assert client.post(path, {}, format="json").status_code == 201
    limited = client.post(path, {}, format="json")
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0


# --- milestones ----------------------------------------------------------------------------


def _plan(contract, items):
    return api_as(contract.client).post(
        f"/api/v1/contracts/{contract.pk}/milestones/", {"milestones": items}, format="json"
    )


def test_the_client_plans_funds_and_approves_a_milestone(contract):
    planned = _plan(
        contract,
        [
            {"title": "Set up the books", "amount": "150000", "due_date": _due(7)},
            {"title": "Monthly close", "amount": "250000", "due_date": _due(30)},
        ],
    )
    assert planned.status_code == 200, planned.json()
    first, second = planned.json()
    assert [Decimal(first["amount"]), Decimal(second["amount"])] == [
        Decimal("150000"),
        Decimal("250000"),
    ]
    # Both parties see the plan.
    listed = api_as(contract.va).get(f"/api/v1/contracts/{contract.pk}/milestones/").json()
    assert [m["title"] for m in listed] == ["Set up the books", "Monthly close"]
    # The whole price cannot be funded at once any more: milestone by milestone.
    client = api_as(contract.client)
    assert client.post(f"/api/v1/contracts/{contract.pk}/fund/", {}).status_code == 409
    started = client.post(
        f"/api/v1/contracts/{contract.pk}/fund/", {"milestone_id": first["id"]}, format="json"
    )
    assert started.status_code == 201, started.json()
    assert Decimal(started.json()["amount"]) == Decimal("150000")
    _pay(started.json()["reference"])
    approve_path = f"/api/v1/contracts/{contract.pk}/milestones/{first['id']}/approve/"
    # The VA cannot approve their own milestone.
    assert api_as(contract.va).post(approve_path).status_code == 409
    approved = client.post(approve_path)
    assert approved.status_code == 200, approved.json()
    assert approved.json()["approved_at"]
    assert balance("va_available", user=contract.va) == Decimal("150000") * Decimal("0.9")


@pytest.mark.parametrize(
    "items, field",
    [
        ([{"title": "", "amount": "400000", "due_date": "2030-01-01"}], "milestones.0.title"),
        ([{"title": "All", "amount": "lots", "due_date": "2030-01-01"}], "milestones.0.amount"),
        ([{"title": "All", "amount": "400000", "due_date": "soon"}], "milestones.0.due_date"),
        ("all of it", "milestones"),
        ([], "milestones"),
    ],
    ids=["no title", "amount not a number", "bad date", "not a list", "empty"],
)
def test_a_bad_plan_names_the_field_and_saves_nothing(contract, items, field):
    response = _plan(contract, items)
    assert response.status_code == 400, response.json()
    assert response.json()["fields"][field]
    assert not Milestone.objects.exists()


def test_a_plan_that_does_not_add_up_is_refused_and_saves_nothing(contract):
    response = _plan(contract, [{"title": "Half", "amount": "200000", "due_date": _due()}])
    assert response.status_code == 409, response.json()
    assert "must add up to the agreed price" in response.json()["message"]
    assert not Milestone.objects.exists()


def test_milestones_are_hidden_from_outsiders(contract, other_va, staff):
    path = f"/api/v1/contracts/{contract.pk}/milestones/"
    assert api_as(other_va).get(path).status_code == 404
    assert api_as(other_va).post(path, {"milestones": []}, format="json").status_code == 404
    assert api_as(staff).get(path).status_code == 200


# --- disputes ------------------------------------------------------------------------------


def test_either_party_disputes_held_money_with_a_file(contract, other_va, staff):
    _fund(contract)
    payment = Payment.objects.get(contract=contract)
    path = f"/api/v1/contracts/{contract.pk}/disputes/"
    opened = api_as(contract.va).post(
        path,
        {
            "payment": payment.pk,
            "reason": "The client stopped answering after I delivered.",
            "files": [SimpleUploadedFile("chat.pdf", pdf_bytes(), "application/pdf")],
        },
        format="multipart",
    )
    assert opened.status_code == 201, opened.json()
    assert (opened.json()["status"], opened.json()["payment_id"]) == ("open", payment.pk)
    dispute = Dispute.objects.get()
    assert dispute.files.count() == 1
    # The client sees it; approving is refused while it is open.
    assert [d["id"] for d in api_as(contract.client).get(path).json()] == [dispute.pk]
    # Outsiders and staff (who settle in the admin) get a 404.
    assert api_as(other_va).get(path).status_code == 404
    assert api_as(staff).get(path).status_code == 404
    # The same payment cannot be disputed twice while the first is open.
    again = api_as(contract.client).post(
        path, {"payment": payment.pk, "reason": "Me too."}, format="json"
    )
    assert again.status_code == 400
    assert again.json()["fields"]["payment"]
    assert Dispute.objects.count() == 1


@pytest.mark.parametrize(
    "body, field",
    [({"reason": "No payment named."}, "payment"), ({"payment": "held"}, "payment")],
    ids=["no payment", "payment not an id"],
)
def test_a_bad_dispute_names_the_field_and_saves_nothing(contract, body, field):
    _fund(contract)
    response = api_as(contract.client).post(
        f"/api/v1/contracts/{contract.pk}/disputes/", body, format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"][field]
    assert not Dispute.objects.exists()


def test_a_dispute_without_a_reason_names_the_reason(contract):
    _fund(contract)
    payment = Payment.objects.get(contract=contract)
    response = api_as(contract.client).post(
        f"/api/v1/contracts/{contract.pk}/disputes/", {"payment": payment.pk}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"]["reason"]
    assert not Dispute.objects.exists()


# --- withdrawals ---------------------------------------------------------------------------


def test_the_va_withdraws_the_whole_available_balance(contract, other_va):
    _fund(contract)
    approve(contract)
    available = balance("va_available", user=contract.va)
    assert available > 0
    client = api_as(contract.va)
    sent = client.post("/api/v1/withdrawals/", {"currency": "IDR", "amount": "1"}, format="json")
    assert sent.status_code == 201, sent.json()
    payout = sent.json()
    # The amount is the balance, never the caller's.
    assert (Decimal(payout["amount"]), payout["status"]) == (available, "pending")
    assert payout["sandbox_url"].startswith("http://testserver/payments/sandbox/payouts/")
    assert balance("va_available", user=contract.va) == 0
    assert [p["id"] for p in client.get("/api/v1/withdrawals/").json()["results"]] == [payout["id"]]
    # Nobody else sees it.
    assert api_as(other_va).get("/api/v1/withdrawals/").json()["results"] == []
    assert api_as().get("/api/v1/withdrawals/").status_code == 401


def test_withdrawing_nothing_is_refused_and_saves_nothing(va):
    response = api_as(va).post("/api/v1/withdrawals/", {"currency": "IDR"}, format="json")
    assert response.status_code == 409
    assert response.json()["message"]
    assert not Payout.objects.exists()


def test_a_bad_currency_names_the_field(va):
    response = api_as(va).post("/api/v1/withdrawals/", {"currency": "EUR"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["currency"]
    assert not Payout.objects.exists()


def test_withdrawing_needs_the_payments_scope(contract):
    _fund(contract)
    approve(contract)
    client = api_as(contract.va, scopes=["read", "bids:write", "contracts:write"])
    response = client.post("/api/v1/withdrawals/", {"currency": "IDR"}, format="json")
    assert response.status_code == 403
    assert not Payout.objects.exists()


def test_the_withdrawal_list_has_constant_queries(contract, django_assert_max_num_queries):
    _fund(contract)
    approve(contract)
    client = api_as(contract.va)
    client.post("/api/v1/withdrawals/", {"currency": "IDR"}, format="json")
    with django_assert_max_num_queries(6) as one:
        client.get("/api/v1/withdrawals/")
    for _ in range(3):
        Payout.objects.create(
            va=contract.va, amount=Decimal("1000"), currency="IDR", status=Payout.Status.PAID
        )
    with django_assert_max_num_queries(len(one.captured_queries)):
        assert len(client.get("/api/v1/withdrawals/").json()["results"]) == 4


def test_an_error_speaks_the_callers_language(va):
    response = api_as(va, HTTP_ACCEPT_LANGUAGE="id").post(
        "/api/v1/withdrawals/", {"currency": "EUR"}, format="json"
    )
    assert response.status_code == 400
    assert response["Content-Language"] == "id"
    assert response.json()["message"] != "Some of the input is not valid; see the fields."
