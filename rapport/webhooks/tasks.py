"""Background tasks of outgoing webhooks. Tasks take ids and are safe to run twice."""

from datetime import timedelta

from django_tasks import task

from rapport.jobs.periodic import periodic

from .actions import do_deliver, flush_due


@task()
def deliver_webhook_task(delivery_id: int) -> str:
    return do_deliver(delivery_id).state


@periodic(every=timedelta(seconds=30))
@task()
def flush_webhooks_task() -> int:
    """Retries that are due and deliveries whose task was lost (docs/webhooks.md)."""
    return flush_due()
