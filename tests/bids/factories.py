"""Factories for bids tests beyond the shared ones (samples, interviews)."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from bids.models import Interview, InterviewSlot, WorkSample
from tests.factories import BidFactory


class WorkSampleFactory(DjangoModelFactory):
    class Meta:
        model = WorkSample

    bid = factory.SubFactory(BidFactory)
    original_name = "sample.pdf"
    content_type = "application/pdf"
    size = 100
    file = factory.django.FileField(filename="sample.pdf", data=b"%PDF-1.4 test")


class InterviewFactory(DjangoModelFactory):
    class Meta:
        model = Interview
        skip_postgeneration_save = True

    bid = factory.SubFactory(BidFactory, status="shortlisted")
    meeting_url = "https://meet.jit.si/Asisten-testroom"
    duration_minutes = 30
    proposed_by = factory.LazyAttribute(lambda o: o.bid.job.client)

    @factory.post_generation
    def slots(obj, create, extracted, **kwargs):
        if not create:
            return
        times = extracted or [timezone.now() + timedelta(days=d, hours=2) for d in (1, 2)]
        for starts_at in times:
            InterviewSlot.objects.create(interview=obj, starts_at=starts_at)
