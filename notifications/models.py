from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import CURRENCY_CHOICES
from marketplace import prepared


def unread_count_annotation() -> dict:
    """The header's unread count, read with the signed-in user's own row on every request
    (settings.USER_REQUEST_ANNOTATIONS; accounts/backends.py)."""
    unread = (
        Notification.objects.filter(recipient_id=models.OuterRef("pk"), read_at__isnull=True)
        .order_by()
        .values("recipient_id")
        .annotate(n=models.Count("pk"))
        .values("n")
    )
    return {"unread_notifications_count": Coalesce(models.Subquery(unread), 0)}


class NotificationQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(recipient=user)

    def unread(self):
        return self.filter(read_at__isnull=True)

    def unread_count(self, user) -> int:
        """The header's badge on every signed-in page: compiled once (marketplace.prepared),
        counted from the partial index of unread rows."""
        return prepared.scalar(
            ("notifications-unread-count",),
            lambda v: (
                Notification.objects.filter(recipient_id=v["user"], read_at__isnull=True)
                .order_by()
                .values("recipient_id")
                .annotate(n=models.Count("pk"))
                .values_list("n")
            ),
            default=0,
            user=user.pk,
        )


class Notification(models.Model):
    """One thing one person is told. Written by `notify()` in the event's own transaction."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=40)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Plain ids: notifications must not import the domain apps (they import us).
    job_id = models.BigIntegerField(null=True, blank=True)
    bid_id = models.BigIntegerField(null=True, blank=True)
    contract_id = models.BigIntegerField(null=True, blank=True)
    interview_id = models.BigIntegerField(null=True, blank=True)
    data = models.JSONField(default=dict, blank=True)
    # Identifies the event, e.g. "job_posted:42"; one notification per event and recipient.
    event_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "event_key"], name="notification_once_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient"),
            # The centre's order, unread first (DESC puts NULL read_at first): a page is
            # read straight from this index instead of sorting every notification.
            models.Index(
                fields=["recipient", "-read_at", "-created_at", "-id"],
                name="notification_centre",
            ),
            models.Index(
                fields=["recipient"],
                name="notification_unread",
                condition=models.Q(read_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"


class DeliveryQuerySet(models.QuerySet):
    def due(self, *, older_than=None):
        """Pending deliveries the sweep should (re-)enqueue: old enough and not backing off."""
        now = timezone.now()
        qs = self.filter(status=Delivery.Status.PENDING).filter(
            models.Q(next_attempt_at__isnull=True) | models.Q(next_attempt_at__lte=now)
        )
        if older_than is not None:
            qs = qs.filter(created_at__lte=now - older_than)
        return qs


class Delivery(models.Model):
    """The outbox row for sending one notification on one channel (email)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")
        # The recipient chose the daily digest for this kind: sent with the next digest.
        HELD = "held", _("Held for the daily digest")

    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(max_length=10, default="email")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["notification", "channel"], name="delivery_once_per_channel"
            )
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="delivery_pending",
                condition=models.Q(status="pending"),
            ),
            models.Index(
                fields=["notification"], name="delivery_held", condition=models.Q(status="held")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.status} ({self.notification_id})"


class JobAnnouncement(models.Model):
    """Outbox row for a job's alert fan-out, written in the publishing transaction.

    If the broker is down when the job is published, the fan-out task is never queued; the
    sweep runs every announcement still without `done_at`. The fan-out is idempotent (one
    notification per VA per job), so running it twice is harmless.
    """

    job_id = models.BigIntegerField(unique=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    matched = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("job announcement")
        verbose_name_plural = _("job announcements")
        indexes = [
            models.Index(
                fields=["created_at"],
                name="announcement_undone",
                condition=models.Q(done_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"job {self.job_id}"


class JobAlertQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user)


class JobAlert(models.Model):
    """A VA's saved search: new jobs matching it notify them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="job_alerts"
    )
    name = models.CharField(_("name"), max_length=80)
    category_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    skill_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    pay_type = models.CharField(_("pay type"), max_length=10, blank=True)
    min_rate = models.DecimalField(
        _("minimum max-rate"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    currency = models.CharField(_("currency"), max_length=3, choices=CURRENCY_CHOICES, blank=True)
    keywords = models.CharField(_("keywords"), max_length=200, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = JobAlertQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("job alert")
        verbose_name_plural = _("job alerts")

    def __str__(self) -> str:
        return self.name


class Preference(models.Model):
    class EmailMode(models.TextChoices):
        INSTANT = "instant", _("Email me at once")
        DIGEST = "digest", _("Daily digest")
        OFF = "off", _("No email")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=40)
    email_mode = models.CharField(
        max_length=10, choices=EmailMode.choices, default=EmailMode.INSTANT
    )

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="preference_unique_kind")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}: {self.email_mode}"
