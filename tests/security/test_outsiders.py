"""Outsiders can neither act on nor read what is not theirs (issue 9: access control)."""

import json
import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from bids.models import Bid
from contracts.models import Contract
from jobs.models import Job
from live.models import Event
from notifications.models import Notification
from tests.live.helpers import everything_the_socket_sends
from tests.security.matrix import PERSONAS, ROWS, SELF_SCOPED_POSTS
from tests.security.test_permission_matrix import clients_for, kwargs_for, outcome
from tests.security.world import CANARY, INVITE_ONLY_CANARY, build_world

POST_ONLY = sorted(
    name
    for name, (_spec, row) in ROWS.items()
    if set(row.split()) == {"405"} and name not in SELF_SCOPED_POSTS
)


def snapshot_state():
    return (
        sorted(Job.objects.values_list("id", "status", "hidden_at", "bid_count")),
        sorted(Bid.objects.values_list("id", "status", "amount")),
        sorted(Contract.objects.values_list("id", "status")),
    )


@pytest.fixture
def world(
    client_user, other_client, va, other_va, staff, suspended, django_capture_on_commit_callbacks
):
    return build_world(
        client_user=client_user,
        other_client=other_client,
        va=va,
        other_va=other_va,
        staff=staff,
        suspended=suspended,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["anonymous", "other_client", "other_va", "suspended"])
def test_outsiders_posting_to_any_action_change_nothing(world, persona):
    client = clients_for(world)[persona]
    before = snapshot_state()
    for name in POST_ONLY:
        url_name = name.split("[")[0]
        path = reverse(url_name, kwargs=kwargs_for(world, ROWS[name][0]) or None)
        got = outcome(
            client.post(path, {"status": "hired", "reason": "x", "message": "x", "body": "x"})
        )
        # The API answers anonymous callers 401 where a page sends them to sign in.
        assert got in ("404", "login", "401"), f"{persona} POST {path}: {got}"
    assert snapshot_state() == before


@pytest.mark.django_db
def test_get_never_changes_state(world):
    """Hire, withdraw, close and the other actions answer 405 to GET for everyone."""
    clients = clients_for(world)
    before = snapshot_state()
    for name in POST_ONLY:
        path = reverse(name.split("[")[0], kwargs=kwargs_for(world, ROWS[name][0]) or None)
        for persona in PERSONAS:
            assert clients[persona].get(path).status_code == 405
    assert snapshot_state() == before


@pytest.mark.django_db
def test_csrf_is_enforced_on_state_changes(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users["owner"])
    before = snapshot_state()
    for name in ["bids:hire", "bids:reject", "jobs:close", "jobs:cancel", "contracts:complete"]:
        path = reverse(name, kwargs=kwargs_for(world, ROWS[name][0]))
        assert client.post(path, {"reason": "x"}).status_code == 403, name
    assert snapshot_state() == before


def _reachable_pages(world) -> list[str]:
    paths = []
    for name, (spec, _row) in ROWS.items():
        paths.append(reverse(name.split("[")[0], kwargs=kwargs_for(world, spec) or None))
    return paths


