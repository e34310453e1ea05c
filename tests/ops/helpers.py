"""Helpers for the operations tests: run the project's own commands in subprocesses."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable

# Variables a developer's shell or the test run may carry that must not leak into a
# subprocess that is meant to start from a known environment.
PROJECT_VARIABLES = {
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "SITE_URL",
    "EMAIL_URL",
    "DJANGO_SETTINGS_MODULE",
    "PYTEST_DB_SUFFIX",
    "PYTEST_ADDOPTS",
    "PORT",
    # Set by the browser tests' set-up; `check --deploy` rightly refuses it.
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "MAKEFLAGS",
    "MAKELEVEL",
    "MFLAGS",
}


def clean_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PROJECT_VARIABLES}
    env.update(overrides)
    return env


def production_env(**overrides: str) -> dict[str, str]:
    """What an operator sets in production: DEBUG off, a long random key, named servers."""
    variables = {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "asisten.example",
        "CSRF_TRUSTED_ORIGINS": "https://asisten.example",
        "SITE_URL": "https://asisten.example",
        "DATABASE_URL": os.environ["DATABASE_URL"],
        "REDIS_URL": os.environ["REDIS_URL"],
    }
    return clean_env(**{**variables, **overrides})


def run(
    args: list[str], *, env: dict[str, str] | None = None, cwd: Path = REPO, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=env if env is not None else clean_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def manage(*args: str, env: dict[str, str], timeout: float = 120):
    return run([PYTHON, "manage.py", *args], env=env, timeout=timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_port_pair() -> int:
    """A free port whose next port is free too (`make run` serves WebSockets on PORT + 1)."""
    while True:
        port = free_port()
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port


def settings_variables() -> set[str]:
    """Names of the environment variables marketplace/settings.py reads."""
    import re

    source = (REPO / "marketplace" / "settings.py").read_text()
    return set(re.findall(r'env(?:\.\w+)?\(\s*"([A-Z][A-Z0-9_]+)"', source))


def process_alive(pid: int) -> bool:
    """True while pid runs; an exited process its parent has not reaped yet counts as gone."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


@contextlib.contextmanager
def private_tmp_dir(prefix: str):
    """A 0700 temp folder of our own. Not pytest's tmp_path: other pytest sessions on this
    machine prune old pytest-of-<user> folders, possibly while a slow test still uses one."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def server_identity_at(url: str) -> str:
    """What `dburl.server_identity` says, from a plain libpq connection to `url` (as a child
    process would connect)."""
    import psycopg2

    from marketplace import dburl

    other = psycopg2.connect(url)
    try:
        with other.cursor() as cursor:
            cursor.execute(dburl.IDENTITY_SQL)
            name, started = cursor.fetchone()
    finally:
        other.close()
    return f'database "{name}" on the server started {started}'
