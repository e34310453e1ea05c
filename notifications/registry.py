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


# --- job alert fan-out listeners --------------------------------------------------------
# Apps that act on "these VAs' alerts match this job" (webhooks) register here; each chunk of
# matching VA ids is handed to them inside the chunk's transaction. Called again on a rerun,
# so a listener must be idempotent.

FanOutListener = Callable[..., object]
_fan_out_listeners: list[FanOutListener] = []


def register_fan_out_listener(listener: FanOutListener) -> None:
    if listener not in _fan_out_listeners:
        _fan_out_listeners.append(listener)


def fan_out_listeners() -> list[FanOutListener]:
    return list(_fan_out_listeners)
