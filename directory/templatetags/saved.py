"""Save / unsave buttons (directory/includes/save_button.html) for the directory's cards
and for pages of other apps (a VA's public page, a task page).

Those apps never import directory; their templates load this library, which reads whether
the viewer saved the VA or task (one query, only for a viewer who can save it). Cards in a
list pass what the list already read (`saved_va_ids`) instead; the board's cached cards
carry a marker that `save_job_buttons` fills in for the viewer.
"""

import re

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from directory.models import SavedJob, SavedVA
from directory.permissions import can_save_jobs, can_save_vas

register = template.Library()


def button_context(
    *, show: bool, name: str, pk: int, saved, label: str, next_url: str, csrf_token
) -> dict:
    """The save form's context; `saved` is called only when the button shows."""
    if not show:
        return {"show": False}
    return {
        "show": True,
        "saved": saved(),
        "save_url": reverse(f"directory:{name}_save", args=[pk]),
        "unsave_url": reverse(f"directory:{name}_unsave", args=[pk]),
        "label": label,
        "next": next_url,
        "csrf_token": csrf_token,
    }


def _button(context, **kwargs) -> dict:
    return button_context(
        next_url=context["request"].get_full_path(),
        csrf_token=context.get("csrf_token"),
        **kwargs,
    )


def va_button_context(user, va_id: int, saved_va_ids, **kwargs) -> dict:
    """ "Save VA" for a client (not on their own card); `saved_va_ids`: the list's saved
    VAs, or None to look this one up."""
    return button_context(
        show=can_save_vas(user) and user.pk != va_id,
        name="va",
        pk=va_id,
        saved=lambda: (
            va_id in saved_va_ids
            if saved_va_ids is not None
            else SavedVA.objects.of(user).filter(va_id=va_id).exists()
        ),
        label=_("Save VA"),
        **kwargs,
    )


@register.inclusion_tag("directory/includes/save_button.html", takes_context=True)
def save_va_button(context, va_id: int, saved_va_ids=None) -> dict:
    """For a client (not on their own profile). `saved_va_ids`: the list's saved VAs."""
    return va_button_context(
        context["request"].user,
        va_id,
        saved_va_ids,
        next_url=context["request"].get_full_path(),
        csrf_token=context.get("csrf_token"),
    )


@register.inclusion_tag("directory/includes/save_button.html", takes_context=True)
def save_job_button(context, job_id: int, is_owner: bool = False, saved=None) -> dict:
    """For a VA (not on their own task). `saved`: already known (the saved list)."""
    user = context["request"].user
    return _job_button(
        context,
        job_id,
        show=can_save_jobs(user) and not is_owner,
        saved=lambda: (
            saved if saved is not None else SavedJob.objects.of(user).filter(job_id=job_id).exists()
        ),
    )


def _job_button(context, job_id: int, *, show: bool, saved) -> dict:
    return _button(context, show=show, name="job", pk=job_id, saved=saved, label=_("Save task"))


# Where a board card (jobs/includes/job_card.html, cached for every viewer) takes its button.
_SAVE_TASK_MARK = re.compile(r"<!--save-task (\d+) (\d+)-->")


@register.simple_tag(takes_context=True)
def save_job_buttons(context, html: str) -> str:
    """The board's cached results with each card's "Save task" for a VA (which of the
    page's tasks they saved: one query), and without the markers for anyone else."""
    user = context["request"].user
    marks = [(int(job), int(client)) for job, client in _SAVE_TASK_MARK.findall(html)]
    if not (marks and can_save_jobs(user)):
        return mark_safe(_SAVE_TASK_MARK.sub("", html))  # noqa: S308 - already safe HTML
    saved = set(
        SavedJob.objects.of(user)
        .filter(job_id__in=[job for job, _client in marks])
        .values_list("job_id", flat=True)
    )
    buttons = {
        job: render_to_string(
            "directory/includes/save_button.html",
            _job_button(context, job, show=client != user.pk, saved=lambda job=job: job in saved),
        )
        for job, client in marks
    }
    # Our own templates with autoescape on, around the already-safe cached HTML.
    return mark_safe(_SAVE_TASK_MARK.sub(lambda m: buttons[int(m.group(1))], html))  # noqa: S308
