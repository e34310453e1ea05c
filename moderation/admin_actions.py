"""Moderator actions in the admin: one list of actions serves changelist actions and buttons.

A changelist action and an object-page button both lead to one confirmation page
(`ReportAdmin.action_view`, URL name `admin:moderation_act`) that asks for a reason and then
calls the service for each object. Only users with the action's permission see or use it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from django.contrib import admin
from django.db import models
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from bids.models import Bid
from jobs.models import Job, ManualVersion
from moderation import services
from moderation.models import Report

# A changelist selection larger than this is refused: do it in smaller batches.
MAX_SELECTION = 500


@dataclass(frozen=True)
class ModerationActionSpec:
    key: str
    label: Promise
    model: type[models.Model]
    permission: str
    run: Callable  # (pk, moderator, reason, report) -> ModerationAction
    applies: Callable[[models.Model], bool]
    reason_required: bool = True
    danger: bool = False


def _job_held(job: Job) -> bool:
    return (
        job.hidden_at is not None
        and Report.objects.filter(
            status=Report.Status.OPEN,
            reason=Report.Reason.PREAPPROVAL,
            target_type__app_label="jobs",
            target_type__model="job",
            target_id=str(job.pk),
        ).exists()
    )


ACTIONS: dict[str, ModerationActionSpec] = {
    spec.key: spec
    for spec in [
        ModerationActionSpec(
            "hide_job",
            _("Hide task"),
            Job,
            "jobs.change_job",
            lambda pk, m, r, rep: services.job_hide(job_id=pk, moderator=m, reason=r, report=rep),
            lambda job: job.hidden_at is None or _job_held(job),
            danger=True,
        ),
        ModerationActionSpec(
            "unhide_job",
            _("Unhide task"),
            Job,
            "jobs.change_job",
            lambda pk, m, r, rep: services.job_unhide(job_id=pk, moderator=m, reason=r, report=rep),
            lambda job: job.hidden_at is not None and not _job_held(job),
        ),
        ModerationActionSpec(
            "approve_job",
            _("Approve task"),
            Job,
            "jobs.change_job",
            lambda pk, m, r, rep: services.job_approve(
                job_id=pk, moderator=m, reason=r, report=rep
            ),
            _job_held,
            reason_required=False,
        ),
        ModerationActionSpec(
            "suspend_user",
            _("Suspend account"),
            User,
            "accounts.change_user",
            lambda pk, m, r, rep: services.user_suspend(
                user_id=pk, moderator=m, reason=r, report=rep
            ),
            lambda user: user.suspended_at is None,
            danger=True,
        ),
        ModerationActionSpec(
            "reinstate_user",
            _("Reinstate account"),
            User,
            "accounts.change_user",
            lambda pk, m, r, rep: services.user_reinstate(
                user_id=pk, moderator=m, reason=r, report=rep
            ),
            lambda user: user.suspended_at is not None,
        ),
        ModerationActionSpec(
            "dismiss_report",
            _("Dismiss report"),
            Report,
            "moderation.change_report",
            lambda pk, m, r, rep: services.report_dismiss(report_id=pk, moderator=m, reason=r),
            lambda report: (
                report.status == Report.Status.OPEN and report.reason != Report.Reason.PREAPPROVAL
            ),
        ),
        ModerationActionSpec(
            "action_report",
            _("Mark report actioned"),
            Report,
            "moderation.change_report",
            lambda pk, m, r, rep: services.report_mark_actioned(
                report_id=pk, moderator=m, reason=r
            ),
            lambda report: (
                report.status == Report.Status.OPEN and report.reason != Report.Reason.PREAPPROVAL
            ),
        ),
    ]
}


def action_url(key: str, ids, *, next_url: str = "", report: Report | None = None) -> str:
    query = {"ids": ",".join(str(pk) for pk in ids)}
    if next_url:
        query["next"] = next_url
    if report is not None:
        query["report"] = str(report.pk)
    return reverse("admin:moderation_act", args=[key]) + "?" + urlencode(query)


def _admin_change_url(obj: models.Model) -> str:
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])


def _buttons_for(user, obj: models.Model, *, report: Report | None = None) -> list[dict]:
    buttons = []
    for spec in ACTIONS.values():
        if isinstance(obj, spec.model) and user.has_perm(spec.permission) and spec.applies(obj):
            back = _admin_change_url(report or obj)
            buttons.append(
                {
                    "label": spec.label,
                    "url": action_url(spec.key, [obj.pk], next_url=back, report=report),
                    "danger": spec.danger,
                }
            )
    return buttons


def _author_of(target: models.Model) -> User | None:
    if isinstance(target, User):
        return target
    if isinstance(target, Job):
        return target.client
    if isinstance(target, ManualVersion):
        return target.job.client
    if isinstance(target, Bid):
        return target.va
    return getattr(target, "author", None)


def object_buttons(user, obj: models.Model) -> list[dict]:
    """Buttons for an object's admin page. On a report: its own, plus the reported thing's."""
    if not isinstance(obj, Report):
        return _buttons_for(user, obj)
    buttons = _buttons_for(user, obj)
    target = obj.target
    if target is None or obj.status != Report.Status.OPEN:
        return buttons
    job = target if isinstance(target, Job) else getattr(target, "job", None)
    if isinstance(target, (Job, ManualVersion)) and job is not None:
        buttons += _buttons_for(user, job, report=obj)
    author = _author_of(target)
    if author is not None and author.pk != user.pk:
        buttons += _buttons_for(user, author, report=obj)
    return buttons


def changelist_action(key: str):
    """An admin action (for `ModelAdmin.actions`) that leads to the confirmation page."""
    spec = ACTIONS[key]

    @admin.action(description=spec.label, permissions=["change"])
    def action(modeladmin, request, queryset):
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[: MAX_SELECTION + 1])
        if len(ids) > MAX_SELECTION:
            modeladmin.message_user(
                request,
                _("Select at most %(count)d items at a time.") % {"count": MAX_SELECTION},
                level="error",
            )
            return None
        return redirect(action_url(key, ids, next_url=request.get_full_path()))

    action.__name__ = f"moderation_{key}"
    return action
