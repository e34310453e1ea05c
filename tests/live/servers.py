"""Real server processes for the tests, on this test run's database and Redis: the ASGI
server (`uvicorn marketplace.asgi:application`, as make run and docker compose start it)
and gunicorn masters (tests/scale)."""

import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

from django.conf import settings

from scripts.run import live_command
from tests.notifications.conftest import database_url, free_port, log_tail, wait_for

ROOT = Path(__file__).resolve().parents[2]


class ServerProcess:
    """A web server process of ours on a free port, on this test run's database and Redis;
    ready once /healthz answers and `_ready` accepts its answer."""

    name = "server"

    def __init__(self, log: Path, extra_env: dict | None = None):
        self.port = free_port()
        self.log = log
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "DEBUG": "1",
            "CONN_MAX_AGE": "0",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            self.command(),
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._healthy, timeout=60, message=f"{self.name} on {self.port} ({log})")

    def command(self) -> list[str]:
        raise NotImplementedError

    def _ready(self, health: dict) -> bool:
        return health.get("status") == "ok"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"{self.name} exited:\n{log_tail(self.log)}")
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:  # noqa: S310
                return self._ready(json.load(response))
        except OSError:
            return False

    def stop(self) -> None:
        """SIGTERM to its whole session (a gunicorn master and its workers), then SIGKILL."""
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


class AsgiServer(ServerProcess):
    """`uvicorn marketplace.asgi:application` as make run and docker compose start it."""

    name = "uvicorn"

    def command(self) -> list[str]:
        return [*live_command(sys.executable), "--host", "127.0.0.1", "--port", str(self.port)]

    def _ready(self, health: dict) -> bool:
        return health["channel_layer"] == "ok"


def csp_allowing(settings, port: int) -> dict:
    """The CSP with the pages allowed to open sockets on `port` (settings do this at
    start-up when LIVE_WEBSOCKET_PORT is set; tests set the port later)."""
    policy = {**settings.CONTENT_SECURITY_POLICY}
    directives = {**policy["DIRECTIVES"]}
    directives["connect-src"] = [
        "'self'",
        *(f"ws://{h}:{port}" for h in ("localhost", "127.0.0.1")),
    ]
    return {**policy, "DIRECTIVES": directives}
