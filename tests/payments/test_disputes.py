"""Disputes: a party opens one on held money; nothing moves it until a moderator settles it
in the admin (release, refund or a split that adds up), with the audit record and both
parties told. The autouse ledger audit (conftest) runs after every test."""

from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts import services as contract_services
from moderation.models import ModerationAction
from notifications.models import Notification
from notifications.rendering import build_notification_email
from payments import services
from payments.models import Account, Dispute, DisputeFile, LedgerTransaction, Payment
from tests import factories
from tests.contracts.conftest import html_file, pdf_file
from tests.payments.conftest import (
    approve,
    assert_ledger_consistent,
    balance,
    deliver,
    fund,
    process,
)

pytestmark = pytest.mark.django_db


def open_url(contract):
    return reverse("payments:dispute_open", args=[contract.pk])


def settle_url(dispute):
    return reverse("admin:payments_dispute_settle", args=[dispute.pk])


def dispute(contract, user=None, payment=None, reason="The work was never delivered"):
    payment = payment or contract.escrow_payments.get(status=Payment.Status.PAID)
    return services.dispute_open(
        contract=contract, user=user or contract.client, payment_id=payment.pk, reason=reason
    )


# --- opening --------------------------------------------------------------------------------


def test_the_client_opens_a_dispute_with_a_file_and_the_va_is_told(client, fixed):
    payment = fund(fixed)
    client.force_login(fixed.client)
    page = client.get(open_url(fixed))
    assert page.status_code == 200 and "The agreed price" in page.content.decode()
    response = client.post(
        open_url(fixed),
        {"payment": payment.pk, "reason": "Nothing was delivered", "files": [pdf_file()]},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("payments:statement", args=[fixed.pk])
    opened = Dispute.objects.get()
    assert (opened.payment, opened.opened_by, opened.status) == (payment, fixed.client, "open")
    assert opened.reason == "Nothing was delivered"
    stored = DisputeFile.objects.get(dispute=opened)
    assert stored.original_name == "invoice.pdf" and stored.content_type == "application/pdf"
    told = Notification.objects.get(kind="dispute_opened")
    assert told.recipient == fixed.va and told.actor == fixed.client
    statement = client.get(reverse("payments:statement", args=[fixed.pk])).content.decode()
    assert "Open, waiting for a moderator" in statement and "Nothing was delivered" in statement
    assert client.get(stored.get_absolute_url()).status_code == 200


def test_the_va_can_open_one_too(client, fixed):
    payment = fund(fixed)
    client.force_login(fixed.va)
    response = client.post(open_url(fixed), {"payment": payment.pk, "reason": "Approved by mail"})
    assert response.status_code == 302
    assert Dispute.objects.get().opened_by == fixed.va
    assert Notification.objects.get(kind="dispute_opened").recipient == fixed.client


def test_an_empty_reason_is_refused_with_a_clear_message_and_nothing_saved(client, fixed):
    payment = fund(fixed)
    client.force_login(fixed.client)
    response = client.post(open_url(fixed), {"payment": payment.pk, "reason": "   "})
    assert response.status_code == 400
    assert "Say why you dispute this payment." in response.content.decode()
    assert (
        not Dispute.objects.exists()
        and not Notification.objects.filter(kind="dispute_opened").exists()
    )


def test_a_file_that_is_not_what_it_claims_is_refused_and_nothing_saved(client, fixed):
    payment = fund(fixed)
    client.force_login(fixed.client)
    response = client.post(
        open_url(fixed), {"payment": payment.pk, "reason": "Bad work", "files": [html_file()]}
    )
    assert response.status_code == 400
    assert not Dispute.objects.exists() and not DisputeFile.objects.exists()
    # What the person typed is kept on the form.
    assert "Bad work" in response.content.decode()


def test_a_payment_not_held_cannot_be_disputed(client, fixed):
    payment = fund(fixed)
    approve(fixed)
    client.force_login(fixed.client)
    response = client.post(open_url(fixed), {"payment": payment.pk, "reason": "Too late"})
    assert response.status_code == 400
    assert "nothing to dispute" in response.content.decode()
    with pytest.raises(ValidationError, match="Only money held in escrow"):
        dispute(fixed, payment=payment)
    assert not Dispute.objects.exists()


def test_only_the_two_parties_can_open_a_dispute(client, fixed, other_client, other_va, staff):
    payment = fund(fixed)
    for outsider in (other_client, other_va, staff):
        client.force_login(outsider)
        assert client.get(open_url(fixed)).status_code == 404
        response = client.post(open_url(fixed), {"payment": payment.pk, "reason": "Mine"})
        assert response.status_code == 404
    client.logout()
    assert client.get(open_url(fixed)).status_code == 404
    with pytest.raises(ValidationError):
        dispute(fixed, user=other_client)
    assert not Dispute.objects.exists()


def test_a_second_dispute_on_the_same_payment_is_refused(client, fixed):
    payment = fund(fixed)
    dispute(fixed)
    with pytest.raises(ValidationError, match="already disputed"):
        dispute(fixed, user=fixed.va, reason="Me too")
    client.force_login(fixed.va)
    response = client.post(open_url(fixed), {"payment": payment.pk, "reason": "Me too"})
    assert response.status_code == 400
    assert "nothing to dispute" in response.content.decode()
    assert Dispute.objects.count() == 1


# --- a dispute holds the money --------------------------------------------------------------


def test_disputed_money_is_neither_released_nor_refunded(fixed):
    payment = fund(fixed)
    dispute(fixed)
    deliverable = contract_services.deliverable_submit(contract=fixed, va=fixed.va, note="Done")
    with pytest.raises(ValidationError, match="dispute is open"):
        contract_services.deliverable_approve(deliverable=deliverable, client=fixed.client)
    with pytest.raises(ValidationError, match="dispute is open"):
        contract_services.contract_end(contract=fixed, user=fixed.client, reason="Stop")
    deliverable.refresh_from_db()
    fixed.refresh_from_db()
    payment.refresh_from_db()
    assert deliverable.status == "submitted" and fixed.is_active
    assert payment.status == Payment.Status.PAID
    assert balance(Account.Kind.ESCROW, contract=fixed) == Decimal("400000")


def test_a_disputed_milestone_cannot_be_approved_but_another_can(fixed_milestones):
    contract, first, second = fixed_milestones
    dispute(contract, payment=first)
    with pytest.raises(ValidationError, match="dispute is open"):
        services.milestone_approve(milestone=first.milestone, client=contract.client)
    services.milestone_approve(milestone=second.milestone, client=contract.client)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Payment.Status.PAID, Payment.Status.RELEASED)


