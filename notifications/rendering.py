"""Turning a stored notification into words, in the reader's language, when it is read.

Nothing rendered is stored: the in-app centre renders the kind's subject template in the
viewer's language, and emails render all three templates in the recipient's language and
timezone at send time (kinds.py describes the templates).
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from marketplace.emails import build_templated_email
from notifications import kinds
from notifications.registry import attachments_for
from notifications.services import DIGEST_KIND, unsubscribe_token


def absolute(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    return settings.SITE_URL + (path if path.startswith("/") else "/" + path)


def context_for(notification, recipient=None) -> dict:
    data = notification.data or {}
    actor = notification.actor if notification.actor_id else None
    context = {
        "notification": notification,
        "kind": kinds.get_kind(notification.kind),
        "data": data,
        "actor_name": actor.display_name if actor else "",
        "recipient": recipient,
        "url": absolute(data.get("url") or "/"),
        "preferences_url": absolute(reverse("notifications:preferences")),
    }
    if recipient is not None:
        context["unsubscribe_url"] = absolute(
            reverse(
                "notifications:unsubscribe",
                args=[unsubscribe_token(user_id=recipient.pk, kind=notification.kind)],
            )
        )
    return context


def render_summary(notification) -> str:
    """One line saying what happened, in the active language (the in-app item's text)."""
    text = render_to_string(
        f"emails/{kinds.template_for(notification.kind)}-subject.txt", context_for(notification)
    )
    return " ".join(text.split())


def unsubscribe_headers(url: str) -> dict[str, str]:
    # RFC 2369 + RFC 8058: mail clients show "Unsubscribe" and POST to the link in one click.
    return {"List-Unsubscribe": f"<{url}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def build_notification_email(notification, recipient):
    """The email for one notification, in the recipient's language and timezone."""
    context = context_for(notification, recipient)
    return build_templated_email(
        to=recipient.email,
        template=kinds.template_for(notification.kind),
        context=context,
        language=recipient.language or settings.LANGUAGE_CODE,
        tz=recipient.timezone or None,
        headers=unsubscribe_headers(context["unsubscribe_url"]),
        attachments=attachments_for(notification),
    )


def build_digest_email(*, recipient, notifications):
    """One email listing the user's held notifications, each linked to its thing."""
    language = recipient.language or settings.LANGUAGE_CODE
    with translation.override(language):
        items = [
            {
                "summary": render_summary(n),
                "url": absolute((n.data or {}).get("url") or "/"),
                "notification": n,
            }
            for n in notifications
        ]
    unsubscribe_url = absolute(
        reverse(
            "notifications:unsubscribe",
            args=[unsubscribe_token(user_id=recipient.pk, kind=DIGEST_KIND)],
        )
    )
    return build_templated_email(
        to=recipient.email,
        template="notification-digest",
        context={
            "recipient": recipient,
            "items": items,
            "unsubscribe_url": unsubscribe_url,
            "preferences_url": absolute(reverse("notifications:preferences")),
        },
        language=language,
        tz=recipient.timezone or None,
        headers=unsubscribe_headers(unsubscribe_url),
    )
