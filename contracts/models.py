"""Contracts: the agreed terms after a hire, and the work that happens under them.

Reads are QuerySet methods here; every write goes through `contracts.services`.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce, Mod
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import CURRENCY_CHOICES
from marketplace.storage import generated_key, private_storage

# Each side may review for this long after the contract ends; reviews stay hidden until
# both are in or this window closes (double-blind).
REVIEW_WINDOW = timedelta(days=14)
CURRENCY_DECIMALS = {"IDR": 0, "USD": 2}


def quantize_money(amount: Decimal, currency: str) -> Decimal:
    return Decimal(amount).quantize(Decimal(1).scaleb(-CURRENCY_DECIMALS.get(currency, 2)))


class ContractQuerySet(models.QuerySet):
    def for_party(self, user):
        """Contracts the user is a party to; staff see all."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(models.Q(client=user) | models.Q(va=user))

    def mine(self, user):
        """Contracts where the user is the client or the VA (no staff widening)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(models.Q(client=user) | models.Q(va=user))

    def active(self):
        return self.filter(status=Contract.Status.ACTIVE)

    def finished(self):
        return self.exclude(status=Contract.Status.ACTIVE)

    def with_dashboard(self, user):
        """Annotate what needs `user`'s attention on each contract, in one query.

        Guards the "My contracts" list against a query per row: every flag below is a
        correlated subquery, so the list costs the same for 2 contracts or 200.
        """
        now = timezone.now()
        contract = OuterRef("pk")
        my_last_read = models.Case(
            models.When(client=user, then=Coalesce("client_last_read_at", "started_at")),
            default=Coalesce("va_last_read_at", "started_at"),
        )
        unread = (
            Message.objects.filter(contract=contract, created_at__gt=OuterRef("my_last_read"))
            .exclude(author=user)
            .order_by()
            .values("contract")
            .annotate(n=models.Count("pk"))
            .values("n")
        )
        return self.annotate(
            my_last_read=my_last_read,
            unread_count=Coalesce(models.Subquery(unread, output_field=models.IntegerField()), 0),
            deliverable_to_review=Exists(
                Deliverable.objects.filter(contract=contract, status=Deliverable.Status.SUBMITTED)
            ),
            changes_requested=Exists(
                Deliverable.objects.filter(
                    contract=contract, status=Deliverable.Status.CHANGES_REQUESTED
                )
            )
            & ~Exists(
                Deliverable.objects.filter(
                    contract=contract,
                    status__in=[Deliverable.Status.SUBMITTED, Deliverable.Status.APPROVED],
                )
            ),
            week_to_review=Exists(
                Timesheet.objects.filter(
                    contract=contract, status=Timesheet.Status.PENDING, total_hours__gt=0
                )
            ),
            week_disputed=Exists(
                Timesheet.objects.filter(contract=contract, status=Timesheet.Status.DISPUTED)
            ),
            payment_to_mark=Exists(
                Timesheet.objects.filter(
                    contract=contract, status=Timesheet.Status.APPROVED, payment__isnull=True
                )
            )
            | Exists(
                Deliverable.objects.filter(
                    contract=contract, status=Deliverable.Status.APPROVED, payment__isnull=True
                )
            ),
            payment_to_confirm=Exists(
                PaymentMark.objects.filter(contract=contract, confirmed_at__isnull=True)
            ),
            reviewed_by_me=Exists(Review.objects.filter(contract=contract, author=user)),
            review_window_open=Q(ended_at__gt=now - REVIEW_WINDOW),
        )

    def active_first(self):
        return self.annotate(
            finished_rank=models.Case(
                models.When(status=Contract.Status.ACTIVE, then=0),
                default=1,
                output_field=models.IntegerField(),
            )
        ).order_by("finished_rank", "-started_at", "-pk")


class Contract(models.Model):
    """The agreed terms once a client hires a bid; the workspace hangs off it."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        ENDED = "ended", _("Ended early")

    job = models.OneToOneField("jobs.Job", on_delete=models.PROTECT, related_name="contract")
    bid = models.OneToOneField("bids.Bid", on_delete=models.PROTECT, related_name="contract")
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contracts_as_client"
    )
    va = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contracts_as_va"
    )
    rate = models.DecimalField(_("rate"), max_digits=14, decimal_places=2)
    pay_type = models.CharField(_("pay type"), max_length=10)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    weekly_hour_cap = models.DecimalField(
        _("weekly hour cap"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    manual_version = models.ForeignKey(
        "jobs.ManualVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The manual as it was at hire time, copied so later edits never change the deal.
    manual_snapshot_body = models.TextField(blank=True)
    manual_snapshot_checklist = models.JSONField(default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Per-party "read up to" marks for the message thread (unread markers).
    client_last_read_at = models.DateTimeField(null=True, blank=True)
    va_last_read_at = models.DateTimeField(null=True, blank=True)
    # Per-party "seen" marks: the other side's newest message this party has had on screen,
    # and when (the other side's page shows "Seen" under it).
    client_seen_message = models.ForeignKey(
        "Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    client_seen_at = models.DateTimeField(null=True, blank=True)
    va_seen_message = models.ForeignKey(
        "Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    va_seen_at = models.DateTimeField(null=True, blank=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [
            models.CheckConstraint(condition=models.Q(rate__gt=0), name="contract_rate_positive")
        ]

    def __str__(self) -> str:
        return f"{self.job} ({self.va})"

    def get_absolute_url(self) -> str:
        return reverse("contracts:workspace", args=[self.pk])

    @property
    def is_hourly(self) -> bool:
        return self.pay_type == "hourly"

    @property
    def is_active(self) -> bool:
        return self.status == self.Status.ACTIVE

    @property
    def review_deadline(self):
        return self.ended_at + REVIEW_WINDOW if self.ended_at else None

    def review_window_is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.ended_at is not None and now < self.ended_at + REVIEW_WINDOW

    def role_of(self, user) -> str | None:
        if user.pk == self.client_id:
            return "client"
        if user.pk == self.va_id:
            return "va"
        return None

    def other_party(self, user):
        return self.va if user.pk == self.client_id else self.client

    def amount_for_hours(self, hours: Decimal) -> Decimal:
        return quantize_money(hours * self.rate, self.currency)


def contract_file_upload_to(instance, filename: str) -> str:
    return generated_key("contracts", filename)


class PrivateFile(models.Model):
    """Metadata of a private file; the bytes live under a generated key in private storage."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    file = models.FileField(upload_to=contract_file_upload_to, storage=private_storage)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.original_name


class MessageQuerySet(models.QuerySet):
    def thread(self):
        """Oldest first, so the newest message sits at the bottom."""
        return (
            self.select_related("author")
            .prefetch_related("attachments")
            .order_by("created_at", "pk")
        )


class Message(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("message"), max_length=10000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [models.Index(fields=["contract", "created_at"], name="message_contract_created")]

    def __str__(self) -> str:
        return f"{self.author} on {self.contract_id}: {self.body[:40]}"


class MessageAttachment(PrivateFile):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")

    class Meta(PrivateFile.Meta):
        verbose_name = _("message attachment")
        verbose_name_plural = _("message attachments")

    def get_absolute_url(self) -> str:
        return reverse("contracts:message_file", args=[self.message.contract_id, self.pk])


class Deliverable(models.Model):
    """One submission of per-task work; the client approves it or asks for changes."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="deliverables")
    note = models.TextField(_("note"), max_length=10000)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    client_comment = models.TextField(_("comment"), max_length=5000, blank=True)
    # The fixed price, recorded as earned when approved.
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    submitted_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("deliverable")
        verbose_name_plural = _("deliverables")
        constraints = [
            # At most one approved deliverable per contract: approval completes the task.
            models.UniqueConstraint(
                fields=["contract"], condition=Q(status="approved"), name="deliverable_one_approved"
            ),
            # And at most one waiting for the client at a time.
            models.UniqueConstraint(
                fields=["contract"], condition=Q(status="submitted"), name="deliverable_one_pending"
            ),
        ]

    def __str__(self) -> str:
        return f"Deliverable {self.pk} on {self.contract_id}"


class DeliverableFile(PrivateFile):
    deliverable = models.ForeignKey(Deliverable, on_delete=models.CASCADE, related_name="files")

    class Meta(PrivateFile.Meta):
        verbose_name = _("deliverable file")
        verbose_name_plural = _("deliverable files")

    def get_absolute_url(self) -> str:
        return reverse("contracts:deliverable_file", args=[self.deliverable.contract_id, self.pk])


class Timesheet(models.Model):
    """One ISO week (Monday start) of an hourly contract: its total and the client's decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting approval")
        APPROVED = "approved", _("Approved")
        DISPUTED = "disputed", _("Disputed")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="timesheets")
    week_start = models.DateField()
    # Kept equal to the sum of the week's entries, under the contract's row lock.
    total_hours = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    client_comment = models.TextField(_("comment"), max_length=5000, blank=True)
    # Set on approval: approved hours × rate, in the contract's currency.
    amount = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-week_start"]
        verbose_name = _("weekly timesheet")
        verbose_name_plural = _("weekly timesheets")
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "week_start"], name="timesheet_one_per_week"
            ),
            models.CheckConstraint(
                condition=Q(total_hours__gte=0), name="timesheet_hours_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} week of {self.week_start}"

    @property
    def week_end(self):
        return self.week_start + timedelta(days=6)

    @property
    def iso_week(self) -> str:
        year, week, _day = self.week_start.isocalendar()
        return f"{year}-W{week:02d}"


class HourEntry(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="hour_entries")
    timesheet = models.ForeignKey(Timesheet, on_delete=models.PROTECT, related_name="entries")
    work_date = models.DateField(_("date"))
    hours = models.DecimalField(_("hours"), max_digits=4, decimal_places=2)
    memo = models.CharField(_("what you did"), max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["work_date", "created_at"]
        verbose_name = _("hour entry")
        verbose_name_plural = _("hour entries")
        constraints = [
            models.CheckConstraint(
                condition=Q(hours__gt=0, hours__lte=24), name="hour_entry_hours_range"
            ),
            models.CheckConstraint(
                condition=Exact(
                    Mod(F("hours"), models.Value(Decimal("0.25"))), models.Value(Decimal("0"))
                ),
                name="hour_entry_quarter_hours",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.work_date}: {self.hours} h"


class PaymentMark(models.Model):
    """The client says a period was paid (off-platform); the VA confirms receipt."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="payments")
    timesheet = models.OneToOneField(
        Timesheet, on_delete=models.PROTECT, null=True, blank=True, related_name="payment"
    )
    deliverable = models.OneToOneField(
        Deliverable, on_delete=models.PROTECT, null=True, blank=True, related_name="payment"
    )
    amount = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3, choices=CURRENCY_CHOICES)
    note = models.CharField(_("note"), max_length=300, blank=True)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    marked_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["marked_at"]
        verbose_name = _("payment mark")
        verbose_name_plural = _("payment marks")
        constraints = [
            models.CheckConstraint(
                condition=(Q(timesheet__isnull=False) & Q(deliverable__isnull=True))
                | (Q(timesheet__isnull=True) & Q(deliverable__isnull=False)),
                name="payment_mark_one_period",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_mark_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} on {self.contract_id}"

    @property
    def period_label(self) -> str:
        if self.timesheet_id:
            return _("Week of %(date)s") % {"date": self.timesheet.week_start.isoformat()}
        return _("Deliverable")


class ReviewQuerySet(models.QuerySet):
    def visible(self, now=None):
        """Double-blind: a review shows once the other side has reviewed too, or once the
        review window (14 days after the contract ended) has closed."""
        now = now or timezone.now()
        return self.visible_if_ended_by(now - REVIEW_WINDOW)

    def visible_if_ended_by(self, cutoff):
        """`visible()` with the window's cut-off given: reviews of contracts that ended by
        `cutoff` show whatever the other side did (a compiled query binds the cut-off)."""
        counterpart = Review.objects.filter(contract=OuterRef("contract")).exclude(
            author=OuterRef("author")
        )
        return self.filter(Q(Exists(counterpart)) | Q(contract__ended_at__lte=cutoff))

    def shown_to(self, user, now=None):
        """What a party sees on a contract: the visible reviews, and their own always."""
        return self.filter(Q(pk__in=self.visible(now).values("pk")) | Q(author_id=user.pk))

    def about(self, user):
        return self.filter(subject=user)

    def of_vas(self):
        """Reviews clients wrote about VAs."""
        return self.filter(author_role=Review.Role.CLIENT)

    def of_clients(self):
        return self.filter(author_role=Review.Role.VA)


class Review(models.Model):
    class Role(models.TextChoices):
        CLIENT = "client", _("Client")
        VA = "va", _("VA")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_written"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_received"
    )
    author_role = models.CharField(max_length=10, choices=Role.choices)
    overall = models.PositiveSmallIntegerField(_("overall"))
    communication = models.PositiveSmallIntegerField(_("communication"))
    quality = models.PositiveSmallIntegerField(_("quality"))
    timeliness = models.PositiveSmallIntegerField(_("timeliness"))
    text = models.TextField(_("review"), max_length=5000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [
            models.UniqueConstraint(fields=["contract", "author"], name="review_one_per_party"),
            *[
                models.CheckConstraint(
                    condition=Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
                    name=f"review_{name}_1_to_5",
                )
                for name in ("overall", "communication", "quality", "timeliness")
            ],
        ]
        indexes = [
            models.Index(fields=["subject", "author_role", "-created_at"], name="review_subject")
        ]

    def __str__(self) -> str:
        return f"{self.overall}★ by {self.author_id} on {self.contract_id}"
