"""The one WebSocket a signed-in page opens: its user's live events, and catch-up by cursor.

The socket only ever joins its own user's group, and catch-up reads only its own user's
rows: nothing here queries on behalf of anyone else. What goes into an event was decided by
the service that published it (live.services.publish), for exactly these recipients.

Protocol (JSON frames). The page sends `{"type": "resume", "cursor": N}` after a reconnect,
or `{"type": "resume", "elapsed_ms": T}` on its first connect, T being how long ago the page
was requested by the browser's own monotonic clock (so its wall clock does not matter);
the server answers with every missed event in order, then `{"type": "ready", "cursor": M,
"reload": bool}` and from then on live events `{"type": "event", "cursor", "kind", "data"}`
with cursors above M only, each once. `{"type": "ping"}` is answered with a pong.
"""

from __future__ import annotations

from datetime import timedelta

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.contrib.auth import get_user_model
from django.utils import timezone

from live import services

# Application close codes (4000-4999): the page does not reconnect after these.
CLOSE_SIGNED_OUT = 4401
CLOSE_SUSPENDED = 4403
# A page's first catch-up reaches back at most this far (a page restored from the cache
# after longer resumes from the newest event; its content is what it was).
MAX_ELAPSED_MS = 10 * 60 * 1000


def _is_suspended(user_id: int) -> bool:
    return get_user_model().objects.filter(pk=user_id, suspended_at__isnull=False).exists()


class LiveConsumer(AsyncJsonWebsocketConsumer):
    user_id: int | None = None
    # None until the page has said where it is (resume): live events wait for that, since
    # the catch-up that follows includes them (they are committed before they are sent).
    cursor: int | None = None

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_SIGNED_OUT)  # before accept: the handshake is refused
            return
        if user.suspended_at is not None:
            # Accepted only to say why, so the page stops reconnecting; it joins no group.
            await self.accept()
            await self.close(code=CLOSE_SUSPENDED)
            return
        self.user_id = user.pk
        await self.channel_layer.group_add(services.group_name(self.user_id), self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        if self.user_id is not None:
            await self.channel_layer.group_discard(
                services.group_name(self.user_id), self.channel_name
            )

    async def receive_json(self, content, **kwargs) -> None:
        if not isinstance(content, dict):
            return
        if content.get("type") == "resume":
            await self._resume(content)
        elif content.get("type") == "ping":
            # Renew the group membership too (the layer forgets it after group_expiry).
            await self.channel_layer.group_add(services.group_name(self.user_id), self.channel_name)
            await self.send_json({"type": "pong"})

    async def _resume(self, content: dict) -> None:
        cursor = content.get("cursor")
        cursor = cursor if isinstance(cursor, int) and cursor >= 0 else None
        elapsed = content.get("elapsed_ms")
        since = None
        if cursor is None and isinstance(elapsed, int | float) and elapsed >= 0:
            since = timezone.now() - timedelta(milliseconds=min(elapsed, MAX_ELAPSED_MS))
        if await database_sync_to_async(_is_suspended)(self.user_id):
            await self.close(code=CLOSE_SUSPENDED)
            return
        messages, latest, reload = await database_sync_to_async(services.catch_up)(
            user_id=self.user_id, cursor=cursor, since=since
        )
        for message in messages:
            await self.send_json(_frame(message))
        self.cursor = latest
        await self.send_json({"type": "ready", "cursor": latest, "reload": reload})

    async def live_event(self, message: dict) -> None:
        if self.cursor is None or message["cursor"] <= self.cursor:
            return  # before resume (catch-up will send it) or already sent by catch-up
        self.cursor = message["cursor"]
        await self.send_json(_frame(message))

    async def live_close(self, message: dict) -> None:
        await self.close(code=CLOSE_SUSPENDED)


def _frame(message: dict) -> dict:
    return {"type": "event", **{k: message[k] for k in ("cursor", "kind", "data")}}
