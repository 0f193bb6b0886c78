"""SLA background work: the breach scan (periodic) and recomputation after a change.

Tasks take ids (or nothing) and are idempotent: a warning or breach is raised once however
often the scan runs (rapport.sla.actions.do_scan), and recomputing twice gives the same dues.
"""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from rapport.jobs.periodic import periodic


@periodic(every=timedelta(minutes=1))
@task()
def scan_sla_task() -> int:
    """Raise the SLA warnings and breaches that have come due since the last tick."""
    from django.utils import timezone

    from rapport.tickets.models import Ticket

    from .actions import do_scan

    now = timezone.now()
    total = 0
    for _ in range(100):  # a backlog (the scheduler was down) is drained in batches
        total += do_scan(now=now, limit=500)
        if not Ticket.objects.filter(sla_check_at__lte=now).exists():
            break
    return total


@task()
def recompute_sla_task(team_id: int | None = None) -> int:
    """Re-evaluate the live clocks (of one team, or all) after a calendar or policy change."""
    from .actions import do_recompute

    return do_recompute(team_id=team_id)
