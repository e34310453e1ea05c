from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import CURRENCY_CHOICES
from marketplace.storage import generated_key, private_storage

# Minor units per currency: IDR has none, USD has cents.
CURRENCY_DECIMALS = {"IDR": 0, "USD": 2}


class Category(models.Model):
    """A VA task type (admin support, bookkeeping, …); seeded by a data migration."""

    slug = models.SlugField(unique=True)
    name_en = models.CharField(_("name (English)"), max_length=80)
    name_id = models.CharField(_("name (Indonesian)"), max_length=80)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name_en"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        from django.utils.translation import get_language

        return self.name_id if (get_language() or "en").startswith("id") else self.name_en


class Skill(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(max_length=70, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name


def _visible_q() -> models.Q:
    return models.Q(hidden_at__isnull=True) & ~models.Q(
        status__in=[Job.Status.DRAFT, Job.Status.CANCELLED]
    )


class JobQuerySet(models.QuerySet):
    def visible(self):
        """Jobs anyone may see: published, not hidden by moderation, not cancelled."""
        return self.filter(_visible_q())

    def open(self):
        # The exact predicate of the board's partial indexes (Meta.indexes), nothing more,
        # so PostgreSQL matches them and can read ids from the index alone.
        return self.filter(status=Job.Status.OPEN, hidden_at__isnull=True)

    def visible_to(self, user):
        """Visible jobs, plus every job of the user's own; staff see all."""
        if user.is_authenticated and user.is_staff:
            return self.all()
        if user.is_authenticated:
            # One condition on the row itself: a `pk IN (visible jobs)` subquery made
            # PostgreSQL hash all 100k visible ids on every lookup.
            return self.filter(_visible_q() | models.Q(client=user))
        return self.visible()

    def owned_by(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(client=user)

    def for_listing(self):
        """What a job card shows, fetched up front: no query per row."""
        return self.select_related("category", "client", "client__client_profile").prefetch_related(
            "skills"
        )

    def search(self, text: str):
        """Full-text match in English or Indonesian (websearch syntax), annotated with `rank`.

        Both configurations parse the query and the two tsqueries are OR-ed, mirroring the
        search vector, which holds every text in both configurations (jobs.services).
        """
        from django.contrib.postgres.search import SearchQuery, SearchRank

        query = SearchQuery(text, search_type="websearch", config="english") | SearchQuery(
            text, search_type="websearch", config="indonesian"
        )
        return self.filter(search_vector=query).annotate(
            rank=SearchRank(models.F("search_vector"), query)
        )


class Job(models.Model):
    class PayType(models.TextChoices):
        FIXED = "fixed", _("Per task")
        HOURLY = "hourly", _("Hourly")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for bids")
        CLOSED = "closed", _("Bidding closed")
        HIRED = "hired", _("Hired")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    class Duration(models.TextChoices):
        UNDER_WEEK = "under_week", _("Less than a week")
        WEEKS = "weeks", _("1 to 4 weeks")
        MONTHS = "months", _("1 to 3 months")
        LONG = "long", _("3 to 6 months")
        ONGOING = "ongoing", _("More than 6 months / ongoing")

    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jobs"
    )
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), max_length=10000)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="jobs", verbose_name=_("category")
    )
    skills = models.ManyToManyField(
        Skill, blank=True, related_name="jobs", verbose_name=_("skills")
    )
    pay_type = models.CharField(_("pay type"), max_length=10, choices=PayType.choices)
    max_rate = models.DecimalField(_("maximum rate"), max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    # Hourly work
    hours_per_week = models.PositiveSmallIntegerField(
        _("estimated hours per week"), null=True, blank=True
    )
    duration = models.CharField(_("duration"), max_length=20, choices=Duration.choices, blank=True)
    # Per-task work
    deliverables = models.TextField(_("deliverables"), blank=True, max_length=5000)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    preferred_timezone = models.CharField(_("preferred time zone"), max_length=64, blank=True)
    working_hours = models.CharField(_("working hours"), max_length=120, blank=True)
    closes_at = models.DateTimeField(_("bidding closes"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # Kept up to date by the bids services (under the job's row lock), so the board can
    # filter and sort by it without counting a million bids.
    bid_count = models.PositiveIntegerField(default=0)
    # When the client last opened the bid review page: bids created after it are "new".
    bids_seen_at = models.DateTimeField(null=True, blank=True)
    # Set once the "closing soon" notice went out, so the beat task never repeats it.
    closing_soon_notified_at = models.DateTimeField(null=True, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)

    hidden_at = models.DateTimeField(_("hidden at"), null=True, blank=True)
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [
            GinIndex(fields=["search_vector"], name="job_search_gin"),
            models.Index(fields=["client", "-created_at"], name="job_client_created"),
            # Moderation's scan reads jobs changed since its last run.
            models.Index(fields=["updated_at"], name="job_updated"),
            models.Index(
                fields=["-published_at", "-id"],
                name="job_open_published",
                condition=models.Q(status="open", hidden_at__isnull=True),
            ),
            # The board's other sorts read open, visible jobs in these orders.
            models.Index(
                fields=["-max_rate", "-id"],
                name="job_open_rate",
                condition=models.Q(status="open", hidden_at__isnull=True),
            ),
            models.Index(
                fields=["bid_count", "-published_at", "-id"],
                name="job_open_fewest_bids",
                condition=models.Q(status="open", hidden_at__isnull=True),
            ),
            models.Index(
                fields=["closes_at", "id"],
                name="job_open_closing",
                condition=models.Q(status="open", hidden_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_rate__gt=0), name="job_max_rate_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(pay_type__in=["fixed", "hourly"]), name="job_pay_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("jobs:detail", args=[self.pk])

    @property
    def is_hourly(self) -> bool:
        return self.pay_type == self.PayType.HOURLY

    def has_bids(self) -> bool:
        """Any bid at all, even withdrawn: VAs have read the terms and the manual."""
        return self.bid_count > 0 or self.bids.exists()

    @property
    def is_editable(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.OPEN, self.Status.CLOSED)

    @property
    def currency_decimals(self) -> int:
        return CURRENCY_DECIMALS.get(self.currency, 2)

    @property
    def current_manual(self) -> "ManualVersion | None":
        return self.manual_versions.order_by("-number").first()

    def quantize(self, amount: Decimal) -> Decimal:
        return amount.quantize(Decimal(1).scaleb(-self.currency_decimals))


class ManualVersion(models.Model):
    """One version of a job's task manual. Versions are never edited once bids exist."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="manual_versions")
    number = models.PositiveIntegerField()
    body = models.TextField(_("instructions"), max_length=50000, blank=True)
    # A list of {"text": str} items: steps / acceptance criteria.
    checklist = models.JSONField(_("checklist"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Versions are edited in place until a bid exists: moderation's scan reads this. Set by
    # jobs.services (a plain default rather than auto_now, so bulk COPY loaders can fill it).
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["job", "-number"]
        verbose_name = _("task manual version")
        verbose_name_plural = _("task manual versions")
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="manual_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.job} v{self.number}"


def attachment_upload_to(instance, filename: str) -> str:
    return generated_key("manual", filename)


class JobAttachment(models.Model):
    """A private file attached to a job's manual: only the client, the hired VA and staff."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_upload_to, storage=private_storage)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        verbose_name = _("manual attachment")
        verbose_name_plural = _("manual attachments")

    def __str__(self) -> str:
        return self.original_name
