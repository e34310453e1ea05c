"""Every API write × the eight personas (and anonymous): who may not, gets 401/404 (or the
service's own refusal) and nothing changes. Reads are in tests/security/matrix.py."""

import pytest
from rest_framework.test import APIClient

from api.services import token_create
from bids.models import Bid, Interview
from contracts.models import Contract, Message
from jobs.models import Job, JobAttachment
from notifications.models import Notification
from tests.security.matrix import PERSONAS
from tests.security.world import CANARY, build_world

# Expected status per persona, in PERSONAS order; "-" is the one allowed (tested in
# test_flow and test_writes, where it succeeds).
WRITES = {
    "POST /api/v1/bids/{bid}/shortlist/": "401 409 404 404 404 404 404 404 401",
    "POST /api/v1/bids/{bid}/reject/": "401 - 404 404 404 404 404 404 401",
    "POST /api/v1/bids/{bid}/hire/": "401 - 404 404 404 404 404 404 401",
    "POST /api/v1/bids/{bid}/withdraw/": "401 404 404 - 404 404 404 404 401",
    "POST /api/v1/bids/{bid}/unshortlist/": "401 - 404 404 404 404 404 404 401",
    # Staff may read a bid but decide nothing on it.
    "POST /api/v1/bids/{bid}/interviews/": "401 - 404 404 404 404 404 404 401",
    "PUT /api/v1/bids/{bid}/": "401 404 404 - 404 404 404 404 401",
    # The world's interview is confirmed: a party may cancel it; confirming needs a slot
    # (400) and declining is for proposed times only (409); everyone else gets 404.
    "POST /api/v1/interviews/{interview}/confirm/": "401 400 404 400 404 404 404 404 401",
    "POST /api/v1/interviews/{interview}/decline/": "401 409 404 409 404 404 404 404 401",
    "POST /api/v1/interviews/{interview}/cancel/": "401 - 404 - 404 404 404 404 401",
    # Staff manage any task's manual (as the pages); a JSON body has no file: 400.
    "POST /api/v1/jobs/{job}/attachments/": "401 - 404 404 404 404 404 400 401",
    "DELETE /api/v1/jobs/{job}/attachments/{attachment}/": "401 - 404 404 404 404 404 - 401",
    # Hour entries and weeks: the world's contract is per task, so nobody finds one here
    # (the hourly contract's rows are in test_writes).
    "DELETE /api/v1/contracts/{contract}/hours/999999/": "404 404 404 404 404 404 404 404 401",
    "POST /api/v1/my/jobs/{draft}/publish/": "401 - 404 404 404 404 404 - 401",
    "POST /api/v1/my/jobs/{job}/close/": "401 - 404 404 404 404 404 - 401",
    "POST /api/v1/jobs/{job}/bids/": "401 409 409 400 - - - 409 401",
    "POST /api/v1/jobs/{invite_only}/bids/": "401 409 404 404 404 404 - 409 401",
    # A contract's existence is private: 404 even to anonymous callers (as its page).
    "POST /api/v1/contracts/{contract}/messages/": "404 - 404 404 404 - 404 409 401",
    "POST /api/v1/notifications/{notification}/read/": "401 - 404 404 404 404 404 404 401",
    "POST /api/v1/my/jobs/": "401 - - 403 403 403 403 403 401",
    "PUT /api/v1/my/jobs/{job}/": "401 - 404 404 404 404 404 - 401",
    "POST /api/v1/my/jobs/{job}/manual/": "401 - 404 404 404 404 404 - 401",
    "POST /api/v1/contracts/{contract}/deliverables/": "404 409 404 404 404 - 404 409 401",
    "POST /api/v1/contracts/{contract}/deliverables/{deliverable}/approve/": (
        "404 - 404 404 404 409 404 409 401"
    ),
    # The world's contract is still active: reviews come after it ends.
    "POST /api/v1/contracts/{contract}/reviews/": "404 409 404 404 404 409 404 409 401",
    # The world's contract is per task: no party may log hours on it.
    "POST /api/v1/contracts/{contract}/hours/": "404 409 404 404 404 409 404 409 401",
}