@pytest.fixture
def fixed_milestones(fixed):
    due = timezone.localdate() + timedelta(days=10)
    first, second = services.milestones_plan(
        contract=fixed,
        client=fixed.client,
        items=[
            {"title": "Draft", "amount": Decimal("150000"), "due_date": due},
            {"title": "Final", "amount": Decimal("250000"), "due_date": due},
        ],
    )
    paid = []
    for milestone in (first, second):
        payment = services.funding_start(contract=fixed, client=fixed.client, milestone=milestone)
        process(deliver(payment))
        payment.refresh_from_db()
        paid.append(payment)
    return fixed, *paid


# --- settling in the admin ------------------------------------------------------------------


def settle(client, opened, **data):
    data.setdefault("currency", opened.payment.currency)
    data.setdefault("reason", "Evidence in the messages")
    return client.post(settle_url(opened), data)


def test_a_moderator_releases_it_all_in_the_admin(client, fixed, moderator):
    fund(fixed)
    opened = dispute(fixed)
    client.force_login(moderator)
    change = client.get(reverse("admin:payments_dispute_change", args=[opened.pk]))
    assert change.status_code == 200 and settle_url(opened) in change.content.decode()
    assert client.get(settle_url(opened)).status_code == 200
    response = settle(client, opened, outcome="release")
    assert response.status_code == 302
    opened.refresh_from_db()
    assert (opened.status, opened.outcome, opened.settled_by) == ("settled", "release", moderator)
    assert (opened.va_amount, opened.client_amount) == (Decimal("400000"), Decimal("0"))
    assert opened.payment.status == Payment.Status.RELEASED
    assert balance(Account.Kind.VA_AVAILABLE, user=fixed.va) == Decimal("360000")
    assert balance(Account.Kind.PLATFORM_FEES) == Decimal("40000")
    assert balance(Account.Kind.ESCROW, contract=fixed) == 0
    assert LedgerTransaction.objects.filter(kind="release").count() == 1
    assert_ledger_consistent()
    action = ModerationAction.objects.get()
    assert (action.action, action.moderator, action.target) == ("settle_dispute", moderator, opened)
    assert action.reason == "Evidence in the messages"
    told = set(
        Notification.objects.filter(kind="dispute_settled").values_list("recipient", flat=True)
    )
    assert told == {fixed.client_id, fixed.va_id}
    # Settled once: a second settlement is refused and moves nothing.
    assert settle(client, opened, outcome="refund").status_code == 400
    assert LedgerTransaction.objects.count() == 2


