"""One settings module for every environment; only environment variables differ.

A `.env` file in the checkout (written by `make run` / `make test` from `.env.example`) is
read first, so `manage.py` works in a quick-start checkout with nothing exported. Production
sets real variables and has no `.env`: with DEBUG off, a missing SECRET_KEY or DATABASE_URL
stops start-up instead of falling back to something unsafe.
"""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from marketplace import dburl

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env("SECRET_KEY", default="insecure-dev-key-only-for-debug")
else:
    SECRET_KEY = env("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")

# Quick start: with no DATABASE_URL / REDIS_URL and DEBUG on, start (or reuse) a private
# PostgreSQL and Redis under the checkout's .data/. Production must name its servers.
if not env("DATABASE_URL", default="") or not env("REDIS_URL", default=""):
    if not DEBUG:
        raise ImproperlyConfigured("DATABASE_URL and REDIS_URL must be set when DEBUG is off.")
    from marketplace import devservices

    devservices.configure_environ(BASE_DIR)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.postgres",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_htmx",
    "csp",
    "marketplace",
    "accounts",
    "jobs",
    "bids",
    "contracts",
    "notifications",
    "moderation",
    "directory",
    "payments",
    "demo",
    "live",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "api",
    "webhooks",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SuspendedUserMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
WSGI_APPLICATION = "marketplace.wsgi.application"
ASGI_APPLICATION = "marketplace.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "marketplace.context_processors.site",
            ],
            "builtins": ["marketplace.templatetags.money"],
        },
    },
]

# --- Data -------------------------------------------------------------------------------
# Through dburl, not env.db() alone: a unix-socket server ends up in HOST, where every reader
# of the settings (dbshell, child processes the tests start) looks for it.
DATABASES = {"default": dburl.settings_from_url(env("DATABASE_URL"))}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("OPTIONS", {})["connect_timeout"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Hot read queries are prepared on the server once per connection (marketplace.prepared).
# Turn off behind a connection pooler that shares sessions between clients (PgBouncer in
# transaction mode), where a session's prepared statements are not its own.
DATABASE_SERVER_PREPARED = env.bool("DATABASE_SERVER_PREPARED", default=True)

REDIS_URL = env("REDIS_URL")
if (_xdist_worker := os.environ.get("PYTEST_XDIST_WORKER")) and not os.environ.get(
    "XDIST_REDIS_SET"
):
    # Parallel test workers (pytest-xdist) each get their own Redis database, so one
    # worker's cache flush or Celery queue never touches another's. Tests only; the result
    # goes back into the environment so subprocesses (Celery workers) use the same one.
    _redis_base, _slash, _redis_db = REDIS_URL.rpartition("/")
    _redis_index = int(_redis_db) if _redis_db.isdigit() else 0
    _redis_offset = 1 + int(_xdist_worker.removeprefix("gw"))
    # Count up from the given db, or down when that would pass db 15 (never wrap onto db 0).
    _redis_index = (
        _redis_index + _redis_offset
        if _redis_index + _redis_offset <= 15
        else _redis_index - _redis_offset
    )
    REDIS_URL = f"{_redis_base}/{_redis_index}"
    os.environ["REDIS_URL"] = REDIS_URL
    os.environ["XDIST_REDIS_SET"] = "1"
# Short socket timeouts everywhere Redis is touched: a dead Redis must make a request fail
# fast (and degrade), never hang it.
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=1.0)
CACHES = {
    "default": {
        "BACKEND": "marketplace.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="asisten"),
        "OPTIONS": {
            "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
            "socket_timeout": REDIS_SOCKET_TIMEOUT,
        },
    },
    # Only an optimisation (page fragments, search results): misses when Redis is down.
    "fragments": {
        "BACKEND": "marketplace.cache.FailSoftRedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="asisten") + "-fragments",
        "OPTIONS": {
            "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
            "socket_timeout": REDIS_SOCKET_TIMEOUT,
        },
    },
}
SESSION_ENGINE = "django.contrib.sessions.backends.cache"

