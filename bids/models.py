import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from marketplace.modelfields import URLField
from marketplace.storage import generated_key, private_storage


class BidQuerySet(models.QuerySet):
    def by_va(self, user):
        return self.filter(va=user)

    def on_jobs_of(self, user):
        return self.filter(job__client=user)

    def live(self):
        """Bids still in play (not withdrawn, not rejected)."""
        return self.filter(
            status__in=[Bid.Status.SUBMITTED, Bid.Status.SHORTLISTED, Bid.Status.ACCEPTED]
        )

    def with_card_state(self):
        """Annotate what a bid's card shows beyond its own row, for keys of cached HTML:
        `interviews_state` (when its interviews last changed, and how many confirmed ones
        have ended: a card then says "Done"), and `samples_state` (its samples with the
        portfolio items they point at, which change on their own). One subquery each: per
        card row, every subquery costs PostgreSQL more than the row itself."""
        from django.contrib.postgres.aggregates import StringAgg
        from django.db.models.functions import Cast, Coalesce, Concat, JSONObject, Now

        ends_at = models.F("chosen_slot__starts_at") + models.ExpressionWrapper(
            models.F("duration_minutes") * models.Value(timedelta(minutes=1)),
            output_field=models.DurationField(),
        )
        ended = models.Q(status=Interview.Status.CONFIRMED, ends_at__lte=Now())
        interviews = (
            Interview.objects.filter(bid=models.OuterRef("pk"))
            .alias(ends_at=ends_at)
            .order_by()
            .values("bid")
            .annotate(
                state=JSONObject(
                    changed=models.Max("updated_at"), ended=models.Count("pk", filter=ended)
                )
            )
            .values("state")
        )
        samples = WorkSample.objects.filter(bid=models.OuterRef("pk")).order_by().values("bid")
        sample_state = Concat(
            Cast("id", models.TextField()),
            models.Value(":"),
            Coalesce("portfolio_item__link", models.Value(""), output_field=models.TextField()),
            models.Value(":"),
            Coalesce("portfolio_item__file", models.Value(""), output_field=models.TextField()),
            output_field=models.TextField(),
        )
        return self.annotate(
            interviews_state=models.Subquery(interviews, output_field=models.JSONField()),
            samples_state=models.Subquery(
                samples.annotate(
                    s=StringAgg(sample_state, delimiter=",", order_by="created_at")
                ).values("s")
            ),
        )

    def visible_to(self, user):
        """A VA sees their own bids; a client the bids on their jobs; staff all. Bids are sealed."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(models.Q(va=user) | models.Q(job__client=user))


class Bid(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        SHORTLISTED = "shortlisted", _("Shortlisted")
        ACCEPTED = "accepted", _("Hired")
        REJECTED = "rejected", _("Not selected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="bids")
    va = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bids")
    # In the job's currency and pay type (per task, or per hour).
    amount = models.DecimalField(_("your rate"), max_digits=14, decimal_places=2)
    cover_letter = models.TextField(_("cover letter"), max_length=10000)
    estimated_hours = models.DecimalField(
        _("estimated hours"), max_digits=7, decimal_places=2, null=True, blank=True
    )
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    earliest_start = models.DateField(_("earliest start"), null=True, blank=True)
    manual_version = models.ForeignKey(
        "jobs.ManualVersion", on_delete=models.PROTECT, related_name="bids", null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.SUBMITTED
    )
    rejection_message = models.TextField(_("message to the VA"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    objects = BidQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        constraints = [
            models.UniqueConstraint(fields=["job", "va"], name="bid_one_per_va_per_job"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="bid_amount_positive"),
        ]
        indexes = [
            models.Index(fields=["job", "status", "-created_at"], name="bid_job_status"),
            models.Index(fields=["va", "-created_at"], name="bid_va_created"),
        ]

    def __str__(self) -> str:
        return f"{self.va} → {self.job}"

    @property
    def is_undecided(self) -> bool:
        return self.status in (Bid.Status.SUBMITTED, Bid.Status.SHORTLISTED)

    @property
    def percent_of_max(self) -> int:
        """The bid as a whole percentage of the job's maximum rate."""
        if not self.job.max_rate:
            return 0
        return int((self.amount * 100 / self.job.max_rate).to_integral_value())

    @property
    def estimated_total(self):
        """Hourly bids: rate × estimated hours, so they compare with per-task bids."""
        if self.estimated_hours is None:
            return None
        return self.job.quantize(self.amount * self.estimated_hours)


