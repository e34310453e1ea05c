"""The admin is for staff who signed in through allauth (rate limits apply) with MFA set up."""

from functools import wraps

from allauth.account.decorators import secure_admin_login
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.admin import AdminSite
from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _


def staff_has_admin_access(user) -> bool:
    """Staff may use the admin only once an authenticator app protects their account."""
    return bool(user.is_authenticated and user.is_active and user.is_staff and is_mfa_enabled(user))


def protect_admin_site(site: AdminSite) -> None:
    """Route the admin login through allauth and keep staff without MFA out.

    Call before `site.urls` is read (the login view is looked up when the URLs are built).
    """
    default_has_permission = site.has_permission

    def has_permission(request: HttpRequest) -> bool:
        return default_has_permission(request) and staff_has_admin_access(request.user)

    def require_mfa(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs):
            user = request.user
            if user.is_authenticated and user.is_staff and not staff_has_admin_access(user):
                messages.warning(
                    request,
                    _(
                        "Set up two-factor authentication with an authenticator app before using the admin."
                    ),
                )
                return redirect("mfa_index")
            return view(request, *args, **kwargs)

        return wrapper

    site.has_permission = has_permission
    site.login = require_mfa(secure_admin_login(site.login))