# --- Auth (allauth) ---------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
# Django's and allauth's backends, with a user lookup compiled once (accounts/backends.py).
AUTHENTICATION_BACKENDS = [
    "accounts.backends.ModelBackend",
    "accounts.backends.AuthenticationBackend",
]
# Read with the signed-in user's row on every request: what every page's header shows.
USER_REQUEST_ANNOTATIONS = ["notifications.models.unread_count_annotation"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_RATE_LIMITS = {
    # allauth's defaults, written out so they are visible and testable.
    "login_failed": "5/5m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}
# Our own actions, per person per hour (marketplace.ratelimit); allauth's are above.
ACTION_RATE_LIMITS = {
    "bid_submit": env.int("RATE_LIMIT_BIDS", default=60),
    "job_create": env.int("RATE_LIMIT_JOBS", default=30),
    "invitation_send": env.int("RATE_LIMIT_INVITATIONS", default=100),
    "message_send": env.int("RATE_LIMIT_MESSAGES", default=300),
    "report": env.int("RATE_LIMIT_REPORTS", default=10),
    "payment_fund": env.int("RATE_LIMIT_FUNDING", default=30),
    "payout_request": env.int("RATE_LIMIT_WITHDRAWALS", default=10),
    "dispute_open": env.int("RATE_LIMIT_DISPUTES", default=10),
    # Every API call, per token (per person for the session); issue 19.
    "api": env.int("RATE_LIMIT_API", default=5000),
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Asisten] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# Extra sign-up fields (name, role) mixed into allauth's own sign-up form.
ACCOUNT_SIGNUP_FORM_CLASS = "accounts.forms.SignupForm"
# Verifying the address in the browser that signed up finishes the sign-in (then profile edit).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_CHANGE_EMAIL = True
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Asisten"

# --- Internationalisation ---------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("id", _("Bahasa Indonesia"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "UTC"
USE_TZ = True
# The timezone new users start with; most of our users are in Western Indonesia.
DEFAULT_USER_TIMEZONE = "Asia/Jakarta"

# --- Static files and uploads -----------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / ".data" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / ".data" / "media")))
MEDIA_URL = "media/"
# Private files (work samples, manual attachments, message files) never live under MEDIA_ROOT.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / ".data" / "private")))

STORAGE_BACKEND = env("STORAGE_BACKEND", default="local")
AWS_S3_ENDPOINT_URL = env("S3_ENDPOINT_URL", default=None)
AWS_ACCESS_KEY_ID = env("AWS_ACCESS_KEY_ID", default=None)
AWS_SECRET_ACCESS_KEY = env("AWS_SECRET_ACCESS_KEY", default=None)
AWS_S3_REGION_NAME = env("AWS_S3_REGION_NAME", default="us-east-1")
AWS_PRIVATE_BUCKET_NAME = env("AWS_PRIVATE_BUCKET_NAME", default="asisten-private")
AWS_PUBLIC_BUCKET_NAME = env("AWS_PUBLIC_BUCKET_NAME", default="asisten-public")
PRESIGNED_URL_SECONDS = 300

_public_local = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(MEDIA_ROOT), "base_url": "/media/"},
}
_private_local = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
}
_s3_common = {
    "endpoint_url": AWS_S3_ENDPOINT_URL,
    "access_key": AWS_ACCESS_KEY_ID,
    "secret_key": AWS_SECRET_ACCESS_KEY,
    "region_name": AWS_S3_REGION_NAME,
    "file_overwrite": False,
}
_public_s3 = {
    "BACKEND": "storages.backends.s3.S3Storage",
    "OPTIONS": {**_s3_common, "bucket_name": AWS_PUBLIC_BUCKET_NAME, "querystring_auth": False},
}
_private_s3 = {
    "BACKEND": "storages.backends.s3.S3Storage",
    "OPTIONS": {
        **_s3_common,
        "bucket_name": AWS_PRIVATE_BUCKET_NAME,
        "default_acl": "private",
        "querystring_auth": True,
        "querystring_expire": PRESIGNED_URL_SECONDS,
    },
}
STORAGES = {
    "default": _public_s3 if STORAGE_BACKEND == "s3" else _public_local,
    # Work samples, manual attachments and message files: reached only through views that
    # check permission first (marketplace.storage).
    "private": _private_s3 if STORAGE_BACKEND == "s3" else _private_local,
    "staticfiles": {
        "BACKEND": "marketplace.staticfiles.StaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
# Uploads above this size go to a temporary file instead of memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 1 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FILES = 20
SAMPLE_MAX_FILE_BYTES = env.int("SAMPLE_MAX_FILE_BYTES", default=10 * 1024 * 1024)
SAMPLE_MAX_BID_BYTES = env.int("SAMPLE_MAX_BID_BYTES", default=25 * 1024 * 1024)
SAMPLE_MAX_COUNT = 5

# --- Email ------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Asisten <no-reply@asisten.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -----------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 5 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 4 * 60
CELERY_TIMEZONE = "UTC"
# Enqueueing happens on commit inside a request: a dead broker must fail in about a second,
# not retry for minutes. The outbox sweep sends whatever could not be enqueued.
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_timeout": 2,
    "socket_connect_timeout": 1,
    "visibility_timeout": 60 * 60,
    "max_retries": 0,
}
CELERY_TASK_PUBLISH_RETRY = False
# Notification email retries back off base, 2×base, 4×base… seconds; `failed` after the last.
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=5)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.float("NOTIFICATIONS_RETRY_BASE_SECONDS", default=30)
# Outgoing webhooks (issue 19): each delivery is tried at once, then after each wait in the
# schedule (seconds; 1 min, 5 min, 30 min, 2 h, 12 h), then `failed`; an endpoint with this
# many failed tries in a row is turned off and its owner told.
WEBHOOKS_RETRY_SCHEDULE = env.list("WEBHOOKS_RETRY_SCHEDULE", default=[60, 300, 1800, 7200, 43200])
WEBHOOKS_DISABLE_AFTER_FAILURES = env.int("WEBHOOKS_DISABLE_AFTER_FAILURES", default=15)
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=5)
# Days a finished delivery (and its attempts) stays in the endpoint's log; pruned daily.
WEBHOOKS_RETENTION_DAYS = env.int("WEBHOOKS_RETENTION_DAYS", default=30)
# http://localhost and http://127.0.0.1 endpoints, for development and tests only.
WEBHOOKS_ALLOW_HTTP_LOCALHOST = env.bool("WEBHOOKS_ALLOW_HTTP_LOCALHOST", default=DEBUG)
CELERY_BEAT_SCHEDULE: dict = {
    "webhooks-sweep": {"task": "webhooks.tasks.sweep_outbox", "schedule": 60.0},
    "webhooks-prune": {"task": "webhooks.tasks.prune_deliveries", "schedule": 86400.0},
    # Each app adds its periodic tasks here, e.g. "jobs-auto-close".
    "notifications-sweep": {"task": "notifications.tasks.sweep_outbox", "schedule": 60.0},
    # Hourly: each user's digest goes out when it is 08:00 where they live.
    "notifications-daily-digest": {
        "task": "notifications.tasks.send_daily_digests",
        "schedule": 3600.0,
    },
    "jobs-auto-close": {"task": "jobs.tasks.close_expired_jobs", "schedule": 300.0},
    "jobs-closing-soon": {"task": "jobs.tasks.notify_jobs_closing_soon", "schedule": 900.0},
    "moderation-scan": {"task": "moderation.tasks.scan_recent_content", "schedule": 60.0},
    "bids-interview-reminders": {"task": "bids.tasks.send_interview_reminders", "schedule": 300.0},
    # Hourly: reviews that became visible because their review window closed.
    "contracts-va-stats": {
        "task": "contracts.tasks.refresh_va_stats_for_closed_review_windows",
        "schedule": 3600.0,
    },
    # Stored webhook events whose processing task was lost (broker down, worker killed).
    "payments-webhook-sweep": {"task": "payments.tasks.sweep_webhook_events", "schedule": 60.0},
    "payments-auto-release": {"task": "payments.tasks.auto_release_deliveries", "schedule": 900.0},
    # Daily at 02:00 (CELERY_TIMEZONE): yesterday's ledger against each provider's records.
    "payments-reconcile": {
        "task": "payments.tasks.reconcile_yesterday",
        "schedule": crontab(hour=2, minute=0),
    },
}

