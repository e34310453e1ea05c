"""What people keep for later: a client's saved VAs, a VA's saved tasks.

Reads are QuerySet methods here; every write is in directory.services. One row per pair
(a unique constraint), so saving twice is saving once.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SavedVAQuerySet(models.QuerySet):
    def of(self, client):
        return self.filter(client=client)


class SavedVA(models.Model):
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_vas"
    )
    va = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_by_clients"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = SavedVAQuerySet.as_manager()

    class Meta:
        verbose_name = _("saved VA")
        verbose_name_plural = _("saved VAs")
        constraints = [
            models.UniqueConstraint(fields=["client", "va"], name="saved_va_once"),
        ]
        indexes = [models.Index(fields=["client", "-created_at"], name="saved_va_recent")]

    def __str__(self) -> str:
        return f"{self.client_id} saved VA {self.va_id}"


class SavedJobQuerySet(models.QuerySet):
    def of(self, va):
        return self.filter(va=va)


class SavedJob(models.Model):
    va = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_jobs"
    )
    job = models.ForeignKey("jobs.Job", on_delete=models.CASCADE, related_name="saved_by")
    created_at = models.DateTimeField(default=timezone.now)

    objects = SavedJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("saved task")
        verbose_name_plural = _("saved tasks")
        constraints = [
            models.UniqueConstraint(fields=["va", "job"], name="saved_job_once"),
        ]
        indexes = [models.Index(fields=["va", "-created_at"], name="saved_job_recent")]

    def __str__(self) -> str:
        return f"{self.va_id} saved job {self.job_id}"
