"""Small helpers for the accounts tests: read links out of the emails allauth sent, and
what an authenticator app shows."""

import re
import time

from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
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


def current_totp_code(secret: str, *, seconds_needed: float = 3) -> str:
    """The code an authenticator app shows now. allauth accepts only the current 30-second
    step, so a code with less than `seconds_needed` left is not used: like a person, wait
    for the next one (a browser journey needs more time to type and send it)."""
    if 30 - time.time() % 30 < seconds_needed:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))
