"""Site-wide pages: home, health check, language switch."""

import redis
from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from marketplace.navigation import safe_next_url


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def _postgres_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any failure means "not answering"
        return False


def _redis_ok() -> bool:
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL,
            socket_connect_timeout=settings.REDIS_SOCKET_TIMEOUT,
            socket_timeout=settings.REDIS_SOCKET_TIMEOUT,
        )
        try:
            return bool(client.ping())
        finally:
            client.close()
    except Exception:  # noqa: BLE001
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Operators' probe: 200 when PostgreSQL and Redis both answer, 503 otherwise."""
    state = {
        "postgres": "ok" if _postgres_ok() else "error",
        "redis": "ok" if _redis_ok() else "error",
    }
    healthy = all(value == "ok" for value in state.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **state}, status=200 if healthy else 503
    )


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Switch language; saved on the account for signed-in users, in a cookie for everyone."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(safe_next_url(request))
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated and request.user.language != language:
        request.user.language = language
        request.user.save(update_fields=["language"])
    translation.activate(language)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
        path=settings.LANGUAGE_COOKIE_PATH,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response
