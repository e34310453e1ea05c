"""Live updates: the one place that tells open pages something happened.

Domain services call `publish(...)` inside their own transaction, beside `notify(...)`. It
writes one `Event` row per recipient there (the catch-up log) and, only after commit, sends
each row to that recipient's own group `user-<id>` on the channel layer, which every ASGI
process serving one of their sockets listens to. A page that was offline asks for what came
after its cursor (`catch_up`). If Redis is down the push is skipped, never raised: the rows
are there for the next (re)connect, and the page itself still shows everything on reload.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from functools import partial

from channels.layers import get_channel_layer
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from live.models import Event

logger = logging.getLogger(__name__)

# pg_advisory_xact_lock's first key: "live" in ASCII, so our locks never meet anyone else's.
LOCK_SPACE = 0x6C697665
CATCH_UP_LIMIT = 200
# A page's first connect asks for events since it was rendered, minus this much: a write
# that was in flight while the page rendered is sent again, and the page skips what it has.
RENDER_OVERLAP = timedelta(seconds=5)


def group_name(user_id: int) -> str:
    return f"user-{int(user_id)}"


def publish(*, kind: str, user_ids: Iterable[int | None], data: dict) -> None:
    """Tell each of `user_ids` (their open pages) that `kind` happened, with `data`.

    Call inside the domain service's transaction; nothing is sent unless it commits.
    `data` must be JSON-ready and fit for every one of the recipients to see.
    """
    ids = {int(u) for u in user_ids if u is not None}
    publish_each(kind=kind, data_by_user=dict.fromkeys(ids, data))


def publish_each(*, kind: str, data_by_user: Mapping[int, dict]) -> None:
    """`publish` with each recipient's own data (e.g. their own unread count)."""
    ids = sorted(data_by_user)
    if not ids:
        return
    with transaction.atomic():
        # Held until commit: another transaction writing to the same recipient waits here,
        # so its id (taken after the lock) is higher and it commits later. Ids in one
        # recipient's log therefore grow in commit order. Locks are taken in id order.
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, u) FROM unnest(%s::int[]) AS u",
                [LOCK_SPACE, ids],
            )
        events = Event.objects.bulk_create(
            [Event(recipient_id=uid, kind=kind, data=data_by_user[uid]) for uid in ids]
        )
        messages = [(e.recipient_id, socket_message(e)) for e in events]
        transaction.on_commit(partial(_push, messages))


def disconnect(*, user_id: int) -> None:
    """Close every socket the user has open, once the caller's transaction commits."""
    transaction.on_commit(partial(_push, [(user_id, {"type": "live.close"})]))


def socket_message(event: Event) -> dict:
    """What a socket receives for one event; the same live and on catch-up."""
    return {"type": "live.event", "cursor": event.pk, "kind": event.kind, "data": event.data}


def _push(messages: list[tuple[int, dict]]) -> None:
    """Send on this process's publisher loop and wait (briefly) for Redis to take them."""
    future = asyncio.run_coroutine_threadsafe(_send_all(messages), _publisher_loop())
    try:
        future.result(timeout=settings.LIVE_PUSH_TIMEOUT + 0.5)
    except Exception:  # noqa: BLE001 - a dead Redis must never fail a committed write
        future.cancel()
        logger.warning(
            "live: could not push %d event(s); pages catch up on reconnect", len(messages)
        )


_loop: asyncio.AbstractEventLoop | None = None
_loop_pid = 0
_loop_lock = threading.Lock()


def _publisher_loop() -> asyncio.AbstractEventLoop:
    """One event loop per process, in a daemon thread, for every push from sync code.

    The channel layer keeps its Redis connections per event loop; `async_to_sync` would
    make a new loop (so new connections) for every commit. Made again after a fork
    (gunicorn's preloaded master forks its workers; threads do not survive that).
    """
    global _loop, _loop_pid
    with _loop_lock:
        if _loop is None or _loop_pid != os.getpid():
            _loop = asyncio.new_event_loop()
            _loop_pid = os.getpid()
            threading.Thread(target=_loop.run_forever, name="live-publisher", daemon=True).start()
        return _loop


async def _send_all(messages: list[tuple[int, dict]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    # One message per recipient here, so sending them side by side keeps each one's order.
    async with asyncio.timeout(settings.LIVE_PUSH_TIMEOUT):
        await asyncio.gather(
            *(layer.group_send(group_name(user_id), message) for user_id, message in messages)
        )


def catch_up(
    *, user_id: int, cursor: int | None = None, since: datetime | None = None
) -> tuple[list[dict], int, bool]:
    """What `user_id`'s page missed: events after `cursor`, or (a page's first connect)
    created since `since`; oldest first. Returns (messages, the cursor to continue from,
    whether more were missed than are kept or sent — the page should then reload)."""
    events = Event.objects.filter(recipient_id=user_id)
    if cursor is not None:
        missed = events.filter(pk__gt=cursor)
    elif since is not None:
        missed = events.filter(created_at__gte=since - RENDER_OVERLAP)
    else:
        missed = events.none()
    rows = list(missed.order_by("pk")[: CATCH_UP_LIMIT + 1])
    truncated = len(rows) > CATCH_UP_LIMIT
    rows = rows[:CATCH_UP_LIMIT]
    if rows:
        latest = rows[-1].pk
    else:
        latest = events.order_by("-pk").values_list("pk", flat=True).first() or 0
    return [socket_message(e) for e in rows], max(latest, cursor or 0), truncated


def prune(*, older_than: timedelta | None = None) -> int:
    """Forget events past the retention; a page offline longer than that reloads instead."""
    cutoff = timezone.now() - (older_than or timedelta(seconds=settings.LIVE_EVENT_RETENTION))
    deleted, _ = Event.objects.filter(created_at__lt=cutoff).delete()
    return deleted
