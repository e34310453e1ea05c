"""Personal access tokens for the public API (issue 19).

A token is `asn_<prefix>_<secret>`. Only its SHA-256 is stored (the secret has 256 bits
of randomness, so a fast hash is enough: there is nothing to brute-force); the prefix
finds the row without scanning. The token itself is shown once, when it is created.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    READ = "read", _("Read everything you can see")
    JOBS_WRITE = "jobs:write", _("Post and manage your tasks, decide on their bids")
    BIDS_WRITE = "bids:write", _("Place and withdraw your bids")
    CONTRACTS_WRITE = "contracts:write", _("Work in your contracts: send messages")
    WEBHOOKS_WRITE = "webhooks:write", _("Add and delete your webhook endpoints")
    PAYMENTS_WRITE = (
        "payments:write",
        _("Move money: fund escrow, plan and approve milestones, open disputes, withdraw"),
    )


class TokenQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)

    def active(self):
        return self.filter(revoked_at__isnull=True)


class PersonalAccessToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    scopes = models.JSONField(_("scopes"), default=list)
    prefix = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = TokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("personal access token")
        verbose_name_plural = _("personal access tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.masked})"

    @property
    def masked(self) -> str:
        """What identifies the token on its page without revealing it."""
        return f"asn_{self.prefix}_…"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
