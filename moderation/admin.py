"""Moderation in the Django admin: the reports queue, the audit log, and actions on jobs and users.

The jobs and accounts admins are registered by their apps (which load before us); we add
the moderation actions to them here, and make what a moderator must only change through an
audited action read-only (suspension, visibility, and for non-superusers everything else).
"""

import csv

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from jobs.models import Job
from moderation.admin_actions import ACTIONS, MAX_SELECTION, changelist_action
from moderation.forms import ActionReasonForm
from moderation.models import ModerationAction, Report, ScanWatermark


def _target_admin_url(obj) -> str | None:
    if obj is None:
        return None
    meta = obj._meta
    try:
        return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    except Exception:  # noqa: BLE001 - a model without an admin page: no link
        return None


def _target_label(obj) -> str:
    """A short label that needs no further queries (str() of a bid would load its job and VA)."""
    if obj is None:
        return _("(deleted)")
    if isinstance(obj, Job):
        return obj.title
    if isinstance(obj, User):
        return obj.name or obj.email
    return f"{obj._meta.verbose_name} #{obj.pk}"


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "created_at",
        "reason",
        "status",
        "source",
        "target_type",
        "target_link",
        "reporter",
    )
    list_display_links = ("id", "created_at")
    list_filter = ("status", "reason", "source", ("target_type", admin.RelatedOnlyFieldListFilter))
    search_fields = ("details", "reporter__email", "reporter__name", "target_id")
    list_select_related = ("reporter", "handled_by", "target_type")
    date_hierarchy = "created_at"
    fields = (
        "reported_content",
        "reason",
        "details",
        "status",
        "source",
        "reporter",
        "target_type",
        "target_id",
        "created_at",
        "handled_by",
        "handled_at",
        "actions_taken",
    )
    readonly_fields = fields
    actions = [changelist_action("dismiss_report"), changelist_action("action_report")]

    def get_queryset(self, request):
        # One query per kind of target, however many rows the page shows.
        return super().get_queryset(request).prefetch_related("target")

    def has_add_permission(self, request):
        return False  # reports come from people and from the flag scan

    def has_delete_permission(self, request, obj=None):
        return False  # the queue is a record too: dismiss instead

    @admin.display(description=gettext_lazy("reported"))
    def target_link(self, report: Report):
        target = report.target
        url = _target_admin_url(target)
        label = _target_label(target)
        return format_html('<a href="{}">{}</a>', url, label) if url else label

    @admin.display(description=gettext_lazy("reported content"))
    def reported_content(self, report: Report):
        target = report.target
        return render_to_string(
            "admin/moderation/report/reported_content.html",
            {
                "target": target,
                "kind": target._meta.model_name if target else "",
                "url": _target_admin_url(target),
            },
        )

    @admin.display(description=gettext_lazy("moderation actions"))
    def actions_taken(self, report: Report):
        rows = report.actions.select_related("moderator").order_by("created_at")
        return render_to_string("admin/moderation/report/actions_taken.html", {"rows": rows})

    # --- the confirmation page every moderation action goes through ---------------------

    def get_urls(self):
        return [
            path(
                "act/<str:key>/",
                self.admin_site.admin_view(self.action_view),
                name="moderation_act",
            ),
            *super().get_urls(),
        ]

    def action_view(self, request: HttpRequest, key: str):
        spec = ACTIONS.get(key)
        if spec is None:
            raise PermissionDenied
        if not request.user.has_perm(spec.permission):
            raise PermissionDenied

        def param(name: str) -> str:
            # The form posts back what the link carried; either place will do.
            return request.POST.get(name) or request.GET.get(name) or ""

        try:
            ids = [int(pk) for pk in param("ids").split(",") if pk.strip()][:MAX_SELECTION]
        except ValueError:
            ids = []
        objects = list(spec.model._default_manager.filter(pk__in=ids).order_by("pk"))
        report = None
        if param("report").isdigit():
            report = Report.objects.filter(pk=int(param("report"))).first()
        next_url = param("next")
        if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
            next_url = ""
        meta = spec.model._meta
        next_url = next_url or reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        if not objects:
            self.message_user(
                request, _("Nothing selected, or it no longer exists."), messages.WARNING
            )
            return HttpResponseRedirect(next_url)

        form = ActionReasonForm(request.POST or None, reason_required=spec.reason_required)
        if request.method == "POST" and form.is_valid():
            done, problems = 0, []
            for obj in objects:
                try:
                    spec.run(obj.pk, request.user, form.cleaned_data["reason"], report)
                    done += 1
                except ValidationError as exc:
                    problems.append(f"{_target_label(obj)}: {' '.join(exc.messages)}")
            if done:
                self.message_user(
                    request,
                    _("%(action)s: done for %(count)d item(s).")
                    % {"action": spec.label, "count": done},
                    messages.SUCCESS,
                )
            for problem in problems:
                self.message_user(request, problem, messages.ERROR)
            return HttpResponseRedirect(next_url)

        context = {
            **self.admin_site.each_context(request),
            "title": spec.label,
            "spec": spec,
            "objects": [(obj, _target_label(obj)) for obj in objects],
            "ids": ",".join(str(obj.pk) for obj in objects),
            "report": report,
            "next_url": next_url,
            "form": form,
            "opts": meta,
        }
        return TemplateResponse(request, "admin/moderation/confirm_action.html", context)


