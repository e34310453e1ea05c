"""The cold pages of `make bench` (issue 20): wrk sends each fresh URL once, and a run that
ran out of URLs says how many requests repeated one. Against a tiny local HTTP server that
records every path it is asked for; needs wrk (installed by
`make bench`, and by .ci/run so CI never skips these)."""

import shutil
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.run import run_wrk

pytestmark = pytest.mark.skipif(not shutil.which("wrk"), reason="wrk is not installed")


@pytest.fixture
def recorder():
    seen: Counter = Counter()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802 - the http.server API
            with lock:
                seen[self.path] += 1
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    class QuietServer(ThreadingHTTPServer):
        def handle_error(self, request, client_address):
            pass  # wrk drops its connections when its time is up; that is not an error

    server = QuietServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_each_fresh_path_is_sent_once_and_repeats_are_counted(recorder):
    base, seen = recorder
    paths = [f"/jobs/?q=word{i}&currency=IDR" for i in range(200_000)]
    result = run_wrk(base + "/", None, duration=1, connections=4, paths=paths)
    assert result["requests"] > 0
    # Requests still in flight when wrk stops are not in its count, so the server may have
    # seen a few more than it reports, but never one path twice.
    assert sum(seen.values()) >= result["requests"]
    assert max(seen.values()) == 1
    assert set(seen) <= set(paths)
    assert result["repeats"] == 0


def test_a_run_with_too_few_paths_reports_its_repeats(recorder):
    base, seen = recorder
    paths = [f"/vas/?q=word{i}" for i in range(10)]
    result = run_wrk(base + "/", None, duration=1, connections=4, paths=paths)
    assert set(seen) == set(paths)
    assert result["repeats"] == result["requests"] - 10 > 0