# --- Security ---------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# --- Live updates (issue 18) ----------------------------------------------------------------
# WebSockets are served by a separate ASGI process (uvicorn marketplace.asgi:application);
# the channel layer lives on the same Redis as everything else, under its own key prefix.
CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            "hosts": [
                {
                    "address": env("CHANNEL_LAYER_URL", default=REDIS_URL),
                    # redis-py's asyncio pool stops at 100 connections and then raises: a
                    # live process joins or leaves a group per socket, and a thousand pages
                    # reconnecting at once (a restart) must not fail there.
                    "max_connections": env.int("CHANNEL_LAYER_MAX_CONNECTIONS", default=1000),
                    "socket_connect_timeout": REDIS_SOCKET_TIMEOUT,
                }
            ],
            "prefix": env("CHANNEL_LAYER_PREFIX", default="asisten-live"),
            "expiry": 30,
        },
    }
}
# How long a committed write may spend handing its events to Redis (never an error).
LIVE_PUSH_TIMEOUT = env.float("LIVE_PUSH_TIMEOUT", default=REDIS_SOCKET_TIMEOUT)
# How long events are kept for catch-up; a page offline longer reloads instead.
LIVE_EVENT_RETENTION = env.int("LIVE_EVENT_RETENTION", default=2 * 24 * 3600)
# Where pages open their socket: the same origin's /ws/live/ (a proxy routes /ws/ to the
# ASGI process) unless a port is given; `make run` gives the ASGI process's own port.
LIVE_WEBSOCKET_PORT = env.int("LIVE_WEBSOCKET_PORT", default=None)
LIVE_WEBSOCKET_PATH = "/ws/live/"
if LIVE_WEBSOCKET_PORT:
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["connect-src"] = [
        "'self'",
        *(
            f"{scheme}://{host}:{LIVE_WEBSOCKET_PORT}"
            for host in ALLOWED_HOSTS
            if host not in ("*", "testserver") and not host.startswith(".")
            for scheme in ("ws", "wss")
        ),
    ]
