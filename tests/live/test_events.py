"""Each kind of live event reaches exactly the people it is for, after commit (issue 18)."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from bids import services as bid_services
from contracts.services import message_send
from live.models import Event
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
