"""Each write endpoint: what it does, and bad input (a clear message per field, nothing
saved). The rules are the pages' own (forms and services), so these check the wiring."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bids.models import Bid, WorkSample
from contracts.models import Message
from jobs.models import Job
from notifications.models import Notification
from tests import factories
from tests.api.conftest import api_as
from tests.api.test_flow import NEW_TASK
from tests.contracts.factories import local_today
from tests.security.world import png_bytes

pytestmark = pytest.mark.django_db


def _task(**changes):
    return {**NEW_TASK, "category": factories.category().pk, **changes}


def _sample():
    return SimpleUploadedFile("ledger.png", png_bytes(), "image/png")


def _bid_body(**changes):
    return {
        "amount": "450000",
        "cover_letter": "I sorted inboxes for five shops; labels per client, then archive.",
        "delivery_date": "2099-01-31",
        "manual_version": 1,
        "manual_acknowledged": "true",
        **changes,
    }


# --- jobs ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"title": "short"}, "title"),
        ({"max_rate": "-5"}, "max_rate"),
        ({"max_rate": "lots"}, "max_rate"),
        ({"currency": "EUR"}, "currency"),
        ({"category": 999999}, "category"),
        ({"pay_type": "hourly"}, "hours_per_week"),
        ({"deliverables": ""}, "deliverables"),
        ({"deadline": "2000-01-01"}, "deadline"),
        ({"manual_checklist": "\n".join(f"item {i}" for i in range(60))}, "manual_checklist"),
    ],
)
def test_posting_a_task_with_bad_input_names_the_field_and_saves_nothing(
    client_user, changes, field
):
    response = api_as(client_user).post("/api/v1/my/jobs/", _task(**changes), format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["fields"][field]
    assert not Job.objects.filter(client=client_user).exists()


def test_only_a_client_account_posts_tasks(va):
    response = api_as(va).post("/api/v1/my/jobs/", _task(), format="json")
    assert response.status_code == 403
    assert not Job.objects.exists()


def test_closing_a_task(client_user):
    job = factories.JobFactory(client=client_user)
    response = api_as(client_user).post(f"/api/v1/my/jobs/{job.pk}/close/")
    assert response.status_code == 200
    assert response.json()["status"] == "closed"
    again = api_as(client_user).post(f"/api/v1/my/jobs/{job.pk}/close/")
    assert again.status_code == 409


def test_my_jobs_filters_by_status(client_user):
    factories.JobFactory(client=client_user)
    draft = factories.JobFactory(client=client_user, status="draft", published_at=None)
    found = api_as(client_user).get("/api/v1/my/jobs/", {"status": "draft"}).json()
    assert [j["id"] for j in found["results"]] == [draft.pk]


# --- bids ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"amount": "600000"}, "amount"),  # above the max rate
        ({"amount": "0"}, "amount"),
        ({"cover_letter": "Hi"}, "cover_letter"),
        ({"delivery_date": ""}, "delivery_date"),
        ({"manual_acknowledged": ""}, "manual_acknowledged"),
        (
            {"files": [SimpleUploadedFile("evil.png", b"MZ\x90\x00 not an image", "image/png")]},
            "files",
        ),
    ],
)
def test_a_bid_with_bad_input_names_the_field_and_saves_nothing(va, changes, field):
    job = factories.JobFactory()
    body = _bid_body(**{"files": [_sample()], **changes})
    response = api_as(va).post(f"/api/v1/jobs/{job.pk}/bids/", body, format="multipart")
    assert response.status_code == 400, response.json()
    assert response.json()["fields"][field]
    assert not Bid.objects.exists() and not WorkSample.objects.exists()


def test_a_second_bid_on_the_same_task_is_refused(va):
    job = factories.JobFactory()
    client = api_as(va)
    first = client.post(f"/api/v1/jobs/{job.pk}/bids/", _bid_body(files=[_sample()]))
    assert first.status_code == 201, first.json()
    again = client.post(f"/api/v1/jobs/{job.pk}/bids/", _bid_body(files=[_sample()]))
    assert again.status_code in (400, 409)
    assert Bid.objects.count() == 1


def test_a_va_withdraws_and_lists_their_bids(va, other_va):
    job = factories.JobFactory()
    bid = factories.BidFactory(job=job, va=va)
    factories.BidFactory(va=other_va)
    client = api_as(va)
    assert [b["id"] for b in client.get("/api/v1/my/bids/").json()["results"]] == [bid.pk]
    response = client.post(f"/api/v1/bids/{bid.pk}/withdraw/")
    assert response.status_code == 200
    assert response.json()["status"] == "withdrawn"
    assert client.post(f"/api/v1/bids/{bid.pk}/withdraw/").status_code == 409


def test_the_client_shortlists_and_rejects_with_a_message(client_user, va):
    job = factories.JobFactory(client=client_user)
    bid = factories.BidFactory(job=job, va=va)
    client = api_as(client_user)
    assert client.post(f"/api/v1/bids/{bid.pk}/shortlist/").json()["status"] == "shortlisted"
    too_long = client.post(f"/api/v1/bids/{bid.pk}/reject/", {"message": "x" * 2001})
    assert too_long.status_code == 400
    assert too_long.json()["fields"]["message"]
    assert Bid.objects.get(pk=bid.pk).status == "shortlisted"
    done = client.post(f"/api/v1/bids/{bid.pk}/reject/", {"message": "Thank you!"})
    assert done.json()["status"] == "rejected"
    assert Bid.objects.get(pk=bid.pk).rejection_message == "Thank you!"


def test_the_client_lists_bids_by_status(client_user):
    job = factories.JobFactory(client=client_user)
    kept = factories.BidFactory(job=job, status="shortlisted")
    factories.BidFactory(job=job)
    found = api_as(client_user).get(f"/api/v1/jobs/{job.pk}/bids/", {"status": "shortlisted"})
    assert [b["id"] for b in found.json()["results"]] == [kept.pk]
    assert found.json()["results"][0]["amount"] == str(Decimal("400000.00"))


# --- messages and notifications ----------------------------------------------------------


def _contract(client_user, va):
    from bids.services import bid_hire

    bid = factories.BidFactory(job=factories.JobFactory(client=client_user), va=va)
    return bid_hire(bid=bid, client=client_user)


def test_an_empty_message_is_refused_and_nothing_is_saved(client_user, va):
    contract = _contract(client_user, va)
    response = api_as(va).post(f"/api/v1/contracts/{contract.pk}/messages/", {"body": "  "})
    assert response.status_code == 400
    assert response.json()["fields"]["body"]
    assert not Message.objects.exists()


def test_a_message_with_a_file(client_user, va):
    contract = _contract(client_user, va)
    response = api_as(va).post(
        f"/api/v1/contracts/{contract.pk}/messages/",
        {"body": "", "files": [SimpleUploadedFile("week.png", png_bytes(), "image/png")]},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    assert [f["original_name"] for f in response.json()["files"]] == ["week.png"]


def test_marking_a_notification_read(client_user, other_client):
    mine = Notification.objects.create(recipient=client_user, kind="bid_received", event_key="a")
    client = api_as(client_user, scopes=["read"])
    unread = client.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]
    assert [n["id"] for n in unread] == [mine.pk]
    assert client.post(f"/api/v1/notifications/{mine.pk}/read/").status_code == 204
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert api_as(other_client).post(f"/api/v1/notifications/{mine.pk}/read/").status_code == 404


# --- the board's pages -------------------------------------------------------------------


def test_the_board_pages_by_cursor_with_the_boards_filters(va):
    from jobs.board import PAGE_SIZE
    from jobs.services import search_vectors_refresh

    jobs = [factories.JobFactory() for _ in range(PAGE_SIZE + 3)]
    factories.HourlyJobFactory()
    search_vectors_refresh(job_ids=[j.pk for j in jobs])
    client = api_as(va)
    first = client.get("/api/v1/jobs/", {"currency": "IDR", "sort": "newest"}).json()
    assert first["count"] == PAGE_SIZE + 3 and len(first["results"]) == PAGE_SIZE
    assert first["previous"] is None and "after=" in first["next"]
    second = client.get(first["next"]).json()
    assert len(second["results"]) == 3
    seen = [j["id"] for j in first["results"] + second["results"]]
    assert sorted(seen) == sorted(j.pk for j in jobs)
    bad = client.get("/api/v1/jobs/", {"pay_type": "weekly"})
    assert bad.status_code == 400 and bad.json()["fields"]["pay_type"]


# --- editing, manual versions, deliverables, hours ------------------------------------------


def test_editing_a_task_keeps_pay_type_and_currency_once_bids_exist(client_user):
    job = factories.JobFactory(client=client_user)
    factories.BidFactory(job=job)
    client = api_as(client_user)
    body = _task(title="Tidy our shared inbox, quickly", currency="USD", max_rate="600000")
    response = client.put(f"/api/v1/my/jobs/{job.pk}/", body, format="json")
    assert response.status_code == 200, response.json()
    job.refresh_from_db()
    assert job.title == "Tidy our shared inbox, quickly"
    assert job.currency == "IDR"  # locked, as on the edit page


def test_editing_with_bad_input_names_the_field_and_changes_nothing(client_user):
    job = factories.JobFactory(client=client_user)
    response = api_as(client_user).put(
        f"/api/v1/my/jobs/{job.pk}/", _task(title="short"), format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"]["title"]
    job.refresh_from_db()
    assert job.title.startswith("Organise")


def test_a_hired_task_can_no_longer_be_edited(client_user):
    job = factories.JobFactory(client=client_user, status="hired")
    response = api_as(client_user).put(f"/api/v1/my/jobs/{job.pk}/", _task(), format="json")
    assert response.status_code == 409


def test_changing_the_manual_after_bids_makes_a_new_version(client_user):
    job = factories.JobFactory(client=client_user)
    factories.BidFactory(job=job)
    client = api_as(client_user)
    saved = client.post(
        f"/api/v1/my/jobs/{job.pk}/manual/",
        {"body": "1. Labels.\n2. Archive.", "checklist": "Labels\nArchive"},
        format="json",
    )
    assert saved.status_code == 201, saved.json()
    assert saved.json()["number"] == 2
    versions = client.get(f"/api/v1/my/jobs/{job.pk}/manual/").json()
    assert [v["number"] for v in versions] == [2, 1]
    too_long = client.post(
        f"/api/v1/my/jobs/{job.pk}/manual/", {"body": "x" * 50001}, format="json"
    )
    assert too_long.status_code == 400 and too_long.json()["fields"]["body"]
    assert job.manual_versions.count() == 2


def test_the_va_delivers_and_the_client_approves(client_user, va):
    contract = _contract(client_user, va)
    empty = api_as(va).post(f"/api/v1/contracts/{contract.pk}/deliverables/", {"note": ""})
    assert empty.status_code == 400 and empty.json()["fields"]["note"]
    delivered = api_as(va).post(
        f"/api/v1/contracts/{contract.pk}/deliverables/",
        {"note": "The inbox is labelled.", "files": [_sample()]},
        format="multipart",
    )
    assert delivered.status_code == 201, delivered.json()
    item = delivered.json()["id"]
    listed = api_as(client_user).get(f"/api/v1/contracts/{contract.pk}/deliverables/").json()
    assert [d["id"] for d in listed["results"]] == [item]
    approved = api_as(client_user).post(
        f"/api/v1/contracts/{contract.pk}/deliverables/{item}/approve/"
    )
    assert approved.status_code == 200, approved.json()
    assert approved.json()["status"] != "submitted"


def test_the_va_logs_hours_on_an_hourly_contract(client_user, va):

    from bids.services import bid_hire

    job = factories.HourlyJobFactory(client=client_user)
    bid = factories.BidFactory(job=job, va=va, amount=Decimal("10.00"), estimated_hours=10)
    contract = bid_hire(bid=bid, client=client_user)
    client = api_as(va)
    today = local_today(va).isoformat()  # the VA's day: hours are logged in their zone
    bad = client.post(
        f"/api/v1/contracts/{contract.pk}/hours/",
        {"work_date": today, "hours": "lots", "memo": "Inbox"},
        format="json",
    )
    assert bad.status_code == 400 and bad.json()["fields"]["hours"]
    logged = client.post(
        f"/api/v1/contracts/{contract.pk}/hours/",
        {"work_date": today, "hours": "1.5", "memo": "Inbox labels"},
        format="json",
    )
    assert logged.status_code == 201, logged.json()
    entries = api_as(client_user).get(f"/api/v1/contracts/{contract.pk}/hours/").json()
    assert [e["hours"] for e in entries["results"]] == ["1.50"]


def test_reviews_are_double_blind_as_on_the_workspace(client_user, va):
    from contracts.services import contract_complete

    contract = _contract(client_user, va)
    contract_complete(contract=contract, client=client_user)
    stars = {"overall": 5, "communication": 4, "quality": 5, "timeliness": 4}
    client, worker = api_as(client_user), api_as(va)
    bad = client.post(
        f"/api/v1/contracts/{contract.pk}/reviews/", {**stars, "overall": 9}, format="json"
    )
    assert bad.status_code == 400 and bad.json()["fields"]["overall"]
    left = client.post(
        f"/api/v1/contracts/{contract.pk}/reviews/",
        {**stars, "text": "Careful and quick."},
        format="json",
    )
    assert left.status_code == 201, left.json()
    # The author sees their own; the VA does not, until they have reviewed too.
    assert len(client.get(f"/api/v1/contracts/{contract.pk}/reviews/").json()) == 1
    assert worker.get(f"/api/v1/contracts/{contract.pk}/reviews/").json() == []
    assert "Careful" not in worker.get(f"/api/v1/contracts/{contract.pk}/").content.decode()
    assert (
        worker.post(f"/api/v1/contracts/{contract.pk}/reviews/", stars, format="json").status_code
        == 201
    )
    texts = [r["text"] for r in worker.get(f"/api/v1/contracts/{contract.pk}/reviews/").json()]
    assert "Careful and quick." in texts
    again = client.post(f"/api/v1/contracts/{contract.pk}/reviews/", stars, format="json")
    assert again.status_code in (400, 409)