def _csv_cell(value) -> str:
    """Text for a CSV cell that a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@admin.action(description=gettext_lazy("Export selected as CSV"), permissions=["view"])
def export_csv(modeladmin, request, queryset):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="moderation-actions.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["id", "created_at", "moderator", "action", "target_type", "target_id", "reason", "report"]
    )
    rows = queryset.select_related("moderator", "target_type").order_by("created_at", "pk")
    for row in rows.iterator(chunk_size=1000):
        writer.writerow(
            [
                row.pk,
                row.created_at.isoformat(),
                _csv_cell(row.moderator.email),
                row.action,
                f"{row.target_type.app_label}.{row.target_type.model}",
                _csv_cell(row.target_id),
                _csv_cell(row.reason),
                row.report_id or "",
            ]
        )
    return response


@admin.register(ModerationAction)
class ModerationActionAdmin(admin.ModelAdmin):
    """The audit log: read-only for everyone."""

    list_display = (
        "created_at",
        "action",
        "moderator",
        "target_type",
        "target_id",
        "short_reason",
        "report",
    )
    list_filter = ("action", ("target_type", admin.RelatedOnlyFieldListFilter))
    search_fields = ("reason", "moderator__email", "target_id")
    list_select_related = ("moderator", "target_type", "report__target_type")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "action",
        "moderator",
        "target_type",
        "target_id",
        "reason",
        "report",
        "data",
    )
    readonly_fields = fields
    actions = [export_csv]

    @admin.display(description=gettext_lazy("reason"))
    def short_reason(self, row: ModerationAction) -> str:
        return row.reason if len(row.reason) <= 80 else row.reason[:79] + "…"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScanWatermark)
class ScanWatermarkAdmin(admin.ModelAdmin):
    list_display = ("name", "scanned_until")
    readonly_fields = ("name", "scanned_until")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- moderation on the jobs and accounts admins -------------------------------------------


def _lock_down(model_admin: admin.ModelAdmin, *, always: tuple[str, ...]) -> None:
    """Make `always` read-only for everyone, and every field read-only for non-superusers.

    Visibility and suspension change only through audited actions; a moderator (who holds
    `change` so the actions work) edits nothing directly — not a job's text, and not a
    user's staff flags, groups or password.
    """
    original = model_admin.get_readonly_fields

    def get_readonly_fields(request, obj=None):
        fields = list(original(request, obj))
        extra = list(always)
        if not request.user.is_superuser and obj is not None:
            for _name, options in model_admin.fieldsets or ():
                extra += [f for f in options.get("fields", ()) if isinstance(f, str)]
        return fields + [f for f in dict.fromkeys(extra) if f not in fields]

    model_admin.get_readonly_fields = get_readonly_fields
    model_admin.actions = list(model_admin.actions or [])


def _extend_admin(model, keys: list[str], always: tuple[str, ...]) -> None:
    model_admin = admin.site._registry.get(model)
    if model_admin is None:
        return
    _lock_down(model_admin, always=always)
    model_admin.actions += [changelist_action(key) for key in keys]


_extend_admin(Job, ["hide_job", "unhide_job", "approve_job"], ("hidden_at", "hidden_reason"))
_extend_admin(User, ["suspend_user", "reinstate_user"], ("suspended_at", "suspension_reason"))

_user_admin = admin.site._registry.get(User)
if _user_admin is not None and hasattr(_user_admin, "user_change_password"):
    _set_password = _user_admin.user_change_password

    def _superuser_sets_passwords(request, id, form_url=""):  # noqa: A002 - Django's name
        # change_user lets a moderator suspend; it must not let them take over an account.
        if not request.user.is_superuser:
            raise PermissionDenied
        return _set_password(request, id, form_url)

    _user_admin.user_change_password = _superuser_sets_passwords