def sample_upload_to(instance, filename: str) -> str:
    return generated_key("samples", filename)


def thumbnail_upload_to(instance, filename: str) -> str:
    return generated_key("thumbs", filename, extension=".webp")


class WorkSampleQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Samples of bids the user may see (see BidQuerySet.visible_to)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(models.Q(bid__va=user) | models.Q(bid__job__client=user))


class WorkSample(models.Model):
    """A file (or a portfolio item) a VA attaches to a bid; private to VA, client and staff."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="samples")
    file = models.FileField(upload_to=sample_upload_to, storage=private_storage, blank=True)
    portfolio_item = models.ForeignKey(
        "accounts.PortfolioItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    thumbnail = models.FileField(upload_to=thumbnail_upload_to, storage=private_storage, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WorkSampleQuerySet.as_manager()

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("work sample")
        verbose_name_plural = _("work samples")

    def __str__(self) -> str:
        return self.original_name

    @property
    def stored_file(self):
        """The file to serve: our own copy, or the portfolio item's file."""
        if self.file:
            return self.file
        if self.portfolio_item_id and self.portfolio_item.file:
            return self.portfolio_item.file
        return None

    @property
    def link(self) -> str:
        """A portfolio item that is only a link (shown as a link, never proxied)."""
        if not self.file and self.portfolio_item_id and not self.portfolio_item.file:
            return self.portfolio_item.link
        return ""

    @property
    def is_image(self) -> bool:
        return self.content_type in ("image/png", "image/jpeg", "image/webp")

    @property
    def icon(self) -> str:
        """A short label for the file-type icon."""
        return {
            "application/pdf": "PDF",
            "image/png": "PNG",
            "image/jpeg": "JPG",
            "image/webp": "WEBP",
            "text/csv": "CSV",
            "text/plain": "TXT",
            "text/uri-list": "URL",
        }.get(
            self.content_type,
            "DOC"
            if "word" in self.content_type
            else ("XLS" if "sheet" in self.content_type else "FILE"),
        )


class InterviewQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The two parties (the bid's VA and the job's client) and staff."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(models.Q(bid__va=user) | models.Q(bid__job__client=user))

    def active(self):
        return self.filter(status__in=[Interview.Status.PROPOSED, Interview.Status.CONFIRMED])


class Interview(models.Model):
    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        CONFIRMED = "confirmed", _("Confirmed")
        DECLINED = "declined", _("Declined")
        CANCELLED = "cancelled", _("Cancelled")

    bid = models.ForeignKey(Bid, on_delete=models.CASCADE, related_name="interviews")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # the .ics UID
    duration_minutes = models.PositiveSmallIntegerField(_("duration (minutes)"), default=30)
    meeting_url = URLField(_("meeting link"), max_length=500)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROPOSED)
    chosen_slot = models.ForeignKey(
        "InterviewSlot", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ics_sequence = models.PositiveIntegerField(default=0)
    # Who proposed the current slots: the other party confirms or declines them.
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)

    objects = InterviewQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("interview")
        verbose_name_plural = _("interviews")

    def __str__(self) -> str:
        return f"Interview {self.pk} for {self.bid}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("bids:interview", args=[self.pk])

    @property
    def starts_at(self):
        return self.chosen_slot.starts_at if self.chosen_slot_id else None

    @property
    def ends_at(self):
        if not self.chosen_slot_id:
            return None
        from datetime import timedelta

        return self.chosen_slot.starts_at + timedelta(minutes=self.duration_minutes)

    @property
    def is_done(self) -> bool:
        """A confirmed interview whose time has passed."""
        from django.utils import timezone

        return (
            self.status == Interview.Status.CONFIRMED
            and self.ends_at is not None
            and (self.ends_at <= timezone.now())
        )

    @property
    def is_active(self) -> bool:
        return (
            self.status in (Interview.Status.PROPOSED, Interview.Status.CONFIRMED)
            and not self.is_done
        )


class InterviewSlot(models.Model):
    interview = models.ForeignKey(Interview, on_delete=models.CASCADE, related_name="slots")
    starts_at = models.DateTimeField(_("starts at"))

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["interview", "starts_at"], name="interview_slot_unique")
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}"
