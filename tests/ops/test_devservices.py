"""The private PostgreSQL and Redis behind the quick start (marketplace/devservices.py)."""

import json
import shutil
import subprocess
import time

import psycopg2
import pytest
import redis

from marketplace import devservices
from tests.ops.helpers import PYTHON, REPO, private_tmp_dir, process_alive

pytestmark = pytest.mark.slow


@pytest.fixture
def checkout():
    """An empty 'checkout' folder; its private servers are stopped and removed afterwards."""
    with private_tmp_dir("asisten-ops-") as folder:
        root = folder / "checkout"
        root.mkdir()
        yield root
        devservices.stop_services(root)
        state = root / ".data" / "postgres.json"
        if state.exists():
            shutil.rmtree(json.loads(state.read_text())["pgdata"], ignore_errors=True)


def test_it_starts_both_servers_then_reuses_them_quickly(checkout):
    first = devservices.ensure_services(checkout)
    assert first.started_postgres and first.started_redis

    conn = psycopg2.connect(first.database_url)
    with conn.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        assert cursor.fetchone() == ("asisten",)
    conn.close()
    assert redis.Redis.from_url(first.redis_url).ping()

    started = time.monotonic()
    second = devservices.ensure_services(checkout)
    elapsed = time.monotonic() - started
    assert not (second.started_postgres or second.started_redis)
    assert (second.database_url, second.redis_url) == (first.database_url, first.redis_url)
    # Settings run this on every manage.py call: reuse must not cost seconds.
    assert elapsed < 0.2


def test_it_only_starts_what_is_missing(checkout):
    services = devservices.ensure_services(checkout, postgres=False)
    assert services.database_url is None
    assert services.started_redis
    assert not (checkout / ".data" / "postgres.json").exists()


def test_processes_starting_together_share_one_pair_of_servers(checkout):
    code = (
        "import sys; from pathlib import Path; from marketplace import devservices as d; "
        "s = d.ensure_services(Path(sys.argv[1])); print(s.database_url, s.redis_url)"
    )
    processes = [
        subprocess.Popen(
            [PYTHON, "-c", code, str(checkout)], cwd=REPO, stdout=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    outputs = {process.communicate(timeout=120)[0].strip() for process in processes}
    assert all(process.returncode == 0 for process in processes)
    assert len(outputs) == 1


def test_stopping_keeps_the_data_for_the_next_start(checkout):
    first = devservices.ensure_services(checkout)
    conn = psycopg2.connect(first.database_url)
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("CREATE TABLE kept (id int)")
    conn.close()

    redis_pid = int((checkout / ".data" / "redis" / "redis.pid").read_text())
    devservices.stop_services(checkout)
    assert not process_alive(redis_pid)
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(first.database_url)

    again = devservices.ensure_services(checkout)
    assert again.started_postgres and again.started_redis
    conn = psycopg2.connect(again.database_url)
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM kept")
        assert cursor.fetchone() == (0,)
    conn.close()


def test_it_never_loosens_the_permissions_of_the_folders_above_the_checkout(checkout):
    # pgserver's own helper, run as root, chmods o+rx every parent of the data dir and of
    # the binaries; the folder above this checkout is private (0700) and must stay so.
    parents = [checkout, *list(checkout.parents)[:3]]
    before = {path: path.stat().st_mode for path in parents}
    devservices.ensure_services(checkout, redis=False)
    assert {path: path.stat().st_mode for path in parents} == before
