from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import CURRENCY_CHOICES


class ContractQuerySet(models.QuerySet):
    def for_party(self, user):
        """Contracts the user is a party to; staff see all."""
        if not user.is_authenticated:
            return self.none()
        if user.is_staff:
            return self.all()
        return self.filter(models.Q(client=user) | models.Q(va=user))


class Contract(models.Model):
    """The agreed terms once a client hires a bid; the workspace hangs off it."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        ENDED = "ended", _("Ended early")

    job = models.OneToOneField("jobs.Job", on_delete=models.PROTECT, related_name="contract")
    bid = models.OneToOneField("bids.Bid", on_delete=models.PROTECT, related_name="contract")
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contracts_as_client"
    )
    va = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="contracts_as_va")
    rate = models.DecimalField(_("rate"), max_digits=14, decimal_places=2)
    pay_type = models.CharField(_("pay type"), max_length=10)
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES)
    weekly_hour_cap = models.DecimalField(
        _("weekly hour cap"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    manual_version = models.ForeignKey(
        "jobs.ManualVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The manual as it was at hire time, copied so later edits never change the deal.
    manual_snapshot_body = models.TextField(blank=True)
    manual_snapshot_checklist = models.JSONField(default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True)

    objects = ContractQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        constraints = [models.CheckConstraint(condition=models.Q(rate__gt=0), name="contract_rate_positive")]

    def __str__(self) -> str:
        return f"{self.job} ({self.va})"