CELERY_BEAT_SCHEDULE["live-prune"] = {"task": "live.tasks.prune_events", "schedule": 3600.0}

# The benchmark's ceiling page (demo/views.py); only bench/run.py turns it on.
BENCHMARK_VIEWS = env.bool("BENCHMARK_VIEWS", default=False)

# Moderation: hold a first-time client's published task until a moderator approves it.
MODERATION_PREAPPROVAL = env.bool("MODERATION_PREAPPROVAL", default=False)
# Called by jobs.services.job_publish; returns True when the job is held for approval.
JOB_PUBLISH_HOLD = "moderation.services.job_hold_for_approval"

# --- Payments (issue 17) -----------------------------------------------------------------
# contracts never imports payments: its services call these hooks inside their transaction.
CONTRACT_DELIVERABLE_APPROVED_HOOK = "payments.services.on_deliverable_approved"
CONTRACT_ENDED_HOOK = "payments.services.on_contract_ended"
CONTRACT_COMPLETE_HOOK = "payments.services.on_contract_completing"
CONTRACT_WEEK_APPROVED_HOOK = "payments.services.on_week_approved"
# Extra panels on the contract workspace: callables (request=, contract=) -> HTML.
CONTRACT_WORKSPACE_PANELS = ["payments.views.workspace_panel"]
# The platform's share of each release, in percent of the funded amount.
PLATFORM_FEE_PERCENT = env.str("PLATFORM_FEE_PERCENT", default="10")
# The VA directory's rate sorts compare dollar and Rupiah rates at this many Rupiah to the
# dollar (an ordering aid: rates are always shown in their own currency).
RATE_SORT_IDR_PER_USD = env.int("RATE_SORT_IDR_PER_USD", default=16000)
# The built-in sandbox provider (our own checkout page and signed webhooks): on by default
# in development and tests only, never silently in production.
PAYMENTS_SANDBOX = env.bool("PAYMENTS_SANDBOX", default=DEBUG)
# The real providers, each used for its currency once its key is set (else the sandbox, if
# on): Xendit for Rupiah (hosted invoices: virtual account, e-wallet, QRIS, card; payouts
# for withdrawals), Stripe for dollars (Checkout Sessions; Connect transfers). Only through
# their official SDKs. The *_API_BASE settings exist for the tests' local fake servers.
XENDIT_SECRET_KEY = env.str("XENDIT_SECRET_KEY", default="")
XENDIT_WEBHOOK_TOKEN = env.str("XENDIT_WEBHOOK_TOKEN", default="")
XENDIT_API_BASE = env.str("XENDIT_API_BASE", default="https://api.xendit.co").rstrip("/")
STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="https://api.stripe.com").rstrip("/")
# Seconds an outgoing provider call may take before the user is told to try again.
PAYMENTS_PROVIDER_TIMEOUT = env.float("PAYMENTS_PROVIDER_TIMEOUT", default=10.0)
if XENDIT_SECRET_KEY and not XENDIT_WEBHOOK_TOKEN:
    raise ImproperlyConfigured("XENDIT_WEBHOOK_TOKEN must be set with XENDIT_SECRET_KEY.")
