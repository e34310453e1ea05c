"""Moderation services: what each action changes, who is told, and the audit record."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from bids.models import Bid, Interview
from jobs.models import Job
from moderation import services
from moderation.models import ModerationAction, Report
from notifications.models import Notification
from tests.factories import BidFactory, ClientFactory, JobFactory, VAFactory
from tests.moderation.factories import ReportFactory

pytestmark = pytest.mark.django_db


def _bid(job, va):
    bid = BidFactory(job=job, va=va)
    Job.objects.filter(pk=job.pk).update(bid_count=job.bids.exclude(status="withdrawn").count())
    return bid


def test_hiding_a_job_takes_it_off_the_board_and_tells_the_client_why(moderator, client_user):
    job = JobFactory(client=client_user)
    report = ReportFactory(target=job)

    action = services.job_hide(
        job_id=job.pk, moderator=moderator, reason="Asks for a fee", report=report
    )

    job.refresh_from_db()
    assert job.hidden_at is not None and job.hidden_reason == "Asks for a fee"
    assert not Job.objects.visible().filter(pk=job.pk).exists()
    told = Notification.objects.get(recipient=client_user, kind="job_hidden")
    assert told.data["reason"] == "Asks for a fee" and told.data["url"] == f"/jobs/{job.pk}/"
    assert (action.action, action.target, action.moderator, action.report) == (
        ModerationAction.Action.HIDE_JOB,
        job,
        moderator,
        report,
    )
    report.refresh_from_db()
    assert report.status == Report.Status.ACTIONED and report.handled_by == moderator


def test_an_action_needs_a_reason(moderator):
    job = JobFactory()
    with pytest.raises(ValidationError):
        services.job_hide(job_id=job.pk, moderator=moderator, reason="  ")
    job.refresh_from_db()
    assert job.hidden_at is None
    assert not ModerationAction.objects.exists()


def test_unhiding_puts_the_job_back(moderator):
    job = JobFactory()
    services.job_hide(job_id=job.pk, moderator=moderator, reason="Mistake?")
    services.job_unhide(job_id=job.pk, moderator=moderator, reason="It was fine")
    assert Job.objects.visible().filter(pk=job.pk).exists()
    assert list(
        ModerationAction.objects.order_by("created_at").values_list("action", flat=True)
    ) == [
        "hide_job",
        "unhide_job",
    ]
    with pytest.raises(ValidationError):
        services.job_unhide(job_id=job.pk, moderator=moderator, reason="again")


def test_suspending_a_client_hides_their_open_jobs_only(moderator, client_user):
    open_job = JobFactory(client=client_user)
    closed_job = JobFactory(client=client_user, status=Job.Status.CLOSED)
    done_job = JobFactory(client=client_user, status=Job.Status.COMPLETED)

    action = services.user_suspend(user_id=client_user.pk, moderator=moderator, reason="Scam jobs")

    client_user.refresh_from_db()
    assert client_user.suspended_at is not None and client_user.suspension_reason == "Scam jobs"
    visible = set(Job.objects.visible().values_list("pk", flat=True))
    assert open_job.pk not in visible and closed_job.pk not in visible and done_job.pk in visible
    assert sorted(action.data["hidden_job_ids"]) == sorted([open_job.pk, closed_job.pk])
    told = Notification.objects.get(recipient=client_user, kind="account_suspended")
    assert told.data["reason"] == "Scam jobs"


def test_suspending_a_va_withdraws_their_live_bids_and_tells_the_clients(
    moderator, va, client_user, other_client
):
    job_a = JobFactory(client=client_user)
    job_b = JobFactory(client=other_client)
    bid_a = _bid(job_a, va)
    bid_b = _bid(job_b, va)
    other_bid = _bid(job_a, VAFactory())
    Bid.objects.filter(pk=bid_b.pk).update(status=Bid.Status.SHORTLISTED)
    interview = Interview.objects.create(bid=bid_b, meeting_url="https://meet.example/x")

    services.user_suspend(user_id=va.pk, moderator=moderator, reason="Fake profile")

    assert set(Bid.objects.filter(va=va).values_list("status", flat=True)) == {"withdrawn"}
    other_bid.refresh_from_db()
    assert other_bid.status == Bid.Status.SUBMITTED
    job_a.refresh_from_db()
    job_b.refresh_from_db()
    assert (job_a.bid_count, job_b.bid_count) == (1, 0)
    interview.refresh_from_db()
    assert interview.status == Interview.Status.CANCELLED
    told = Notification.objects.filter(kind="bid_withdrawn_by_moderation")
    assert sorted(told.values_list("recipient_id", flat=True)) == sorted(
        [client_user.pk, other_client.pk]
    )
    assert {n.bid_id for n in told} == {bid_a.pk, bid_b.pk}


def test_a_hired_bid_is_not_withdrawn_by_a_suspension(moderator, va):
    bid = _bid(JobFactory(status=Job.Status.HIRED), va)
    Bid.objects.filter(pk=bid.pk).update(status=Bid.Status.ACCEPTED)
    services.user_suspend(user_id=va.pk, moderator=moderator, reason="x")
    bid.refresh_from_db()
    assert bid.status == Bid.Status.ACCEPTED


def test_reinstating_brings_back_exactly_the_jobs_the_suspension_hid(moderator, client_user):
    kept_hidden = JobFactory(client=client_user)
    services.job_hide(job_id=kept_hidden.pk, moderator=moderator, reason="Spam")
    job = JobFactory(client=client_user)
    also_hidden_later = JobFactory(client=client_user)

    services.user_suspend(user_id=client_user.pk, moderator=moderator, reason="Scam")
    # Hidden again separately while suspended: must stay hidden after reinstatement.
    Job.objects.filter(pk=also_hidden_later.pk).update(
        hidden_at=timezone.now() + timedelta(seconds=1), hidden_reason="Separate"
    )
    action = services.user_reinstate(
        user_id=client_user.pk, moderator=moderator, reason="Appeal ok"
    )

    client_user.refresh_from_db()
    assert client_user.suspended_at is None and client_user.suspension_reason == ""
    visible = set(Job.objects.visible().values_list("pk", flat=True))
    assert job.pk in visible
    assert kept_hidden.pk not in visible and also_hidden_later.pk not in visible
    assert action.data["unhidden_job_ids"] == [job.pk]


def test_moderators_cannot_suspend_themselves_or_a_superuser(moderator, staff):
    with pytest.raises(ValidationError):
        services.user_suspend(user_id=moderator.pk, moderator=moderator, reason="x")
    with pytest.raises(ValidationError):
        services.user_suspend(user_id=staff.pk, moderator=moderator, reason="x")
    assert not ModerationAction.objects.exists()


def test_dismissing_and_actioning_reports(moderator):
    first, second = ReportFactory(), ReportFactory()
    services.report_dismiss(report_id=first.pk, moderator=moderator, reason="Not a scam")
    services.report_mark_actioned(report_id=second.pk, moderator=moderator, reason="Talked to them")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Report.Status.DISMISSED, Report.Status.ACTIONED)
    assert first.handled_by == moderator and first.handled_at is not None
    assert set(ModerationAction.objects.values_list("action", "target_id")) == {
        ("dismiss_report", str(first.pk)),
        ("action_report", str(second.pk)),
    }
    with pytest.raises(ValidationError):
        services.report_dismiss(report_id=first.pk, moderator=moderator, reason="again")


def test_a_person_has_one_open_report_per_thing(va):
    job = JobFactory()
    services.report_create(reporter=va, target=job, reason="scam", details="fee")
    with pytest.raises(services.DuplicateReport):
        services.report_create(reporter=va, target=job, reason="spam")
    assert Report.objects.count() == 1


# --- pre-approval ------------------------------------------------------------------------


def test_without_the_setting_nothing_is_held(settings):
    settings.MODERATION_PREAPPROVAL = False
    job = JobFactory()
    assert services.job_hold_for_approval(job=job) is False
    assert Job.objects.visible().filter(pk=job.pk).exists()


def test_a_first_time_clients_job_waits_for_approval(settings, moderator, client_user):
    settings.MODERATION_PREAPPROVAL = True
    job = JobFactory(client=client_user)

    assert services.job_hold_for_approval(job=job) is True
    assert not Job.objects.visible().filter(pk=job.pk).exists()
    hold = Report.objects.get(reason=Report.Reason.PREAPPROVAL)
    assert hold.source == Report.Source.AUTO and hold.target == job
    # It cannot be dismissed away (the task would stay hidden for ever).
    with pytest.raises(ValidationError):
        services.report_dismiss(report_id=hold.pk, moderator=moderator, reason="x")

    action = services.job_approve(job_id=job.pk, moderator=moderator)

    job.refresh_from_db()
    assert Job.objects.visible().filter(pk=job.pk).exists()
    hold.refresh_from_db()
    assert hold.status == Report.Status.ACTIONED
    assert action.action == ModerationAction.Action.APPROVE_JOB and action.report == hold
    # The client's next job is not held.
    assert services.job_hold_for_approval(job=JobFactory(client=client_user)) is False


def test_a_held_job_can_be_rejected_by_hiding_it(settings, moderator):
    settings.MODERATION_PREAPPROVAL = True
    job = JobFactory()
    services.job_hold_for_approval(job=job)
    services.job_hide(job_id=job.pk, moderator=moderator, reason="Scam")
    job.refresh_from_db()
    assert job.hidden_reason == "Scam"
    assert not Report.objects.filter(status=Report.Status.OPEN).exists()
    with pytest.raises(ValidationError):
        services.job_approve(job_id=job.pk, moderator=moderator)


def test_a_returning_clients_job_is_not_held(settings):
    settings.MODERATION_PREAPPROVAL = True
    client = ClientFactory()
    JobFactory(client=client)
    assert services.job_hold_for_approval(job=JobFactory(client=client)) is False


# --- the flag scan -----------------------------------------------------------------------


def test_the_scan_flags_suspicious_jobs_manuals_bids_once(client_user, va):
    job = JobFactory(
        client=client_user, description="Pay a registration fee first, WA 0812 3456 7890"
    )
    clean_job = JobFactory(client=client_user)
    manual_job = JobFactory(client=client_user, manual=False)
    manual = manual_job.manual_versions.create(number=1, body="Email me: boss@shop.example")
    bid = BidFactory(job=clean_job, va=va, cover_letter="Let's continue on WhatsApp, cheaper!")

    assert services.scan_recent_content() == 3
    assert services.scan_recent_content() == 0  # nothing new, nothing twice

    job_flag = Report.objects.get(target_id=str(job.pk), target_type__model="job")
    assert job_flag.source == Report.Source.AUTO and job_flag.reporter is None
    assert job_flag.reason == Report.Reason.SCAM
    assert Report.objects.get(target_type__model="manualversion").target == manual
    bid_flag = Report.objects.get(target_type__model="bid")
    assert bid_flag.target == bid and bid_flag.reason == Report.Reason.OFF_PLATFORM
    assert not Report.objects.filter(target_type__model="job", target_id=str(clean_job.pk)).exists()
    # Flags never block: the job is still on the board.
    assert Job.objects.visible().filter(pk=job.pk).exists()


def test_an_edit_after_a_dismissed_flag_is_flagged_again(moderator):
    job = JobFactory(description="WA 0812 3456 7890")
    services.scan_recent_content()
    flag = Report.objects.get()
    services.report_dismiss(report_id=flag.pk, moderator=moderator, reason="Their office line")
    services.scan_recent_content()
    assert Report.objects.count() == 1  # unchanged since the dismissed flag

    job.description = "Now on telegram @scammy_boss"
    job.save()
    services.scan_recent_content(now=timezone.now() + timedelta(seconds=1))
    assert Report.objects.filter(status=Report.Status.OPEN).count() == 1


def test_the_scan_reads_contract_messages(client_user, va):
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
    message = Message.objects.create(contract=contract, author=va, body="transfer dulu ya kak")
    services.scan_recent_content()
    assert Report.objects.get().target == message


def test_the_scan_holds_a_first_job_published_without_the_hook(settings):
    settings.MODERATION_PREAPPROVAL = True
    job = JobFactory()
    services.scan_recent_content()
    assert not Job.objects.visible().filter(pk=job.pk).exists()
    assert Report.objects.filter(reason=Report.Reason.PREAPPROVAL).count() == 1


def test_the_job_hidden_notification_links_to_the_job(moderator):
    job = JobFactory()
    services.job_hide(job_id=job.pk, moderator=moderator, reason="x")
    assert Notification.objects.get().data["url"] == reverse("jobs:detail", args=[job.pk])


def test_the_people_affected_get_readable_emails(moderator, va, client_user):
    from notifications.rendering import build_notification_email

    _bid(JobFactory(client=client_user, title="Sort invoices"), va)
    services.user_suspend(user_id=va.pk, moderator=moderator, reason="Fake portfolio")

    suspended = build_notification_email(Notification.objects.get(kind="account_suspended"), va)
    assert "suspended" in suspended.subject and "Fake portfolio" in suspended.body
    withdrawn = build_notification_email(
        Notification.objects.get(kind="bid_withdrawn_by_moderation"), client_user
    )
    assert "Sort invoices" in withdrawn.subject and va.name in withdrawn.body


def test_the_scan_runs_every_minute_from_beat(settings):
    from moderation import tasks

    entry = settings.CELERY_BEAT_SCHEDULE["moderation-scan"]
    assert entry["task"] == tasks.scan_recent_content.name == "moderation.tasks.scan_recent_content"
    assert entry["schedule"] == 60.0
    JobFactory(description="Telegram @cheap_va_jobs")
    assert tasks.scan_recent_content() == 1
