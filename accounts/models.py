import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchRank, SearchVectorField
from django.db import models
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_lazy as _

from marketplace.modelfields import URLField
from marketplace.search import bilingual_query
from marketplace.storage import generated_key, private_storage

CURRENCY_CHOICES = [("IDR", "IDR (Rp)"), ("USD", "USD ($)")]
TIMEZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones()) if "/" in tz]


class UserQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True, suspended_at__isnull=True)

    def vas(self):
        return self.filter(is_va=True)

    def clients(self):
        return self.filter(is_client=True)

    def public_vas(self):
        """VAs whose public page anyone may open: active, not suspended, with a VA profile."""
        return self.active().vas().filter(va_profile__isnull=False)


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person on Asisten. Email is the login; one account may hire, work, or both."""

    class Language(models.TextChoices):
        ENGLISH = "en", _("English")
        INDONESIAN = "id", _("Bahasa Indonesia")

    email = models.EmailField(_("email address"), unique=True)
    name = models.CharField(_("full name"), max_length=150, blank=True)
    is_client = models.BooleanField(_("hires VAs"), default=False)
    is_va = models.BooleanField(_("works as a VA"), default=False)
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    timezone = models.CharField(
        _("time zone"),
        max_length=64,
        choices=TIMEZONE_CHOICES,
        default=settings.DEFAULT_USER_TIMEZONE,
    )
    is_staff = models.BooleanField(_("staff status"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=dj_timezone.now)
    suspended_at = models.DateTimeField(_("suspended at"), null=True, blank=True)
    suspension_reason = models.TextField(_("suspension reason"), blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def display_name(self) -> str:
        """What other people see: never the email address."""
        if self.name:
            return self.name
        return _("Asisten member #%(id)s") % {"id": self.pk}

    @property
    def is_suspended(self) -> bool:
        return self.suspended_at is not None


class VAProfileQuerySet(models.QuerySet):
    def listed(self):
        """Profiles the VA directory shows: the same people as `User.objects.public_vas()`
        (active, not suspended, working as a VA), as one condition on the joined user row."""
        return self.filter(user__is_active=True, user__suspended_at__isnull=True, user__is_va=True)

    def search(self, text: str):
        """Full-text match in English or Indonesian (websearch syntax), annotated with
        `rank`; the vector holds every text in both configurations (accounts.services)."""
        query = bilingual_query(text)
        return self.filter(search_vector=query).annotate(
            rank=SearchRank(models.F("search_vector"), query)
        )

    def for_cards(self):
        """What a directory card shows, fetched up front: no query per card."""
        from jobs.models import Skill

        return (
            self.select_related("user")
            .defer("search_vector")
            .prefetch_related(
                models.Prefetch("skills", queryset=Skill.objects.order_by("name")),
                models.Prefetch(
                    "portfolio_items",
                    queryset=PortfolioItem.objects.order_by("-created_at", "-id"),
                ),
            )
        )


class VAProfile(models.Model):
    """A VA's public profile.

    The directory (`/vas/`) filters and sorts by the rating and the completed contracts, so
    they are stored here (denormalised) rather than counted per card: `rating_average` and
    `rating_count` over clients' *visible* reviews, `completed_contracts` over completed
    contracts. contracts.services.va_stats_refresh keeps them: the services that complete a
    contract or publish a review call it in their transaction, the hourly beat task
    `contracts.tasks.refresh_va_stats_for_closed_review_windows` catches reviews that become
    visible when a review window closes, and `manage.py refresh_va_stats` (also the data
    migration) recomputes every VA. `rating_average` is 0 while there are no visible
    reviews, so the sorts need no NULL handling. `search_vector` (headline, bio, skill
    names, portfolio titles; English and Indonesian) is kept by accounts.services.
    """

    class Availability(models.TextChoices):
        FULL_TIME = "full_time", _("Full time (30+ hours/week)")
        PART_TIME = "part_time", _("Part time (10–30 hours/week)")
        OCCASIONAL = "occasional", _("Occasional (under 10 hours/week)")
        UNAVAILABLE = "unavailable", _("Not available now")

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="va_profile")
    headline = models.CharField(_("headline"), max_length=120, blank=True)
    bio = models.TextField(_("about me"), blank=True, max_length=5000)
    skills = models.ManyToManyField("jobs.Skill", blank=True, verbose_name=_("skills"))
    categories = models.ManyToManyField(
        "jobs.Category", blank=True, verbose_name=_("task categories")
    )
    hourly_rate = models.DecimalField(
        _("hourly rate"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(
        _("currency"), max_length=3, choices=CURRENCY_CHOICES, default="IDR"
    )
    years_experience = models.PositiveSmallIntegerField(
        _("years of office / secretarial experience"), default=0
    )
    languages = models.CharField(
        _("languages spoken"),
        max_length=200,
        blank=True,
        help_text=_("For example: Indonesian, English"),
    )
    country = models.CharField(_("country"), max_length=80, blank=True)
    availability = models.CharField(
        _("availability"),
        max_length=20,
        choices=Availability.choices,
        default=Availability.PART_TIME,
    )
    updated_at = models.DateTimeField(auto_now=True)
    rating_average = models.DecimalField(
        _("average rating"), max_digits=2, decimal_places=1, default=0, editable=False
    )
    rating_count = models.PositiveIntegerField(_("reviews"), default=0, editable=False)
    completed_contracts = models.PositiveIntegerField(
        _("completed contracts"), default=0, editable=False
    )
    search_vector = SearchVectorField(null=True, editable=False)

    objects = VAProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("VA profile")
        verbose_name_plural = _("VA profiles")
        indexes = [
            GinIndex(fields=["search_vector"], name="va_profile_search"),
            # The directory's rating and completed-contracts sorts (directory.listing). The
            # rate sorts order by expressions (VAs without a rate last) and go without one.
            models.Index(
                fields=["-rating_average", "-rating_count", "-id"], name="va_profile_rating"
            ),
            models.Index(
                fields=["-completed_contracts", "-rating_average", "-id"],
                name="va_profile_completed",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(hourly_rate__isnull=True) | models.Q(hourly_rate__gt=0),
                name="va_profile_rate_positive",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.headline}"

    def card_work(self) -> "PortfolioItem | None":
        """The work a directory card shows: the newest item with a public preview, else the
        newest item (reads the prefetched `portfolio_items`)."""
        items = list(self.portfolio_items.all())
        previewed = (item for item in items if item.has_public_preview)
        return next(previewed, items[0] if items else None)


def portfolio_upload_to(instance, filename: str) -> str:
    return generated_key("portfolio", filename)


class PortfolioItem(models.Model):
    """A piece of past work on a VA's profile; reusable as a bid's work sample."""

    profile = models.ForeignKey(VAProfile, on_delete=models.CASCADE, related_name="portfolio_items")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    file = models.FileField(
        _("file"), upload_to=portfolio_upload_to, storage=private_storage, blank=True
    )
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    link = URLField(_("link"), blank=True)
    # The file stays private. With `show_preview` a small re-encoded copy of a picture
    # (marketplace.uploads.make_thumbnail) is shown to everyone, on the VA's public page
    # and directory card.
    show_preview = models.BooleanField(_("show a preview"), default=False)
    thumbnail = models.FileField(storage=private_storage, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("portfolio item")
        verbose_name_plural = _("portfolio items")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(file="") | ~models.Q(link=""),
                name="portfolio_item_has_file_or_link",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def has_public_preview(self) -> bool:
        return bool(self.show_preview and self.thumbnail)


class ClientProfile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="client_profile")
    display_name = models.CharField(_("name or company"), max_length=120, blank=True)
    website = URLField(_("website"), blank=True)
    about = models.TextField(_("about"), blank=True, max_length=3000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("client profile")
        verbose_name_plural = _("client profiles")

    def __str__(self) -> str:
        return self.display_name or str(self.user)
