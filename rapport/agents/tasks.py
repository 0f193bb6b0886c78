"""Background work of rapport.agents: assignment of a new ticket, after its creation commits."""

from __future__ import annotations

from django_tasks import task


@task()
def auto_assign_task(ticket_id: int) -> int | None:
    """Assign a new ticket by its team's mode. Idempotent: an assigned ticket is left alone."""
    from rapport.tickets.models import Ticket

    from .assignment import do_auto_assign

    ticket = Ticket.objects.filter(pk=ticket_id).first()
    if ticket is None:
        return None
    agent = do_auto_assign(ticket)
    return agent.pk if agent else None
