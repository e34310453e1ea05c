"""Invitation pieces for pages of other apps (a VA's card and public page) and for the
task page, whose body is cached for everyone who is not its client.

`invite_va_button` needs no query (who the viewer is decides it); `invitation_notice`
reads the viewer's own invitation to the task (one query, only for a signed-in VA).
"""

from django import template

from jobs.models import Invitation
from jobs.permissions import can_invite_vas

register = template.Library()


def invite_button_context(user, va_id: int) -> dict:
    """ "Invite to bid" for a signed-in client looking at someone else's VA profile."""
    return {"show": can_invite_vas(user) and user.pk != va_id, "va_id": va_id}


@register.inclusion_tag("jobs/includes/invite_button.html", takes_context=True)
def invite_va_button(context, va_id: int) -> dict:
    return invite_button_context(context["request"].user, va_id)


@register.inclusion_tag("jobs/includes/invitation_notice.html", takes_context=True)
def invitation_notice(context, job_id: int, is_owner: bool = False) -> dict:
    """ "You were invited" on the task page, with accept and decline, for the invited VA."""
    user = context["request"].user
    if is_owner or not user.is_authenticated or not user.is_va:
        return {"invitation": None}
    return {
        "invitation": Invitation.objects.for_va(user).filter(job_id=job_id).first(),
        "csrf_token": context.get("csrf_token"),
    }