def test_a_moderator_refunds_it_all(client, fixed, moderator):
    fund(fixed)
    opened = dispute(fixed)
    client.force_login(moderator)
    assert settle(client, opened, outcome="refund").status_code == 302
    opened.refresh_from_db()
    assert opened.payment.status == Payment.Status.REFUNDED
    assert balance(Account.Kind.CLIENT_FUNDING, user=fixed.client) == 0
    assert balance(Account.Kind.VA_AVAILABLE, user=fixed.va) == 0
    assert_ledger_consistent()
    # The contract can now end or complete: nothing is held any more.
    contract_services.contract_end(contract=fixed, user=fixed.client, reason="Settled")


def test_a_split_that_does_not_add_up_is_refused_and_nothing_moves(client, fixed, moderator):
    fund(fixed)
    opened = dispute(fixed)
    client.force_login(moderator)
    for wrong in (
        {"va_amount": "300000", "client_amount": "50000"},  # short of the held amount
        {"va_amount": "300000", "client_amount": "150000"},  # more than held
        {"va_amount": "400000", "client_amount": "0"},  # not a split
        {"va_amount": "250000.50", "client_amount": "149999.50"},  # Rupiah has no cents
        {"va_amount": "", "client_amount": "400000"},
    ):
        response = settle(client, opened, outcome="split", **wrong)
        assert response.status_code == 400, wrong
    response = settle(client, opened, outcome="split", va_amount="300000", client_amount="50000")
    assert "they must add up to the held" in response.content.decode()
    wrong_currency = settle(
        client, opened, outcome="split", va_amount="300000", client_amount="100000", currency="USD"
    )
    assert wrong_currency.status_code == 400
    no_reason = settle(
        client, opened, outcome="split", va_amount="300000", client_amount="100000", reason=""
    )
    assert no_reason.status_code == 400
    opened.refresh_from_db()
    assert opened.status == "open" and opened.payment.status == Payment.Status.PAID
    assert LedgerTransaction.objects.count() == 1  # the funding only
    assert not ModerationAction.objects.exists()


