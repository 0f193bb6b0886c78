"""Promise reminders (RS2, RS6): a periodic, idempotent scan (see rapport.jobs.periodic)."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from rapport.jobs.periodic import periodic


@periodic(every=timedelta(minutes=1))
@task()
def remind_promises_task() -> list[int]:
    """Remind agents of promises coming due and overdue; each reminder is sent once."""
    from .actions import do_remind

    reminded, overdue = do_remind()
    return [reminded, overdue]
