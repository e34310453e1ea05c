"""Celery tasks for payments. They take ids and call services."""

from datetime import timedelta

from celery import shared_task
from django.utils import timezone

from notifications.broker import publish


@shared_task(acks_late=True)
def process_webhook_event(event_id: int) -> str:
    """Act on one stored webhook event (idempotent: a processed event is left alone)."""
    from payments.services import webhook_event_process

    return webhook_event_process(event_id=event_id).status


@shared_task(bind=True, acks_late=True, max_retries=None, retry_backoff=30, retry_backoff_max=3600)
def send_payout(self, payout_id: int) -> str:
    """Hand one pending withdrawal to its provider; retried while the provider is down
    (the payout's reference is the idempotency key, so a retry never pays twice)."""
    from payments.providers import ProviderUnavailable
    from payments.services import payout_send

    try:
        return payout_send(payout_id=payout_id).status
    except ProviderUnavailable as exc:
        raise self.retry(exc=exc) from exc


@shared_task
def sweep_webhook_events(min_age_seconds: int = 60) -> int:
    """Beat, every minute: queue stored events still unprocessed after `min_age_seconds`."""
    from payments.models import WebhookEvent

    cutoff = timezone.now() - timedelta(seconds=min_age_seconds)
    ids = list(
        WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED, received_at__lte=cutoff)
        .order_by("received_at")
        .values_list("pk", flat=True)[:500]
    )
    for event_id in ids:
        publish(process_webhook_event, args=[event_id])
    # Withdrawals whose send task was lost (Redis down at commit): send them now.
    from payments.models import Payout

    unsent = list(
        Payout.objects.filter(status=Payout.Status.PENDING, provider_ref="", created_at__lte=cutoff)
        .exclude(provider="sandbox")
        .values_list("pk", flat=True)[:500]
    )
    for payout_id in unsent:
        publish(send_payout, args=[payout_id])
    return len(ids)


@shared_task
def auto_release_deliveries() -> int:
    """Beat, every 15 minutes: warn before, then release, deliveries the client left
    undecided for PAYMENTS_AUTO_RELEASE_DAYS. Each delivery in its own transaction."""
    from payments import services

    services.auto_release_warn()
    return sum(
        services.deliverable_auto_release(deliverable_id=pk) for pk in services.auto_release_due()
    )


@shared_task
def reconcile_yesterday() -> dict:
    """Beat, daily at 02:00: reconcile yesterday (in TIME_ZONE) for each configured
    provider; returns {"provider currency": status}. A provider that fails is recorded as a
    failed run and the others still run."""
    from payments import reconciliation

    day = reconciliation.yesterday()
    return {
        f"{run.provider} {run.currency}": run.status
        for provider in reconciliation.configured_providers()
        for run in reconciliation.reconcile_day(provider, day)
    }
