"""An agent's personal limits on one conversation (ES2) and the break after a hard one (ES6).

Hostility is counted from the coach's reading of each customer message (Message.analysis:
mood "angry", or an insult or threat signal); time on the conversation from the event log
(the agent's first recorded action on the ticket: a reply, a note, a change, an assignment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from rapport.accounts.models import User
from rapport.tickets.models import Direction, Event, Message, Ticket

from .models import AgentSettings

HOSTILE_MOODS = frozenset({"angry"})
HOSTILE_SIGNALS = frozenset({"insult", "legal_threat", "physical_threat"})


def settings_for(user: User) -> AgentSettings:
    """The agent's settings row, or the defaults (unsaved) if none was ever stored."""
    row = AgentSettings.objects.filter(user=user).first()
    return row or AgentSettings(user=user)


def is_hostile(analysis: dict | None) -> bool:
    if not analysis:
        return False
    return analysis.get("mood") in HOSTILE_MOODS or bool(
        HOSTILE_SIGNALS.intersection(analysis.get("signals") or ())
    )


def hostile_count(ticket: Ticket, messages=None) -> int:
    """Angry or insulting customer messages on the ticket (automatic mail not counted).
    `messages`: all of the ticket's messages, already loaded (else they are queried)."""
    if messages is not None:
        return sum(
            1
            for m in messages
            if m.direction == Direction.IN and m.auto == "" and is_hostile(m.analysis)
        )
    analyses = Message.objects.filter(
        ticket=ticket, direction=Direction.IN, auto="", analysis__isnull=False
    ).values_list("analysis", flat=True)
    return sum(1 for a in analyses if is_hostile(a))


def first_worked_at(ticket: Ticket, user: User) -> datetime | None:
    """When the agent first acted on this ticket, by the event log (TR2)."""
    return (
        Event.objects.filter(ticket=ticket, actor=user)
        .order_by("created_at", "id")
        .values_list("created_at", flat=True)
        .first()
    )


@dataclass(frozen=True)
class Limits:
    hostile: int
    hostility_limit: int
    minutes: int | None
    minutes_limit: int
    break_minutes: int
    paused_until: datetime | None

    @property
    def over_hostility(self) -> bool:
        return self.hostility_limit > 0 and self.hostile >= self.hostility_limit

    @property
    def over_time(self) -> bool:
        return (
            self.minutes_limit > 0
            and self.minutes is not None
            and (self.minutes >= self.minutes_limit)
        )

    @property
    def suggest_escalation(self) -> bool:
        return self.over_hostility or self.over_time

    @property
    def offer_break(self) -> bool:
        """ES6: after a hostile conversation the agent may step away for a few minutes."""
        return self.hostile > 0 and self.paused_until is None


def limits_for(ticket: Ticket, user: User, now=None, messages=None) -> Limits:
    now = now or timezone.now()
    row = settings_for(user)
    first = first_worked_at(ticket, user) if ticket.is_open else None
    minutes = int((now - first).total_seconds() // 60) if first else None
    return Limits(
        hostile=hostile_count(ticket, messages),
        hostility_limit=row.hostility_limit,
        minutes=minutes,
        minutes_limit=row.conversation_minutes,
        break_minutes=row.break_minutes,
        paused_until=row.paused_until if row.is_paused(now) else None,
    )
