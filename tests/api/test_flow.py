"""The whole flow through the API: post, publish, bid with a sample, hire, message."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from bids.models import Bid
from contracts.models import Contract
from jobs.models import Job
from tests import factories
from tests.api.conftest import api_as
from tests.security.world import png_bytes

pytestmark = pytest.mark.django_db

NEW_TASK = {
    "title": "Tidy our shared inbox",
    "description": "Sort two years of email into labelled folders and write a short guide.",
    "category": None,
    "pay_type": "fixed",
    "currency": "IDR",
    "max_rate": "500000",
    "deliverables": "A labelled inbox and a one-page guide.",
    "manual_body": "1. Make labels per client.",
    "manual_checklist": "Labels made\nGuide written",
}


def test_a_client_posts_a_va_bids_with_a_sample_the_client_hires_and_both_message(
    client_user, va, django_capture_on_commit_callbacks
):
    owner, worker = api_as(client_user), api_as(va)
    task = {**NEW_TASK, "category": factories.category().pk}
    created = owner.post("/api/v1/my/jobs/", task, format="json")
    assert created.status_code == 201, created.json()
    job_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    assert created.json()["manual"]["checklist"] == ["Labels made", "Guide written"]
    published = owner.post(f"/api/v1/my/jobs/{job_id}/publish/")
    assert published.status_code == 200, published.json()
    assert published.json()["status"] == "open"

    board = worker.get("/api/v1/jobs/", {"q": "inbox"}).json()
    assert [j["id"] for j in board["results"]] == [job_id]

    bid = worker.post(
        f"/api/v1/jobs/{job_id}/bids/",
        {
            "amount": "450000",
            "cover_letter": "I sorted inboxes for five shops; labels per client, then archive.",
            "delivery_date": "2099-01-31",
            "manual_version": 1,
            "manual_acknowledged": "true",
            "files": [SimpleUploadedFile("ledger.png", png_bytes(), "image/png")],
        },
        format="multipart",
    )
    assert bid.status_code == 201, bid.json()
    bid_id = bid.json()["id"]
    assert [s["original_name"] for s in bid.json()["samples"]] == ["ledger.png"]
    sample = owner.get(bid.json()["samples"][0]["url"])
    assert sample.status_code == 200
    assert b"".join(sample.streaming_content) == png_bytes()

    listed = owner.get(f"/api/v1/jobs/{job_id}/bids/").json()["results"]
    assert [b["id"] for b in listed] == [bid_id]
    hired = owner.post(f"/api/v1/bids/{bid_id}/hire/")
    assert hired.status_code == 200, hired.json()
    contract_id = hired.json()["contract_id"]
    assert Contract.objects.get(pk=contract_id).va == va
    assert Bid.objects.get(pk=bid_id).status == Bid.Status.ACCEPTED
    assert Job.objects.get(pk=job_id).status == Job.Status.HIRED

    sent = owner.post(f"/api/v1/contracts/{contract_id}/messages/", {"body": "Welcome!"})
    assert sent.status_code == 201, sent.json()
    reply = worker.post(
        f"/api/v1/contracts/{contract_id}/messages/", {"body": "Thanks, starting now."}
    )
    assert reply.status_code == 201
    thread = worker.get(f"/api/v1/contracts/{contract_id}/messages/").json()["results"]
    assert [m["body"] for m in thread] == ["Thanks, starting now.", "Welcome!"]
