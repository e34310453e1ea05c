"""The benchmark's own tools reach the server the settings use, however it is addressed
(a host and port, or the quick start's socket directory in the URL's query string)."""

import os

import pytest
from django.db import connection

from bench.fanout import admin_execute
from tests.ops.helpers import server_identity_at

pytestmark = pytest.mark.django_db


def _exists(name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def test_the_fanout_scratch_database_is_made_on_the_configured_server():
    name = f"asisten_tooltest_{os.getpid()}"
    url = os.environ["DATABASE_URL"]
    admin_execute(url, f'DROP DATABASE IF EXISTS "{name}"')
    admin_execute(url, f'CREATE DATABASE "{name}"')
    try:
        assert _exists(name)  # seen through the test run's own connection
    finally:
        admin_execute(url, f'DROP DATABASE IF EXISTS "{name}"')
    assert not _exists(name)


def test_the_load_test_reaches_the_configured_server_for_its_scratch_database():
    """It used to build its libpq string from HOST alone, which is empty for a socket URL:
    the quick start's private server was never the one it reached."""
    from loadtest.run import _libpq
    from marketplace import dburl

    # The URL a child of this test run gets, in whichever form (TCP or socket) it has.
    reached = server_identity_at(_libpq(dburl.url_from_settings(connection.settings_dict)))

    assert reached == dburl.server_identity(connection)
