"""`{% site_header %}`: the header every page shows, rendered once per distinct state.

The header depends on little — language, whether the viewer is signed in and as what, the
unread count — yet rendering it (eight URL reversals, translations, two forms) cost as much
as a whole simple page. It is cached as a fragment (marketplace.fragments) under exactly
those values; the two per-request values, the CSRF token and the language switch's `next`
path, are filled in afterwards (by fragments.page for a page cached whole).
"""

from django import template
from django.conf import settings
from django.utils.safestring import mark_safe

from marketplace import fragments

register = template.Library()


@register.simple_tag(takes_context=True)
def site_header(context) -> str:
    request = context["request"]
    signed_in, roles, unread = fragments.header_state(request)

    def build() -> dict:
        return {
            "signed_in": signed_in,
            "is_client": bool(roles and roles[0]),
            "is_va": bool(roles and roles[1]),
            "is_staff": bool(roles and roles[2]),
            "unread_notifications": unread,
            "LANGUAGES": settings.LANGUAGES,
            "next_path": fragments.PATH_MARKER,
        }

    html = fragments.cached("includes/header.html", (signed_in, roles, unread), build)
    if context.get("fragments_page"):
        return mark_safe(html)  # noqa: S308 - the whole page is bound (fragments.page)
    return fragments.bind(html, request)
