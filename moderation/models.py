from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Report(models.Model):
    """Something a person (or an automatic flag) asks moderators to look at."""

    class Reason(models.TextChoices):
        SCAM = "scam", _("Scam or fraud")
        OFF_PLATFORM = "off_platform", _("Off-platform payment or contact")
        INAPPROPRIATE = "inappropriate", _("Inappropriate content")
        SPAM = "spam", _("Spam")
        OTHER = "other", _("Other")
        # Not offered to users: a first-time client's job held until a moderator approves it.
        PREAPPROVAL = "preapproval", _("Awaiting pre-approval")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ACTIONED = "actioned", _("Actioned")
        DISMISSED = "dismissed", _("Dismissed")

    class Source(models.TextChoices):
        USER = "user", _("Reported by a user")
        AUTO = "auto", _("Automatic flag")

    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="reports_made",
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.USER)
    target_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    target_id = models.CharField(max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    details = models.TextField(_("details"), blank=True, max_length=3000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    handled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        indexes = [
            models.Index(fields=["status", "-created_at"], name="report_status"),
            models.Index(fields=["target_type", "target_id"], name="report_target"),
        ]
        constraints = [
            # One open report per person per thing; automatic flags and pre-approval holds
            # are deduplicated per thing the same way.
            models.UniqueConstraint(
                fields=["reporter", "target_type", "target_id"],
                condition=models.Q(status="open", reporter__isnull=False),
                name="report_one_open_per_reporter",
            ),
            models.UniqueConstraint(
                fields=["target_type", "target_id"],
                condition=models.Q(status="open", source="auto") & ~models.Q(reason="preapproval"),
                name="report_one_open_flag_per_target",
            ),
            models.UniqueConstraint(
                fields=["target_type", "target_id"],
                condition=models.Q(status="open", reason="preapproval"),
                name="report_one_open_hold_per_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} — {self.target_type.model} {self.target_id}"


class ModerationAction(models.Model):
    """An audit record of a moderator's action. Never edited, never deleted."""

    class Action(models.TextChoices):
        HIDE_JOB = "hide_job", _("Hide job")
        UNHIDE_JOB = "unhide_job", _("Unhide job")
        SUSPEND_USER = "suspend_user", _("Suspend user")
        REINSTATE_USER = "reinstate_user", _("Reinstate user")
        DISMISS_REPORT = "dismiss_report", _("Dismiss report")
        APPROVE_JOB = "approve_job", _("Approve job")
        ACTION_REPORT = "action_report", _("Mark report actioned")
        SETTLE_DISPUTE = "settle_dispute", _("Settle payment dispute")
        RESOLVE_RECONCILIATION = "resolve_reconciliation", _("Resolve reconciliation issue")

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(max_length=30, choices=Action.choices)
    target_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    target_id = models.CharField(max_length=64)
    target = GenericForeignKey("target_type", "target_id")
    reason = models.TextField(_("reason"))
    report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    # What the action changed, so it can be undone exactly (e.g. the jobs a suspension hid).
    data = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.moderator_id}"


class ScanWatermark(models.Model):
    """How far the automatic flag scan has read each kind of content (one row per kind)."""

    name = models.CharField(max_length=40, primary_key=True)
    scanned_until = models.DateTimeField()

    class Meta:
        verbose_name = _("scan watermark")
        verbose_name_plural = _("scan watermarks")

    def __str__(self) -> str:
        return f"{self.name}: {self.scanned_until:%Y-%m-%d %H:%M:%S}"