def test_a_split_that_adds_up_posts_a_release_and_a_refund(client, fixed, moderator):
    fund(fixed)
    opened = dispute(fixed)
    client.force_login(moderator)
    response = settle(client, opened, outcome="split", va_amount="300000", client_amount="100000")
    assert response.status_code == 302
    opened.refresh_from_db()
    assert opened.payment.status == Payment.Status.SPLIT
    release = LedgerTransaction.objects.get(kind="release")
    refund = LedgerTransaction.objects.get(kind="refund")
    assert (release.amount, release.fee, refund.amount) == (
        Decimal("300000"),
        Decimal("30000"),
        Decimal("100000"),
    )
    assert balance(Account.Kind.VA_AVAILABLE, user=fixed.va) == Decimal("270000")
    assert balance(Account.Kind.CLIENT_FUNDING, user=fixed.client) == Decimal("-300000")
    assert balance(Account.Kind.ESCROW, contract=fixed) == 0
    assert_ledger_consistent()
    statement_page = reverse("payments:statement", args=[fixed.pk])
    client.force_login(fixed.va)
    html = client.get(statement_page).content.decode()
    assert "Split between the VA and the client" in html
    # A split item is done: it can never be funded again.
    with pytest.raises(ValidationError):
        services.funding_start(contract=fixed, client=fixed.client)


def test_a_split_in_dollars_keeps_the_cents(client, fixed_usd, moderator):
    fund(fixed_usd)
    opened = dispute(fixed_usd)
    client.force_login(moderator)
    response = settle(client, opened, outcome="split", va_amount="100.45", client_amount="23.00")
    assert response.status_code == 302
    assert balance(Account.Kind.VA_AVAILABLE, "USD", user=fixed_usd.va) == Decimal("90.41")
    assert_ledger_consistent()


def test_staff_without_the_moderator_permission_cannot_settle(client, fixed):
    fund(fixed)
    opened = dispute(fixed)
    clerk = factories.UserFactory(email="clerk@example.com", is_staff=True)
    TOTP.activate(clerk, generate_totp_secret())
    client.force_login(clerk)
    assert settle(client, opened, outcome="release").status_code == 403
    opened.refresh_from_db()
    assert opened.status == "open"


def test_the_settlement_email_is_in_each_partys_language(fixed, moderator):
    fund(fixed)
    fixed.va.language = "id"
    fixed.va.save(update_fields=["language"])
    opened = dispute(fixed)
    services.dispute_settle(
        dispute_id=opened.pk, moderator=moderator, outcome="refund", reason="No delivery"
    )
    to_va = Notification.objects.get(kind="dispute_settled", recipient=fixed.va)
    to_client = Notification.objects.get(kind="dispute_settled", recipient=fixed.client)
    assert "Sengketa" in build_notification_email(to_va, fixed.va).subject
    english = build_notification_email(to_client, fixed.client)
    assert "dispute" in english.subject and "No delivery" in english.body


def test_the_statement_costs_the_same_for_one_or_many_disputes(client, fixed_milestones):
    contract, first, second = fixed_milestones
    client.force_login(contract.client)
    url = reverse("payments:statement", args=[contract.pk])
    opened = dispute(contract, payment=first)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    services.dispute_open(
        contract=contract,
        user=contract.va,
        payment_id=second.pk,
        reason="Paid outside",
        files=[pdf_file("a.pdf"), pdf_file("b.pdf")],
    )
    DisputeFile.objects.create(
        dispute=opened, original_name="x.pdf", content_type="application/pdf"
    )
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert len(response.context["summary"]["disputes"]) == 2
    # Disputes come with their payment, milestone and opener in one query, files in one more.
    assert len(many.captured_queries) == len(few.captured_queries)


def test_a_split_milestone_says_so_and_offers_no_funding(client, fixed_milestones, moderator):
    contract, first, _second = fixed_milestones
    opened = dispute(contract, payment=first)
    services.dispute_settle(
        dispute_id=opened.pk,
        moderator=moderator,
        outcome="split",
        reason="Half done",
        va_amount=Decimal("100000"),
        client_amount=Decimal("50000"),
    )
    client.force_login(contract.client)
    page = client.get(reverse("contracts:workspace", args=[contract.pk])).content.decode()
    assert "Split by a moderator" in page
    fund_first = reverse("payments:milestone_fund", args=[contract.pk, first.milestone_id])
    assert fund_first not in page
