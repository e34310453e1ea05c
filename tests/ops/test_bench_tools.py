"""The benchmark's own tools reach the server the settings use, however it is addressed
(a host and port, or the quick start's socket directory in the URL's query string)."""

import os

import pytest
from django.db import connection

from bench.fanout import admin_execute

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
    import psycopg2

    from loadtest.run import _libpq
    from marketplace import dburl

    other = psycopg2.connect(_libpq(os.environ["DATABASE_URL"]))
    try:
        with other.cursor() as cursor:
            cursor.execute(dburl.IDENTITY_SQL)
            name, started = cursor.fetchone()
    finally:
        other.close()

    # The main database (the URL's), on the very server this test run uses.
    assert started in dburl.server_identity(connection)
    assert name == dburl.settings_from_url(os.environ["DATABASE_URL"])["NAME"]
