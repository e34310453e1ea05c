"""Creating, using and revoking personal access tokens."""

import hashlib
import hmac
import secrets
from collections.abc import Sequence
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from api.models import PersonalAccessToken, Scope

TOKEN_PREFIX = "asn_"  # noqa: S105 - the public marker of our tokens, not a secret
MAX_ACTIVE_TOKENS = 20
# last_used_at moves at most this often, so a busy program does not write on every call.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, user, name: str, scopes: Sequence[str]) -> tuple[PersonalAccessToken, str]:
    """Make a token; returns the row and the token text, which is never available again."""
    name = " ".join((name or "").split())
    errors = {}
    if not name:
        errors["name"] = _("Give the token a name, e.g. the program that will use it.")
    scopes = sorted(set(scopes))
    if not scopes or any(s not in Scope.values for s in scopes):
        errors["scopes"] = _("Choose at least one of the listed scopes.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The user's row lock serialises two creates racing past the limit.
        User.objects.select_for_update().filter(pk=user.pk).first()
        if PersonalAccessToken.objects.for_user(user).active().count() >= MAX_ACTIVE_TOKENS:
            raise ValidationError(
                _("You can have at most %(count)d tokens. Revoke one you no longer use.")
                % {"count": MAX_ACTIVE_TOKENS}
            )
        prefix = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        token = PersonalAccessToken.objects.create(
            user=user, name=name, scopes=scopes, prefix=prefix, secret_hash=_hash(secret)
        )
    return token, f"{TOKEN_PREFIX}{prefix}_{secret}"


def token_revoke(*, token: PersonalAccessToken, user) -> None:
    """Revoke one of the user's own tokens; it stops working on the next request."""
    if token.user_id != user.pk:
        raise ValidationError(_("This is not your token."))
    PersonalAccessToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )


def token_authenticate(text: str) -> PersonalAccessToken | None:
    """The active token this text is, with its user; None for anything else."""
    if not text.startswith(TOKEN_PREFIX):
        return None
    prefix, _sep, secret = text[len(TOKEN_PREFIX) :].partition("_")
    if not prefix or not secret or len(prefix) > 16:
        return None
    token = (
        PersonalAccessToken.objects.active().select_related("user").filter(prefix=prefix).first()
    )
    if token is None or not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
