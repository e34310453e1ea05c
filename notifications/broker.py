"""Publishing tasks without ever making a request wait on a dead broker.

Settings already make a refused connection fail at once and a hung Redis time out after the
socket timeout (about 2 s), with no publish retries. On top of that we remember an outage
for a few seconds in this process, so a request that enqueues several things, or the next
requests, skip the broker instead of each waiting again. Nothing is lost by skipping: the
rows are in the database and the sweep (notifications.tasks.sweep_outbox) enqueues them.
"""

import logging
import threading
import time

from django.conf import settings

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_down_until = 0.0


def _backoff_seconds() -> float:
    return float(getattr(settings, "NOTIFICATIONS_BROKER_BACKOFF_SECONDS", 5))


def publish(task, *, args=(), kwargs=None, countdown: float | None = None) -> bool:
    """Send `task` to the broker; return False (quickly) if the broker is unreachable."""
    global _down_until
    if time.monotonic() < _down_until:
        return False
    try:
        task.apply_async(args=list(args), kwargs=kwargs or {}, countdown=countdown, retry=False)
    except Exception:  # noqa: BLE001 - any broker failure: the outbox sweep covers it
        with _lock:
            _down_until = time.monotonic() + _backoff_seconds()
        logger.warning(
            "Broker unreachable; %s not queued (the sweep will).", task.name, exc_info=True
        )
        return False
    return True


def forget_outage() -> None:
    """Try the broker again on the next publish (after an operator fixed Redis, or in tests)."""
    global _down_until
    with _lock:
        _down_until = 0.0
