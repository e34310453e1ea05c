from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import (
    SearchQueryCombinable,
    SearchQueryField,
    SearchVectorField,
)
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


_catalogue: tuple[float, str] = (0.0, "")
# The catalogue generation (marketplace.generations) the digest above was read under.
_catalogue_generation = None
CATALOGUE_SECONDS = 60


def catalogue_version() -> str:
    """A digest of every category's and skill's names, for keys of cached HTML that shows
    them (job cards, job pages, filter forms).

    Each process keeps the digest it read, and reads it again when the catalogue
    generation in Redis moved (`jobs.services.catalogue_changed`: every admin change of a
    name), so a rename shows on the next request to every process, not just the one that
    saved it. A change that skips the services (a shell, a migration) shows within
    CATALOGUE_SECONDS; so does every change while Redis is down.
    """
    import hashlib
    import time

    from marketplace import generations

    global _catalogue, _catalogue_generation
    checked, digest = _catalogue
    now = time.monotonic()
    generation = generations.current(generations.CATALOGUE)
    if now - checked > CATALOGUE_SECONDS or not digest or generation != _catalogue_generation:
        names = repr(
            (
                list(Category.objects.order_by("pk").values_list("pk", "name_en", "name_id")),
                list(Skill.objects.order_by("pk").values_list("pk", "name")),
            )
        )
        digest = hashlib.blake2b(names.encode(), digest_size=8).hexdigest()
        _catalogue_generation = generation
        _catalogue = (now, digest)
    return digest


