"""Issue 21: a client invites a VA to bid; invite-only tasks are for invited VAs only."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bids import services as bid_services
from jobs import services
from jobs.models import Invitation, Job
from notifications.delivery import deliver
from notifications.models import Delivery, JobAnnouncement, Notification
from tests.bids.helpers import pdf_upload, terms
from tests.factories import BidFactory, ClientFactory, JobFactory, VAFactory
from tests.jobs.factories import indexed_job
from tests.jobs.factories import post_data as job_post_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(client_user):
    return JobFactory(client=client_user, title="Tidy the March invoices")


@pytest.fixture
def private_job(client_user):
    return indexed_job(client=client_user, title="Quiet payroll clean-up", invite_only=True)


def send(job, va, by=None, note="You did this well before."):
    return services.invitation_send(job=job, va=va, by=by or job.client, note=note)


def messages_of(exc_info) -> str:
    return " ".join(exc_info.value.messages)


# --- sending -------------------------------------------------------------------------------


def test_a_client_invites_a_va_and_the_va_is_told_in_their_language(job, va, client_user):
    va.language = "id"
    va.save(update_fields=["language"])
    invitation = send(job, va)
    assert invitation.status == "sent" and invitation.note == "You did this well before."
    notification = Notification.objects.get(recipient=va, kind="invitation_received")
    assert notification.job_id == job.pk
    assert notification.data["url"] == f"/jobs/{job.pk}/"
    deliver(delivery_id=Delivery.objects.get(notification=notification).pk)
    message = mail.outbox[-1]
    assert message.to == [va.email]
    assert "mengundang Anda" in message.subject
    assert "You did this well before." in message.body
    assert "mengundang Anda" in message.alternatives[0][0]


@pytest.mark.parametrize("status", ["draft", "closed", "hired", "cancelled", "completed"])
def test_it_refuses_to_invite_to_a_task_that_is_not_open(job, va, status):
    Job.objects.filter(pk=job.pk).update(status=status)
    with pytest.raises(ValidationError) as exc_info:
        send(job, va)
    assert "not open for bids" in messages_of(exc_info)
    assert not Invitation.objects.exists() and not Notification.objects.exists()


def test_it_refuses_to_invite_to_a_hidden_task(job, va):
    Job.objects.filter(pk=job.pk).update(hidden_at=timezone.now())
    with pytest.raises(ValidationError):
        send(job, va)
    assert not Invitation.objects.exists()


def test_it_refuses_to_invite_once_bidding_has_closed(job, va):
    Job.objects.filter(pk=job.pk).update(closes_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError) as exc_info:
        send(job, va)
    assert "closed" in messages_of(exc_info)
    assert not Invitation.objects.exists()


def test_it_sees_a_close_that_happened_after_the_page_was_loaded(job, va):
    stale = Job.objects.get(pk=job.pk)
    services.job_close(job=job, by=job.client)
    with pytest.raises(ValidationError):
        send(stale, va)
    assert not Invitation.objects.exists()


def test_it_refuses_to_invite_a_suspended_va(job, suspended):
    with pytest.raises(ValidationError) as exc_info:
        send(job, suspended)
    assert "cannot be invited" in messages_of(exc_info)
    assert not Invitation.objects.exists()


def test_it_refuses_to_invite_someone_who_is_not_a_va(job, other_client):
    with pytest.raises(ValidationError) as exc_info:
        send(job, other_client)
    assert "cannot be invited" in messages_of(exc_info)


def test_a_client_cannot_invite_themselves(client_user):
    client_user.is_va = True
    client_user.save(update_fields=["is_va"])
    job = JobFactory(client=client_user)
    with pytest.raises(ValidationError) as exc_info:
        send(job, client_user)
    assert "yourself" in messages_of(exc_info)


def test_it_refuses_to_invite_a_va_who_already_bid(job, va):
    BidFactory(job=job, va=va)
    with pytest.raises(ValidationError) as exc_info:
        send(job, va)
    assert "already bid" in messages_of(exc_info)
    assert not Invitation.objects.exists()


def test_it_refuses_to_invite_twice(job, va):
    send(job, va)
    with pytest.raises(ValidationError) as exc_info:
        send(job, va)
    assert "already invited" in messages_of(exc_info)
    assert Invitation.objects.count() == 1
    assert Notification.objects.filter(kind="invitation_received").count() == 1


def test_only_the_tasks_client_can_invite(job, va, other_client):
    with pytest.raises(ValidationError):
        send(job, va, by=other_client)
    assert not Invitation.objects.exists()


def test_a_note_longer_than_500_characters_is_refused(job, va):
    with pytest.raises(ValidationError) as exc_info:
        send(job, va, note="x" * 501)
    assert "500" in messages_of(exc_info)
    assert not Invitation.objects.exists()


# --- answering -----------------------------------------------------------------------------


def test_the_va_declines_with_a_reason_and_the_client_is_told(job, va, client_user):
    invitation = send(job, va)
    services.invitation_decline(invitation=invitation, va=va, reason="Fully booked in March.")
    invitation.refresh_from_db()
    assert invitation.status == "declined" and invitation.answered_at is not None
    told = Notification.objects.get(recipient=client_user, kind="invitation_declined")
    assert told.data["reason"] == "Fully booked in March."


def test_accept_after_decline_is_refused_and_decline_after_accept_too(job, va, other_va):
    declined = send(job, va)
    services.invitation_decline(invitation=declined, va=va)
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=declined, va=va)
    accepted = send(job, other_va)
    services.invitation_accept(invitation=accepted, va=other_va)
    with pytest.raises(ValidationError):
        services.invitation_decline(invitation=accepted, va=other_va)
    assert Invitation.objects.get(pk=accepted.pk).status == "accepted"
    assert Invitation.objects.get(pk=declined.pk).status == "declined"


def test_only_the_invited_va_can_answer(job, va, other_va):
    invitation = send(job, va)
    with pytest.raises(ValidationError):
        services.invitation_decline(invitation=invitation, va=other_va)
    assert Invitation.objects.get(pk=invitation.pk).status == "sent"


def test_a_bid_from_an_invited_va_marks_the_invitation_accepted(job, va):
    invitation = send(job, va)
    bid_services.bid_submit(job=job, va=va, terms=terms(job), uploads=pdf_upload())
    invitation.refresh_from_db()
    assert invitation.status == "accepted" and invitation.answered_at is not None


# --- pages ---------------------------------------------------------------------------------


def test_the_client_invites_from_the_vas_page(client, job, va, client_user):
    client.force_login(client_user)
    page = client.get(reverse("accounts:va_public", args=[va.pk])).content.decode()
    assert reverse("jobs:invite", args=[va.pk]) in page
    form = client.get(reverse("jobs:invite", args=[va.pk])).content.decode()
    assert job.title in form
    response = client.post(
        reverse("jobs:invite", args=[va.pk]), {"job": job.pk, "note": "Your Excel work fits."}
    )
    assert response.status_code == 302
    assert Invitation.objects.get().note == "Your Excel work fits."


def test_a_bad_invitation_keeps_the_note_and_says_why(client, job, va, client_user):
    BidFactory(job=job, va=va)
    client.force_login(client_user)
    response = client.post(
        reverse("jobs:invite", args=[va.pk]), {"job": job.pk, "note": "Please have a look."}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "already bid" in page and "Please have a look." in page
    assert not Invitation.objects.exists()


def test_a_note_too_long_and_a_missing_task_are_shown_beside_their_fields(
    client, job, va, client_user
):
    client.force_login(client_user)
    response = client.post(reverse("jobs:invite", args=[va.pk]), {"job": "", "note": "x" * 501})
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors.keys() == {"job", "note"}
    assert not Invitation.objects.exists()


def test_someone_elses_task_cannot_be_picked(client, va, other_client, client_user):
    theirs = JobFactory(client=other_client)
    client.force_login(client_user)
    response = client.post(reverse("jobs:invite", args=[va.pk]), {"job": theirs.pk})
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_the_va_sees_invited_on_the_task_page_and_accepts_into_the_bid_form(client, job, va):
    invitation = send(job, va)
    client.force_login(va)
    page = client.get(job.get_absolute_url()).content.decode()
    assert "The client invited you to bid on this task." in page
    response = client.post(reverse("jobs:invitation_accept", args=[invitation.pk]))
    assert response["Location"] == reverse("bids:submit", args=[job.pk])
    assert Invitation.objects.get().status == "accepted"


def test_the_va_declines_from_a_form_and_a_too_long_reason_is_kept(client, job, va):
    invitation = send(job, va)
    client.force_login(va)
    url = reverse("jobs:invitation_decline", args=[invitation.pk])
    response = client.post(url, {"reason": "y" * 501})
    assert response.status_code == 400
    assert "y" * 501 in response.content.decode()
    assert Invitation.objects.get().status == "sent"
    response = client.post(url, {"reason": "Busy this month."})
    assert response["Location"] == reverse("jobs:invitations")
    assert Invitation.objects.get().decline_reason == "Busy this month."


def test_the_owner_sees_who_was_invited_and_who_answered(client, job, va, other_va):
    send(job, va)
    services.invitation_decline(invitation=send(job, other_va), va=other_va, reason="Away.")
    client.force_login(job.client)
    page = client.get(job.get_absolute_url()).content.decode()
    assert va.display_name in page and other_va.display_name in page
    assert "Declined" in page and "Away." in page


def test_another_vas_invitation_is_404(client, job, va, other_va):
    invitation = send(job, va)
    client.force_login(other_va)
    assert client.post(reverse("jobs:invitation_accept", args=[invitation.pk])).status_code == 404
    assert client.get(reverse("jobs:invitation_decline", args=[invitation.pk])).status_code == 404
    assert Invitation.objects.get().status == "sent"


def test_the_invitations_page_makes_the_same_number_of_queries_for_1_and_for_8(
    client, va, client_user
):
    # Guards the N+1 of each row's task and its client's name (select_related).
    send(JobFactory(client=client_user), va)
    client.force_login(va)
    client.get(reverse("jobs:invitations"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("jobs:invitations"))
    for _ in range(7):
        send(JobFactory(client=ClientFactory()), va)
    with CaptureQueriesContext(connection) as eight:
        response = client.get(reverse("jobs:invitations"))
    assert response.content.decode().count("invitation-list") == 1
    assert len(response.context["page"].object_list) == 8
    assert len(eight) == len(one)


# --- invite-only tasks ---------------------------------------------------------------------


def test_an_invite_only_task_is_off_the_board_and_out_of_search(client, private_job):
    public = indexed_job(title="Quiet payroll archive")
    board = client.get("/jobs/").content.decode()
    assert private_job.title not in board and public.title in board
    found = client.get("/jobs/?q=quiet+payroll").content.decode()
    assert private_job.title not in found and public.title in found
    assert not Job.objects.open().filter(pk=private_job.pk).exists()


def test_publishing_an_invite_only_task_announces_it_to_nobody(
    client_user, django_capture_on_commit_callbacks
):
    draft = JobFactory(client=client_user, status="draft", published_at=None, invite_only=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.job_publish(job=draft, by=client_user)
    assert not JobAnnouncement.objects.exists()
    assert not Notification.objects.filter(kind="job_posted").exists()


def test_an_invite_only_task_is_404_until_the_va_is_invited(client, private_job, va):
    client.force_login(va)
    assert client.get(private_job.get_absolute_url()).status_code == 404
    assert client.get(reverse("bids:submit", args=[private_job.pk])).status_code == 404
    send(private_job, va)
    assert client.get(private_job.get_absolute_url()).status_code == 200
    assert client.get(reverse("bids:submit", args=[private_job.pk])).status_code == 200


def test_only_invited_vas_can_bid_on_an_invite_only_task(private_job, va, other_va):
    with pytest.raises(ValidationError) as exc_info:
        bid_services.bid_submit(
            job=private_job, va=other_va, terms=terms(private_job), uploads=pdf_upload()
        )
    assert "invitation only" in messages_of(exc_info)
    send(private_job, va)
    bid = bid_services.bid_submit(
        job=private_job, va=va, terms=terms(private_job), uploads=pdf_upload()
    )
    assert bid.status == "submitted"


def test_a_client_posts_an_invite_only_task_from_the_form(client, client_user):
    client.force_login(client_user)
    response = client.post("/jobs/new/", {**job_post_data(), "invite_only": "on"})
    assert response.status_code == 302
    assert Job.objects.get().invite_only is True


def test_the_invite_only_task_page_is_not_cached_for_the_invited_va_only(
    client, private_job, va, other_va
):
    """The task body is cached per state: a VA not invited must still get a 404 after the
    invited VA's visit filled the cache."""
    send(private_job, va)
    client.force_login(va)
    assert client.get(private_job.get_absolute_url()).status_code == 200
    client.force_login(other_va)
    assert client.get(private_job.get_absolute_url()).status_code == 404
    client.logout()
    assert client.get(private_job.get_absolute_url()).status_code == 404


def test_an_invited_but_uninvited_job_lookup_never_repeats_a_job(private_job, va, other_va):
    """Two invitations on one task: the visibility rule is an EXISTS, not a join."""
    send(private_job, va)
    send(private_job, other_va)
    public = JobFactory()
    ids = list(Job.objects.visible_to(va).values_list("pk", flat=True))
    assert sorted(ids) == sorted({private_job.pk, public.pk})
    assert VAFactory() and Job.objects.visible_to(other_va).filter(pk=private_job.pk).count() == 1
