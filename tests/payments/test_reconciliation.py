"""Daily reconciliation: our payments, payouts and their ledger transactions against what
Xendit / Stripe list through their SDKs (run against the local fake) and what the sandbox
sent; differences become issues moderators are told about and resolve in the admin."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from moderation.models import ModerationAction
from notifications.broker import publish
from notifications.models import Notification
from notifications.rendering import build_notification_email
from payments import reconciliation, services
from payments.models import (
    LedgerTransaction,
    Payment,
    Payout,
    PayoutMethod,
    ReconciliationIssue,
    ReconciliationRun,
    WebhookEvent,
)
from payments.tasks import reconcile_yesterday
from tests import factories
from tests.contracts.factories import fixed_contract
from tests.notifications.conftest import free_port, publishing_to, wait_for
from tests.payments.conftest import approve, deliver, fund
from tests.payments.test_providers import _deliver

pytestmark = pytest.mark.django_db

Kind = ReconciliationIssue.Kind


def another(contract):
    """A second per-task contract between the same two people."""
    return fixed_contract(client=contract.client, va=contract.va)


def today():
    return timezone.localdate()


def xendit_funded(client, fake, contract) -> Payment:
    payment = services.funding_start(contract=contract, client=contract.client)
    _deliver(client, "xendit", *fake.xendit_invoice_callback(payment.provider_ref, "PAID"))
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PAID
    return payment


def xendit_paid_out(client, fake, contract) -> Payout:
    approve(contract)
    PayoutMethod.objects.create(
        va=contract.va,
        currency="IDR",
        channel_code="ID_BCA",
        account_number="1234567890",
        account_holder_name="Vina Aulia",
    )
    payout = services.payout_request(va=contract.va, currency="IDR")
    services.payout_send(payout_id=payout.pk)
    payout.refresh_from_db()
    _deliver(client, "xendit", *fake.xendit_payout_callback(payout.provider_ref, succeeded=True))
    payout.refresh_from_db()
    assert payout.status == Payout.Status.PAID
    return payout


def reconcile(provider="xendit") -> ReconciliationRun:
    (run,) = reconciliation.reconcile_day(provider, today())
    return run


def issues(run) -> list[tuple]:
    return sorted(
        run.issues.values_list("kind", "reference", "our_amount", "provider_amount", "resolved")
    )


# --- comparing ------------------------------------------------------------------------


def test_a_day_that_matches_is_an_ok_run_without_issues(client, fake, fixed, moderator):
    payment = xendit_funded(client, fake, fixed)
    payout = xendit_paid_out(client, fake, fixed)
    run = reconcile()
    assert (run.provider, run.currency, run.day, run.status) == ("xendit", "IDR", today(), "ok")
    assert (run.our_count, run.provider_count) == (2, 2)
    assert run.finished_at and run.finished_at >= run.started_at
    assert not run.issues.exists()
    # Really listed through the SDKs: the day's paid invoices, the payout by its reference.
    listed = [r["path"] for r in fake.requests if r["method"] == "GET"]
    assert any(path.startswith("/v2/invoices?") and "paid_after" in path for path in listed)
    assert f"/v2/payouts?reference_id={payout.reference}" in listed
    assert payment.provider_ref in fake.invoices
    assert not Notification.objects.filter(kind="reconciliation_differences").exists()


def test_a_payment_paid_at_the_provider_but_not_in_our_ledger(client, fake, fixed, moderator):
    payment = services.funding_start(contract=fixed, client=fixed.client)
    fake.xendit_invoice_paid(payment.provider_ref)  # its callback never reached us
    run = reconcile()
    assert run.status == "differences"
    issue = run.issues.get()
    assert (issue.kind, issue.payment, issue.reference) == (
        Kind.MISSING_IN_LEDGER,
        payment,
        str(payment.reference),
    )
    assert (issue.provider_id, issue.provider_amount, issue.provider_currency) == (
        payment.provider_ref,
        Decimal("400000"),
        "IDR",
    )
    assert (issue.our_status, issue.provider_status) == ("pending", "paid")
    assert not LedgerTransaction.objects.exists()


def test_a_provider_record_we_know_nothing_about_is_missing_in_the_ledger(fake, fixed):
    services.funding_start(contract=fixed, client=fixed.client)
    invoice = next(iter(fake.invoices.values()))
    invoice["external_id"] = "not-one-of-ours"
    fake.xendit_invoice_paid(invoice["id"])
    issue = reconcile().issues.get()
    assert (issue.kind, issue.payment, issue.reference) == (
        Kind.MISSING_IN_LEDGER,
        None,
        "not-one-of-ours",
    )


def test_a_payment_in_our_ledger_missing_at_the_provider(client, fake, fixed):
    payment = xendit_funded(client, fake, fixed)
    fake.invoices.clear()
    run = reconcile()
    assert run.status == "differences" and (run.our_count, run.provider_count) == (1, 0)
    issue = run.issues.get()
    assert (issue.kind, issue.payment, issue.our_amount, issue.our_currency) == (
        Kind.MISSING_AT_PROVIDER,
        payment,
        Decimal("400000"),
        "IDR",
    )
    assert issue.provider_amount is None


def test_an_amount_that_differs_from_the_providers(client, fake, fixed):
    payment = xendit_funded(client, fake, fixed)
    fake.invoices[payment.provider_ref]["amount"] = 390000
    issue = reconcile().issues.get()
    assert (issue.kind, issue.payment) == (Kind.AMOUNT_MISMATCH, payment)
    assert (issue.our_amount, issue.provider_amount) == (Decimal("400000"), Decimal("390000"))


def test_a_ledger_amount_that_differs_from_the_providers_is_a_mismatch(client, fake, fixed):
    """The provider agrees with the payment row, but the funding transaction says otherwise."""
    payment = xendit_funded(client, fake, fixed)
    # Only the transaction's recorded amount (not its entries): the ledger audit still holds.
    LedgerTransaction.objects.filter(payment=payment, kind="funding").update(
        amount=Decimal("399000")
    )
    issue = reconcile().issues.get()
    assert (issue.kind, issue.our_amount, issue.provider_amount) == (
        Kind.AMOUNT_MISMATCH,
        Decimal("399000"),
        Decimal("400000"),
    )


def test_a_stripe_session_amount_mismatch_through_the_stripe_sdk(client, fake, fixed_usd):
    payment = services.funding_start(contract=fixed_usd, client=fixed_usd.client)
    _deliver(client, "stripe", *fake.stripe_session_paid(payment.provider_ref))
    assert reconcile("stripe").status == "ok"
    fake.sessions[f"checkout-{payment.reference}"]["amount_total"] = 12000
    run = reconcile("stripe")
    issue = run.issues.get()
    assert (run.currency, issue.kind, issue.our_amount, issue.provider_amount) == (
        "USD",
        Kind.AMOUNT_MISMATCH,
        Decimal("123.45"),
        Decimal("120.00"),
    )
    assert any(r["path"].startswith("/v1/checkout/sessions?") for r in fake.requests)


def test_a_payout_whose_status_differs_at_the_provider(client, fake, fixed):
    xendit_funded(client, fake, fixed)
    payout = xendit_paid_out(client, fake, fixed)
    next(p for p in fake.payouts.values() if p["id"] == payout.provider_ref)["status"] = "FAILED"
    issue = reconcile().issues.get()
    assert (issue.kind, issue.payout, issue.our_status, issue.provider_status) == (
        Kind.STATUS_MISMATCH,
        payout,
        "paid",
        "failed",
    )
    assert issue.our_amount == issue.provider_amount == Decimal("360000")


def test_a_reversed_stripe_transfer_is_a_status_mismatch(client, fake, fixed_usd):
    payment = services.funding_start(contract=fixed_usd, client=fixed_usd.client)
    _deliver(client, "stripe", *fake.stripe_session_paid(payment.provider_ref))
    approve(fixed_usd)
    PayoutMethod.objects.create(va=fixed_usd.va, currency="USD", stripe_account="acct_1Vina")
    payout = services.payout_request(va=fixed_usd.va, currency="USD")
    services.payout_send(payout_id=payout.pk)
    transfer = fake.transfers[f"payout-{payout.reference}"]
    _deliver(client, "stripe", *fake.stripe_event("transfer.created", transfer))
    assert reconcile("stripe").status == "ok"
    transfer["reversed"] = True
    issue = reconcile("stripe").issues.get()
    assert (issue.kind, issue.payout, issue.provider_status) == (
        Kind.STATUS_MISMATCH,
        payout,
        "failed",
    )


def test_a_provider_that_is_down_fails_the_run_and_keeps_its_findings(client, fake, fixed):
    payment = xendit_funded(client, fake, fixed)
    fake.invoices[payment.provider_ref]["amount"] = 1
    before = issues(reconcile())
    fake.fail("/v2/invoices", 502)
    run = reconcile()
    assert run.status == "failed" and "502" in run.error
    assert issues(run) == before and len(before) == 1


# --- re-running, moderators ---------------------------------------------------------


def test_re_running_a_day_replaces_open_issues_and_keeps_resolved_ones(
    client, fake, fixed, moderator
):
    payment = xendit_funded(client, fake, fixed)
    fake.invoices[payment.provider_ref]["amount"] = 390000
    first = reconcile()
    again = reconcile()
    assert again.pk == first.pk and ReconciliationRun.objects.count() == 1
    assert ReconciliationIssue.objects.count() == 1
    assert Notification.objects.filter(kind="reconciliation_differences").count() == 1

    issue = again.issues.get()
    reconciliation.issues_resolve(issue_ids=[issue.pk], moderator=moderator, note="Fee, fine")
    # The difference a moderator resolved is not raised again; the day now counts as ok.
    third = reconcile()
    assert third.status == "ok"
    assert issues(third) == [
        (Kind.AMOUNT_MISMATCH, str(payment.reference), Decimal("400000"), Decimal("390000"), True)
    ]
    # A new difference is raised beside the resolved history.
    fake.invoices.clear()
    fourth = reconcile()
    assert fourth.status == "differences"
    assert sorted(fourth.issues.values_list("kind", "resolved")) == [
        (Kind.AMOUNT_MISMATCH, True),
        (Kind.MISSING_AT_PROVIDER, False),
    ]


def test_moderators_are_notified_of_differences_and_nobody_else(client, fake, fixed, moderator):
    clerk = factories.UserFactory(email="clerk@example.com", is_staff=True)
    superuser = factories.UserFactory(email="root@example.com", is_staff=True, is_superuser=True)
    retired = factories.UserFactory(
        email="old@example.com", is_staff=True, is_superuser=True, is_active=False
    )
    payment = services.funding_start(contract=fixed, client=fixed.client)
    fake.xendit_invoice_paid(payment.provider_ref)
    run = reconcile()
    told = set(
        Notification.objects.filter(kind="reconciliation_differences").values_list(
            "recipient", flat=True
        )
    )
    assert {moderator.pk, superuser.pk} <= told
    assert not told & {clerk.pk, retired.pk, fixed.client_id, fixed.va_id}
    note = Notification.objects.get(kind="reconciliation_differences", recipient=moderator)
    assert note.data["url"] == reverse("admin:payments_reconciliationrun_change", args=[run.pk])
    email = build_notification_email(note, moderator)
    assert "xendit" in email.subject and today().isoformat() in email.subject
    assert "1 difference" in email.body
    moderator.language = "id"
    moderator.save(update_fields=["language"])
    assert "Rekonsiliasi" in build_notification_email(note, moderator).subject


# --- the admin ------------------------------------------------------------------------


def _differences(client, fake, fixed) -> ReconciliationRun:
    payment = xendit_funded(client, fake, fixed)
    fake.invoices[payment.provider_ref]["amount"] = 390000
    return reconcile()


def test_the_admin_pages_load_for_staff(client, fake, fixed, moderator):
    run = _differences(client, fake, fixed)
    client.force_login(moderator)
    pages = [
        reverse("admin:payments_reconciliationrun_changelist"),
        reverse("admin:payments_reconciliationrun_change", args=[run.pk]),
        reverse("admin:payments_reconciliationissue_changelist") + "?resolved__exact=0",
        reverse("admin:payments_reconciliationissue_changelist") + "?kind=amount_mismatch",
        reverse("admin:payments_reconciliationissue_changelist") + "?run__provider=xendit",
        reverse("admin:payments_reconciliationissue_change", args=[run.issues.get().pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
    body = client.get(pages[1]).content.decode()
    assert "Rp 390,000" in body and "Rp 400,000" in body
    # Runs are read-only: no add, no change, no delete.
    assert client.get(reverse("admin:payments_reconciliationrun_add")).status_code == 403


def test_the_admin_pages_are_not_for_non_staff(client, fake, fixed, client_user):
    run = _differences(client, fake, fixed)
    client.force_login(client_user)
    for url in [
        reverse("admin:payments_reconciliationrun_changelist"),
        reverse("admin:payments_reconciliationrun_change", args=[run.pk]),
        reverse("admin:payments_reconciliationissue_changelist"),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def _resolve(client, issue_ids, note):
    return client.post(
        reverse("admin:payments_reconciliationissue_changelist"),
        {"action": "mark_resolved", "_selected_action": issue_ids, "apply": "1", "note": note},
    )


def test_mark_resolved_needs_a_note_and_records_the_moderation(client, fake, fixed, moderator):
    issue = _differences(client, fake, fixed).issues.get()
    client.force_login(moderator)
    # The action first asks for the note.
    asked = client.post(
        reverse("admin:payments_reconciliationissue_changelist"),
        {"action": "mark_resolved", "_selected_action": [issue.pk]},
    )
    assert asked.status_code == 200 and "How was it resolved?" in asked.content.decode()
    # No note: a clear message, nothing saved.
    refused = _resolve(client, [issue.pk], "   ")
    assert refused.status_code == 400
    assert "Say how the difference was resolved." in refused.content.decode()
    issue.refresh_from_db()
    assert not issue.resolved and not ModerationAction.objects.exists()

    done = _resolve(client, [issue.pk], "Xendit confirmed the discount")
    assert done.status_code == 302
    issue.refresh_from_db()
    assert (issue.resolved, issue.resolved_by, issue.note) == (
        True,
        moderator,
        "Xendit confirmed the discount",
    )
    assert issue.resolved_at is not None
    action = ModerationAction.objects.get()
    assert (action.action, action.moderator, action.target, action.reason) == (
        "resolve_reconciliation",
        moderator,
        issue,
        "Xendit confirmed the discount",
    )


def test_staff_without_the_permission_cannot_resolve(client, fake, fixed):
    issue = _differences(client, fake, fixed).issues.get()
    clerk = factories.UserFactory(email="clerk@example.com", is_staff=True)
    TOTP.activate(clerk, generate_totp_secret())
    client.force_login(clerk)
    assert _resolve(client, [issue.pk], "I looked").status_code == 403
    with pytest.raises(ValidationError, match="Only moderators"):
        reconciliation.issues_resolve(issue_ids=[issue.pk], moderator=clerk, note="I looked")
    # A VA is not staff at all.
    with pytest.raises(ValidationError, match="Only moderators"):
        reconciliation.issues_resolve(issue_ids=[issue.pk], moderator=fixed.va, note="Mine")
    issue.refresh_from_db()
    assert not issue.resolved and not ModerationAction.objects.exists()


def test_resolving_an_already_resolved_issue_changes_nothing(client, fake, fixed, moderator):
    issue = _differences(client, fake, fixed).issues.get()
    assert reconciliation.issues_resolve(issue_ids=[issue.pk], moderator=moderator, note="a") == 1
    assert reconciliation.issues_resolve(issue_ids=[issue.pk], moderator=moderator, note="b") == 0
    issue.refresh_from_db()
    assert issue.note == "a" and ModerationAction.objects.count() == 1


@pytest.mark.parametrize("model", ["reconciliationrun", "reconciliationissue"])
def test_the_admin_lists_query_count_does_not_grow_with_rows(
    client, fake, fixed, moderator, model, django_assert_num_queries
):
    client.force_login(moderator)
    url = reverse(f"admin:payments_{model}_changelist")
    _differences(client, fake, fixed)
    client.get(url)  # warm caches
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for days in range(1, 6):
        run = ReconciliationRun.objects.create(
            provider="xendit",
            currency="IDR",
            day=today() - timedelta(days=days),
            started_at=timezone.now(),
            status="differences",
        )
        ReconciliationIssue.objects.create(run=run, kind=Kind.MISSING_IN_LEDGER, reference="x")
    with django_assert_num_queries(len(few)):
        response = client.get(url)
    assert response.context["cl"].result_count == 6


# --- the command and the task -------------------------------------------------------


def test_the_command_reconciles_a_day_and_shows_its_progress(fixed):
    funded = fund(fixed)
    out = io.StringIO()
    call_command("reconcile", "--day", today().isoformat(), "--provider", "sandbox", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines == [
        f"Reconciling sandbox for {today().isoformat()}…",
        "  sandbox IDR: ok — 1 ours, 1 at the provider, 0 open differences",
        "  sandbox USD: ok — 0 ours, 0 at the provider, 0 open differences",
    ]
    assert funded.status == "paid"
    # The sandbox's own statement: a paid event that never made it into the ledger.
    other = services.funding_start(contract=another(fixed), client=fixed.client)
    deliver(other)  # stored, not processed
    out = io.StringIO()
    call_command("reconcile", "--day", today().isoformat(), "--provider", "sandbox", stdout=out)
    assert "  sandbox IDR: differences — 1 ours, 2 at the provider, 1 open differences" in (
        out.getvalue().splitlines()
    )


def test_the_command_skips_a_provider_that_is_not_configured(settings):
    settings.XENDIT_SECRET_KEY = ""
    out = io.StringIO()
    with pytest.raises(CommandError, match="could not be reconciled"):
        call_command("reconcile", "--provider", "xendit", stdout=out)
    assert out.getvalue().splitlines() == ["Skipping xendit: not configured."]
    assert not ReconciliationRun.objects.exists()


def test_the_command_refuses_a_bad_day():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("reconcile", "--day", "07/12/2026", stdout=io.StringIO())


def test_the_beat_runs_the_task_daily_at_two(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["payments-reconcile"]
    assert entry["task"] == "payments.tasks.reconcile_yesterday"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({2}, {0})


@pytest.mark.slow
@pytest.mark.xdist_group("celery-worker")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_task_reconciles_yesterday_in_a_real_worker(fixed, moderator, start_worker):
    payment = fund(fixed)
    unledgered = services.funding_start(contract=another(fixed), client=fixed.client)
    # The sandbox said "paid"; its processing task was lost (the broker was down).
    with publishing_to(f"redis://127.0.0.1:{free_port()}/0"):
        deliver(unledgered)
    yesterday = timezone.now() - timedelta(days=1)
    Payment.objects.filter(pk=payment.pk).update(paid_at=yesterday)
    WebhookEvent.objects.update(received_at=yesterday)
    start_worker()
    publish(reconcile_yesterday)
    day = reconciliation.yesterday()

    def finished() -> bool:
        runs = ReconciliationRun.objects.filter(provider="sandbox", day=day)
        return runs.count() == 2 and not runs.filter(status="running").exists()

    wait_for(finished, timeout=60, message="the worker to reconcile yesterday")
    idr = ReconciliationRun.objects.get(provider="sandbox", currency="IDR", day=day)
    assert (idr.status, idr.our_count, idr.provider_count) == ("differences", 1, 2)
    assert list(idr.issues.values_list("kind", "payment")) == [
        (Kind.MISSING_IN_LEDGER, unledgered.pk)
    ]
    assert ReconciliationRun.objects.get(currency="USD", day=day).status == "ok"
    assert Notification.objects.filter(
        kind="reconciliation_differences", recipient=moderator
    ).exists()
