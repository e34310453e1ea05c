from functools import cache

from django.conf import settings


def site(request):
    context = {"SITE_URL": settings.SITE_URL, "LANGUAGES": settings.LANGUAGES}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        # A cached callable: templates call it, so the count runs once and only if shown.
        context["unread_notifications"] = cache(lambda: _unread_count(user))
    return context


def _unread_count(user) -> int:
    # Read with the user on sign-in pages (settings.USER_REQUEST_ANNOTATIONS); otherwise one
    # indexed count (partial index on unread rows), run only if the page shows the badge.
    counted = getattr(user, "unread_notifications_count", None)
    if counted is not None:
        return counted
    from django.apps import apps

    return apps.get_model("notifications", "Notification").objects.unread_count(user)
