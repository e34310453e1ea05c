"""Helpers for notification templates: values in `data` are strings, made readable here."""

from datetime import UTC, datetime

from django import template
from django.utils import timezone

register = template.Library()


@register.filter
def as_datetime(value):
    """An ISO 8601 string from `data` as an aware datetime (then `|date` shows it in the
    reader's timezone); anything unreadable gives None, so the template can skip it."""
    if isinstance(value, datetime):
        return value
    try:
        parsed = datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        return None
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=UTC)
