"""Payments: escrow funding, a double-entry ledger, and the providers' webhooks.

How the app sits beside contracts (DESIGN.md §3): payments may import contracts and below;
contracts never imports payments. Contract services announce what payments must react to
through hooks named in settings, the way `JOB_PUBLISH_HOLD` works for jobs:
`CONTRACT_DELIVERABLE_APPROVED_HOOK` (release the escrow to the VA, less the platform fee),
`CONTRACT_WEEK_APPROVED_HOOK` (charge an hourly week's approved amount: from its pre-fund,
the excess refunded, or as a "Pay this week" charge released once the webhook confirms it),
`CONTRACT_ENDED_HOOK` (refund unreleased money to the client) and `CONTRACT_COMPLETE_HOOK`
(refuse to complete while money is held) are called inside the contract service's own
transaction, so the contract change and the ledger movement commit
or roll back together. `CONTRACT_WORKSPACE_PANELS` lets the workspace show our panel. The
other direction is a plain call: auto-release approves an overdue delivery through
`contracts.services.deliverable_approve`, whose hook then releases the escrow; an open
dispute makes the hooks refuse, which rolls the contract change back.

The ledger: every movement is one `LedgerTransaction` of `Entry` rows in one currency whose
amounts sum to zero (payments.ledger posts them; a deferred constraint trigger in migration
0002 refuses any transaction that does not balance at commit). An account's `balance` is a
running total updated under a row lock in the same transaction as its entries, so pages
read it in constant time. Signs: an entry adds its amount to the account's balance; money
coming in from a client is a negative entry on their funding account (it is what the
platform owes back or passes on), so client funding accounts stay ≤ 0 and every other
account ≥ 0 — check constraints hold that.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import CURRENCY_CHOICES
from contracts.models import PrivateFile


class Account(models.Model):
    class Kind(models.TextChoices):
        CLIENT_FUNDING = "client_funding", _("Client funding")
        ESCROW = "escrow", _("Escrow")
        VA_AVAILABLE = "va_available", _("Available balance")
        VA_PENDING_PAYOUT = "va_pending_payout", _("Pending payout")
        # Money that has left the platform to the VA's bank or e-wallet (the mirror of
        # client funding: what came in, went out).
        VA_PAID_OUT = "va_paid_out", _("Paid out")
        PLATFORM_FEES = "platform_fees", _("Platform fees")
        PROVIDER_FEES = "provider_fees", _("Provider fees")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_accounts",
    )
    balance = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "currency", "user", "contract"],
                nulls_distinct=False,
                name="account_one_per_owner",
            ),
            models.CheckConstraint(
                condition=Q(kind="client_funding", balance__lte=0)
                | (~Q(kind="client_funding") & Q(balance__gte=0)),
                name="account_balance_sign",
            ),
            # Who owns which kind: clients their funding, VAs their balances, a contract its
            # escrow, nobody the platform's and the provider's accounts.
            models.CheckConstraint(
                condition=(
                    Q(kind="escrow", contract__isnull=False, user__isnull=True)
                    | Q(
                        kind__in=[
                            "client_funding",
                            "va_available",
                            "va_pending_payout",
                            "va_paid_out",
                        ],
                        user__isnull=False,
                        contract__isnull=True,
                    )
                    | Q(
                        kind__in=["platform_fees", "provider_fees"],
                        user__isnull=True,
                        contract__isnull=True,
                    )
                ),
                name="account_owner_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        owner = self.user_id or self.contract_id or "platform"
        return f"{self.kind}:{owner} {self.balance} {self.currency}"


class LedgerTransaction(models.Model):
    class Kind(models.TextChoices):
        FUNDING = "funding", _("Funding")
        RELEASE = "release", _("Release")
        REFUND = "refund", _("Refund")
        PAYOUT = "payout", _("Withdrawal")
        PAYOUT_SENT = "payout_sent", _("Withdrawal paid out")
        PAYOUT_RETURNED = "payout_returned", _("Withdrawal returned")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    # A contract's movements name its contract and payment; a VA's withdrawal its payout.
    contract = models.ForeignKey(
        "contracts.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_transactions",
    )
    payment = models.ForeignKey(
        "payments.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_transactions",
    )
    payout = models.ForeignKey(
        "payments.Payout",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ledger_transactions",
    )
    # The gross amount moved (what left or entered escrow) and the platform's share of it.
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    fee = models.DecimalField(max_digits=16, decimal_places=2, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        constraints = [
            # Each payment is funded once and then released or refunded once: a retried
            # webhook or a double click can never post the same movement twice.
            models.UniqueConstraint(fields=["payment", "kind"], name="ledger_one_kind_per_payment"),
            models.UniqueConstraint(fields=["payout", "kind"], name="ledger_one_kind_per_payout"),
            models.CheckConstraint(
                condition=Q(payment__isnull=False, contract__isnull=False, payout__isnull=True)
                | Q(payment__isnull=True, contract__isnull=True, payout__isnull=False),
                name="ledger_payment_or_payout",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="ledger_amount_positive"),
            models.CheckConstraint(
                condition=Q(fee__gte=0) & Q(fee__lte=models.F("amount")), name="ledger_fee_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency} (contract {self.contract_id})"

    @property
    def net(self) -> Decimal:
        return self.amount - self.fee


class Entry(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        constraints = [models.CheckConstraint(condition=~Q(amount=0), name="entry_amount_not_zero")]
        indexes = [models.Index(fields=["account", "-created_at"], name="entry_account_recent")]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.account_id}"


class Milestone(models.Model):
    """One funded step of a per-task contract; the milestones add up to the agreed price."""

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.CASCADE, related_name="milestones"
    )
    position = models.PositiveSmallIntegerField()
    title = models.CharField(_("title"), max_length=200)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2)
    due_date = models.DateField(_("due date"))
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        constraints = [
            models.UniqueConstraint(fields=["contract", "position"], name="milestone_position"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="milestone_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title} ({self.amount})"


class PaymentQuerySet(models.QuerySet):
    def held(self):
        return self.filter(status=Payment.Status.PAID)

    def settled_in(self):
        """Money the provider confirmed (held, released or refunded)."""
        return self.filter(status__in=Payment.CONFIRMED)


class Payment(models.Model):
    """One charge of the client at a provider, funding a contract's escrow."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for payment")
        PAID = "paid", _("Funded, held in escrow")
        RELEASED = "released", _("Released to the VA")
        REFUNDED = "refunded", _("Refunded to the client")
        # A moderator settled a dispute by giving part to the VA and part back.
        SPLIT = "split", _("Split by a moderator")
        FAILED = "failed", _("Payment failed")
        EXPIRED = "expired", _("Checkout expired")

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="escrow_payments"
    )
    # Set when the contract is split into milestones: each is funded on its own.
    milestone = models.ForeignKey(
        Milestone, on_delete=models.PROTECT, null=True, blank=True, related_name="payments"
    )
    # Set on an hourly contract: the week (its Monday) this payment pre-funds or charges.
    week = models.DateField(null=True, blank=True)
    client = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    provider = models.CharField(max_length=20, default="sandbox")
    # Our reference at the provider (the checkout / invoice id); also the idempotency key of
    # the outgoing "create checkout" call.
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The provider's own id of the checkout (Xendit invoice, Stripe Checkout Session) and
    # its hosted page; empty for the sandbox, whose page is ours.
    provider_ref = models.CharField(max_length=100, blank=True)
    checkout_url = models.CharField(max_length=1000, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    objects = PaymentQuerySet.as_manager()

    # The provider confirmed the money: held, or settled one way or another since.
    CONFIRMED = ("paid", "released", "refunded", "split")
    # The item's money reached the VA, in whole or in part: it can never be funded again.
    FUNDED_OR_SETTLED = ("paid", "released", "split")

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            # One open checkout or held payment per funded item: the whole contract, one
            # milestone of it, or one week of an hourly contract.
            models.UniqueConstraint(
                fields=["contract", "milestone", "week"],
                condition=Q(status__in=["pending", "paid"]),
                nulls_distinct=False,
                name="payment_one_open_per_item",
            ),
            models.CheckConstraint(
                condition=Q(week__isnull=True) | Q(milestone__isnull=True),
                name="payment_week_or_milestone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} for contract {self.contract_id} ({self.status})"

    def get_checkout_url(self) -> str:
        return self.checkout_url or reverse("payments:sandbox_checkout", args=[self.reference])


class Payout(models.Model):
    """A VA's withdrawal of their available balance, sent by the provider."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being sent")
        PAID = "paid", _("Paid out")
        FAILED = "failed", _("Failed, returned to your balance")

    va = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payouts"
    )
    amount = models.DecimalField(max_digits=16, decimal_places=2)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    provider = models.CharField(max_length=20, default="sandbox")
    # Our reference at the provider, also the idempotency key of the disbursement call.
    reference = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # The provider's id of the transfer once it accepted it (Xendit payout, Stripe transfer).
    provider_ref = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    failure_reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("payout")
        verbose_name_plural = _("payouts")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payout_amount_positive"),
            # One withdrawal on its way per VA and currency: a double click sends one.
            models.UniqueConstraint(
                fields=["va", "currency"],
                condition=Q(status="pending"),
                name="payout_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} to {self.va_id} ({self.status})"

    def get_sandbox_url(self) -> str:
        return reverse("payments:sandbox_payout", args=[self.reference])


class PayoutMethod(models.Model):
    """Where a VA's withdrawals in one currency go: an Indonesian bank account or e-wallet
    (a Xendit payout channel) for Rupiah, a Stripe connected account for dollars."""

    va = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="payout_methods"
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    # Xendit's channel code, e.g. ID_BCA, ID_MANDIRI, ID_OVO, ID_DANA, ID_GOPAY.
    channel_code = models.CharField(_("bank or e-wallet"), max_length=40, blank=True)
    account_number = models.CharField(_("account number"), max_length=40, blank=True)
    account_holder_name = models.CharField(_("account holder name"), max_length=100, blank=True)
    stripe_account = models.CharField(_("Stripe account ID"), max_length=60, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("payout method")
        verbose_name_plural = _("payout methods")
        constraints = [
            models.UniqueConstraint(
                fields=["va", "currency"], name="payout_method_one_per_currency"
            )
        ]

    def __str__(self) -> str:
        return f"{self.currency} payout method of {self.va_id}"


class WebhookEvent(models.Model):
    """A provider's webhook exactly as it arrived, stored before anything acts on it."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        FAILED = "failed", _("Failed")

    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=100)
    event_type = models.CharField(max_length=60, blank=True)
    body = models.TextField()
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["received_at", "pk"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once")
        ]
        indexes = [
            models.Index(
                fields=["received_at"],
                condition=Q(status="received"),
                name="webhook_event_unprocessed",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event_id}"


class DisputeQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=Dispute.Status.OPEN)


class Dispute(models.Model):
    """A party's objection to a held payment (the contract's price or one milestone).

    While it is open the payment stays in escrow: no release, refund or auto-release. A
    moderator settles it in the admin by releasing it all, refunding it all or splitting it.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open, waiting for a moderator")
        SETTLED = "settled", _("Settled by a moderator")

    class Outcome(models.TextChoices):
        RELEASE = "release", _("Released to the VA")
        REFUND = "refund", _("Refunded to the client")
        SPLIT = "split", _("Split between the VA and the client")

    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, related_name="disputes"
    )
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="disputes")
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), max_length=3000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices, blank=True)
    # The gross amounts the settlement gave each side (the VA's before the platform fee).
    va_amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    client_amount = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    settlement_reason = models.TextField(_("settlement reason"), blank=True)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    settled_at = models.DateTimeField(null=True, blank=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        constraints = [
            # One open dispute per held payment: a second click, or the other party, joins it.
            models.UniqueConstraint(
                fields=["payment"], condition=Q(status="open"), name="dispute_one_open"
            ),
            models.CheckConstraint(
                condition=Q(status="open", outcome="", settled_at__isnull=True)
                | (Q(status="settled", settled_at__isnull=False) & ~Q(outcome="")),
                name="dispute_settled_has_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Dispute {self.pk} on payment {self.payment_id} ({self.status})"

    @property
    def currency(self) -> str:
        return self.payment.currency


class DisputeFile(PrivateFile):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="files")

    class Meta(PrivateFile.Meta):
        verbose_name = _("dispute file")
        verbose_name_plural = _("dispute files")

    def get_absolute_url(self) -> str:
        return reverse("payments:dispute_file", args=[self.dispute.contract_id, self.pk])


class ReconciliationRun(models.Model):
    """One comparison of our payments and payouts of a day (in TIME_ZONE) with what one
    provider reports for it, in one currency. Re-running the same provider, currency and
    day updates this row (payments.reconciliation.reconcile_day)."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        OK = "ok", _("Everything matches")
        DIFFERENCES = "differences", _("Differences found")
        FAILED = "failed", _("Failed")

    provider = models.CharField(_("provider"), max_length=20)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    day = models.DateField(_("day"))
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.RUNNING
    )
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # How many payments and payouts each side had for the day.
    our_count = models.PositiveIntegerField(_("ours"), default=0)
    provider_count = models.PositiveIntegerField(_("at the provider"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-day", "provider", "currency"]
        verbose_name = _("reconciliation run")
        verbose_name_plural = _("reconciliation runs")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "currency", "day"], name="reconciliation_run_once_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.currency} {self.day} ({self.status})"


class ReconciliationIssue(models.Model):
    """One difference a run found between our ledger and the provider's records."""

    class Kind(models.TextChoices):
        MISSING_IN_LEDGER = "missing_in_ledger", _("Paid at the provider, not in our ledger")
        MISSING_AT_PROVIDER = "missing_at_provider", _("In our ledger, not at the provider")
        AMOUNT_MISMATCH = "amount_mismatch", _("Amounts differ")
        STATUS_MISMATCH = "status_mismatch", _("Statuses differ")

    run = models.ForeignKey(ReconciliationRun, on_delete=models.CASCADE, related_name="issues")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    payout = models.ForeignKey(
        Payout, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Our reference as the provider knows it, and the provider's own id of its record.
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    provider_id = models.CharField(_("provider's id"), max_length=100, blank=True)
    our_amount = models.DecimalField(
        _("our amount"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    our_currency = models.CharField(_("our currency"), max_length=3, blank=True)
    provider_amount = models.DecimalField(
        _("provider's amount"), max_digits=16, decimal_places=2, null=True, blank=True
    )
    provider_currency = models.CharField(_("provider's currency"), max_length=3, blank=True)
    our_status = models.CharField(_("our status"), max_length=20, blank=True)
    provider_status = models.CharField(_("provider's status"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved = models.BooleanField(_("resolved"), default=False)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["run", "pk"]
        verbose_name = _("reconciliation issue")
        verbose_name_plural = _("reconciliation issues")
        indexes = [models.Index(fields=["resolved", "kind"], name="reconciliation_issue_open")]
        constraints = [
            models.CheckConstraint(
                condition=Q(resolved=False, resolved_at__isnull=True)
                | Q(resolved=True, resolved_at__isnull=False),
                name="reconciliation_issue_resolved_at",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference or self.provider_id}"

    @property
    def signature(self) -> tuple:
        """What makes two runs' issues the same difference."""
        return (self.kind, self.reference, self.provider_id)
