"""Outgoing webhooks (issue 19): a user's endpoints, the events we owe them, each delivery.

An `Event` is written in the transaction of the change it describes, with its payload (the
API's own serializer output) frozen then; one `Delivery` per subscribed endpoint is the
outbox row, sent after commit by Celery and retried with backoff. Every try is an
`Attempt`, which is what the delivery log shows.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventType(models.TextChoices):
    BID_CREATED = "bid.created", _("A VA bid on one of my tasks")
    JOB_PUBLISHED = "job.published", _("A new task matches one of my job alerts")
    MESSAGE_CREATED = "message.created", _("A new message in one of my contracts")
    CONTRACT_CREATED = "contract.created", _("A contract of mine started")
    CONTRACT_COMPLETED = "contract.completed", _("A contract of mine was completed")
    CONTRACT_ENDED = "contract.ended", _("A contract of mine was ended early")


# Sent only by "Send a test event"; nobody subscribes to it.
TEST_EVENT = "webhook.test"


class EndpointQuerySet(models.QuerySet):
    def for_user(self, user):
        return self.filter(user=user, deleted_at__isnull=True)

    def live(self):
        """Endpoints we send to: not deleted, not disabled."""
        return self.filter(deleted_at__isnull=True, disabled_at__isnull=True)


class Endpoint(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.CharField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=120, blank=True)
    events = ArrayField(models.CharField(max_length=40), default=list)
    # Kept as is: we need it to sign. It is shown once, when the endpoint is created.
    secret = models.CharField(max_length=80)
    created_at = models.DateTimeField(auto_now_add=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    last_success_at = models.DateTimeField(null=True, blank=True)

    objects = EndpointQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        indexes = [
            models.Index(
                fields=["user"],
                name="webhook_endpoint_live",
                condition=models.Q(deleted_at__isnull=True, disabled_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.url

    @property
    def is_live(self) -> bool:
        return self.deleted_at is None and self.disabled_at is None

    @property
    def masked_secret(self) -> str:
        return f"{self.secret[:10]}…"

    def event_labels(self) -> list[str]:
        labels = dict(EventType.choices)
        return [str(labels.get(e, e)) for e in self.events]


class Event(models.Model):
    type = models.CharField(max_length=40)
    # Identifies the happening, e.g. "job.published:42": a rerun fan-out finds it again.
    key = models.CharField(max_length=120, unique=True)
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")

    def __str__(self) -> str:
        return self.key

    @property
    def public_id(self) -> str:
        """The id an endpoint sees in the payload."""
        return f"evt_{self.pk}"


class DeliveryQuerySet(models.QuerySet):
    def due(self, *, older_than):
        from django.utils import timezone

        now = timezone.now()
        return self.filter(
            models.Q(next_attempt_at__isnull=True, created_at__lte=now - older_than)
            | models.Q(next_attempt_at__lte=now),
            status=Delivery.Status.PENDING,
        )


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Delivered")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Not sent (endpoint deleted or disabled)")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "event"], name="webhook_delivery_once")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_delivery_pending",
                condition=models.Q(status="pending"),
            ),
            models.Index(fields=["endpoint", "-created_at"], name="webhook_delivery_log"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.endpoint_id}: {self.status}"


class Attempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.TextField(blank=True)
    error = models.CharField(max_length=300, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}: {self.status_code or self.error}"

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300
