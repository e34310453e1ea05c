"""Site-wide pages: home, health check, language switch."""

import asyncio

import redis
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
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


def _channel_layer_ok() -> bool:
    """A message round trip through the live updates' channel layer (its own Redis keys)."""
    layer = get_channel_layer()
    if layer is None:
        return False

    async def round_trip() -> bool:
        async with asyncio.timeout(settings.REDIS_SOCKET_TIMEOUT * 2):
            channel = await layer.new_channel("healthz.")
            await layer.send(channel, {"type": "healthz"})
            return (await layer.receive(channel)).get("type") == "healthz"

    try:
        return async_to_sync(round_trip)()
    except Exception:  # noqa: BLE001
        return False


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Operators' probe: 200 when PostgreSQL, Redis and the channel layer answer, else 503."""
    state = {
        "postgres": "ok" if _postgres_ok() else "error",
        "redis": "ok" if _redis_ok() else "error",
        "channel_layer": "ok" if _channel_layer_ok() else "error",
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
