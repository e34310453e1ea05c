"""Gunicorn settings shared by production (Dockerfile, docker compose) and `make bench`."""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# One worker per core is the right start for a CPU-bound Django app on this size of machine.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count()))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
keepalive = 5
max_requests = 5000
max_requests_jitter = 500
# Import the app once in the master and fork workers from it: a worker restarting after
# max_requests then costs a fork instead of a fresh import of Django and every app (about
# 1.3 s of CPU on our 2-core machines, during which that core serves nobody), and workers
# share the imported code's memory. Nothing connects to PostgreSQL or Redis at import.
preload_app = True
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", None)
errorlog = "-"
# The worker heartbeat file lives in memory (a slow disk can make gunicorn kill busy workers);
# uploads still stream to temp files under /tmp (FILE_UPLOAD_MAX_MEMORY_SIZE).
_SHM = "/dev/shm"  # noqa: S108 - gunicorn's heartbeat file only, not user data
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def when_ready(server):
    """Before the first fork: load what every worker would otherwise load on its own first
    requests (marketplace.warmup), so a worker replaced after max_requests starts warm."""
    from marketplace.warmup import warm

    server.log.info("warmed %d templates before forking workers", warm())
