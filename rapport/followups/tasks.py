"""Follow-ups' periodic jobs (FB3, RS5): plan from the ticket event log and the birthdays,
then send what is due. Both idempotent (see rapport.jobs.periodic and docs/followups.md)."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django_tasks import task

from rapport.jobs.periodic import periodic


@periodic(every=timedelta(minutes=5))
@task()
def plan_followups_task() -> list[int]:
    """Check-ins after solved tickets (the event log, read from a cursor) and the greetings of
    the next 30 days. A re-run plans nothing twice (unique keys)."""
    from .actions import do_plan_after_solved, do_plan_greetings

    with transaction.atomic():
        after_solved = do_plan_after_solved()
    return [after_solved, do_plan_greetings()]


@periodic(every=timedelta(minutes=1))
@task()
def send_followups_task() -> int:
    """Send what is due; each follow-up is claimed and sent in one transaction (exactly once,
    across restarts and concurrent workers)."""
    from .actions import do_send_due

    return len(do_send_due())
