"""Per-person limits on actions people could abuse (bids, tasks, reports, messages).

Counted in the shared Redis cache so every web process agrees; a person over the limit
gets our friendly 429 page. Limits are per hour, set in settings.ACTION_RATE_LIMITS.
If the cache is down the action is allowed: losing a bid is worse than missing a limit.
"""

import logging
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

logger = logging.getLogger(__name__)


def allow(action: str, user_id: int | str) -> bool:
    """Count one attempt at `action` by `user_id` (or another key, such as an API token's);
    False once over this hour's limit."""
    limit = settings.ACTION_RATE_LIMITS[action]
    window = int(time.time() // 3600)
    key = f"ratelimit:{action}:{user_id}:{window}"
    try:
        cache.add(key, 0, timeout=3600)
        return cache.incr(key) <= limit
    except Exception:  # noqa: BLE001 - fail open, see the module docstring
        logger.warning("Rate limit for %s unavailable; allowing.", action, exc_info=True)
        return True


def seconds_left_in_window() -> int:
    """Until the hourly counters start again: what a 429's Retry-After says."""
    return 3600 - int(time.time()) % 3600


def limit_posts(action: str):
    """Decorate a view: each POST by a signed-in person counts against `action`'s limit."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if (
                request.method == "POST"
                and request.user.is_authenticated
                and not allow(action, request.user.pk)
            ):
                return render(request, "429.html", status=429)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
