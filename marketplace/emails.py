"""The one way we send a templated email: subject, text and HTML from three templates.

Templates live in templates/emails/<name>-subject.txt, <name>-body.txt and <name>-body.html,
and are rendered in the recipient's language (not the sender's) and timezone.
"""

import zoneinfo
from collections.abc import Iterable, Mapping

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation


def build_templated_email(
    *,
    to: str | Iterable[str],
    template: str,
    context: Mapping | None = None,
    language: str = "en",
    tz: str | None = None,
    headers: Mapping[str, str] | None = None,
    attachments: Iterable[tuple[str, bytes | str, str]] = (),
) -> EmailMultiAlternatives:
    """Render `template` in `language` and return the message, ready to `send()`."""
    recipients = [to] if isinstance(to, str) else list(to)
    ctx = {"SITE_URL": settings.SITE_URL, **(context or {})}
    with (
        translation.override(language),
        timezone.override(zoneinfo.ZoneInfo(tz) if tz else timezone.get_current_timezone()),
    ):
        subject = render_to_string(f"emails/{template}-subject.txt", ctx)
        text = render_to_string(f"emails/{template}-body.txt", ctx)
        html = render_to_string(f"emails/{template}-body.html", ctx)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=recipients,
        headers=dict(headers or {}),
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    return message


def send_templated_email(**kwargs) -> int:
    """Build (see build_templated_email) and send; raises on SMTP errors so callers can retry."""
    return build_templated_email(**kwargs).send(fail_silently=False)
