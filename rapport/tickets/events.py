"""Writing the audit trail (TR2). Every action that changes state records an Event here."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

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
    return Event.objects.create(
        kind=kind,
        ticket=ticket,
        customer=customer if customer is not None else getattr(ticket, "customer", None),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        before=before,
        after=after,
        created_at=at or timezone.now(),
    )
