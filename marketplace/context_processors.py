from functools import cache

from django.conf import settings

from marketplace.fragments import header_state


def site(request):
    context = {
        "SITE_URL": settings.SITE_URL,
        "LANGUAGES": settings.LANGUAGES,
        "LIVE_WEBSOCKET_PATH": settings.LIVE_WEBSOCKET_PATH,
        "LIVE_WEBSOCKET_PORT": settings.LIVE_WEBSOCKET_PORT or "",
    }
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # Read with the user (settings.USER_REQUEST_ANNOTATIONS), else counted once if shown.
        context["unread_notifications"] = cache(lambda: header_state(request)[2])
    return context
