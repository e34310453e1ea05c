"""Admin pieces: the dashboard on the admin index and the action buttons on object pages."""

from datetime import datetime, time
from urllib.parse import urlencode

from django import template
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from accounts.models import User
from bids.models import Bid
from jobs.models import Job
from moderation.admin_actions import object_buttons
from moderation.models import Report
from notifications.models import Delivery

register = template.Library()


@register.simple_tag
def moderation_admin_css() -> str:
    return format_html('<link rel="stylesheet" href="{}">', static("css/moderation.css"))


@register.simple_tag(takes_context=True)
def moderation_buttons(context, obj) -> str:
    request = context.get("request")
    if request is None:
        return ""
    return render_to_string(
        "admin/moderation/object_buttons.html", {"buttons": object_buttons(request.user, obj)}
    )


def _changelist(model, query: dict) -> str | None:
    meta = model._meta
    try:
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
    except NoReverseMatch:
        return None
    return url + "?" + urlencode(query)


@register.simple_tag(takes_context=True)
def moderation_dashboard(context) -> str:
    """Counts a moderator checks first, each linking to its filtered list (5 queries)."""
    request = context.get("request")
    if request is None:
        return ""
    user = request.user
    # "Today" in the moderator's own timezone (the middleware activated it).
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    since = start.isoformat()
    tiles = []

    def tile(model, label, count_qs, query, alert=False):
        meta = model._meta
        if not user.has_perm(f"{meta.app_label}.view_{meta.model_name}"):
            return
        count = count_qs.count()
        tiles.append(
            {
                "label": label,
                "count": count,
                "url": _changelist(model, query),
                "alert": alert and count,
            }
        )

    tile(
        Report,
        _("open reports"),
        Report.objects.filter(status=Report.Status.OPEN),
        {"status__exact": Report.Status.OPEN},
        alert=True,
    )
    tile(
        Job,
        _("tasks posted today"),
        Job.objects.filter(published_at__gte=start),
        {"published_at__gte": since},
    )
    tile(
        Bid,
        _("bids made today"),
        Bid.objects.filter(created_at__gte=start),
        {"created_at__gte": since},
    )
    tile(
        User,
        _("suspended accounts"),
        User.objects.filter(suspended_at__isnull=False),
        {"suspended_at__isnull": "False"},
    )
    tile(
        Delivery,
        _("failed notification deliveries"),
        Delivery.objects.filter(status=Delivery.Status.FAILED),
        {"status__exact": Delivery.Status.FAILED},
        alert=True,
    )
    return render_to_string("admin/moderation/dashboard.html", {"tiles": tiles})
