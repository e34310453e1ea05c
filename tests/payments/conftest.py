"""Payments tests: contracts to fund, a signed sandbox delivery, the local fake of Xendit and
Stripe (`fake`), and the ledger's invariants checked after every test (the deferred balance
trigger is fired before the test ends)."""

from decimal import Decimal

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth.models import Group
from django.db import connection
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce

from contracts import services as contract_services
from moderation.roles import sync_moderators_group
from payments import sandbox, services
from payments.models import Account, Entry, LedgerTransaction, Payment, WebhookEvent
from tests import factories
from tests.contracts.factories import ContractFactory, fixed_contract
from tests.factories import BidFactory, JobFactory
from tests.notifications.conftest import smtp_sink, start_worker  # noqa: F401 - fixtures
from tests.payments.fakes import server as fake_api

ZERO = Decimal("0")


def assert_ledger_consistent() -> None:
    """Every transaction sums to zero in its own currency, every running balance equals its
    entries, balances have their sign, and all money in the system sums to zero."""
    with connection.cursor() as cursor:
        # Fire the deferred balance trigger now (it would otherwise wait for a commit that
        # a test transaction never makes).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    unbalanced = LedgerTransaction.objects.annotate(total=Sum("entries__amount")).exclude(
        total=ZERO
    )
    assert not list(unbalanced.values_list("pk", "total"))
    assert not Entry.objects.exclude(currency=F("transaction__currency")).exists()
    assert not Entry.objects.exclude(currency=F("account__currency")).exists()
    drift = Account.objects.annotate(total=Coalesce(Sum("entries__amount"), ZERO)).exclude(
        balance=F("total")
    )
    assert not list(drift.values_list("pk", "balance", "total"))
    assert not Account.objects.filter(
        Q(kind=Account.Kind.CLIENT_FUNDING, balance__gt=0)
        | (~Q(kind=Account.Kind.CLIENT_FUNDING) & Q(balance__lt=0))
    ).exists()
    for currency in ("IDR", "USD"):
        total = Account.objects.filter(currency=currency).aggregate(t=Sum("balance"))["t"]
        assert (total or ZERO) == ZERO
    # Escrow holds exactly the payments that are funded and not yet released or refunded.
    for account in Account.objects.filter(kind=Account.Kind.ESCROW):
        held = Payment.objects.filter(
            contract_id=account.contract_id, currency=account.currency, status=Payment.Status.PAID
        ).aggregate(t=Sum("amount"))["t"]
        assert account.balance == (held or ZERO), account


@pytest.fixture(autouse=True)
def ledger_checked(request):
    yield
    if request.node.get_closest_marker("django_db") and not request.node.get_closest_marker(
        "no_ledger_check"
    ):
        assert_ledger_consistent()


def pytest_configure(config):
    config.addinivalue_line("markers", "no_ledger_check: the test breaks the ledger on purpose")


@pytest.fixture
def moderator(db):
    """Mo: staff in the Moderators group (not a superuser), TOTP set up for the admin."""
    sync_moderators_group()
    user = factories.UserFactory(email="mo@example.com", name="Mo Moderator", is_staff=True)
    user.groups.add(Group.objects.get(name="Moderators"))
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture(scope="module")
def fake_server():
    fake = fake_api.FakeProviders().start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(fake_server, settings):
    """Both real providers on, pointed at the fake; the sandbox off."""
    fake_server.reset()
    settings.PAYMENTS_SANDBOX = False
    settings.XENDIT_SECRET_KEY = fake_api.XENDIT_KEY
    settings.XENDIT_WEBHOOK_TOKEN = fake_api.XENDIT_TOKEN
    settings.XENDIT_API_BASE = fake_server.url
    settings.STRIPE_SECRET_KEY = fake_api.STRIPE_KEY
    settings.STRIPE_WEBHOOK_SECRET = fake_api.STRIPE_WEBHOOK_SECRET
    settings.STRIPE_API_BASE = fake_server.url
    settings.PAYMENTS_PROVIDER_TIMEOUT = 0.5
    return fake_server


@pytest.fixture
def fixed(client_user, va):
    """Alice hired Vina for a per-task job (Rp 400.000)."""
    return fixed_contract(client=client_user, va=va)


@pytest.fixture
def fixed_usd(client_user, va):
    """Alice hired Vina for a per-task job in dollars ($123.45)."""
    job = JobFactory(client=client_user, currency="USD", max_rate=Decimal("200.00"))
    bid = BidFactory(job=job, va=va, amount=Decimal("123.45"), status="accepted")
    return ContractFactory(bid=bid)


def deliver(payment: Payment, outcome: str = "pay", *, event_id: str | None = None) -> WebhookEvent:
    """What the sandbox provider does: sign an event and hand it to our webhook intake."""
    body = sandbox.event_body(payment=payment, outcome=outcome, event_id=event_id)
    return services.webhook_receive(provider="sandbox", body=body, signature=sandbox.sign(body))


def process(event: WebhookEvent) -> WebhookEvent:
    return services.webhook_event_process(event_id=event.pk)


def fund(contract) -> Payment:
    """Fund a contract the whole way: checkout, signed "paid" webhook, processed."""
    payment = services.funding_start(contract=contract, client=contract.client)
    process(deliver(payment))
    payment.refresh_from_db()
    return payment


def approve(contract):
    deliverable = contract_services.deliverable_submit(
        contract=contract, va=contract.va, note="Done"
    )
    return contract_services.deliverable_approve(deliverable=deliverable, client=contract.client)


def balance(kind: str, currency: str = "IDR", **owner) -> Decimal:
    account = Account.objects.filter(kind=kind, currency=currency, **owner).first()
    return account.balance if account else ZERO
