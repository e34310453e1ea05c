"""Per-request user context: language, timezone, and signing out suspended users."""

import zoneinfo

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.messages.storage import default_storage
from django.shortcuts import redirect
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _


class SuspendedUserMiddleware:
    """A suspended user is signed out on their next request, whatever session they hold."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.suspended_at is not None:
            language = user.language or translation.get_language()
            logout(request)
            # This runs before MessageMiddleware, so store the message on the response directly;
            # and before the language middleware, so in the user's language by hand.
            storage = default_storage(request)
            with translation.override(language):
                storage.add(
                    messages.ERROR,
                    _("Your account is suspended. Contact support if you think this is a mistake."),
                )
            response = redirect("account_login")
            storage.update(response)
            return response
        return self.get_response(request)


class UserLanguageMiddleware:
    """Language: the signed-in user's saved preference, else cookie / Accept-Language, else English.

    URLs never change with language (no i18n_patterns).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            language = user.language
        else:
            language = translation.get_language_from_request(request)
        # For this request only: whatever this thread runs next (the next request, a test,
        # an eager task) must not inherit the viewer's language.
        with translation.override(language):
            request.LANGUAGE_CODE = translation.get_language()
            response = self.get_response(request)
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        response.headers.setdefault("Content-Language", request.LANGUAGE_CODE)
        return response


class UserTimezoneMiddleware:
    """Show times in the signed-in user's timezone (stored in UTC regardless)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        tzname = (
            getattr(user, "timezone", None) if user is not None and user.is_authenticated else None
        )
        zone = None  # the default time zone
        if tzname:
            try:
                zone = zoneinfo.ZoneInfo(tzname)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                zone = None
        with timezone.override(zone):  # for this request only, as the language
            return self.get_response(request)
