"""Report forms: people report what they can see, once, and not too often."""

import pytest
from django.urls import reverse
from django.utils import timezone

from bids.models import Bid
from jobs.models import Job
from moderation.models import Report
from tests.factories import BidFactory, JobFactory, VAFactory

pytestmark = pytest.mark.django_db


def test_anonymous_visitors_are_sent_to_sign_in(client):
    job = JobFactory()
    response = client.get(reverse("moderation:report_job", args=[job.pk]))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    client.post(reverse("moderation:report_job", args=[job.pk]), {"reason": "scam"})
    assert not Report.objects.exists()


def test_a_va_reports_a_scam_job(client, va):
    job = JobFactory(title="Data entry, earn fast")
    client.force_login(va)
    url = reverse("moderation:report_job", args=[job.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Data entry, earn fast" in page.content.decode()

    response = client.post(url, {"reason": "scam", "details": "Asked me to pay a registration fee"})

    assert response.status_code == 302 and response["Location"] == reverse(
        "jobs:detail", args=[job.pk]
    )
    report = Report.objects.get()
    assert (report.reporter, report.target, report.reason, report.source, report.status) == (
        va,
        job,
        "scam",
        "user",
        "open",
    )
    assert report.details == "Asked me to pay a registration fee"


def test_it_rejects_a_report_without_a_reason_and_keeps_the_details(client, va):
    job = JobFactory()
    client.force_login(va)
    response = client.post(
        reverse("moderation:report_job", args=[job.pk]), {"details": "Something odd here"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This field is required" in html and "Something odd here" in html
    assert not Report.objects.exists()


def test_it_asks_for_details_when_the_reason_is_other(client, va):
    job = JobFactory()
    client.force_login(va)
    response = client.post(reverse("moderation:report_job", args=[job.pk]), {"reason": "other"})
    assert "Tell us what is wrong" in response.content.decode()
    assert not Report.objects.exists()


def test_the_system_only_reason_cannot_be_chosen(client, va):
    job = JobFactory()
    client.force_login(va)
    response = client.post(
        reverse("moderation:report_job", args=[job.pk]), {"reason": "preapproval"}
    )
    assert response.status_code == 200 and not Report.objects.exists()


def test_a_second_report_on_the_same_thing_gets_a_friendly_message(client, va):
    job = JobFactory()
    client.force_login(va)
    url = reverse("moderation:report_job", args=[job.pk])
    client.post(url, {"reason": "spam"})
    again = client.post(url, {"reason": "scam"})
    assert again.status_code == 200
    assert "You have already reported this" in again.content.decode()
    assert Report.objects.count() == 1
    assert "You have already reported this" in client.get(url).content.decode()


@pytest.mark.parametrize(
    "change",
    [
        {"status": Job.Status.DRAFT},
        {"status": Job.Status.CANCELLED},
        {"hidden_at": timezone.now()},
    ],
)
def test_a_job_you_cannot_see_cannot_be_reported(client, va, change):
    job = JobFactory(**change)
    client.force_login(va)
    assert client.get(reverse("moderation:report_job", args=[job.pk])).status_code == 404
    assert (
        client.post(reverse("moderation:report_job", args=[job.pk]), {"reason": "scam"}).status_code
        == 404
    )
    assert not Report.objects.exists()


def test_you_cannot_report_your_own_job(client, client_user):
    job = JobFactory(client=client_user)
    client.force_login(client_user)
    assert client.get(reverse("moderation:report_job", args=[job.pk])).status_code == 404


def test_the_jobs_client_reports_a_bid_and_nobody_else_can(
    client, client_user, other_client, va, other_va
):
    bid = BidFactory(job=JobFactory(client=client_user), va=va)
    url = reverse("moderation:report_bid", args=[bid.pk])
    for outsider in (other_client, other_va, va):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
        assert client.post(url, {"reason": "scam"}).status_code == 404
    client.force_login(client_user)
    assert (
        client.post(url, {"reason": "off_platform", "details": "Gave a WA number"}).status_code
        == 302
    )
    assert Report.objects.get().target == bid


def test_a_va_profile_can_be_reported_but_not_your_own_or_a_suspended_one(client, client_user, va):
    client.force_login(client_user)
    assert (
        client.post(reverse("moderation:report_user", args=[va.pk]), {"reason": "spam"}).status_code
        == 302
    )
    assert Report.objects.get().target == va
    suspended_va = VAFactory(suspended_at=timezone.now())
    assert client.get(reverse("moderation:report_user", args=[suspended_va.pk])).status_code == 404
    assert client.get(reverse("moderation:report_user", args=[client_user.pk])).status_code == 404
    client.force_login(va)
    assert client.get(reverse("moderation:report_user", args=[va.pk])).status_code == 404


def test_a_contract_party_reports_the_other_sides_message(client, client_user, other_client, va):
    from contracts.models import Contract, Message

    job = JobFactory(client=client_user, status=Job.Status.HIRED)
    bid = BidFactory(job=job, va=va, status=Bid.Status.ACCEPTED)
    contract = Contract.objects.create(
        job=job,
        bid=bid,
        client=client_user,
        va=va,
        rate=bid.amount,
        pay_type=job.pay_type,
        currency="IDR",
    )
    message = Message.objects.create(contract=contract, author=va, body="Pay me in USDT instead")
    url = reverse("moderation:report_message", args=[message.pk])
    for outsider in (other_client, va):  # an outsider, and the author
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    client.force_login(client_user)
    response = client.post(url, {"reason": "off_platform"})
    assert response.status_code == 302
    assert Report.objects.get().target == message


def test_reports_are_rate_limited(client, va, settings):
    REPORTS_PER_HOUR = settings.ACTION_RATE_LIMITS["report"]
    client.force_login(va)
    jobs = [JobFactory() for _ in range(REPORTS_PER_HOUR + 1)]
    for job in jobs[:REPORTS_PER_HOUR]:
        assert (
            client.post(
                reverse("moderation:report_job", args=[job.pk]), {"reason": "spam"}
            ).status_code
            == 302
        )
    response = client.post(reverse("moderation:report_job", args=[jobs[-1].pk]), {"reason": "spam"})
    assert response.status_code == 429
    assert "Too many reports" in response.content.decode()
    assert Report.objects.count() == REPORTS_PER_HOUR
