"""Invitations sent or answered at the same moment settle to one outcome (issue 21)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from jobs import services
from jobs.models import Invitation
from notifications.models import Notification
from tests import factories

# serialized_rollback: the flush after a transactional test must not take the seeded
# categories with it for the tests that follow.
RACE = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def at_once(*calls) -> list[str]:
    """Run the calls in threads released together; each reports "ok" or its error."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[str] = []

    def run(call) -> None:
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@RACE
def test_the_same_invitation_sent_twice_at_once_is_made_once(client_user, va):
    job = factories.JobFactory(client=client_user, invite_only=True)

    def send():
        services.invitation_send(job=job, va=va, by=client_user, note="Hi")

    outcomes = at_once(send, send)

    assert sorted(outcomes) == [
        f"You have already invited {va.display_name} to this task.",
        "ok",
    ]
    assert Invitation.objects.filter(job=job, va=va).count() == 1
    assert Notification.objects.filter(recipient=va, kind="invitation_received").count() == 1


@RACE
def test_an_accept_and_a_decline_at_once_leave_one_answer(client_user, va):
    job = factories.JobFactory(client=client_user)
    invitation = services.invitation_send(job=job, va=va, by=client_user)

    outcomes = at_once(
        lambda: services.invitation_accept(invitation=invitation, va=va),
        lambda: services.invitation_decline(invitation=invitation, va=va, reason="Busy"),
    )

    invitation.refresh_from_db()
    declines = Notification.objects.filter(recipient=client_user, kind="invitation_declined")
    if invitation.status == Invitation.Status.ACCEPTED:
        assert outcomes.count("ok") == 1
        assert "You have already answered this invitation." in outcomes
        assert not declines.exists() and invitation.decline_reason == ""
    else:
        assert invitation.status == Invitation.Status.DECLINED
        assert outcomes.count("ok") == 1
        assert "You declined this invitation." in outcomes
        assert declines.count() == 1 and invitation.decline_reason == "Busy"
