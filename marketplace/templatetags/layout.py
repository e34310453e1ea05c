"""`{% site_header %}`: the header every page shows, rendered once per distinct state.

The header depends on little — language, whether the viewer is signed in and as what, the
unread count — yet rendering it (eight URL reversals, translations, two forms) cost as much
as a whole simple page. It is cached as a fragment (marketplace.fragments) under exactly
those values; the two per-request values, the CSRF token and the language switch's `next`
path, are filled in afterwards.
"""

from django import template
from django.conf import settings
from django.utils.html import escape

from marketplace import fragments

register = template.Library()

NEXT_MARKER = "\ue000next\ue000"


@register.simple_tag(takes_context=True)
def site_header(context) -> str:
    request = context["request"]
    user = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    roles = (user.is_client, user.is_va, user.is_staff) if signed_in else None
    unread = context.get("unread_notifications")
    unread = (unread() if callable(unread) else unread) if signed_in else 0

    def build() -> dict:
        return {
            "signed_in": signed_in,
            "is_client": bool(roles and roles[0]),
            "is_va": bool(roles and roles[1]),
            "is_staff": bool(roles and roles[2]),
            "unread_notifications": unread,
            "LANGUAGES": settings.LANGUAGES,
            "next_path": NEXT_MARKER,
        }

    html = fragments.cached("includes/header.html", (signed_in, roles, unread), build)
    return fragments.bind(html.replace(NEXT_MARKER, escape(request.get_full_path())), request)
