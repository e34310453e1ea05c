"""The Celery app: web, worker and beat share it; settings live under CELERY_* in settings."""

import logging
import os
from urllib.parse import urlsplit, urlunsplit

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")

app = Celery("marketplace")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

logger = logging.getLogger("marketplace.worker")

# The line a worker logs once it is ready; tests that start workers wait for it.
STARTUP_PREFIX = "worker start-up:"


@worker_ready.connect
def report_connections(sender=None, **kwargs) -> None:
    """Log, once, which database and broker a fresh worker reached.

    A worker pointed at the wrong server (or none) would otherwise look healthy and fail
    each task later; this line shows an operator, and the tests that start workers, at once.
    """
    from django.db import connection

    from marketplace import dburl

    broker = _without_credentials(app.conf.broker_url)
    try:
        reached = dburl.server_identity(connection)
    except Exception as error:  # noqa: BLE001 - any failure is what this line reports
        logger.error("%s %s unreachable (%s); broker %s", STARTUP_PREFIX, _target(), error, broker)
    else:
        logger.info("%s %s; broker %s", STARTUP_PREFIX, reached, broker)
    finally:
        connection.close()


def _target() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    where = db["HOST"] or "libpq's default socket"
    return f'database "{db["NAME"]}" at {where}' + (f":{db['PORT']}" if db.get("PORT") else "")


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))
