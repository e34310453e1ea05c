"""Job alert matching and fan-out: set-based SQL, one notification per VA per job."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from notifications import services
from notifications.models import Delivery, JobAnnouncement, Notification
from tests import factories
from tests.notifications.factories import JobAlertFactory, bulk_vas

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(client_user):
    job = factories.JobFactory(
        client=client_user,
        title="Bookkeeping for a small bakery",
        description="Enter March receipts into Xero and reconcile the bank account.",
        category=factories.category("bookkeeping"),
        max_rate=Decimal("500000"),
        currency="IDR",
    )
    job.skills.add(factories.SkillFactory(name="Xero"))
    return job


def announce(job, django_capture_on_commit_callbacks) -> int:
    with django_capture_on_commit_callbacks() as callbacks:
        services.announce_job(
            job_id=job.pk,
            client_id=job.client_id,
            title=job.title,
            text=f"{job.title}\n{job.description}",
            category_id=job.category_id,
            skill_ids=list(job.skills.values_list("pk", flat=True)),
            pay_type=job.pay_type,
            max_rate=job.max_rate,
            currency=job.currency,
        )
    assert len(callbacks) == 1  # the fan-out is queued after commit, never inside
    announcement = JobAnnouncement.objects.get(job_id=job.pk)
    return services.job_fan_out(announcement_id=announcement.pk)


def matched(job) -> set:
    return set(
        Notification.objects.filter(event_key=f"job_posted:{job.pk}").values_list(
            "recipient_id", flat=True
        )
    )


def test_an_empty_alert_matches_every_new_job(job, va, django_capture_on_commit_callbacks):
    JobAlertFactory(user=va)
    assert announce(job, django_capture_on_commit_callbacks) == 1
    notification = Notification.objects.get(recipient=va)
    assert notification.kind == "job_posted"
    assert notification.job_id == job.pk
    assert notification.data["url"] == f"/jobs/{job.pk}/"
    assert notification.data["title"] == job.title
    assert notification.deliveries.get().status == "pending"


@pytest.mark.parametrize(
    ("alert", "matches"),
    [
        ({"category_ids": "bookkeeping"}, True),
        ({"category_ids": "social-media"}, False),
        ({"skill_ids": "Xero"}, True),
        ({"skill_ids": "Canva"}, False),
        ({"pay_type": "fixed"}, True),
        ({"pay_type": "hourly"}, False),
        ({"currency": "IDR", "min_rate": Decimal("500000")}, True),
        ({"currency": "IDR", "min_rate": Decimal("500001")}, False),
        ({"currency": "USD", "min_rate": Decimal("1")}, False),
        ({"currency": "USD"}, False),
        ({"keywords": "xero BAKERY"}, True),
        ({"keywords": "  bank   receipts "}, True),
        ({"keywords": "xero payroll"}, False),
        ({"is_active": False}, False),
    ],
)
def test_alert_criteria(job, va, alert, matches, django_capture_on_commit_callbacks):
    values = dict(alert)
    if values.get("category_ids"):
        values["category_ids"] = [factories.category(values["category_ids"]).pk]
    if values.get("skill_ids"):
        values["skill_ids"] = [factories.SkillFactory(name=values["skill_ids"]).pk]
    JobAlertFactory(user=va, **values)
    announce(job, django_capture_on_commit_callbacks)
    assert matched(job) == ({va.pk} if matches else set())


def test_several_matching_alerts_give_one_notification(job, va, django_capture_on_commit_callbacks):
    JobAlertFactory(user=va, keywords="xero")
    JobAlertFactory(user=va, category_ids=[job.category_id])
    JobAlertFactory(user=va)
    assert announce(job, django_capture_on_commit_callbacks) == 1
    assert Notification.objects.filter(recipient=va).count() == 1


def test_the_jobs_own_client_suspended_and_inactive_users_are_left_out(
    job, client_user, suspended, va, django_capture_on_commit_callbacks
):
    client_user.is_va = True
    client_user.save()
    inactive = factories.VAFactory(is_active=False)
    for user in (client_user, suspended, inactive, va):
        JobAlertFactory(user=user)
    announce(job, django_capture_on_commit_callbacks)
    assert matched(job) == {va.pk}


def test_running_the_fan_out_again_notifies_nobody_twice(
    job, va, other_va, django_capture_on_commit_callbacks
):
    JobAlertFactory(user=va)
    announce(job, django_capture_on_commit_callbacks)
    announcement = JobAnnouncement.objects.get(job_id=job.pk)
    assert announcement.done_at is not None
    assert announcement.matched == 1
    # A rerun after a crash (done_at not yet written) skips who already has it.
    JobAnnouncement.objects.filter(pk=announcement.pk).update(done_at=None)
    JobAlertFactory(user=other_va)
    assert services.job_fan_out(announcement_id=announcement.pk) == 1
    assert matched(job) == {va.pk, other_va.pk}
    assert Delivery.objects.count() == 2


def test_matching_pages_through_vas_in_id_order(job):
    vas = bulk_vas(5)
    for va in vas:
        JobAlertFactory(user=va)
    payload = {
        "client_id": job.client_id,
        "title": job.title,
        "text": job.description,
        "category_id": job.category_id,
        "skill_ids": [],
        "pay_type": job.pay_type,
        "max_rate": str(job.max_rate),
        "currency": job.currency,
    }
    first = services.matching_va_ids(payload=payload, limit=3)
    rest = services.matching_va_ids(payload=payload, after=first[-1], limit=3)
    assert first + rest == sorted(v.pk for v in vas)


def test_a_job_hidden_before_its_fan_out_is_not_announced(
    job, va, django_capture_on_commit_callbacks
):
    JobAlertFactory(user=va)
    job.hidden_at = timezone.now()
    job.save()
    assert announce(job, django_capture_on_commit_callbacks) == 0
    assert JobAnnouncement.objects.get(job_id=job.pk).done_at is not None


def test_the_sweep_reruns_an_unfinished_announcement(job, va, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks():
        services.announce_job(
            job_id=job.pk,
            client_id=job.client_id,
            title=job.title,
            text=job.description,
            category_id=job.category_id,
            skill_ids=[],
            pay_type=job.pay_type,
            max_rate=job.max_rate,
            currency=job.currency,
        )
    assert services.outbox_sweep()["announcements"] == 0  # too recent: its task may be on its way
    JobAnnouncement.objects.update(created_at=timezone.now() - timedelta(minutes=2))
    assert services.outbox_sweep()["announcements"] == 1


def test_job_publish_announces_the_job(client_user, va, django_capture_on_commit_callbacks):
    from jobs.services import job_publish

    JobAlertFactory(user=va, keywords="drive")
    draft = factories.JobFactory(client=client_user, status="draft", published_at=None)
    with django_capture_on_commit_callbacks():
        job_publish(job=draft, by=client_user)
    services.job_fan_out(announcement_id=JobAnnouncement.objects.get(job_id=draft.pk).pk)
    assert matched(draft) == {va.pk}
