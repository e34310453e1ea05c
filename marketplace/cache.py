"""A Redis cache that degrades instead of failing, for things that are only an optimisation.

Page fragments and search results are cached to be fast; when Redis is down they must be
recomputed, not turned into a 500. Sessions, rate limits and everything that must be right
stay on the strict `default` cache.
"""

import logging

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)


class FailSoftRedisCache(RedisCache):
    """Reads miss and writes are skipped while Redis does not answer (logged once per call)."""

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except Exception:  # noqa: BLE001 - any Redis failure is a cache miss here
            logger.warning("Cache read failed; recomputing.", exc_info=True)
            return default

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except Exception:  # noqa: BLE001
            logger.warning("Cache write failed; skipped.", exc_info=True)

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except Exception:  # noqa: BLE001
            logger.warning("Cache read failed; recomputing.", exc_info=True)
            return {}

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except Exception:  # noqa: BLE001
            logger.warning("Cache write failed; skipped.", exc_info=True)
            return list(data)