# A body that passes each write's form where it can, so what answers is the permission
# (or the service's rule), not the input check.
VALID_ENOUGH = {
    "body": "x",
    "message": "x",
    "cover_letter": "x",
    "note": "Done",
    "memo": "x",
    "work_date": "2026-01-05",
    "hours": "1",
    "overall": 5,
    "communication": 5,
    "quality": 5,
    "timeliness": 5,
}


def snapshot():
    return (
        sorted(Job.objects.values_list("id", "status")),
        sorted(Bid.objects.values_list("id", "status", "amount", "cover_letter")),
        sorted(Interview.objects.values_list("id", "status", "chosen_slot_id")),
        sorted(JobAttachment.objects.values_list("id", flat=True)),
        sorted(Contract.objects.values_list("id", "status")),
        Message.objects.count(),
        sorted(Notification.objects.values_list("id", "read_at")),
    )


@pytest.fixture
def world(client_user, other_client, va, other_va, staff, suspended):
    return build_world(
        client_user=client_user,
        other_client=other_client,
        va=va,
        other_va=other_va,
        staff=staff,
        suspended=suspended,
    )


def clients_for(world) -> dict[str, APIClient]:
    clients = {"anonymous": APIClient()}
    for persona, user in world.users.items():
        client = APIClient()
        text = token_create(
            user=user, name="t", scopes=["read", "jobs:write", "bids:write", "contracts:write"]
        )[1]
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {text}")
        clients[persona] = client
    return clients


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(WRITES))
def test_who_may_not_write_gets_refused_and_nothing_changes(world, route):
    method, template = route.split()
    path = template.format(**{name: obj.pk for name, obj in world.objects.items()})
    clients = clients_for(world)
    before = snapshot()
    got = {}
    for persona, expected in zip(PERSONAS, WRITES[route].split(), strict=True):
        if expected == "-":
            continue
        send = getattr(clients[persona], method.lower())
        response = send(path, VALID_ENOUGH, format="json")
        got[persona] = (expected, str(response.status_code))
        assert response["Content-Type"].startswith("application/json")
    wrong = {p: pair for p, pair in got.items() if pair[0] != pair[1]}
    assert not wrong, f"{route}: (expected, got) {wrong}"
    assert snapshot() == before


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["other_va", "other_client", "hired_va", "invited_va"])
def test_the_canary_in_a_bid_never_reaches_another_token(world, persona):
    """Every GET route of the schema, as another persona's token: the sealed bid's letter
    and sample name never appear (the session's crawl is in tests/security)."""
    client = clients_for(world)[persona]
    paths = [
        f"/api/v1/bids/{world.bid.pk}/",
        f"/api/v1/jobs/{world.job.pk}/bids/",
        f"/api/v1/samples/{world.sample.pk}/",
        "/api/v1/my/bids/",
        "/api/v1/notifications/",
        "/api/v1/jobs/?q=secret+approach",
        f"/api/v1/jobs/{world.job.pk}/",
        "/api/v1/contracts/",
        f"/api/v1/contracts/{world.contract.pk}/messages/",
        "/api/v1/interviews/",
        f"/api/v1/interviews/{world.interview.pk}/",
        f"/api/v1/jobs/{world.job.pk}/attachments/",
        f"/api/v1/contracts/{world.contract.pk}/statement/",
        f"/api/v1/contracts/{world.contract.pk}/weeks/",
        "/api/v1/balance/",
    ]
    for path in paths:
        response = client.get(path)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert CANARY.encode() not in body, f"{persona} saw the canary on {path}"


@pytest.mark.django_db
def test_the_jobs_client_does_see_the_canary_so_the_crawl_can_find_it(world):
    client = clients_for(world)["owner"]
    assert CANARY in client.get(f"/api/v1/jobs/{world.job.pk}/bids/").content.decode()
    assert CANARY in client.get(f"/api/v1/bids/{world.bid.pk}/").content.decode()
