from celery import shared_task

from live import services


@shared_task(ignore_result=True)
def prune_events() -> int:
    return services.prune()
