"""A real HTTP receiver for webhook tests: an http.server on 127.0.0.1 in a thread.

It records every request (headers and raw body) and answers with the next status from
`statuses` (then 200). `verify(request, secret)` checks the Asisten-Signature header the way
a receiving program would, written here independently of webhooks/delivery.py.
"""

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.notifications.conftest import smtp_sink, start_worker  # noqa: F401 - fixtures
from webhooks import services
from webhooks.models import Endpoint


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes


class Receiver:
    def __init__(self):
        self.requests: list[Received] = []
        self.statuses: list[int] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver.lock:
                    receiver.requests.append(Received(self.path, dict(self.headers), body))
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(f"answered {status}".encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/asisten"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def received(self) -> list[Received]:
        with self.lock:
            return list(self.requests)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _local_endpoints(settings):
    settings.WEBHOOKS_ALLOW_HTTP_LOCALHOST = True


def verify(request: Received, secret: str, *, tolerance: int = 300) -> bool:
    """What a receiver does: parse t= and v1=, recompute, compare in constant time."""
    fields = dict(part.split("=", 1) for part in request.headers["Asisten-Signature"].split(","))
    timestamp = int(fields["t"])
    if abs(time.time() - timestamp) > tolerance:
        return False
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + request.body, hashlib.sha256
    ).hexdigest()
    return hmac.compare_digest(expected, fields["v1"])


def endpoint_for(user, url: str, *events: str) -> Endpoint:
    return services.endpoint_create(user=user, url=url, events=list(events) or ["bid.created"])
