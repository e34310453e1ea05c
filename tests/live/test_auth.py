"""Who may open a socket: signed-in, not suspended, from one of our own pages (issue 18)."""

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

from live.consumers import CLOSE_SUSPENDED
from moderation.services import user_suspend
from tests.live.helpers import live_socket, open_socket, session_cookie

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_an_anonymous_socket_is_refused():
    async def scenario():
        connected, _code = await open_socket(None)
        assert not connected
        connected, _code = await open_socket("sessionid=not-a-session")
        assert not connected

    async_to_sync(scenario)()


def test_a_socket_from_another_site_is_refused_even_with_the_session(client_user):
    """The session cookie rides along on a cross-site socket; the Origin check stops it."""
    cookie = session_cookie(client_user)

    async def scenario():
        connected, _ = await open_socket(cookie, origin=b"https://evil.example")
        assert not connected
        connected, socket = await open_socket(cookie)
        assert connected
        await socket.disconnect()

    async_to_sync(scenario)()


def test_a_suspended_users_socket_is_closed_with_the_suspended_code(suspended):
    cookie = session_cookie(suspended)

    async def scenario():
        connected, socket = await open_socket(cookie)
        # Accepted only to be closed with a code the page reads as "do not reconnect".
        assert connected
        closed = await socket.receive_output(timeout=5)
        assert closed == {"type": "websocket.close", "code": CLOSE_SUSPENDED}

    async_to_sync(scenario)()


def test_suspending_a_user_closes_the_sockets_they_have_open(va, staff):
    cookie = session_cookie(va)

    async def scenario():
        socket = await live_socket(cookie)
        await database_sync_to_async(user_suspend)(user_id=va.pk, moderator=staff, reason="Scam")
        # Their notification about it may come first; then the socket is closed.
        while True:
            message = await socket.receive_output(timeout=5)
            if message["type"] == "websocket.close":
                break
        assert message["code"] == CLOSE_SUSPENDED
        # And a new socket on the same session is not let in either.
        connected, again = await open_socket(cookie)
        if connected:
            assert (await again.receive_output(timeout=5))["code"] == CLOSE_SUSPENDED

    async_to_sync(scenario)()
