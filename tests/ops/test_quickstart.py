"""The README's quick start, from nothing: `make run` in a fresh copy of the project with no
DATABASE_URL / REDIS_URL / DEBUG set brings up PostgreSQL, Redis, the worker, beat and the
web server; /healthz answers 200; SIGTERM (what Ctrl-C does) stops every process it started;
a second run reuses the data; /healthz reports each server going down."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from marketplace import devservices
from tests.ops.helpers import (
    PYTHON,
    REPO,
    clean_env,
    free_port_pair,
    private_tmp_dir,
    process_alive,
)

# One worker runs both tests in order: the second reuses the first one's checkout and data.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("quickstart")]

START_TIMEOUT = 300  # a first run migrates a fresh database and loads the demo data
STOP_TIMEOUT = 30

LEFT_OUT = {".venv", ".data", ".git", ".env", "__pycache__", ".pytest_cache", ".ruff_cache",
            "artifacts", "node_modules"}  # fmt: skip


def _left_out(folder: str, names: list[str]) -> list[str]:
    return [name for name in names if name in LEFT_OUT or name.endswith((".mo", ".log"))]


@pytest.fixture(scope="module")
def checkout():
    """A copy of the project as a fresh clone has it, sharing this run's virtualenv."""
    with private_tmp_dir("asisten-quickstart-") as folder:
        root = folder / "asisten"
        shutil.copytree(REPO, root, ignore=_left_out)
        (root / ".venv").symlink_to(Path(PYTHON).parent.parent)
        yield root
        devservices.stop_services(root)
        state = root / ".data" / "postgres.json"
        if state.exists():
            shutil.rmtree(json.loads(state.read_text())["pgdata"], ignore_errors=True)


class QuickStart:
    """`make run` in its own session, so the test can signal it like a terminal would."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port_pair()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = root / f"make-run-{self.port}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            ["make", "run", f"PORT={self.port}"],  # noqa: S607
            cwd=root,
            env=clean_env(),
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        text = self.log_path.read_text(errors="replace")
        return text if len(text) < 9000 else f"{text[:3000]}\n[...]\n{text[-6000:]}"

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def wait_until_serving(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"make run exited early:\n{self.output()}"
            try:
                self.get("/healthz")
                return
            except OSError:
                time.sleep(1)
        pytest.fail(f"not serving after {START_TIMEOUT}s:\n{self.output()}")

    def stop(self, signum: int) -> None:
        """Signal the whole foreground group, as a terminal's Ctrl-C does; wait for the end."""
        os.killpg(self.process.pid, signum)
        try:
            status = self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"still running {STOP_TIMEOUT}s after the signal:\n{self.output()}")
        finally:
            self.log.close()
        # make passes the signal on and then dies of it; the supervisor exits cleanly.
        assert status in (0, -signum), self.output()
        assert "run: stopping the private PostgreSQL and Redis" in self.output()

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def _service_pids(root: Path) -> list[int]:
    pids = [int((root / ".data/redis/redis.pid").read_text())]
    pgdata = Path(json.loads((root / ".data/postgres.json").read_text())["pgdata"])
    pids.append(int((pgdata / "postmaster.pid").read_text().split()[0]))
    return pids


def test_make_run_from_nothing_serves_and_ctrl_c_stops_everything(checkout):
    run = QuickStart(checkout)
    try:
        run.wait_until_serving()
        status, body = run.get("/healthz")
        assert (status, json.loads(body)) == (
            200,
            {"status": "ok", "postgres": "ok", "redis": "ok", "channel_layer": "ok"},
        ), run.output()
        status, body = run.get("/")
        assert status == 200
        assert b"Asisten" in body
        status, body = run.get("/accounts/signup/")
        assert status == 200 and b'name="email"' in body and b'name="role"' in body
        status, body = run.get("/jobs/")
        # The demo data is loaded: its tasks are on the board.
        assert status == 200 and b"Inbox and calendar management for a design studio" in body
        assert (checkout / ".env").exists()
        assert "DEBUG=1" in (checkout / ".env").read_text()
        service_pids = _service_pids(checkout)
        children = _descendants(run.process.pid)
        assert len(children) >= 5, "the supervisor, worker, beat, web and live should be up"

        run.stop(signal.SIGINT)
    finally:
        run.kill()
    deadline = time.monotonic() + 10
    while any(map(process_alive, service_pids)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(map(process_alive, service_pids)), "the private servers it started are still up"
    assert not [pid for pid in children if process_alive(pid)], "some of its processes are still up"


def _descendants(pid: int) -> list[int]:
    """Every process below pid (the supervisor's children live in sessions of their own)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().split(")")[-1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(stat.parent.name))
    found, queue = [], [pid]
    while queue:
        for child in parents.get(queue.pop(), []):
            found.append(child)
            queue.append(child)
    return found


def test_a_second_run_reuses_the_data_and_healthz_reports_each_server_down(checkout):
    run = QuickStart(checkout)
    try:
        run.wait_until_serving()
        assert run.get("/healthz")[0] == 200, run.output()
        assert "No migrations to apply." in run.output(), run.output()

        # manage.py finds the same private servers with nothing set.
        result = subprocess.run(
            [".venv/bin/python", "manage.py", "migrate", "--check"],
            cwd=checkout,
            env=clean_env(),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        assert "devservices:" not in result.stderr

        devservices.stop_services(checkout, postgres=False)
        status, body = run.get("/healthz")
        assert (status, json.loads(body)["redis"], json.loads(body)["postgres"]) == (
            503,
            "error",
            "ok",
        )

        devservices.stop_services(checkout, redis=False)
        status, body = run.get("/healthz")
        assert (status, json.loads(body)["postgres"]) == (503, "error")

        run.stop(signal.SIGTERM)
    finally:
        run.kill()