def _pages_with(client, token: str, paths: list[str]) -> list[str]:
    seen = []
    for path in paths:
        response = client.get(path)
        if response.status_code != 200:
            continue
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if token.encode() in body:
            seen.append(path)
    return seen


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["other_va", "other_client", "hired_va", "anonymous"])
def test_the_canary_in_one_vas_bid_never_reaches_anyone_else(world, persona):
    """VA 1's bid carries a unique token (cover letter, sample name); nobody else sees it."""
    assert CANARY in Bid.objects.get(pk=world.bid.pk).cover_letter
    client = clients_for(world)[persona]
    searches = [
        "/jobs/?q=secret+approach",
        "/jobs/?q=sort+archive",
        "/api/v1/jobs/?q=secret+approach",
        "/api/v1/my/bids/",
        "/api/v1/notifications/",
    ]
    seen = _pages_with(client, CANARY, _reachable_pages(world) + searches)
    assert not seen, f"{persona} saw the canary on {seen}"
    user = world.users.get(persona)
    if user is not None:
        for notification in Notification.objects.filter(recipient=user):
            assert CANARY not in str(notification.data)
        for message in mail.outbox:
            if user.email in message.to:
                assert CANARY not in message.body
                assert all(
                    CANARY not in str(alt[0]) for alt in getattr(message, "alternatives", [])
                )


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["other_va", "other_client", "hired_va", "suspended"])
def test_no_socket_traffic_tells_anyone_else_of_the_bid_or_of_other_peoples_messages(
    world, persona
):
    """Live updates (issue 18): a socket signed in as an outsider is sent nothing about VA
    1's bid (no canary, no bid or interview event naming it) and no message of a contract
    they are not a party to."""
    user = world.users[persona]
    frames = everything_the_socket_sends(user) if persona != "suspended" else []
    events = [{"kind": e.kind, "data": e.data} for e in Event.objects.filter(recipient=user)]
    for event in frames + events:
        assert CANARY not in json.dumps(event), f"{persona} was sent {event}"
        assert event["data"].get("bid_id") != world.bid.pk, f"{persona} was sent {event}"
        if event["kind"] == "message":
            assert persona == "hired_va", f"{persona} was sent {event}"
    if persona == "hired_va":  # guards the check: they do get their own contract's message
        assert "message" in [f["kind"] for f in frames]


@pytest.mark.django_db
def test_the_owner_is_sent_the_bid_event_so_the_socket_check_can_fail(world):
    frames = everything_the_socket_sends(world.users["owner"])
    assert any(f["kind"] == "bid" and f["data"]["bid_id"] == world.bid.pk for f in frames)


@pytest.mark.django_db
def test_the_owner_does_see_the_canary_so_the_crawl_can_find_it(world):
    """Guards the canary test itself: the job's client sees the bid's letter on bid review."""
    client = clients_for(world)["owner"]
    page = client.get(reverse("bids:review", kwargs={"job_id": world.job.pk})).content.decode()
    assert re.search(CANARY, page)


# Where an invite-only task could leak: the board and its search, the VA directory and
# saved lists, plus every page in the matrix (its detail, bid form, attachment, report).
_INVITE_ONLY_SEARCHES = [
    "/jobs/",
    "/jobs/?q=quiet+inbox",
    "/jobs/?q=archive+inbox+threads",
    "/jobs/?sort=fewest_bids",
    "/vas/",
    "/saved/",
    "/invitations/",
    "/api/v1/jobs/",
    "/api/v1/jobs/?q=quiet+inbox",
    "/api/v1/jobs/?sort=fewest_bids",
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "persona", ["anonymous", "other_client", "bidding_va", "other_va", "hired_va", "suspended"]
)
def test_an_invite_only_tasks_title_never_reaches_anyone_not_invited(world, persona):
    """Issue 21: an invite-only task is for its client, staff and the invited VAs only —
    not on the board, in search, in job alerts, nor on any page an outsider can open."""
    client = clients_for(world)[persona]
    seen = _pages_with(client, INVITE_ONLY_CANARY, _reachable_pages(world) + _INVITE_ONLY_SEARCHES)
    assert not seen, f"{persona} saw the invite-only task on {seen}"
    user = world.users.get(persona)
    if user is not None:
        for notification in Notification.objects.filter(recipient=user):
            assert INVITE_ONLY_CANARY not in str(notification.data)
        for message in mail.outbox:
            if user.email in message.to:
                assert INVITE_ONLY_CANARY not in message.body


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["owner", "invited_va", "staff"])
def test_the_invited_va_owner_and_staff_do_see_the_invite_only_task(world, persona):
    """Guards the test above: the token is on the task page for those who may see it."""
    client = clients_for(world)[persona]
    path = reverse("jobs:detail", kwargs={"pk": world.invite_only.pk})
    assert _pages_with(client, INVITE_ONLY_CANARY, [path]) == [path]
