"""Email attachments per notification kind, contributed by the apps that know the content.

notifications must not import bids, so bids registers its .ics builder at start-up:

    # bids/apps.py
    def ready(self):
        from notifications.registry import register_attachments
        register_attachments("interview_confirmed", build_interview_ics)

A builder takes the `Notification` and returns a list of `(filename, bytes, mimetype)`.
It runs in the worker at send time; if it raises, the delivery is retried like an SMTP error.
"""

from collections.abc import Callable

Attachment = tuple[str, bytes | str, str]
Builder = Callable[[object], list[Attachment]]

_builders: dict[str, list[Builder]] = {}


def register_attachments(kind: str, builder: Builder) -> None:
    """Add `builder` for `kind` (registering the same builder twice is a no-op)."""
    builders = _builders.setdefault(kind, [])
    if builder not in builders:
        builders.append(builder)


def attachments_for(notification) -> list[Attachment]:
    attachments: list[Attachment] = []
    for builder in _builders.get(notification.kind, []):
        attachments.extend(builder(notification) or [])
    return attachments
