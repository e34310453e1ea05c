"""Factories for notification tests (core users, jobs and bids come from tests.factories)."""

import factory
from factory.django import DjangoModelFactory

from notifications.models import JobAlert, Notification


class JobAlertFactory(DjangoModelFactory):
    class Meta:
        model = JobAlert

    user = factory.SubFactory("tests.factories.VAFactory")
    name = factory.Sequence(lambda n: f"Alert {n}")


class NotificationFactory(DjangoModelFactory):
    class Meta:
        model = Notification

    recipient = factory.SubFactory("tests.factories.VAFactory")
    kind = "bid_shortlisted"
    event_key = factory.Sequence(lambda n: f"test:{n}")
    data = factory.LazyAttribute(lambda o: {"url": "/bids/", "title": "Organise our shared drive"})


def bulk_vas(count: int, *, prefix: str = "bulk") -> list:
    """Many active VA accounts at once (no password hashing: they never sign in)."""
    from django.contrib.auth.hashers import make_password

    from accounts.models import User

    start = User.objects.count()
    unusable = make_password(None)
    return User.objects.bulk_create(
        [
            User(
                email=f"{prefix}{start + i}@example.com",
                name=f"VA {start + i}",
                is_va=True,
                password=unusable,
            )
            for i in range(count)
        ]
    )
