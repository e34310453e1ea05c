from django.conf import settings
from django.db import models


class EventQuerySet(models.QuerySet):
    def for_recipient_after(self, user_id: int, cursor: int):
        """What one user missed after `cursor`, oldest first (the socket's catch-up)."""
        return self.filter(recipient_id=user_id, pk__gt=cursor).order_by("pk")


class Event(models.Model):
    """One live update for one user, kept a while so a socket that reconnects can catch up.

    The id is the cursor the page remembers. `live.services.publish` writes these rows in the
    event's own transaction, holding a per-recipient lock until commit, so one recipient's
    ids grow in commit order: "everything after my cursor" never skips a late commit.
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=40)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["recipient", "id"], name="live_event_recipient_id")]

    def __str__(self) -> str:
        return f"{self.kind} for {self.recipient_id} (#{self.pk})"
