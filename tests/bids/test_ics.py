"""The interview .ics: parsed back with icalendar (UID stable, SEQUENCE, METHOD, UTC times)."""

import re
from datetime import UTC, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from bids import services
from bids.ics import notification_attachments
from bids.models import Bid
from notifications.models import Notification
from notifications.registry import attachments_for
from tests.factories import BidFactory, JobFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(client_user, va):
    job = JobFactory(client=client_user, title="Inbox zero")
    bid = BidFactory(job=job, va=va, status=Bid.Status.SHORTLISTED)
    start = (timezone.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    interview = services.interview_propose(
        bid=bid, client=client_user, slots=[start], meeting_url="https://meet.example.com/abc"
    )
    return services.interview_confirm(
        interview=interview, user=va, slot_id=interview.slots.get().pk
    )


def fetch(client, user, interview):
    client.force_login(user)
    response = client.get(reverse("bids:interview_ics", args=[interview.pk]))
    assert response.status_code == 200
    calendar = Calendar.from_ical(response.content)
    return calendar, calendar.walk("VEVENT")[0]


def test_the_invite_is_a_request_in_utc_with_the_meeting_link(client, va, booked):
    calendar, event = fetch(client, va, booked)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == f"{booked.uid}@asisten"
    assert int(event["SEQUENCE"]) == 0
    start = event.decoded("DTSTART")
    assert start.utcoffset() == timedelta(0)
    assert start == booked.chosen_slot.starts_at.astimezone(UTC)
    assert event.decoded("DTEND") - start == timedelta(minutes=30)
    assert str(event["LOCATION"]) == "https://meet.example.com/abc"
    assert str(event["URL"]) == "https://meet.example.com/abc"
    assert "Inbox zero" in str(event["SUMMARY"])


def test_the_invite_holds_only_the_readers_own_email(client, va, client_user, booked):
    _, event = fetch(client, va, booked)
    text = event.to_ical().decode().replace("\r\n ", "")  # unfold long lines
    assert "vina@example.com" in text
    assert "alice@example.com" not in text
    _, event = fetch(client, client_user, booked)
    text = event.to_ical().decode().replace("\r\n ", "")  # unfold long lines
    assert "alice@example.com" in text
    assert "vina@example.com" not in text


def test_reschedule_keeps_the_uid_and_bumps_the_sequence(client, va, client_user, booked):
    services.interview_reschedule(
        interview=booked, user=client_user, slots=[timezone.now() + timedelta(days=5)]
    )
    interview = services.interview_confirm(interview=booked, user=va, slot_id=booked.slots.get().pk)
    _, event = fetch(client, va, interview)
    assert str(event["UID"]) == f"{booked.uid}@asisten"
    assert int(event["SEQUENCE"]) == 1


def test_cancel_sends_method_cancel(client, va, booked):
    services.interview_cancel(interview=booked, user=va)
    calendar, event = fetch(client, va, booked)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["UID"]) == f"{booked.uid}@asisten"
    assert int(event["SEQUENCE"]) == 1


def test_no_invite_before_a_time_is_chosen(client, client_user, va):
    bid = BidFactory(job=JobFactory(client=client_user), va=va, status=Bid.Status.SHORTLISTED)
    interview = services.interview_propose(
        bid=bid, client=client_user, slots=[timezone.now() + timedelta(days=1)]
    )
    client.force_login(va)
    assert client.get(reverse("bids:interview_ics", args=[interview.pk])).status_code == 404


def test_the_confirmation_email_carries_the_invite(booked, va):
    note = Notification.objects.get(kind="interview_confirmed", recipient=va)
    attachments = attachments_for(note)

    def without_stamp(found):
        # DTSTAMP is the moment the file was made: two calls a second apart differ there.
        return [
            (name, re.sub(rb"DTSTAMP:\d{8}T\d{6}Z\r\n", b"", body), mimetype)
            for name, body, mimetype in found
        ]

    assert without_stamp(attachments) == without_stamp(notification_attachments(note))
    (name, body, mimetype) = attachments[0]
    assert name == "invite.ics"
    assert mimetype.startswith("text/calendar; method=REQUEST")
    event = Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["UID"]) == f"{booked.uid}@asisten"
