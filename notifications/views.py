"""Notification centre, preferences, job alerts and one-click unsubscribe."""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from marketplace import fragments, prepared
from marketplace.paging import numbered_page
from marketplace.templatetags.money import DECIMALS
from notifications import kinds, services
from notifications.forms import JobAlertForm, PreferencesForm
from notifications.models import JobAlert, Notification, Preference
from notifications.rendering import render_summary

PAGE_SIZE = 30


# A row's state. A notification's kind, data and time never change once written, so its id
# stands for them; its actor's name may change, and read_at is what the reader changes.
_ROW_STATE = ("id", "actor_id", "actor__name", "read_at")


@login_required
def centre(request: HttpRequest) -> HttpResponse:
    """The user's notifications, unread first, each rendered in the viewer's language.

    Per request: the count and the page's row states through compiled queries; a row's
    HTML, and the page around the rows, are rendered only when their state (in this
    language and time zone) is new.
    """
    user = request.user
    count = prepared.count(
        ("notification-centre-count",),
        lambda v: Notification.objects.filter(recipient_id=v["user"]).order_by().values_list("pk"),
        user=user.pk,
    )
    # Only the count is needed to page; the rows are read below, for this page alone.
    page, offset = numbered_page(count, request.GET.get("page"), PAGE_SIZE)
    states = prepared.rows(
        ("notification-centre-page", offset),
        lambda v: (
            Notification.objects.filter(recipient_id=v["user"])
            .order_by(F("read_at").desc(nulls_first=True), "-created_at", "-id")
            .values_list(*_ROW_STATE)[offset : offset + PAGE_SIZE]
        ),
        user=user.pk,
    )
    keys = [
        (pk, actor_id, actor_name, read_at is None) for pk, actor_id, actor_name, read_at in states
    ]

    def build(missing: list[int]) -> list[dict]:
        wanted = [states[i][0] for i in missing]
        found = Notification.objects.select_related("actor").in_bulk(wanted)
        return [
            {
                "n": found[pk],
                "item": {"summary": render_summary(found[pk]), "url": _safe_url(found[pk])},
            }
            for pk in wanted
        ]

    unread = fragments.header_state(request)[2]
    frame_key = (page.number, page.paginator.num_pages, bool(states), unread > 0, user.is_va)

    def build_frame() -> dict:
        return {
            "page": page,
            "has_rows": bool(states),
            "unread_notifications": unread,
            "is_va": user.is_va,
        }

    def build_page() -> dict:
        rows = fragments.cached_many("notifications/includes/notification_row.html", keys, build)
        return {
            "page": page,
            "items": [dict(zip(_ROW_STATE, state, strict=True)) for state in states],
            "content": fragments.framed(
                "notifications/includes/centre_frame.html", frame_key, build_frame, rows
            ),
        }

    return fragments.page(
        request, "notifications/centre.html", (frame_key, tuple(keys)), build_page
    )


def _safe_url(notification: Notification) -> str:
    url = (notification.data or {}).get("url") or ""
    return url if url and url_has_allowed_host_and_scheme(url, allowed_hosts=None) else ""


def _back(request: HttpRequest, fallback: str = "notifications:centre"):
    next_url = request.POST.get("next") or ""
    if next_url and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect(fallback)


@require_POST
@login_required
def mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification.objects.for_user(request.user), pk=pk)
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    return _back(request)


@require_POST
@login_required
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return _back(request)


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    current = dict(Preference.objects.filter(user=request.user).values_list("kind", "email_mode"))
    form = PreferencesForm(request.POST or None, user=request.user, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.preferences_update(user=request.user, modes=form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your notification settings are saved."))
            return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})


# --- job alerts ----------------------------------------------------------------------


def _alert_for(request: HttpRequest, pk: int) -> JobAlert:
    """The user's own alert, else 404 (never another VA's)."""
    return get_object_or_404(JobAlert.objects.for_user(request.user), pk=pk)


