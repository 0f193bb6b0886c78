"""Background tasks of the outbox. Tasks take ids and are safe to run twice."""

from django_tasks import task

from .actions import do_deliver


@task()
def deliver_task(delivery_id: int) -> str:
    return do_deliver(delivery_id).state
