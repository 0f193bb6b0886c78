"""Background tasks of side conversations. Tasks take ids and are safe to run twice."""

from datetime import timedelta

from django_tasks import task

from rapport.jobs.periodic import periodic


@task()
def deliver_side_message_task(message_id: int) -> str:
    from .mail import do_deliver

    return do_deliver(message_id)


@periodic(every=timedelta(minutes=1))
@task()
def flush_side_mail_task() -> int:
    """Side-conversation e-mail due for a retry, or whose task was lost."""
    from .mail import flush_due

    return flush_due()
