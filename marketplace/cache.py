"""Our Redis caches: one client object per pool, and a fail-soft variant for optimisations.

Django's Redis backend builds a new `redis.Redis` object for every cache call, and building
one (its response-callback tables) costs about as much CPU as the round trip itself; a
signed-in page makes several calls (session, fragments, rate limits). The client object is
thread-safe and only wraps the connection pool, so one per pool is enough.

Page fragments and search results are cached to be fast; when Redis is down they must be
recomputed, not turned into a 500 (`FailSoftRedisCache`). Sessions, rate limits and
everything that must be right stay on the strict `default` cache.
"""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient

logger = logging.getLogger(__name__)


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    def validate_key(self, key):
        # Django's check warns about keys memcached would refuse (length, spaces); Redis
        # keys are binary-safe, and the check walks every character of every key.
        return None


class FailSoftRedisCache(RedisCache):
    """Reads miss and writes are skipped while Redis does not answer (logged once per call)."""

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except Exception:  # noqa: BLE001 - any Redis failure is a cache miss here
            logger.warning("Cache read failed; recomputing.", exc_info=True)
            return default

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except Exception:  # noqa: BLE001
            logger.warning("Cache write failed; skipped.", exc_info=True)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except Exception:  # noqa: BLE001
            logger.warning("Cache delete failed; the entry expires on its own.", exc_info=True)
            return False

    def delete_many(self, keys, version=None):
        try:
            return super().delete_many(keys, version)
        except Exception:  # noqa: BLE001
            logger.warning("Cache delete failed; the entries expire on their own.", exc_info=True)
            return None

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except Exception:  # noqa: BLE001
            logger.warning("Cache read failed; recomputing.", exc_info=True)
            return {}

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except Exception:  # noqa: BLE001
            logger.warning("Cache write failed; skipped.", exc_info=True)
            return list(data)
