"""scripts/run.py serve: the ports it needs are checked and held before anything starts."""

import socket
import subprocess

from tests.ops.helpers import PYTHON, REPO, clean_env, free_port_pair


def _serve(port: int, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        [PYTHON, "scripts/run.py", "serve", "--port", str(port)],
        cwd=REPO,
        env=clean_env(DEBUG="1", DATABASE_URL="postgres://nobody@127.0.0.1:1/none", **env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_taken_live_port_stops_serve_with_a_clear_message_before_anything_starts():
    port = free_port_pair()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port + 1))
        taken.listen()
        result = _serve(port, REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 2
    assert f"port {port + 1} on 127.0.0.1 is in use" in result.stdout + result.stderr
    # It stopped before migrating (which would have failed on the unreachable database).
    assert "migrate" not in (result.stdout + result.stderr).lower()


def test_a_taken_web_port_is_named_too():
    port = free_port_pair()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = _serve(port, REDIS_URL="redis://127.0.0.1:1/0")
    assert result.returncode == 2
    assert f"port {port} on 127.0.0.1 is in use" in result.stdout + result.stderr


def test_an_explicit_live_port_is_the_one_checked():
    port, live = free_port_pair(), free_port_pair()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", live))
        taken.listen()
        result = _serve(port, REDIS_URL="redis://127.0.0.1:1/0", LIVE_WEBSOCKET_PORT=str(live))
    assert result.returncode == 2
    assert f"port {live} on 127.0.0.1 is in use" in result.stdout + result.stderr
