"""A small per-person limit on reports, in the shared cache (Redis), so all web processes agree."""

import logging
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

REPORTS_PER_HOUR = 10


def consume_report_attempt(user) -> bool:
    """Count one report attempt; False once the person is over the hourly limit.

    Fails open: if the cache is down, reporting abuse matters more than limiting it.
    """
    window = int(time.time() // 3600)
    key = f"moderation:report-attempts:{user.pk}:{window}"
    try:
        cache.add(key, 0, timeout=3600)
        return cache.incr(key) <= REPORTS_PER_HOUR
    except Exception:  # noqa: BLE001
        logger.warning("Report rate limit unavailable; allowing the report.", exc_info=True)
        return True