class Skill(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(max_length=70, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")

    def __str__(self) -> str:
        return self.name


# Board filters also written into every job's search vector as lexemes (jobs.services
# _SEARCH_VECTOR_SQL), prefix + the value in lower case: "pay=hourly", "currency=idr".
FILTER_TOKENS = {"pay_type": "pay=", "currency": "currency=", "category_id": "category="}


class FilterToken(SearchQueryCombinable, models.Func):
    """The tsquery of one filter lexeme, built in SQL from the plain value (so a compiled
    query can bind it): `(lower('pay=' || %s))::tsquery`."""

    output_field = SearchQueryField()

    def __init__(self, prefix: str, value):
        super().__init__(models.Value(prefix), models.Value(value), output_field=SearchQueryField())

    def as_sql(self, compiler, connection, **extra_context):
        prefix, prefix_params = compiler.compile(self.source_expressions[0])
        value, value_params = compiler.compile(self.source_expressions[1])
        return f"(lower({prefix} || ({value})::text))::tsquery", [*prefix_params, *value_params]


# The board's partial indexes all share this predicate (Job.Meta.indexes): open, not hidden
# by moderation, not invite-only.
OPEN_Q = models.Q(status="open", hidden_at__isnull=True, invite_only=False)


def _visible_q() -> models.Q:
    """Jobs anyone may see: published, not hidden, not cancelled, not invite-only."""
    return models.Q(hidden_at__isnull=True, invite_only=False) & ~models.Q(
        status__in=[Job.Status.DRAFT, Job.Status.CANCELLED]
    )


def _invited_q(user_id: int) -> models.Q:
    """An invite-only job the user was invited to (and that is published and not hidden).

    EXISTS on the (job, va) unique index: one probe per job, never a join that repeats
    a job once per invitation."""
    return (
        models.Q(invite_only=True, hidden_at__isnull=True)
        & ~models.Q(status__in=[Job.Status.DRAFT, Job.Status.CANCELLED])
        & models.Q(
            models.Exists(Invitation.objects.filter(job_id=models.OuterRef("pk"), va_id=user_id))
        )
    )


class JobQuerySet(models.QuerySet):
    def visible(self):
        """Jobs anyone may see: published, not hidden by moderation, not cancelled, and not
        invite-only (those only their client, staff and the invited VAs see)."""
        return self.filter(_visible_q())

    def open(self):
        """The board's jobs: open, not hidden, not invite-only (so never in search, alerts
        or fan-out either)."""
        # The exact predicate of the board's partial indexes (Meta.indexes), nothing more,
        # so PostgreSQL matches them and can read ids from the index alone.
        return self.filter(OPEN_Q)

    def visible_to(self, user):
        """Visible jobs, plus every job of the user's own; staff see all."""
        if user.is_authenticated and user.is_staff:
            return self.all()
        if user.is_authenticated:
            return self.visible_to_member(user.pk)
        return self.visible()

    def visible_to_member(self, user_id: int):
        """Visible jobs plus the signed-in (non-staff) user's own and the invite-only jobs
        they were invited to, by the user's id. The one rule every job page, the bid form
        and the bid services follow (through `visible_to`)."""
        # One condition on the row itself: a `pk IN (visible jobs)` subquery made
        # PostgreSQL hash all 100k visible ids on every lookup.
        return self.filter(_visible_q() | models.Q(client_id=user_id) | _invited_q(user_id))

    def with_page_state(self):
        """Annotate what the job page shows beyond the job's row: its current manual version
        (id and last change) and the client's facts (tasks posted, hires made)."""
        manual = ManualVersion.objects.filter(job=models.OuterRef("pk")).order_by("-number")
        by_client = (
            Job.objects.filter(client_id=models.OuterRef("client_id"))
            .order_by()
            .values("client_id")
        )
        return self.annotate(
            manual_id=models.Subquery(manual.values("pk")[:1]),
            manual_updated_at=models.Subquery(manual.values("updated_at")[:1]),
            client_posted=models.Subquery(
                by_client.annotate(
                    n=models.Count("pk", filter=models.Q(published_at__isnull=False))
                ).values("n")
            ),
            client_hires=models.Subquery(
                by_client.annotate(
                    n=models.Count("pk", filter=models.Q(contract__isnull=False))
                ).values("n")
            ),
        )

    def owned_by(self, user):
        if not user.is_authenticated:
            return self.none()
        return self.filter(client=user)

    def for_listing(self):
        """What a job card shows, fetched up front: no query per row."""
        return self.select_related("category", "client", "client__client_profile").prefetch_related(
            "skills"
        )

    def search(self, text: str, **tokens):
        """Full-text match in English or Indonesian (websearch syntax), annotated with `rank`.

        Both configurations parse the query and the two tsqueries are OR-ed, mirroring the
        search vector, which holds every text in both configurations (jobs.services).
        `tokens` (pay_type=, currency=, category_id=) must match too, as lexemes of the
        vector (FILTER_TOKENS): the GIN index then narrows by them as well, instead of
        reading every row a common word matches. Rank comes from the words alone.
        """
        from django.contrib.postgres.search import SearchRank

        from marketplace.search import bilingual_query

        query = bilingual_query(text)
        match = query
        for name, value in tokens.items():
            match = match & FilterToken(FILTER_TOKENS[name], value)
        return self.filter(search_vector=match).annotate(
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
    # Off the board, search and alerts; only the client, staff and invited VAs see it.
    # db_default: rows written by code that predates the column still get False.
    invite_only = models.BooleanField(
        _("invite only"),
        default=False,
        db_default=False,
        help_text=_("Only VAs you invite can see this task and bid on it."),
    )

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [
            # Every job's words (staff search in the admin).
            GinIndex(fields=["search_vector"], name="job_search_gin"),
            # The board's search: open, visible jobs only. With the filter lexemes in the
            # vector (FILTER_TOKENS) a common word's matches are narrowed inside the index:
            # "bookkeeping" + hourly + IDR reads 2.7k rows instead of 13k.
            GinIndex(
                fields=["search_vector"],
                name="job_open_search",
                condition=OPEN_Q,
            ),
            models.Index(fields=["client", "-created_at"], name="job_client_created"),
            # Moderation's scan reads jobs changed since its last run.
            models.Index(fields=["updated_at"], name="job_updated"),
            models.Index(
                fields=["-published_at", "-id"],
                name="job_open_published",
                condition=OPEN_Q,
            ),
            # The board's other sorts read open, visible jobs in these orders.
            models.Index(
                fields=["-max_rate", "-id"],
                name="job_open_rate",
                condition=OPEN_Q,
            ),
            models.Index(
                fields=["bid_count", "-published_at", "-id"],
                name="job_open_fewest_bids",
                condition=OPEN_Q,
            ),
            models.Index(
                fields=["closes_at", "id"],
                name="job_open_closing",
                condition=OPEN_Q,
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


class InvitationQuerySet(models.QuerySet):
    def for_va(self, user):
        """The invitations a VA received (none for anonymous visitors)."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(va_id=user.pk)

    def for_client(self, user):
        """Invitations to the user's own tasks (staff: every task's)."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(job__client_id=user.pk)


class Invitation(models.Model):
    """A client asked a VA to bid on one of their tasks (and, for an invite-only task, let
    the VA see it). Lives in jobs so the job's visibility rule can read it."""

    # The client's note and the VA's reason for declining: a few sentences at most.
    TEXT_MAX_LENGTH = 500

    class Status(models.TextChoices):
        SENT = "sent", _("Invited")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="invitations")
    va = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="job_invitations"
    )
    note = models.TextField(_("note"), max_length=TEXT_MAX_LENGTH, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SENT
    )
    decline_reason = models.TextField(_("reason"), max_length=TEXT_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            models.UniqueConstraint(fields=["job", "va"], name="invitation_unique_job_va"),
            models.CheckConstraint(
                condition=models.Q(status__in=["sent", "accepted", "declined"]),
                name="invitation_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["va", "-created_at"], name="invitation_va_created")]

    def __str__(self) -> str:
        return f"{self.job} → {self.va}"
