"""The API's remaining workspace decisions (issue 19): rescheduling an interview, asking for
changes on a delivery, completing and ending a contract. What each does, who is refused
(a third party gets 404, the wrong side 409, a read-only token 403) and bad input (the field
named, nothing changed). The rules are the pages' own services."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bids import services as bid_services
from bids.models import Interview
from contracts import services as contract_services
from contracts.models import Contract, Deliverable
from jobs.models import Job
from tests import factories
from tests.api.conftest import api_as
from tests.security.world import png_bytes

pytestmark = pytest.mark.django_db


def _later(days: int) -> str:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0).isoformat()


def _interview(client_user, va) -> dict:
    bid = factories.BidFactory(job=factories.JobFactory(client=client_user), va=va)
    bid_services.bid_shortlist(bid=bid, client=client_user)
    proposed = api_as(client_user).post(
        f"/api/v1/bids/{bid.pk}/interviews/",
        {"slot_1": _later(2), "duration_minutes": 30, "room": "generated"},
        format="json",
    )
    assert proposed.status_code == 201, proposed.json()
    return proposed.json()


# --- interviews ---------------------------------------------------------------------------


def test_the_va_proposes_new_times_and_the_link_is_kept(client_user, va):
    interview = _interview(client_user, va)
    path = f"/api/v1/interviews/{interview['id']}/reschedule/"
    moved = api_as(va).post(
        path,
        {"slot_1": _later(4), "slot_2": _later(5), "duration_minutes": 45, "room": "keep"},
        format="json",
    )
    assert moved.status_code == 200, moved.json()
    body = moved.json()
    assert body["status"] == "proposed" and len(body["slots"]) == 2
    assert body["duration_minutes"] == 45
    assert body["meeting_url"] == interview["meeting_url"]
    assert {s["id"] for s in body["slots"]}.isdisjoint({s["id"] for s in interview["slots"]})


def test_a_confirmed_interview_moved_by_the_client_with_a_new_room_waits_for_a_pick(
    client_user, va
):
    interview = _interview(client_user, va)
    api_as(va).post(
        f"/api/v1/interviews/{interview['id']}/confirm/",
        {"slot": interview["slots"][0]["id"]},
        format="json",
    )
    moved = api_as(client_user).post(
        f"/api/v1/interviews/{interview['id']}/reschedule/",
        {"slot_1": _later(6), "duration_minutes": 30, "room": "generated"},
        format="json",
    )
    assert moved.status_code == 200, moved.json()
    body = moved.json()
    assert body["chosen_slot_id"] is None
    assert body["meeting_url"].startswith("https://")
    assert body["meeting_url"] != interview["meeting_url"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"duration_minutes": 30, "room": "keep"}, "slot_1"),
        ({"slot_1": "tomorrow", "duration_minutes": 30, "room": "keep"}, "slot_1"),
        ({"slot_1": "2020-01-01T10:00:00+00:00", "duration_minutes": 30, "room": "keep"}, None),
        ({"slot_1": "LATER", "duration_minutes": 30, "room": "link"}, "meeting_url"),
        ({"slot_1": "LATER", "duration_minutes": 30, "room": "elsewhere"}, "room"),
        ({"slot_1": "LATER", "duration_minutes": 7, "room": "keep"}, "duration_minutes"),
    ],
)
def test_a_bad_reschedule_names_the_field_and_changes_nothing(client_user, va, body, field):
    interview = _interview(client_user, va)
    body = {k: (_later(4) if v == "LATER" else v) for k, v in body.items()}
    refused = api_as(va).post(
        f"/api/v1/interviews/{interview['id']}/reschedule/", body, format="json"
    )
    assert refused.status_code == 400, refused.json()
    if field:
        assert refused.json()["fields"][field]
    else:  # a time in the past: the form names the slot or the service names the slots
        assert refused.json()["fields"]
    stored = Interview.objects.get(pk=interview["id"])
    assert [s.pk for s in stored.slots.all()] == [s["id"] for s in interview["slots"]]
    assert stored.duration_minutes == 30


def test_only_the_two_parties_reschedule_and_each_with_their_own_scope(client_user, va, other_va):
    interview = _interview(client_user, va)
    path = f"/api/v1/interviews/{interview['id']}/reschedule/"
    body = {"slot_1": _later(4), "duration_minutes": 30, "room": "keep"}
    assert api_as(other_va).post(path, body, format="json").status_code == 404
    assert api_as().post(path, body, format="json").status_code == 401
    # The VA acts with bids:write; a token without it is refused and nothing changes.
    refused = api_as(va, scopes=["read", "jobs:write"]).post(path, body, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "insufficient_scope"
    assert [s.pk for s in Interview.objects.get(pk=interview["id"]).slots.all()] == [
        s["id"] for s in interview["slots"]
    ]


def test_a_cancelled_interview_can_no_longer_be_rescheduled(client_user, va):
    interview = _interview(client_user, va)
    api_as(client_user).post(f"/api/v1/interviews/{interview['id']}/cancel/")
    refused = api_as(va).post(
        f"/api/v1/interviews/{interview['id']}/reschedule/",
        {"slot_1": _later(4), "duration_minutes": 30, "room": "keep"},
        format="json",
    )
    assert refused.status_code == 409 and refused.json()["code"] == "refused"
    assert Interview.objects.get(pk=interview["id"]).status == "cancelled"


# --- deliveries -------------------------------------------------------------------------


def _delivered(client_user, va) -> tuple[Contract, Deliverable]:
    bid = factories.BidFactory(job=factories.JobFactory(client=client_user), va=va)
    contract = bid_services.bid_hire(bid=bid, client=client_user)
    item = contract_services.deliverable_submit(
        contract=contract,
        va=va,
        note="The inbox is labelled.",
        files=[SimpleUploadedFile("d.png", png_bytes(), "image/png")],
    )
    return contract, item


def test_the_client_asks_for_changes_with_a_comment(client_user, va):
    contract, item = _delivered(client_user, va)
    sent = api_as(client_user).post(
        f"/api/v1/contracts/{contract.pk}/deliverables/{item.pk}/changes/",
        {"comment": "Please label the 2025 folder too."},
        format="json",
    )
    assert sent.status_code == 200, sent.json()
    assert sent.json()["status"] == "changes_requested"
    item.refresh_from_db()
    assert item.client_comment == "Please label the 2025 folder too."


@pytest.mark.parametrize("body", [{}, {"comment": ""}, {"comment": "   "}, {"comment": "x" * 5001}])
def test_changes_without_a_usable_comment_name_the_field_and_change_nothing(client_user, va, body):
    contract, item = _delivered(client_user, va)
    refused = api_as(client_user).post(
        f"/api/v1/contracts/{contract.pk}/deliverables/{item.pk}/changes/", body, format="json"
    )
    assert refused.status_code == 400 and refused.json()["fields"]["comment"]
    item.refresh_from_db()
    assert (item.status, item.client_comment) == ("submitted", "")


def test_only_the_contracts_client_asks_for_changes(client_user, va, other_client):
    contract, item = _delivered(client_user, va)
    path = f"/api/v1/contracts/{contract.pk}/deliverables/{item.pk}/changes/"
    body = {"comment": "Redo it."}
    assert api_as(other_client).post(path, body, format="json").status_code == 404
    own = api_as(va).post(path, body, format="json")
    assert own.status_code == 409 and own.json()["code"] == "refused"
    read_only = api_as(client_user, scopes=["read"]).post(path, body, format="json")
    assert read_only.status_code == 403
    assert Deliverable.objects.get(pk=item.pk).status == "submitted"


def test_a_delivery_sent_back_can_no_longer_be_approved(client_user, va):
    contract, item = _delivered(client_user, va)
    client = api_as(client_user)
    base = f"/api/v1/contracts/{contract.pk}/deliverables/{item.pk}"
    client.post(f"{base}/changes/", {"comment": "Redo it."}, format="json")
    refused = client.post(f"{base}/approve/")
    assert refused.status_code == 409
    assert Deliverable.objects.get(pk=item.pk).status == "changes_requested"


# --- completing and ending -------------------------------------------------------------


def _hired(client_user, va) -> Contract:
    bid = factories.BidFactory(job=factories.JobFactory(client=client_user), va=va)
    return bid_services.bid_hire(bid=bid, client=client_user)


def test_the_client_completes_the_contract_and_the_job(client_user, va):
    contract = _hired(client_user, va)
    done = api_as(client_user).post(f"/api/v1/contracts/{contract.pk}/complete/")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "completed"
    assert Job.objects.get(pk=contract.job_id).status == Job.Status.COMPLETED
    again = api_as(client_user).post(f"/api/v1/contracts/{contract.pk}/complete/")
    assert again.status_code == 409


def test_the_va_may_not_complete_but_may_end_with_a_reason(client_user, va):
    contract = _hired(client_user, va)
    refused = api_as(va).post(f"/api/v1/contracts/{contract.pk}/complete/")
    assert refused.status_code == 409
    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.ACTIVE
    ended = api_as(va).post(
        f"/api/v1/contracts/{contract.pk}/end/",
        {"reason": "The client's task changed completely."},
        format="json",
    )
    assert ended.status_code == 200, ended.json()
    stored = Contract.objects.get(pk=contract.pk)
    assert stored.status != Contract.Status.ACTIVE and stored.ended_by_id == va.pk


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "  "}])
def test_ending_without_a_reason_names_the_field_and_changes_nothing(client_user, va, body):
    contract = _hired(client_user, va)
    refused = api_as(client_user).post(f"/api/v1/contracts/{contract.pk}/end/", body, format="json")
    assert refused.status_code == 400 and refused.json()["fields"]["reason"]
    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.ACTIVE


def test_a_third_party_or_a_read_only_token_may_not_close_the_contract(
    client_user, va, other_client, other_va
):
    contract = _hired(client_user, va)
    for user in (other_client, other_va):
        assert api_as(user).post(f"/api/v1/contracts/{contract.pk}/complete/").status_code == 404
        ended = api_as(user).post(
            f"/api/v1/contracts/{contract.pk}/end/", {"reason": "No."}, format="json"
        )
        assert ended.status_code == 404
    read_only = api_as(client_user, scopes=["read"])
    assert read_only.post(f"/api/v1/contracts/{contract.pk}/complete/").status_code == 403
    # Anonymous callers get what they get for the contract itself (the matrix): 404.
    assert api_as().post(f"/api/v1/contracts/{contract.pk}/complete/").status_code == 404
    assert Contract.objects.get(pk=contract.pk).status == Contract.Status.ACTIVE
