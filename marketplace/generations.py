"""Generation counters: a number in Redis that a cached result's key carries, moved by
every write that could change that result, so a cached answer is dropped at once.

Used for search rankings (jobs.board, directory.listing), which read every matching row
and so are worth caching, but must not outlive a change; and for the category and skill
names every process keeps a digest of (jobs.models.catalogue_version), which it reads
again when their generation moved. A bump happens now (so the
writing transaction's own later reads compute afresh) and again after commit (so a result
another request cached in between, without this change, is dropped too). When Redis misses
a bump, cached results still age out within their timeout; callers never show a row
without reading its current state from PostgreSQL.
"""

from __future__ import annotations

import hashlib
import logging

from django.core.cache import caches
from django.db import transaction

logger = logging.getLogger(__name__)

BOARD_SEARCH = "jobs:search-generation"
DIRECTORY_SEARCH = "directory:search-generation"
CATALOGUE = "jobs:catalogue-generation"


def _cache():
    return caches["fragments"]


def bump(name: str) -> None:
    """Move the generation `name`, now and after the current transaction commits."""

    def move():
        try:
            _cache().add(name, 0, timeout=None)
            _cache().incr(name)
        except Exception:  # noqa: BLE001 - only an optimisation; the timeout bounds the damage
            logger.warning(
                "Could not move the generation %s; results age out.", name, exc_info=True
            )

    move()
    transaction.on_commit(move)


def current(name: str):
    """The generation `name` now (0 before its first bump; None while Redis is down, so a
    reader compares it like any other value and falls back on its own timeout)."""
    try:
        return _cache().get(name, 0)
    except Exception:  # noqa: BLE001 - FailSoftRedisCache already answers misses
        return None


def cached(name: str, what: str, parts, compute, timeout: int):
    """`compute()`, cached for `timeout` seconds under `parts` (repr-able) and the current
    generation `name`."""
    cache = _cache()
    text = repr((cache.get(name, 0), parts))
    key = f"{what}:" + hashlib.blake2b(text.encode(), digest_size=16).hexdigest()
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout)
    return value
