"""`make bench-live`: 1,000 signed-in sockets on one `live` (uvicorn) process; one event a
second to 100 of them; delivery latency p50 / p99 and memory per idle connection.

A benchmark, not a test: it prints figures for the README and fails only when something
does not work (a socket refused, an event lost). Runs on whatever DATABASE_URL / REDIS_URL
scripts/run.py gives it (the private servers by default). It makes its own users
(bench-live-N@example.invalid) and sessions, and deletes them at the end. The latency is
from just before `live.services.publish_each` (the database write, the commit and the push
through Redis) to the frame arriving in this process, which also runs all 1,000 clients:
on a 2-core machine both sides share the cores.
"""

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.sessions.backends.cache import SessionStore  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from accounts.models import User  # noqa: E402
from live import services  # noqa: E402
from scripts.run import live_command  # noqa: E402

EMAIL = "bench-live-{}@example.invalid"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def make_users(count: int) -> list[User]:
    User.objects.filter(email__startswith="bench-live-").delete()
    users = [User(email=EMAIL.format(i), name=f"Bench {i}", is_va=True) for i in range(count)]
    for user in users:
        user.set_unusable_password()
    return User.objects.bulk_create(users)


def session_cookie(user: User) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def start_server(port: int, log: Path) -> subprocess.Popen:
    process = subprocess.Popen(  # noqa: S603 - our own command
        [*live_command(sys.executable), "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310
                return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    sys.exit(f"the live server did not start; see {log}")


async def open_sockets(url: str, cookies: list[str], origin: str, batch: int = 50) -> list:
    async def one(cookie: str):
        socket = await connect(
            url, additional_headers={"Cookie": cookie}, origin=origin, open_timeout=30
        )
        await socket.send(json.dumps({"type": "resume", "elapsed_ms": 0}))
        if json.loads(await socket.recv())["type"] != "ready":
            raise RuntimeError("the socket did not resume")
        return socket

    sockets = []
    for start in range(0, len(cookies), batch):
        sockets += await asyncio.gather(*(one(c) for c in cookies[start : start + batch]))
    return sockets


async def measure(args) -> None:
    users = await asyncio.to_thread(make_users, args.sockets)
    cookies = await asyncio.to_thread(lambda: [session_cookie(u) for u in users])
    port = args.port
    server = start_server(port, ROOT / ".data" / "bench-live.log")
    url = f"ws://127.0.0.1:{port}{settings.LIVE_WEBSOCKET_PATH}"
    origin = f"http://127.0.0.1:{port}"
    try:
        warm = await open_sockets(url, cookies[:1], origin)
        await warm[0].close()
        await asyncio.sleep(1)
        before = rss_kib(server.pid)
        started = time.monotonic()
        sockets = await open_sockets(url, cookies, origin)
        opened = time.monotonic() - started
        await asyncio.sleep(2)
        after = rss_kib(server.pid)

        targets = list(range(args.receivers))
        latencies: list[float] = []
        ticks: list[float] = []
        got: dict[int, int] = {}

        async def listen(index: int) -> None:
            async for frame in sockets[index]:
                message = json.loads(frame)
                if message.get("kind") == "bench":
                    latencies.append(time.time() - message["data"]["t"])
                    got[index] = got.get(index, 0) + 1

        listeners = [asyncio.create_task(listen(i)) for i in targets]
        for _ in range(args.seconds):
            tick = time.monotonic()
            data = {users[i].pk: {"t": time.time()} for i in targets}
            await asyncio.to_thread(services.publish_each, kind="bench", data_by_user=data)
            ticks.append(time.monotonic() - tick)
            await asyncio.sleep(max(0.0, 1 - (time.monotonic() - tick)))
        await asyncio.sleep(2)
        for task in listeners:
            task.cancel()
        expected = args.seconds * args.receivers
        print(
            f"publish (write, commit, push to Redis) per tick: median "
            f"{statistics.median(ticks) * 1000:.1f} ms, max {max(ticks) * 1000:.1f} ms"
        )
        closed = [s.close_code for s in sockets if s.close_code is not None]
        if closed:
            print(f"sockets closed during the run: {len(closed)} (codes {sorted(set(closed))})")
        short = {i: n for i, n in got.items() if n != args.seconds}
        if short or len(got) != args.receivers:
            print(
                f"receivers short of events: {len(short)} (+{args.receivers - len(got)} with none)"
            )
        latencies.sort()
        per_connection = (after - before) / args.sockets
        print(
            f"sockets open: {len(sockets)} in {opened:.1f} s; uvicorn RSS {before / 1024:.1f} MiB "
            f"idle -> {after / 1024:.1f} MiB with {len(sockets)} sockets"
        )
        print(f"memory per idle connection: {per_connection:.1f} KiB")
        print(
            f"events: {len(latencies)} of {expected} delivered "
            f"({args.receivers} receivers x {args.seconds} s)"
        )
        if latencies:
            p50 = statistics.median(latencies) * 1000
            p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000
            print(
                f"delivery latency: p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {latencies[-1] * 1000:.1f} ms"
            )
        await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)
        if len(latencies) != expected:
            sys.exit("some events were not delivered")
    finally:
        server.terminate()
        server.wait(10)
        await asyncio.to_thread(
            lambda: User.objects.filter(email__startswith="bench-live-").delete()
        )


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench/live.py")
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--receivers", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 4 * args.sockets + 256)), hard))
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
