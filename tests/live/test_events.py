"""Each kind of live event reaches exactly the people it is for, after commit (issue 18)."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bids import services as bid_services
from contracts.models import Contract
from contracts.services import contract_mark_read, message_send
from live.models import Event
from moderation import services as moderation_services
from notifications.models import Notification
from tests import factories
from tests.bids.helpers import pdf_upload
from tests.bids.helpers import terms as bid_terms
from tests.contracts.factories import fixed_contract
from tests.live.helpers import events_until_quiet, kinds, live_socket, session_cookie

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

send = database_sync_to_async(message_send)


def run(scenario):
    async_to_sync(scenario)()


def test_a_message_reaches_both_parties_with_its_files_and_no_third_party(
    client_user, va, other_client, other_va
):
    contract = fixed_contract(client=client_user, va=va)
    cookies = [session_cookie(u) for u in (client_user, va, other_client, other_va)]

    async def scenario():
        alice, vina, bob, wati = [await live_socket(c) for c in cookies]
        await send(
            contract=contract,
            author=va,
            body="Here is the ledger.\nSecond line.",
            files=[SimpleUploadedFile("ledger.txt", b"Week one, all sorted.\n", "text/plain")],
        )
        to_alice = await events_until_quiet(alice)
        to_vina = await events_until_quiet(vina)
        assert kinds(to_alice) == ["message", "notification"]
        message = to_alice[0]["data"]
        assert message["contract_id"] == contract.pk
        assert message["author_id"] == va.pk
        assert message["author_name"] == "Vina Assistant"
        assert message["body"] == "Here is the ledger.\nSecond line."
        assert [f["name"] for f in message["files"]] == ["ledger.txt"]
        assert message["files"][0]["url"].startswith(f"/contracts/{contract.pk}/")
        # The author's other tabs get the message too, but no notification about it.
        assert kinds(to_vina) == ["message"]
        assert to_vina[0]["data"] == message
        for outsider in (bob, wati):
            assert await outsider.receive_nothing(timeout=0.3)
        for socket in (alice, vina, bob, wati):
            await socket.disconnect()

    run(scenario)


def test_a_notification_carries_the_recipients_own_unread_count(client_user, va):
    contract = fixed_contract(client=client_user, va=va)
    cookie = session_cookie(client_user)

    async def scenario():
        alice = await live_socket(cookie)
        await send(contract=contract, author=va, body="One")
        await send(contract=contract, author=va, body="Two")
        frames = [f for f in await events_until_quiet(alice) if f["kind"] == "notification"]
        assert [f["data"]["unread"] for f in frames] == [1, 2]
        assert frames[-1]["data"]["item"]["kind"] == "message_received"
        assert frames[-1]["data"]["item"]["url"].startswith(f"/contracts/{contract.pk}/")
        ids = await database_sync_to_async(
            lambda: list(
                Notification.objects.filter(recipient=client_user)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        )()
        assert [f["data"]["item"]["id"] for f in frames] == ids
        await alice.disconnect()

    run(scenario)


def test_bid_events_reach_only_the_jobs_owner(client_user, other_client, va, other_va):
    """Sealed bids: another VA (and another client) never hears of a bid, live or not."""
    job = factories.JobFactory(client=client_user)
    cookies = [session_cookie(u) for u in (client_user, other_client, va, other_va)]
    terms = bid_terms(job)
    uploads = pdf_upload()

    async def scenario():
        alice, bob, vina, wati = [await live_socket(c) for c in cookies]
        bid = await database_sync_to_async(bid_services.bid_submit)(
            job=job, va=va, terms=terms, uploads=uploads
        )
        await database_sync_to_async(bid_services.bid_withdraw)(bid=bid, va=va)
        frames = [f for f in await events_until_quiet(alice) if f["kind"] == "bid"]
        assert [f["data"]["action"] for f in frames] == ["created", "withdrawn"]
        assert {f["data"]["bid_id"] for f in frames} == {bid.pk}
        assert [f["data"]["bid_count"] for f in frames] == [1, 0]
        assert all(f["data"]["job_id"] == job.pk for f in frames)
        # The bidding VA hears nothing about bids (their own page changed by their own
        # request); the other VA and the other client hear nothing at all.
        assert "bid" not in kinds(await events_until_quiet(vina))
        for outsider in (bob, wati):
            assert await outsider.receive_nothing(timeout=0.3)
        for socket in (alice, bob, vina, wati):
            await socket.disconnect()

    run(scenario)


def test_confirmed_and_cancelled_interviews_reach_both_parties_only(
    client_user, va, other_client, other_va
):
    job = factories.JobFactory(client=client_user)
    bid = factories.BidFactory(job=job, va=va, status="shortlisted")
    interview = bid_services.interview_propose(
        bid=bid,
        client=client_user,
        slots=[timezone.now() + timedelta(days=2)],
        meeting_url="https://meet.example.org/room",
    )
    slot_id = interview.slots.first().pk
    cookies = [session_cookie(u) for u in (client_user, va, other_client, other_va)]

    async def scenario():
        alice, vina, bob, wati = [await live_socket(c) for c in cookies]
        confirmed = await database_sync_to_async(bid_services.interview_confirm)(
            interview=interview, user=va, slot_id=slot_id
        )
        await database_sync_to_async(bid_services.interview_cancel)(
            interview=confirmed, user=client_user
        )
        for party in (alice, vina):
            frames = [f for f in await events_until_quiet(party) if f["kind"] == "interview"]
            assert [f["data"]["status"] for f in frames] == ["confirmed", "cancelled"]
            assert {f["data"]["interview_id"] for f in frames} == {interview.pk}
        for outsider in (bob, wati):
            assert await outsider.receive_nothing(timeout=0.3)
        for socket in (alice, vina, bob, wati):
            await socket.disconnect()

    run(scenario)


def test_nothing_is_sent_when_the_write_rolls_back(client_user, va):
    contract = fixed_contract(client=client_user, va=va)
    cookie = session_cookie(client_user)

    def send_then_fail():
        from django.db import transaction

        with pytest.raises(RuntimeError), transaction.atomic():
            message_send(contract=contract, author=va, body="never happened")
            raise RuntimeError

    async def scenario():
        alice = await live_socket(cookie)
        await database_sync_to_async(send_then_fail)()
        assert await alice.receive_nothing(timeout=0.5)
        await alice.disconnect()

    run(scenario)
    assert not Event.objects.exists()


def test_a_dead_channel_layer_never_fails_the_write(client_user, va, settings):
    """The message is saved and its event kept for catch-up; only the push is skipped."""
    from tests.ops.helpers import free_port

    contract = fixed_contract(client=client_user, va=va)
    settings.CHANNEL_LAYERS = {
        "default": {
            **settings.CHANNEL_LAYERS["default"],
            "CONFIG": {"hosts": [f"redis://127.0.0.1:{free_port()}/0"]},
        }
    }
    message = message_send(contract=contract, author=va, body="Redis is down")
    assert Event.objects.filter(kind="message", data__message_id=message.pk).count() == 2


# --- "Seen" marks and read marks (issue 18, second part) -----------------------------------

mark_read = database_sync_to_async(contract_mark_read)


def test_a_seen_mark_reaches_only_the_sender_and_a_read_mark_only_the_readers_own_pages(
    client_user, va, other_client, other_va
):
    contract = fixed_contract(client=client_user, va=va)
    # Alice also works with Wati: he is a third party to the Alice–Vina thread all the same.
    fixed_contract(client=client_user, va=other_va)
    first = message_send(contract=contract, author=va, body="The inbox is sorted.")
    cookies = [session_cookie(u) for u in (client_user, va, other_client, other_va)]

    async def scenario():
        alice, vina, bob, wati = [await live_socket(c) for c in cookies]
        assert await mark_read(contract=contract, user=client_user, message=first)
        to_vina = await events_until_quiet(vina)
        assert kinds(to_vina) == ["messages.seen"]
        seen = to_vina[0]["data"]
        assert (seen["contract_id"], seen["message_id"]) == (contract.pk, first.pk)
        stored = await database_sync_to_async(
            lambda: Contract.objects.get(pk=contract.pk).client_seen_at
        )()
        assert seen["seen_at"] == stored.isoformat()
        # Alice's own other pages refresh their unread markers; she is not told she saw it.
        to_alice = await events_until_quiet(alice)
        assert kinds(to_alice) == ["messages.read"]
        assert to_alice[0]["data"] == {"contract_id": contract.pk}
        for outsider in (bob, wati):
            assert await outsider.receive_nothing(timeout=0.3)

        # Reading the same again moves nothing and tells no one.
        assert not await mark_read(contract=contract, user=client_user, message=first)
        for socket in (alice, vina, bob, wati):
            assert await socket.receive_nothing(timeout=0.3)
        for socket in (alice, vina, bob, wati):
            await socket.disconnect()

    run(scenario)


def test_the_live_pages_seen_post_tells_the_sender(client_user, va, other_client):
    """The endpoint live.js calls when it shows a new message in a visible workspace."""
    contract = fixed_contract(client=client_user, va=va)
    cookies = [session_cookie(u) for u in (client_user, va, other_client)]
    browser = Client()
    browser.force_login(va)

    async def scenario():
        alice, vina, bob = [await live_socket(c) for c in cookies]
        message = await send(contract=contract, author=client_user, body="Are you there?")
        assert "message" in kinds(await events_until_quiet(vina))
        await events_until_quiet(alice)
        response = await database_sync_to_async(browser.post)(
            reverse("contracts:message_seen", args=[contract.pk]), {"message": message.pk}
        )
        assert response.status_code == 204
        to_alice = await events_until_quiet(alice)
        assert kinds(to_alice) == ["messages.seen"]
        assert to_alice[0]["data"]["message_id"] == message.pk
        assert kinds(await events_until_quiet(vina)) == ["messages.read"]
        assert await bob.receive_nothing(timeout=0.3)
        for socket in (alice, vina, bob):
            await socket.disconnect()

    run(scenario)


# --- bids withdrawn by moderation, interviews cancelled with their bid ---------------------


def shortlisted_with_interview(job, va):
    bid = factories.BidFactory(job=job, va=va, status="shortlisted")
    interview = bid_services.interview_propose(
        bid=bid,
        client=job.client,
        slots=[timezone.now() + timedelta(days=2)],
        meeting_url="https://meet.example.org/room",
    )
    return bid, interview


def test_withdrawing_a_bid_cancels_its_interview_live_for_both_parties(
    client_user, va, other_client, other_va
):
    job = factories.JobFactory(client=client_user)
    bid, interview = shortlisted_with_interview(job, va)
    cookies = [session_cookie(u) for u in (client_user, va, other_client, other_va)]

    async def scenario():
        alice, vina, bob, wati = [await live_socket(c) for c in cookies]
        await database_sync_to_async(bid_services.bid_withdraw)(bid=bid, va=va)
        to_alice = await events_until_quiet(alice)
        to_vina = await events_until_quiet(vina)
        for frames in (to_alice, to_vina):
            cancelled = [f["data"] for f in frames if f["kind"] == "interview"]
            assert cancelled == [
                {"interview_id": interview.pk, "bid_id": bid.pk, "status": "cancelled"}
            ]
        assert [f["data"]["action"] for f in to_alice if f["kind"] == "bid"] == ["withdrawn"]
        assert "bid" not in kinds(to_vina)
        for outsider in (bob, wati):
            assert await outsider.receive_nothing(timeout=0.3)
        for socket in (alice, vina, bob, wati):
            await socket.disconnect()

    run(scenario)


def test_a_bid_withdrawn_by_moderation_leaves_the_clients_open_review_page(
    client_user, va, other_client, other_va, staff
):
    """A suspension withdraws the VA's bids: the client hears it as from a VA's own
    withdraw, the interview is cancelled for both sides, other VAs hear nothing."""
    job = factories.JobFactory(client=client_user)
    bid, interview = shortlisted_with_interview(job, va)
    factories.BidFactory(job=job, va=other_va)  # Wati bid on the same task
    job.refresh_from_db()
    cookies = [session_cookie(u) for u in (client_user, other_client, other_va)]

    async def scenario():
        alice, bob, wati = [await live_socket(c) for c in cookies]
        await database_sync_to_async(moderation_services.user_suspend)(
            user_id=va.pk, moderator=staff, reason="Fake samples"
        )
        to_alice = await events_until_quiet(alice)
        bid_frames = [f["data"] for f in to_alice if f["kind"] == "bid"]
        assert bid_frames == [
            {"action": "withdrawn", "job_id": job.pk, "bid_id": bid.pk, "bid_count": 1}
        ]
        assert [f["data"]["status"] for f in to_alice if f["kind"] == "interview"] == ["cancelled"]
        # Another VA on the same task (and another client) never hear of it.
        assert await wati.receive_nothing(timeout=0.3)
        assert await bob.receive_nothing(timeout=0.3)
        for socket in (alice, bob, wati):
            await socket.disconnect()

    run(scenario)
    # The suspended VA's sockets were closed; their side of the cancellation is in their
    # catch-up log like the client's (the interview page shows it to both).
    interview_events = Event.objects.filter(kind="interview", data__interview_id=interview.pk)
    assert sorted(interview_events.values_list("recipient_id", flat=True)) == sorted(
        [client_user.pk, va.pk]
    )
    assert not Event.objects.filter(recipient=other_va).exists()
