"""Background tasks of outgoing webhooks. Tasks take ids and are safe to run twice.

Deliveries are sent by `manage.py webhook_worker` in batches; these tasks are the fallback
when it is not running (the sweep) and the prompt path of administrators' actions."""

from datetime import timedelta

from django_tasks import task

from rapport.jobs.periodic import periodic

from .actions import do_deliver, flush_due


@task()
def deliver_webhook_task(delivery_id: int) -> str:
    """One delivery (tasks queued before batches replaced them still run)."""
    return do_deliver(delivery_id).state


@task()
def deliver_webhooks_task(delivery_ids: list[int]) -> int:
    """These deliveries, if they are due and nobody has claimed them."""
    from .sender import deliver_batch

    return deliver_batch(len(delivery_ids), ids=list(delivery_ids))


@periodic(every=timedelta(seconds=30))
@task()
def flush_webhooks_task() -> int:
    """Retries that are due, deliveries a dead worker left half-sent, and everything due when
    no webhook_worker runs (docs/webhooks.md)."""
    return flush_due()