@login_required
def alerts(request: HttpRequest) -> HttpResponse:
    alert_list = list(JobAlert.objects.for_user(request.user))
    category_names, skill_names = _names_for(alert_list)
    rows = [
        {
            "alert": alert,
            "categories": [category_names[i] for i in alert.category_ids if i in category_names],
            "skills": [skill_names[i] for i in alert.skill_ids if i in skill_names],
        }
        for alert in alert_list
    ]
    has_profile_categories = bool(
        request.user.is_va
        and hasattr(request.user, "va_profile")
        and request.user.va_profile.categories.exists()
    )
    return render(
        request,
        "notifications/alerts.html",
        {"rows": rows, "has_profile_categories": has_profile_categories},
    )


def _names_for(alert_list: list[JobAlert]) -> tuple[dict, dict]:
    """Category and skill names for a page of alerts in two queries, whatever its length."""
    from django.apps import apps

    category_ids = {i for a in alert_list for i in a.category_ids}
    skill_ids = {i for a in alert_list for i in a.skill_ids}
    categories = {}
    if category_ids:
        model = apps.get_model("jobs", "Category")
        categories = {c.pk: c.name for c in model.objects.filter(pk__in=category_ids)}
    skills = {}
    if skill_ids:
        model = apps.get_model("jobs", "Skill")
        skills = dict(model.objects.filter(pk__in=skill_ids).values_list("pk", "name"))
    return categories, skills


def _require_va(request: HttpRequest) -> None:
    if not request.user.is_va:
        raise Http404


@login_required
def alert_create(request: HttpRequest) -> HttpResponse:
    _require_va(request)
    form = JobAlertForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.alert_create(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your job alert is saved."))
            return redirect("notifications:alerts")
    return render(request, "notifications/alert_form.html", {"form": form, "alert": None})


@login_required
def alert_edit(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert_for(request, pk)
    initial = {
        "name": alert.name,
        "category_ids": alert.category_ids,
        "skill_ids": alert.skill_ids,
        "pay_type": alert.pay_type,
        "currency": alert.currency,
        "min_rate": _plain_amount(alert.min_rate, alert.currency),
        "keywords": alert.keywords,
    }
    form = JobAlertForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.alert_update(alert=alert, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your job alert is saved."))
            return redirect("notifications:alerts")
    return render(request, "notifications/alert_form.html", {"form": form, "alert": alert})


def _plain_amount(amount: Decimal | None, currency: str) -> str:
    if amount is None:
        return ""
    return str(amount.quantize(Decimal(1).scaleb(-DECIMALS.get(currency, 2))))


@require_POST
@login_required
def alert_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert_for(request, pk)
    services.alert_set_active(alert=alert, active=not alert.is_active)
    if alert.is_active:
        messages.success(request, _("The alert “%(name)s” is on again.") % {"name": alert.name})
    else:
        messages.success(request, _("The alert “%(name)s” is paused.") % {"name": alert.name})
    return redirect("notifications:alerts")


@require_POST
@login_required
def alert_delete(request: HttpRequest, pk: int) -> HttpResponse:
    alert = _alert_for(request, pk)
    services.alert_delete(alert=alert)
    messages.success(request, _("The alert “%(name)s” is deleted.") % {"name": alert.name})
    return redirect("notifications:alerts")


@require_POST
@login_required
def alert_from_profile(request: HttpRequest) -> HttpResponse:
    _require_va(request)
    try:
        services.alert_create_from_profile(user=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("We will tell you about new tasks in your profile's categories.")
        )
    return redirect("notifications:alerts")


# --- unsubscribe ---------------------------------------------------------------------


@csrf_exempt  # RFC 8058 one-click: mail clients POST without a CSRF token; the signed token is the proof.
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a confirm button (link scanners must not unsubscribe people); POST does it."""
    try:
        user_id, kind = services.read_unsubscribe_token(token)
    except signing.BadSignature as exc:
        raise Http404 from exc
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise Http404
    # Any kind we signed is honoured, registered or not: every email's link must work.
    label = _("the daily digest") if kind == services.DIGEST_KIND else kinds.get_kind(kind).label
    if request.method == "POST":
        services.preference_unsubscribe(user_id=user.pk, kind=kind)
        return render(request, "notifications/unsubscribed.html", {"label": label})
    return render(request, "notifications/unsubscribe.html", {"label": label, "token": token})
