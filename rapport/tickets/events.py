"""Writing the audit trail (TR2). Every action that changes state records an Event here."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from rapport.realtime.workspace import ticket_changed
from rapport.webhooks.actions import on_event

from .models import Event


def record_event(
    kind: str,
    *,
    ticket=None,
    customer=None,
    actor=None,
    before: Any = None,
    after: Any = None,
    at=None,
) -> Event:
    event = Event.objects.create(
        kind=kind,
        ticket=ticket,
        customer=customer if customer is not None else getattr(ticket, "customer", None),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        before=before,
        after=after,
        created_at=at or timezone.now(),
    )
    on_event(event)  # outgoing webhooks: outbox rows in this transaction (docs/webhooks.md)
    if ticket is not None:
        ticket_changed(ticket, kind)  # the live workspace, after commit (docs/realtime.md)
    return event
