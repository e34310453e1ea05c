"""The database settings as a URL and back again: one place for both directions.

Settings read `DATABASE_URL` with django-environ. A server on a unix socket (the quick
start's private PostgreSQL) is written the way libpq writes it,
`postgres://user@/name?host=/socket/dir&port=5432`, and django-environ leaves such a `host`
in `OPTIONS` with `HOST` empty. Django's backend still connects, but every other reader of
`HOST` (`dbshell`, a second connection opened by hand, a URL handed to a child process) would
fall back to libpq's default socket: a different server, or none. So `settings_from_url`
moves the socket into `HOST` / `PORT`, and `url_from_settings` writes any settings back into
a URL that reads back to the same server, database and credentials.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import environ

# Connection keys that live in HOST / PORT, never in OPTIONS, once read.
_MOVED = ("host", "port")


def settings_from_url(url: str) -> dict[str, Any]:
    """DATABASES["default"] for `url`, with a unix-socket host in HOST / PORT."""
    config = environ.Env.db_url_config(url)
    return _normalised(config)


def _normalised(config: dict[str, Any]) -> dict[str, Any]:
    options = dict(config.get("OPTIONS") or {})
    if not config.get("HOST") and options.get("host"):
        config["HOST"] = str(options.pop("host"))
        if "port" in options:
            port = options.pop("port")
            config["PORT"] = config.get("PORT") or int(port)
    if options or "OPTIONS" in config:
        config["OPTIONS"] = options
    return config


def url_from_settings(settings: dict[str, Any], *, name: str | None = None) -> str:
    """A DATABASE_URL for another process that reaches the same server as `settings`.

    `name` replaces the database name (a scratch database beside this one, or the
    `postgres` maintenance database). Scalar OPTIONS (sslmode, connect_timeout, …) are
    kept as query parameters.
    """
    user = quote(settings.get("USER") or "", safe="")
    password = settings.get("PASSWORD") or ""
    auth = user + (":" + quote(password, safe="") if password else "")
    host = str(settings.get("HOST") or "")
    port = settings.get("PORT") or ""
    database = quote(name if name is not None else settings["NAME"], safe="")
    query = {
        key: value
        for key, value in (settings.get("OPTIONS") or {}).items()
        if key not in _MOVED and isinstance(value, str | int | float | bool)
    }
    if host.startswith("/"):
        # libpq's form for a socket directory: an empty authority, the path in `host`.
        query = {"host": host, **({"port": port} if port else {}), **query}
        netloc = f"{auth}@" if auth else ""
    else:
        netloc = (f"{auth}@" if auth else "") + (f"[{host}]" if ":" in host else host)
        if port:
            netloc += f":{port}"
    url = f"postgres://{netloc}/{database}"
    return f"{url}?{urlencode(query)}" if query else url


# The server, told apart from any other: the database's name and the moment its postmaster
# started (two servers on one machine never share it). Public functions, no privileges needed.
IDENTITY_SQL = (
    "SELECT current_database(), to_char(pg_postmaster_start_time() AT TIME ZONE 'UTC', "
    '\'YYYY-MM-DD"T"HH24:MI:SS.US"Z"\')'
)


def server_identity(connection) -> str:
    """`database NAME on the server started AT` for an open Django connection."""
    with connection.cursor() as cursor:
        cursor.execute(IDENTITY_SQL)
        name, started = cursor.fetchone()
    return f'database "{name}" on the server started {started}'
