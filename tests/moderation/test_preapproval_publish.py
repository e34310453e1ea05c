"""Pre-approval end to end through jobs.services.job_publish (MODERATION_PREAPPROVAL on)."""

import pytest

from jobs.models import Job
from jobs.services import job_publish
from moderation.models import Report
from notifications.models import JobAnnouncement
from tests.factories import JobFactory

pytestmark = pytest.mark.django_db


def test_a_first_time_clients_task_waits_for_approval_and_is_not_announced(settings, client_user):
    settings.MODERATION_PREAPPROVAL = True
    draft = JobFactory(client=client_user, status=Job.Status.DRAFT, published_at=None)
    job_publish(job=draft, by=client_user)
    draft.refresh_from_db()
    assert draft.status == Job.Status.OPEN
    assert not Job.objects.visible().filter(pk=draft.pk).exists()
    assert Report.objects.filter(reason=Report.Reason.PREAPPROVAL, target_id=str(draft.pk)).exists()
    assert not JobAnnouncement.objects.filter(job_id=draft.pk).exists()


def test_without_pre_approval_a_published_task_is_visible_and_announced(settings, client_user):
    settings.MODERATION_PREAPPROVAL = False
    draft = JobFactory(client=client_user, status=Job.Status.DRAFT, published_at=None)
    job_publish(job=draft, by=client_user)
    assert Job.objects.visible().filter(pk=draft.pk).exists()
    assert JobAnnouncement.objects.filter(job_id=draft.pk).exists()
