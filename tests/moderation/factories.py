import factory
from django.contrib.contenttypes.models import ContentType
from factory.django import DjangoModelFactory

from moderation.models import Report
from tests.factories import JobFactory, VAFactory


class ReportFactory(DjangoModelFactory):
    """An open report by a VA on a job (pass `target=` for something else)."""

    class Meta:
        model = Report
        exclude = ("target",)

    target = factory.SubFactory(JobFactory)
    reporter = factory.SubFactory(VAFactory)
    source = Report.Source.USER
    reason = Report.Reason.SCAM
    details = "They asked me to pay a registration fee."
    target_type = factory.LazyAttribute(lambda o: ContentType.objects.get_for_model(o.target))
    target_id = factory.LazyAttribute(lambda o: str(o.target.pk))
