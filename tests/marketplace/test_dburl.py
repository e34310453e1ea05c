"""The database settings as a URL a child process can use, and back (marketplace.dburl).

Child processes (Celery workers, bench and load-test helpers) get the run's database as a
DATABASE_URL. It must lead to the same server whichever kind it is: TCP, or the quick
start's private PostgreSQL on a unix socket, which libpq writes as `?host=/dir`.
"""

import environ
import pytest
from django.db import connection

from marketplace import dburl
from tests.ops.helpers import server_identity_at

CONNECTION_KEYS = ("NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")

SERVERS = {
    "tcp": {"HOST": "127.0.0.1", "PORT": 5432, "OPTIONS": {"connect_timeout": 5}},
    "tcp, other port, ssl": {
        "HOST": "db.internal",
        "PORT": 6432,
        "OPTIONS": {"sslmode": "require"},
    },
    "ipv6": {"HOST": "::1", "PORT": 5432, "OPTIONS": {}},
    "socket": {"HOST": "/srv/asisten/.data/pg", "PORT": 5432, "OPTIONS": {"connect_timeout": 5}},
    "socket, default port": {"HOST": "/var/run/postgresql", "PORT": "", "OPTIONS": {}},
}


def _settings(server: dict, *, user="postgres", password="", name="test_asisten_gw1") -> dict:
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": name,
        "USER": user,
        "PASSWORD": password,
        **server,
    }


def _connection_part(config: dict) -> dict:
    return {key: config.get(key) or ({} if key == "OPTIONS" else "") for key in CONNECTION_KEYS}


@pytest.mark.parametrize("server", SERVERS.values(), ids=SERVERS.keys())
def test_a_url_for_a_child_reads_back_through_env_db_to_the_same_settings(server):
    settings = _settings(server)

    url = dburl.url_from_settings(settings)

    read = environ.Env.db_url_config(url)  # what a child's settings start from
    assert _connection_part(dburl.settings_from_url(url)) == _connection_part(settings)
    assert read["NAME"] == "test_asisten_gw1"
    assert read["ENGINE"] == "django.db.backends.postgresql"


@pytest.mark.parametrize("server", SERVERS.values(), ids=SERVERS.keys())
def test_credentials_with_url_characters_survive_the_round_trip(server):
    settings = _settings(server, user="asisten@ops", password="p@ss:w/rd?#%")

    again = dburl.settings_from_url(dburl.url_from_settings(settings))

    assert (again["USER"], again["PASSWORD"]) == ("asisten@ops", "p@ss:w/rd?#%")


def test_a_socket_url_puts_the_socket_in_host_where_every_reader_looks():
    """env.db() alone leaves it in OPTIONS with HOST empty: dbshell, a connection made by
    hand or a URL built from HOST would reach libpq's default socket instead."""
    url = "postgres://postgres@/asisten?host=/srv/asisten/.data/pg&port=5433"
    assert environ.Env.db_url_config(url)["HOST"] == ""

    settings = dburl.settings_from_url(url)

    assert (settings["HOST"], settings["PORT"]) == ("/srv/asisten/.data/pg", 5433)
    assert "host" not in settings["OPTIONS"] and "port" not in settings["OPTIONS"]


def test_another_database_on_the_same_server_keeps_the_server():
    settings = _settings(SERVERS["socket"])

    scratch = dburl.settings_from_url(dburl.url_from_settings(settings, name="postgres"))

    assert scratch["NAME"] == "postgres"
    assert (scratch["HOST"], scratch["PORT"]) == (settings["HOST"], settings["PORT"])


@pytest.mark.django_db
def test_the_running_databases_url_reaches_the_same_server_and_database():
    """Whatever this run uses (the machine's server over TCP or the private one on a
    socket): libpq, handed the URL as a child would be, lands on the same database."""
    expected = dburl.server_identity(connection)

    reached = server_identity_at(dburl.url_from_settings(connection.settings_dict))

    assert reached == expected
    assert f'database "{connection.settings_dict["NAME"]}"' in reached
