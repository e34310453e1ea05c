"""Quick-start launcher and process supervisor (`make run`, `make test`).

    python scripts/run.py serve [--host 127.0.0.1] [--port 8000]
        private PostgreSQL + Redis (unless DATABASE_URL / REDIS_URL are set), migrate,
        demo data, then the Celery worker, Celery beat, the web server and the live-updates
        WebSocket server (uvicorn, on PORT + 1) in one terminal.
    python scripts/run.py exec -- COMMAND ...
        the same private services around one command (the test suite).

Ctrl-C or SIGTERM stops every process this started, including the private servers when
this run started them (servers that were already running are left alone, so a second
terminal keeps working). Each child runs in its own session, so a Ctrl-C reaches only this
supervisor, which then stops the children in order and waits for them.
"""

from __future__ import annotations

import argparse
import faulthandler
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

STOP_TIMEOUT = 10.0
READY_TIMEOUT = 90.0


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="scripts/run.py")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the whole stack for development")
    serve.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    serve.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    run = sub.add_parser("exec", help="run one command with the private services")
    run.add_argument("argv", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    # `kill -USR1 <pid>` prints where the supervisor is, should it ever seem stuck.
    faulthandler.register(signal.SIGUSR1)
    _read_dotenv()
    held: list = []
    if args.command == "serve":
        # Hold the web and live ports while the private servers start: the private Redis
        # asks the kernel for any free port, and could otherwise be handed the live one.
        os.environ.setdefault("LIVE_WEBSOCKET_PORT", str(args.port + 1))
        held = _hold_ports(args.host, [args.port, int(os.environ["LIVE_WEBSOCKET_PORT"])])
    services = _ensure_services()
    for sock in held:
        sock.close()
    try:
        if args.command == "serve":
            return _serve(args.host, args.port)
        command = args.argv[1:] if args.argv[:1] == ["--"] else args.argv
        if not command:
            parser.error("exec needs a command")
        return _exec(command)
    finally:
        if services is not None and (services.started_postgres or services.started_redis):
            from marketplace import devservices

            _say("stopping the private PostgreSQL and Redis this run started")
            devservices.stop_services(
                BASE_DIR, postgres=services.started_postgres, redis=services.started_redis
            )


def _hold_ports(host: str, ports: list[int]) -> list:
    """Bind each port now (without listening), or stop with a clear message if taken."""
    import socket

    held = []
    for port in ports:
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            sock.close()
            for other in held:
                other.close()
            _say(f"port {port} on {host} is in use ({error.strerror}); choose another PORT")
            sys.exit(2)
        held.append(sock)
    return held


def _read_dotenv() -> None:
    """Load .env the way settings does (real environment variables win)."""
    import environ

    if (BASE_DIR / ".env").is_file():
        environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _ensure_services():
    """Start (or reuse) the private servers for whatever URL is missing, and export the
    URLs so every child finds them without asking again."""
    missing_db = not os.environ.get("DATABASE_URL")
    missing_redis = not os.environ.get("REDIS_URL")
    if not (missing_db or missing_redis):
        return None
    if os.environ.get("DEBUG", "").lower() not in ("1", "true", "yes", "on"):
        _say("DATABASE_URL and REDIS_URL are not set and DEBUG is off: set them, or DEBUG=1")
        sys.exit(2)
    from marketplace import devservices

    return devservices.ensure_services(
        BASE_DIR, postgres=missing_db, redis=missing_redis, export=True
    )


def _exec(command: list[str]) -> int:
    # The command stays in our process group: Ctrl-C reaches it directly (pytest stops
    # cleanly on its own); we only wait and pass its exit status on.
    process = subprocess.Popen(command, cwd=BASE_DIR)  # noqa: S603 - the developer's command
    while True:
        try:
            return process.wait()
        except KeyboardInterrupt:
            continue


def _serve(host: str, port: int) -> int:
    python = sys.executable
    manage = str(BASE_DIR / "manage.py")
    if subprocess.run([python, manage, "migrate", "--noinput"], cwd=BASE_DIR).returncode:  # noqa: S603
        return 1
    demo = subprocess.run(  # noqa: S603
        [python, manage, "demo_data"], cwd=BASE_DIR, stdout=subprocess.PIPE, text=True
    )
    print(demo.stdout, end="", flush=True)
    if demo.returncode:
        return 1

    supervisor = Supervisor()
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    schedule = BASE_DIR / ".data" / "celerybeat-schedule"
    try:
        celery = [python, "-m", "celery", "-A", "marketplace"]
        supervisor.start("worker", [*celery, "worker", "-l", "INFO", "--concurrency", "2"])
        supervisor.start("beat", [*celery, "beat", "-l", "INFO", "--schedule", str(schedule)])
        # WebSockets: a separate ASGI process; pages find it through LIVE_WEBSOCKET_PORT
        # (PORT + 1 unless set; main() checked and held it).
        live_port = int(os.environ["LIVE_WEBSOCKET_PORT"])
        supervisor.start("live", [*live_command(python), "--host", host, "--port", str(live_port)])
        supervisor.start("web", [python, manage, "runserver", f"{host}:{port}"])
        threading.Thread(
            target=_announce, args=(supervisor, host, port, demo.stdout), daemon=True
        ).start()
        return supervisor.wait()
    finally:
        supervisor.stop_all()


def live_command(python: str) -> list[str]:
    """The ASGI server for the live-updates WebSockets (also started by the tests)."""
    return [
        python,
        "-m",
        "uvicorn",
        "marketplace.asgi:application",
        "--ws",
        "websockets",
        # Our frames are small JSON; a zlib context per direction per socket would cost
        # more memory (about 100 KiB a connection) than compression saves bandwidth.
        "--ws-per-message-deflate",
        "false",
        # Frames are a few KiB at most; refuse anything large before buffering it.
        "--ws-max-size",
        "65536",
        "--no-access-log",
        "--lifespan",
        "off",
    ]


def _announce(supervisor: Supervisor, host: str, port: int, demo_output: str) -> None:
    url = f"http://{host}:{port}/"
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline and not supervisor.stopping.is_set():
        try:
            with urllib.request.urlopen(url + "healthz", timeout=2):  # noqa: S310 - local URL
                break
        except urllib.error.HTTPError:
            break  # it answers; /healthz says what is down
        except OSError:
            time.sleep(0.5)
    else:
        return
    banner = f"Asisten is running at {url} (Ctrl-C stops everything)"
    with supervisor.print_lock:
        print(f"\n{'=' * len(banner)}\n{banner}\n{'=' * len(banner)}", flush=True)
        if demo_output.strip():
            print(demo_output, end="" if demo_output.endswith("\n") else "\n", flush=True)


class Supervisor:
    """Runs named children, prefixes their output, stops them all on the first exit."""

    def __init__(self) -> None:
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = threading.Event()
        self.stop_requested = False
        self.print_lock = threading.Lock()

    def start(self, name: str, command: list[str]) -> None:
        process = subprocess.Popen(  # noqa: S603 - our own fixed commands
            command,
            cwd=BASE_DIR,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.children[name] = process
        threading.Thread(target=self._pump, args=(name, process), daemon=True).start()

    def _pump(self, name: str, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None  # noqa: S101 - set by Popen above
        for raw in iter(process.stdout.readline, b""):
            line = raw.decode(errors="replace").rstrip("\n")
            with self.print_lock:
                print(f"{name:<6} | {line}", flush=True)

    def request_stop(self, signum: int, frame: object) -> None:
        # Only a plain flag here: a signal handler that takes a lock (Event.set does) can
        # deadlock against the main thread that was holding it when the signal arrived.
        self.stop_requested = True

    def wait(self) -> int:
        """Block until a stop is requested or a child exits; return the exit status."""
        while not self.stop_requested:
            for name, process in self.children.items():
                if process.poll() is not None:
                    _say(f"{name} exited with status {process.returncode}; stopping the rest")
                    return process.returncode or 1
            time.sleep(0.2)
        return 0

    def stop_all(self) -> None:
        self.stopping.set()
        for process in self.children.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for process in self.children.values():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait()
        # Reap whatever the children left in their sessions (runserver's reloader child,
        # Celery's pool processes), by the process-group ids we created.
        for process in self.children.values():
            _signal_group(process, signal.SIGKILL)


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _say(message: str) -> None:
    print(f"run: {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