if STRIPE_SECRET_KEY and not STRIPE_WEBHOOK_SECRET:
    raise ImproperlyConfigured("STRIPE_WEBHOOK_SECRET must be set with STRIPE_SECRET_KEY.")
# A delivery the client neither approves nor sends back within this many days is approved
# automatically and its escrow released; both sides are warned the given days before.
PAYMENTS_AUTO_RELEASE_DAYS = env.int("PAYMENTS_AUTO_RELEASE_DAYS", default=14)
PAYMENTS_AUTO_RELEASE_WARN_DAYS = [3, 1]
# The smallest withdrawal per currency (a VA withdraws their whole available balance).
PAYOUT_MINIMUM = {
    "IDR": env.str("PAYOUT_MINIMUM_IDR", default="50000"),
    "USD": env.str("PAYOUT_MINIMUM_USD", default="10"),
}
# The bid review page shows each VA's rating, which the contracts app computes; bids never
# imports contracts, so the object that adds it to the page's query is named here.
BID_REVIEW_RATINGS = "contracts.ratings.BID_REVIEW_RATINGS"

# Where generated video rooms live; a self-hosted Jitsi is one variable away.
VIDEO_ROOM_BASE_URL = env("VIDEO_ROOM_BASE_URL", default="https://meet.jit.si").rstrip("/")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
}

# --- Public API (issue 19) ----------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.TokenAuthentication",
        "api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.HourlyThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.MultiPartParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.errors.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Asisten API",
    "DESCRIPTION": "Everything a browser user can do on Asisten, for programs.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One schema name per choice set (several models have a `status`).
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "jobs.models.Job.Status",
        "BidStatusEnum": "bids.models.Bid.Status",
        "ContractStatusEnum": "contracts.models.Contract.Status",
        "PayTypeEnum": "jobs.models.Job.PayType",
        "DurationEnum": "jobs.models.Job.Duration",
        "CurrencyEnum": "accounts.models.CURRENCY_CHOICES",
    },
}
