"""Nothing is lost or shown twice: a page that reconnects gets exactly what it missed, in
order, by its cursor (issue 18)."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from contracts.services import message_send
from live import services
from live.models import Event
from tests.contracts.factories import fixed_contract
from tests.live.helpers import (
    events_until_quiet,
    kinds,
    live_socket,
    open_socket,
    resume,
    session_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

send = database_sync_to_async(message_send)


def test_a_dropped_socket_gets_exactly_the_three_messages_it_missed_in_order(client_user, va):
    contract = fixed_contract(client=client_user, va=va)
    cookie = session_cookie(client_user)

    async def scenario():
        socket = await live_socket(cookie)
        await send(contract=contract, author=va, body="before the drop")
        seen = await events_until_quiet(socket)
        cursor = seen[-1]["cursor"]
        await socket.disconnect()

        for body in ("one", "two", "three"):
            await send(contract=contract, author=va, body=body)

        connected, again = await open_socket(cookie)
        assert connected
        missed, ready = await resume(again, cursor=cursor)
        messages = [f["data"]["body"] for f in missed if f["kind"] == "message"]
        assert messages == ["one", "two", "three"]
        cursors = [f["cursor"] for f in missed]
        assert cursors == sorted(set(cursors)) and cursors[0] > cursor
        assert ready["cursor"] == cursors[-1] and ready["reload"] is False
        # Live again from there, each event once.
        await send(contract=contract, author=va, body="four")
        live = await events_until_quiet(again)
        assert [f["data"]["body"] for f in live if f["kind"] == "message"] == ["four"]
        assert all(f["cursor"] > ready["cursor"] for f in live)
        await again.disconnect()

    async_to_sync(scenario)()


def test_a_new_page_catches_up_on_what_happened_since_it_was_requested(client_user, va):
    contract = fixed_contract(client=client_user, va=va)
    cookie = session_cookie(client_user)

    async def scenario():
        await send(contract=contract, author=va, body="while the page loaded")
        connected, socket = await open_socket(cookie)
        missed, ready = await resume(socket, elapsed_ms=2000)
        assert [f["data"]["body"] for f in missed if f["kind"] == "message"] == [
            "while the page loaded"
        ]
        assert ready["cursor"] == missed[-1]["cursor"]
        await socket.disconnect()

    async_to_sync(scenario)()


def test_events_committed_during_catch_up_are_sent_once(client_user, va, monkeypatch):
    """An event pushed while the catch-up query runs is in the catch-up; the live copy that
    follows is dropped, not shown twice."""
    contract = fixed_contract(client=client_user, va=va)
    cookie = session_cookie(client_user)
    real_catch_up = services.catch_up

    def catch_up_with_a_write_in_the_middle(**kwargs):
        message_send(contract=contract, author=va, body="racing")  # pushed now, live
        return real_catch_up(**kwargs)

    monkeypatch.setattr(services, "catch_up", catch_up_with_a_write_in_the_middle)

    async def scenario():
        connected, socket = await open_socket(cookie)
        missed, ready = await resume(socket, cursor=0)
        assert kinds(missed) == ["message", "notification"]
        assert await socket.receive_nothing(timeout=0.5)
        await socket.disconnect()

    async_to_sync(scenario)()


def test_a_page_that_missed_more_than_we_send_is_told_to_reload(client_user):
    for n in range(services.CATCH_UP_LIMIT + 1):
        services.publish(kind="message", user_ids=[client_user.pk], data={"n": n})
    cookie = session_cookie(client_user)

    async def scenario():
        connected, socket = await open_socket(cookie)
        missed, ready = await resume(socket, cursor=0)
        assert len(missed) == services.CATCH_UP_LIMIT
        assert ready["reload"] is True
        await socket.disconnect()

    async_to_sync(scenario)()


def test_prune_forgets_old_events_only(client_user):
    from datetime import timedelta

    from django.utils import timezone

    services.publish(kind="notification", user_ids=[client_user.pk], data={})
    services.publish(kind="notification", user_ids=[client_user.pk], data={})
    old = Event.objects.order_by("pk").first()
    Event.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    assert services.prune() == 1
    assert not Event.objects.filter(pk=old.pk).exists()
    assert Event.objects.count() == 1
