"""Contracts as the hire leaves them: active, with the manual snapshot copied."""

import zoneinfo
from datetime import date, timedelta
from decimal import Decimal

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from contracts.models import Contract
from jobs.models import Job
from tests.factories import BidFactory, HourlyJobFactory, JobFactory


class ContractFactory(DjangoModelFactory):
    """An active per-task contract (IDR) between a new client and a new VA."""

    class Meta:
        model = Contract
        skip_postgeneration_save = True

    bid = factory.SubFactory(BidFactory, status="accepted")
    job = factory.LazyAttribute(lambda o: o.bid.job)
    client = factory.LazyAttribute(lambda o: o.bid.job.client)
    va = factory.LazyAttribute(lambda o: o.bid.va)
    rate = factory.LazyAttribute(lambda o: o.bid.amount)
    pay_type = factory.LazyAttribute(lambda o: o.bid.job.pay_type)
    currency = factory.LazyAttribute(lambda o: o.bid.job.currency)
    weekly_hour_cap = None
    manual_version = factory.LazyAttribute(lambda o: o.bid.job.current_manual)
    manual_snapshot_body = factory.LazyAttribute(
        lambda o: o.manual_version.body if o.manual_version else ""
    )
    manual_snapshot_checklist = factory.LazyAttribute(
        lambda o: o.manual_version.checklist if o.manual_version else []
    )

    @factory.post_generation
    def job_hired(obj, create, extracted, **kwargs):
        if create:
            Job.objects.filter(pk=obj.job_id).update(status=Job.Status.HIRED)

    @factory.post_generation
    def started_days_ago(obj, create, extracted, **kwargs):
        """Contracts start 30 days back by default, so tests can log hours in past weeks."""
        if create:
            obj.started_at = timezone.now() - timedelta(days=30 if extracted is None else extracted)
            Contract.objects.filter(pk=obj.pk).update(started_at=obj.started_at)


def local_today(user) -> date:
    """Today in the user's timezone (hours are logged by the VA's calendar)."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(user.timezone))


def fixed_contract(*, client, va, **kwargs) -> Contract:
    job = JobFactory(client=client)
    return ContractFactory(bid=BidFactory(job=job, va=va, status="accepted"), **kwargs)


def hourly_contract(*, client, va, cap: Decimal | None = Decimal("10"), **kwargs) -> Contract:
    job = HourlyJobFactory(client=client)
    bid = BidFactory(job=job, va=va, amount=Decimal("10.00"), status="accepted")
    return ContractFactory(bid=bid, weekly_hour_cap=cap, **kwargs)
