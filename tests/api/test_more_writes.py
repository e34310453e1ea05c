"""The API's later endpoints (issue 19): manual attachments, interviews, bid edits,
unshortlisting, hour entries and weeks, and the read-only money. What each does, who is
refused, and bad input (the field named, nothing saved). The rules are the pages' own."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bids import services as bid_services
from bids.models import Bid, Interview
from contracts import services as contract_services
from contracts.models import HourEntry, Timesheet
from jobs.models import JobAttachment
from payments import sandbox
from payments import services as payment_services
from tests import factories
from tests.api.conftest import api_as
from tests.api.test_lists import _bid_with_sample
from tests.contracts.factories import local_today
from tests.security.world import pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


def _later(days: int = 2) -> str:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0).isoformat()


# --- manual attachments ----------------------------------------------------------------------


def test_the_client_attaches_lists_opens_and_removes_a_manual_file(client_user, va):
    job = factories.JobFactory(client=client_user)
    client = api_as(client_user)
    sent = client.post(
        f"/api/v1/jobs/{job.pk}/attachments/",
        {"file": SimpleUploadedFile("brief.pdf", pdf_bytes(), "application/pdf")},
        format="multipart",
    )
    assert sent.status_code == 201, sent.json()
    item = sent.json()
    assert (item["original_name"], item["content_type"]) == ("brief.pdf", "application/pdf")
    listed = client.get(f"/api/v1/jobs/{job.pk}/attachments/").json()
    assert [a["id"] for a in listed] == [item["id"]]
    opened = client.get(item["url"])
    assert opened.status_code == 200
    assert b"".join(opened.streaming_content).startswith(b"%PDF")
    # A VA who is not hired may not list, open or delete it.
    assert api_as(va).get(f"/api/v1/jobs/{job.pk}/attachments/").status_code == 404
    assert api_as(va).get(item["url"]).status_code == 404
    assert api_as(va).delete(item["url"]).status_code == 404
    assert client.delete(item["url"]).status_code == 204
    assert not JobAttachment.objects.filter(job=job).exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"file": SimpleUploadedFile("brief.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")},
    ],
    ids=["no file", "an executable named .pdf"],
)
def test_a_bad_attachment_names_the_file_and_saves_nothing(client_user, body):
    job = factories.JobFactory(client=client_user)
    response = api_as(client_user).post(
        f"/api/v1/jobs/{job.pk}/attachments/", body, format="multipart"
    )
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"]["file"]
    assert not JobAttachment.objects.exists()


def test_the_hired_va_opens_the_manual_files_too(client_user, va):
    job = factories.JobFactory(client=client_user)
    api_as(client_user).post(
        f"/api/v1/jobs/{job.pk}/attachments/",
        {"file": SimpleUploadedFile("brief.png", png_bytes(), "image/png")},
        format="multipart",
    )
    bid_services.bid_hire(bid=factories.BidFactory(job=job, va=va), client=client_user)
    listed = api_as(va).get(f"/api/v1/jobs/{job.pk}/attachments/")
    assert listed.status_code == 200 and len(listed.json()) == 1
    # Reading is not managing: the VA still cannot remove it.
    assert api_as(va).delete(listed.json()[0]["url"]).status_code == 404


# --- interviews ------------------------------------------------------------------------------


def _shortlisted(client_user, va) -> Bid:
    bid = factories.BidFactory(job=factories.JobFactory(client=client_user), va=va)
    return bid_services.bid_shortlist(bid=bid, client=client_user)


def test_an_interview_is_proposed_confirmed_and_cancelled(client_user, va):
    bid = _shortlisted(client_user, va)
    proposed = api_as(client_user).post(
        f"/api/v1/bids/{bid.pk}/interviews/",
        {"slot_1": _later(2), "slot_2": _later(3), "duration_minutes": 30, "room": "generated"},
        format="json",
    )
    assert proposed.status_code == 201, proposed.json()
    interview = proposed.json()
    assert interview["status"] == "proposed" and len(interview["slots"]) == 2
    assert interview["meeting_url"].startswith("https://")
    mine = api_as(va).get("/api/v1/interviews/").json()["results"]
    assert [i["id"] for i in mine] == [interview["id"]]
    confirmed = api_as(va).post(
        f"/api/v1/interviews/{interview['id']}/confirm/",
        {"slot": interview["slots"][0]["id"]},
        format="json",
    )
    assert confirmed.status_code == 200, confirmed.json()
    assert confirmed.json()["chosen_slot_id"] == interview["slots"][0]["id"]
    # The client acts with jobs:write: a read-only token is refused and nothing changes.
    read_only = api_as(client_user, scopes=["read"])
    refused = read_only.post(f"/api/v1/interviews/{interview['id']}/cancel/")
    assert refused.status_code == 403 and refused.json()["code"] == "insufficient_scope"
    assert Interview.objects.get(pk=interview["id"]).status == "confirmed"
    cancelled = api_as(client_user).post(f"/api/v1/interviews/{interview['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_a_time_without_an_offset_is_read_in_the_callers_time_zone(client_user, va):
    client_user.timezone = "Asia/Jakarta"
    client_user.save(update_fields=["timezone"])
    bid = _shortlisted(client_user, va)
    day = (timezone.now() + timedelta(days=3)).date().isoformat()
    response = api_as(client_user).post(
        f"/api/v1/bids/{bid.pk}/interviews/",
        {"slot_1": f"{day}T10:00", "duration_minutes": 30, "room": "generated"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    # 10:00 in Jakarta (UTC+7) is 03:00 UTC.
    assert response.json()["slots"][0]["starts_at"].startswith(f"{day}T03:00")


@pytest.mark.parametrize(
    "body, field",
    [
        ({"duration_minutes": 30, "room": "generated"}, "slot_1"),
        ({"slot_1": "2001-01-01T10:00:00+00:00", "room": "generated"}, "slot_1"),
        ({"slot_1": "next tuesday", "room": "generated"}, "slot_1"),
        ({"slot_1": _later(), "room": "link"}, "meeting_url"),
        ({"slot_1": _later(), "room": "link", "meeting_url": "http://meet.example"}, "meeting_url"),
        ({"slot_1": _later(), "room": "generated", "duration_minutes": 7}, "duration_minutes"),
    ],
)
def test_proposing_with_bad_input_names_the_field_and_saves_nothing(client_user, va, body, field):
    bid = _shortlisted(client_user, va)
    response = api_as(client_user).post(
        f"/api/v1/bids/{bid.pk}/interviews/", {"duration_minutes": 30, **body}, format="json"
    )
    assert response.status_code == 400, response.json()
    assert response.json()["fields"][field]
    assert not Interview.objects.exists()


def test_an_interview_needs_a_shortlisted_bid_and_only_its_client_proposes(client_user, va):
    bid = factories.BidFactory(job=factories.JobFactory(client=client_user), va=va)
    body = {"slot_1": _later(), "duration_minutes": 30, "room": "generated"}
    refused = api_as(client_user).post(f"/api/v1/bids/{bid.pk}/interviews/", body, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "refused"
    assert api_as(va).post(f"/api/v1/bids/{bid.pk}/interviews/", body).status_code == 404
    assert not Interview.objects.exists()


def test_confirming_a_slot_of_another_interview_names_the_slot(client_user, va, other_va):
    mine = _shortlisted(client_user, va)
    theirs = _shortlisted(client_user, other_va)
    at = [timezone.now() + timedelta(days=2)]
    interview = bid_services.interview_propose(bid=mine, client=client_user, slots=at)
    other = bid_services.interview_propose(bid=theirs, client=client_user, slots=at)
    response = api_as(va).post(
        f"/api/v1/interviews/{interview.pk}/confirm/",
        {"slot": other.slots.get().pk},
        format="json",
    )
    assert response.status_code == 400 and response.json()["fields"]["slot"]
    assert Interview.objects.get(pk=interview.pk).status == "proposed"


# --- bids ------------------------------------------------------------------------------------


def _open_bid(va) -> Bid:
    return _bid_with_sample(factories.JobFactory(), va)  # a real bid has a sample


def _bid_edit(**changes) -> dict:
    return {
        "amount": "420000",
        "cover_letter": "I sorted inboxes for five shops; labels per client, then archive.",
        "delivery_date": "2099-01-31",
        "manual_version": 1,
        "manual_acknowledged": "true",
        **changes,
    }


def test_a_va_edits_their_undecided_bid(va):
    bid = _open_bid(va)
    response = api_as(va).put(f"/api/v1/bids/{bid.pk}/", _bid_edit(), format="multipart")
    assert response.status_code == 200, response.json()
    assert response.json()["amount"] == "420000.00"
    assert Bid.objects.get(pk=bid.pk).amount == Decimal("420000")


@pytest.mark.parametrize(
    "changes, field",
    [({"amount": "900000"}, "amount"), ({"amount": "-1"}, "amount"), ({"cover_letter": ""}, None)],
)
def test_a_bid_edit_with_bad_input_names_the_field_and_changes_nothing(va, changes, field):
    bid = _open_bid(va)
    before = Bid.objects.values("amount", "cover_letter").get(pk=bid.pk)
    response = api_as(va).put(f"/api/v1/bids/{bid.pk}/", _bid_edit(**changes), format="multipart")
    assert response.status_code == 400, response.json()
    assert response.json()["fields"][field or next(iter(changes))]
    assert Bid.objects.values("amount", "cover_letter").get(pk=bid.pk) == before


def test_a_decided_bid_can_no_longer_be_edited(client_user, va):
    bid = factories.BidFactory(job=factories.JobFactory(client=client_user), va=va)
    bid_services.bid_reject(bid=bid, client=client_user)
    response = api_as(va).put(f"/api/v1/bids/{bid.pk}/", _bid_edit(), format="multipart")
    assert response.status_code == 409 and response.json()["code"] == "refused"
    assert Bid.objects.get(pk=bid.pk).amount == Decimal("400000")


def test_the_client_takes_a_bid_off_the_shortlist(client_user, va):
    bid = _shortlisted(client_user, va)
    client = api_as(client_user)
    response = client.post(f"/api/v1/bids/{bid.pk}/unshortlist/")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    assert client.post(f"/api/v1/bids/{bid.pk}/unshortlist/").status_code == 409


# --- hours and weeks -------------------------------------------------------------------------


def _hourly(client_user, va):
    job = factories.HourlyJobFactory(client=client_user)
    bid = factories.BidFactory(job=job, va=va, amount=Decimal("10.00"), estimated_hours=10)
    contract = bid_services.bid_hire(bid=bid, client=client_user)
    entry = contract_services.hours_log(
        contract=contract, va=va, work_date=local_today(va), hours=Decimal("2"), memo="Inbox"
    )
    return contract, entry


def test_the_va_removes_an_hour_entry_and_the_client_may_not(client_user, va, other_va):
    contract, entry = _hourly(client_user, va)
    path = f"/api/v1/contracts/{contract.pk}/hours/{entry.pk}/"
    assert api_as(other_va).delete(path).status_code == 404
    assert api_as(other_va).get(path).status_code == 404
    assert api_as(client_user).get(path).json()["hours"] == "2.00"
    refused = api_as(client_user).delete(path)
    assert refused.status_code == 409 and refused.json()["code"] == "refused"
    assert HourEntry.objects.filter(pk=entry.pk).exists()
    assert api_as(va).delete(path).status_code == 204
    assert not HourEntry.objects.filter(pk=entry.pk).exists()
    assert Timesheet.objects.get(contract=contract).total_hours == 0


def test_the_client_disputes_then_approves_a_week(client_user, va, other_client):
    contract, entry = _hourly(client_user, va)
    week = entry.timesheet.week_start.isoformat()
    base = f"/api/v1/contracts/{contract.pk}/weeks/"
    weeks = api_as(va).get(base).json()
    assert [(w["week_start"], w["status"]) for w in weeks] == [(week, "pending")]
    assert api_as(other_client).post(f"{base}{week}/approve/").status_code == 404
    client = api_as(client_user)
    empty = client.post(f"{base}{week}/dispute/", {"comment": ""}, format="json")
    assert empty.status_code == 400 and empty.json()["fields"]["comment"]
    assert Timesheet.objects.get(contract=contract).status == "pending"
    disputed = client.post(f"{base}{week}/dispute/", {"comment": "Tuesday twice?"}, format="json")
    assert disputed.status_code == 200 and disputed.json()["status"] == "disputed"
    # The VA cannot approve their own week.
    assert api_as(va).post(f"{base}{week}/approve/").status_code == 409
    approved = client.post(f"{base}{week}/approve/")
    assert approved.status_code == 200, approved.json()
    assert (approved.json()["status"], approved.json()["amount"]) == ("approved", "20.00")
    assert client.post(f"{base}{week}/approve/").status_code == 409
    assert client.post(f"{base}2001-01-01/approve/").status_code == 404


# --- money (read-only) -----------------------------------------------------------------------


def _funded_contract(client_user, va):
    """A hired per-task contract of 300,000 IDR, funded through the sandbox provider."""
    job = factories.JobFactory(client=client_user)
    contract = bid_services.bid_hire(
        bid=factories.BidFactory(job=job, va=va, amount=Decimal("300000")), client=client_user
    )
    checkout = payment_services.funding_start(contract=contract, client=client_user)
    body = sandbox.event_body(payment=checkout, outcome="pay")
    event = payment_services.webhook_receive(
        provider="sandbox", body=body, signature=sandbox.sign(body)
    )
    payment_services.webhook_event_process(event_id=event.pk)
    return contract


def test_the_statement_shows_the_escrow_to_the_two_parties_only(client_user, va, other_va):
    contract = _funded_contract(client_user, va)
    path = f"/api/v1/contracts/{contract.pk}/statement/"
    for user in (client_user, va):
        statement = api_as(user).get(path).json()
        assert (statement["currency"], statement["funded"], statement["held"]) == (
            "IDR",
            "300000.00",
            "300000.00",
        )
        assert statement["is_funded"] is True
        assert [p["status"] for p in statement["payments"]] == ["paid"]
    assert api_as(other_va).get(path).status_code == 404


def test_released_escrow_shows_in_the_vas_balance_and_nobody_elses(client_user, va, other_va):
    contract = _funded_contract(client_user, va)
    assert api_as(va).get("/api/v1/balance/").json() == []
    item = contract_services.deliverable_submit(
        contract=contract,
        va=va,
        note="Done",
        files=[SimpleUploadedFile("d.png", png_bytes(), "image/png")],
    )
    contract_services.deliverable_approve(deliverable=item, client=client_user)
    statement = api_as(va).get(f"/api/v1/contracts/{contract.pk}/statement/").json()
    received = Decimal(statement["va_received"])
    assert Decimal(statement["released"]) == Decimal("300000")
    assert received == Decimal("300000") - Decimal(statement["fees"])
    [balance] = api_as(va).get("/api/v1/balance/").json()
    assert (balance["currency"], Decimal(balance["available"])) == ("IDR", received)
    assert api_as(other_va).get("/api/v1/balance/").json() == []
    assert api_as().get("/api/v1/balance/").status_code == 401
