"""Sockets for the live-update tests: an ASGI WebSocket client on our real ASGI app (origin
check, session auth, the Redis channel layer), signed in through a real session.

`Socket` speaks the ASGI WebSocket protocol to the app in this process, as Channels'
`WebsocketCommunicator` does (channels.testing imports daphne, which we do not install:
uvicorn serves our sockets).
"""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.test import Client

from marketplace.asgi import application

ORIGIN = b"http://testserver"


class Socket(ApplicationCommunicator):
    def __init__(self, path: str, headers: list[tuple[bytes, bytes]]):
        parts = urlsplit(path)
        super().__init__(
            application,
            {
                "type": "websocket",
                "path": parts.path,
                "raw_path": parts.path.encode(),
                "query_string": parts.query.encode(),
                "headers": headers,
                "subprotocols": [],
                "client": ["127.0.0.1", 50000],
                "server": ["testserver", 80],
            },
        )

    async def connect(self, timeout: float = 5) -> tuple[bool, int | None]:
        """(accepted, close code when refused or closed at once)."""
        await self.send_input({"type": "websocket.connect"})
        answer = await self.receive_output(timeout)
        if answer["type"] == "websocket.close":
            return False, answer.get("code", 1000)
        return True, None

    async def send_json_to(self, data: dict) -> None:
        await self.send_input({"type": "websocket.receive", "text": json.dumps(data)})

    async def receive_json_from(self, timeout: float = 5) -> dict:
        message = await self.receive_output(timeout)
        assert message["type"] == "websocket.send", message
        return json.loads(message["text"])

    async def disconnect(self, code: int = 1000, timeout: float = 5) -> None:
        await self.send_input({"type": "websocket.disconnect", "code": code})
        await self.wait(timeout)


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def open_socket(cookie: str | None = None, *, origin: bytes = ORIGIN):
    """(connected, communicator or close code) for a socket with this session cookie."""
    headers = [(b"origin", origin)]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    communicator = Socket(settings.LIVE_WEBSOCKET_PATH, headers)
    connected, code = await communicator.connect(timeout=5)
    return connected, communicator if connected else code


async def resume(communicator, **hello) -> tuple[list[dict], dict]:
    """Say where the page is; returns (the events caught up, the ready frame)."""
    await communicator.send_json_to({"type": "resume", **hello})
    events = []
    while True:
        frame = await communicator.receive_json_from(timeout=5)
        if frame["type"] == "ready":
            return events, frame
        events.append(frame)


async def live_socket(cookie: str, **hello):
    """A signed-in socket that has resumed (from now, by default) and waits for live events."""
    connected, communicator = await open_socket(cookie)
    assert connected, f"socket refused ({communicator})"
    await resume(communicator, **(hello or {"elapsed_ms": 0}))
    return communicator


async def receive_events(communicator, count: int, *, timeout: float = 5) -> list[dict]:
    return [await communicator.receive_json_from(timeout=timeout) for _ in range(count)]


async def events_until_quiet(communicator, *, quiet: float = 0.5) -> list[dict]:
    """Everything that arrives until nothing has for `quiet` seconds (a timeout in
    receive_json_from would cancel the consumer, receive_nothing does not)."""
    frames = []
    while not await communicator.receive_nothing(timeout=quiet):
        frames.append(await communicator.receive_json_from(timeout=1))
    return frames


def kinds(frames: list[dict]) -> list[str]:
    return [f["kind"] for f in frames]


def everything_the_socket_sends(user) -> list[dict]:
    """Every event a socket signed in as `user` is sent when it asks for all it has missed
    (cursor 0): exactly what its live traffic was.

    Works inside a plain (rolled back) test: Channels closes "old" connections around each
    database call, which would close the test's own connection and its transaction, so
    that is switched off here; the calls run on this thread's connection and see the
    test's rows.
    """
    from unittest import mock

    from asgiref.sync import async_to_sync

    cookie = session_cookie(user)

    async def ask() -> list[dict]:
        connected, socket = await open_socket(cookie)
        assert connected
        frames, _ready = await resume(socket, cursor=0)
        await socket.disconnect()
        return frames

    with mock.patch("channels.db.close_old_connections"):
        return async_to_sync(ask)()
