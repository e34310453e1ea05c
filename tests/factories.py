"""Factories for the core models every app's tests need. App-specific ones live beside their tests."""

import importlib
from datetime import timedelta
from decimal import Decimal

import factory
from allauth.account.models import EmailAddress
from django.utils import timezone
from factory.django import DjangoModelFactory

from accounts.models import ClientProfile, User, VAProfile
from bids.models import Bid
from jobs.models import Category, Job, ManualVersion, Skill

PASSWORD = "correct-horse-battery-staple-42"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    language = "en"
    timezone = "Asia/Jakarta"

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])

    @factory.post_generation
    def verified(obj, create, extracted, **kwargs):
        """Every persona has a verified primary email unless verified=False is passed."""
        if create:
            EmailAddress.objects.create(
                user=obj, email=obj.email, primary=True, verified=extracted is not False
            )


class ClientFactory(UserFactory):
    is_client = True

    @factory.post_generation
    def profile(obj, create, extracted, **kwargs):
        if create:
            ClientProfile.objects.create(
                user=obj, display_name=f"{obj.name} Ltd", about="We run a small shop."
            )


class VAFactory(UserFactory):
    is_va = True

    @factory.post_generation
    def profile(obj, create, extracted, **kwargs):
        if create:
            VAProfile.objects.create(
                user=obj,
                headline="Reliable admin and bookkeeping assistant",
                bio="Five years of office administration.",
                hourly_rate=Decimal("75000"),
                currency="IDR",
                years_experience=5,
                languages="Indonesian, English",
                country="Indonesia",
            )


def category(slug: str = "admin-support") -> Category:
    """A seeded category. Transactional tests flush tables (the data migration's rows too),
    so re-seed from the migration's own list when they are gone."""
    try:
        return Category.objects.get(slug=slug)
    except Category.DoesNotExist:
        seeded = importlib.import_module("jobs.migrations.0002_seed_categories")
        for position, (cslug, name_en, name_id) in enumerate(seeded.CATEGORIES):
            Category.objects.get_or_create(
                slug=cslug, defaults={"name_en": name_en, "name_id": name_id, "position": position}
            )
        return Category.objects.get(slug=slug)


class SkillFactory(DjangoModelFactory):
    class Meta:
        model = Skill
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Skill {n}")
    slug = factory.LazyAttribute(lambda o: o.name.lower().replace(" ", "-"))


class JobFactory(DjangoModelFactory):
    """An open, published per-task job in IDR with manual v1."""

    class Meta:
        model = Job
        skip_postgeneration_save = True

    client = factory.SubFactory(ClientFactory)
    title = factory.Sequence(lambda n: f"Organise our shared drive #{n}")
    description = "Sort our Google Drive into clear folders and name files consistently."
    category = factory.LazyFunction(lambda: category("file-storage"))
    pay_type = Job.PayType.FIXED
    max_rate = Decimal("500000")
    currency = "IDR"
    deliverables = "A tidy folder tree and a one-page guide."
    status = Job.Status.OPEN
    published_at = factory.LazyFunction(timezone.now)
    closes_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=14))

    @factory.post_generation
    def manual(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            ManualVersion.objects.create(
                job=obj,
                number=1,
                body="1. Open the drive.\n2. Create folders per year.",
                checklist=[{"text": "Folders per year"}, {"text": "Guide written"}],
            )


class HourlyJobFactory(JobFactory):
    pay_type = Job.PayType.HOURLY
    max_rate = Decimal("12.50")
    currency = "USD"
    hours_per_week = 10
    duration = Job.Duration.MONTHS
    deliverables = ""


class BidFactory(DjangoModelFactory):
    class Meta:
        model = Bid

    job = factory.SubFactory(JobFactory)
    va = factory.SubFactory(VAFactory)
    amount = Decimal("400000")
    cover_letter = "I have organised drives for three small businesses and can start tomorrow."
    manual_version = factory.LazyAttribute(lambda o: o.job.current_manual)
    submitted_at = factory.LazyFunction(timezone.now)
