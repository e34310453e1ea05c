"""Small helpers for the accounts tests: read links out of the emails allauth sent."""

import re

from django.core import mail

LINK = re.compile(r"https?://[^/\s]+(/[^\s]*)")


def last_email_to(address: str):
    messages = [m for m in mail.outbox if address in m.to]
    assert messages, f"no email to {address}; outbox: {[m.to for m in mail.outbox]}"
    return messages[-1]


def link_path_in(message, contains: str) -> str:
    """The site-relative path of the first link in `message` whose path contains `contains`."""
    for path in LINK.findall(message.body):
        if contains in path:
            return path
    raise AssertionError(f"no link with {contains!r} in:\n{message.body}")
