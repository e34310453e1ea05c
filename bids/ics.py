"""Calendar invites (RFC 5545) for interviews, and the attachment builder for emails.

One event per interview: its UID never changes, SEQUENCE goes up on every reschedule and
on cancel, so calendars update the same entry instead of adding a second one. Times are
written in UTC. People's email addresses are private (DESIGN.md §10): the organizer is the
platform's no-reply address with the client's name, and the only email address in a file
is the reader's own (so their calendar knows the invite is theirs).
"""

import uuid
from datetime import UTC, timedelta
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, vCalAddress, vText

from bids.models import Interview

PRODID = "-//Asisten//Interviews//EN"


def _address(value: str, name: str, **params) -> vCalAddress:
    address = vCalAddress(value)
    address.params["cn"] = vText(name)
    for key, param in params.items():
        address.params[key.replace("_", "-")] = vText(param)
    return address


def _party_address(user, *, reader, role: str) -> vCalAddress:
    if reader is not None and user.pk == reader.pk:
        value = f"mailto:{user.email}"
    else:
        # A stable, private stand-in for someone else's address.
        value = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'asisten-user-{user.pk}')}"
    return _address(value, str(user.display_name), role=role, partstat="ACCEPTED")


def interview_ics(interview: Interview, *, for_user=None) -> bytes:
    """The invite for a booked interview (METHOD:REQUEST), or its cancellation (CANCEL)."""
    bid = interview.bid
    job, client, va = bid.job, bid.job.client, bid.va
    cancelled = interview.status in (Interview.Status.CANCELLED, Interview.Status.DECLINED)
    starts_at = interview.starts_at
    ends_at = interview.ends_at
    if starts_at is None:
        first = interview.slots.order_by("starts_at").first()
        if first is None:
            raise ValueError("an interview invite needs a time")
        starts_at = first.starts_at
        ends_at = starts_at + timedelta(minutes=interview.duration_minutes)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")

    event = Event()
    event.add("uid", f"{interview.uid}@asisten")
    event.add("sequence", interview.ics_sequence)
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", starts_at.astimezone(UTC))
    event.add("dtend", ends_at.astimezone(UTC))
    event.add("summary", _("Interview: %(title)s") % {"title": job.title})
    event.add(
        "description",
        _("Video interview on Asisten between %(client)s and %(va)s.\nJoin: %(url)s")
        % {"client": client.display_name, "va": va.display_name, "url": interview.meeting_url},
    )
    event.add("location", interview.meeting_url)
    event.add("url", interview.meeting_url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    _name, platform_email = parseaddr(settings.DEFAULT_FROM_EMAIL)
    event["organizer"] = _address(
        f"mailto:{platform_email or 'no-reply@asisten.example'}",
        _("%(name)s via Asisten") % {"name": client.display_name},
    )
    event.add("attendee", _party_address(client, reader=for_user, role="CHAIR"), encode=0)
    event.add("attendee", _party_address(va, reader=for_user, role="REQ-PARTICIPANT"), encode=0)
    calendar.add_component(event)
    return calendar.to_ical()


# Notification kinds whose email carries the invite.
INVITE_KINDS = ("interview_confirmed", "interview_cancelled", "interview_reminder")


def notification_attachments(notification) -> list[tuple[str, bytes, str]]:
    """Attachment builder for notifications.registry: the .ics for an interview email."""
    if not notification.interview_id:
        return []
    interview = (
        Interview.objects.select_related("bid__job__client", "bid__va", "chosen_slot")
        .filter(pk=notification.interview_id)
        .first()
    )
    if interview is None or interview.chosen_slot_id is None:
        return []
    recipient = notification.recipient
    with translation.override(getattr(recipient, "language", None) or settings.LANGUAGE_CODE):
        body = interview_ics(interview, for_user=recipient)
    method = "CANCEL" if interview.status == Interview.Status.CANCELLED else "REQUEST"
    return [("invite.ics", body, f"text/calendar; method={method}; charset=utf-8")]
