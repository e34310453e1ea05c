"""A real ASGI server process for the tests: `uvicorn marketplace.asgi:application` as
make run and docker compose start it, on this test run's database and Redis."""

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from django.conf import settings

from scripts.run import live_command
from tests.notifications.conftest import database_url, free_port, log_tail, wait_for

ROOT = Path(__file__).resolve().parents[2]


class AsgiServer:
    """`uvicorn marketplace.asgi:application` as make run and docker compose start it."""

    def __init__(self, log: Path):
        self.port = free_port()
        self.log = log
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "DEBUG": "1",
            "CONN_MAX_AGE": "0",
            "PYTHONUNBUFFERED": "1",
        }
        self.process = subprocess.Popen(  # noqa: S603 - our own command
            [*live_command(sys.executable), "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        wait_for(self._healthy, timeout=60, message=f"uvicorn on {self.port} ({log})")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"uvicorn exited:\n{log_tail(self.log)}")
        try:
            with urllib.request.urlopen(self.url + "/healthz", timeout=2) as response:  # noqa: S310
                return json.load(response)["channel_layer"] == "ok"
        except OSError:
            return False

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


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
