"""Shared test set-up: personas (DESIGN.md §8) and the real services every test uses.

Tests run against real PostgreSQL and Redis (from DATABASE_URL / REDIS_URL, or the private
ones the quick start launches). Redis is flushed before each test so rate limits and cached
sessions never leak between tests.
"""

import os

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.cache import cache
from django.utils import timezone

from jobs import models as jobs_models
from marketplace import fragments
from tests import factories


def pytest_collection_modifyitems(config, items):
    """Browser journeys last, in every process: once Playwright's sync API has started, it
    keeps an event loop running in the main thread for the rest of the session, where
    `async_to_sync` (the live-update tests' sockets) refuses to run."""
    browser = [item for item in items if "/tests/e2e/" in str(item.path)]
    if browser:
        items[:] = [item for item in items if "/tests/e2e/" not in str(item.path)] + browser


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Allow separate test databases per concurrent run (PYTEST_DB_SUFFIX)."""
    from django.conf import settings

    suffix = os.environ.get("PYTEST_DB_SUFFIX")
    if suffix:
        test = settings.DATABASES["default"].setdefault("TEST", {})
        # Keep the xdist worker suffix the parallel fixture may already have added.
        base = test.get("NAME") or f"test_{settings.DATABASES['default']['NAME']}"
        test["NAME"] = f"{base}_{suffix}"


@pytest.fixture(autouse=True)
def _baseline_rows(request):
    """Put back what migrations create (site, content types, permissions, the Moderators
    group, task categories) when an earlier transactional test flushed it away.

    Django flushes after a transactional test; with serialized_rollback it skips the
    post-migrate signal too, so the next test in the same database can find none of it.
    """
    uses_db = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    } & set(request.fixturenames)
    if not uses_db:
        return
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    )
    transactional = transactional or bool(marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.conf import settings
    from django.contrib.sites.models import Site

    if Site.objects.filter(pk=settings.SITE_ID).exists():
        return
    from django.core.management.sql import emit_post_migrate_signal

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")
    Site.objects.filter(pk=settings.SITE_ID).update(name="Asisten")
    factories.category()


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Redis (sessions, rate limits, fragments) and the per-process caches: the rendered
    # fragments and the category/skill names digest.
    cache.clear()
    fragments.local.clear()
    jobs_models._catalogue = (0.0, "")
    yield


@pytest.fixture
def cold_pages():
    """Call to forget every rendered fragment: the next request renders its page from
    scratch (what a page costs when nothing it shows was seen before)."""
    return fragments.forget_all


@pytest.fixture(autouse=True)
def _private_media(tmp_path, settings):
    """Each test writes uploads to its own folders, never into the checkout."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            **settings.STORAGES["default"],
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
        "private": {
            **settings.STORAGES["private"],
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


@pytest.fixture
def client_user(db):
    """Alice: a client with a profile."""
    return factories.ClientFactory(email="alice@example.com", name="Alice Client")


@pytest.fixture
def other_client(db):
    """Bob: another client, who must never see Alice's private things."""
    return factories.ClientFactory(email="bob@example.com", name="Bob Other")


@pytest.fixture
def va(db):
    """Vina: a VA with a profile."""
    return factories.VAFactory(email="vina@example.com", name="Vina Assistant")


@pytest.fixture
def other_va(db):
    """Wati: a second VA, who must never see Vina's bids."""
    return factories.VAFactory(email="wati@example.com", name="Wati Other")


@pytest.fixture
def staff(db):
    """Sam: staff moderator with TOTP set up (admin requires MFA for staff)."""
    user = factories.UserFactory(
        email="sam@example.com", name="Sam Staff", is_staff=True, is_superuser=True
    )
    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture
def suspended(db):
    """Sus: a VA and client whose account a moderator suspended."""
    return factories.VAFactory(
        email="sus@example.com", name="Sus Pended", is_client=True, suspended_at=timezone.now()
    )
