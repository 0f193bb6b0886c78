"""The supervisor's SLA page (MG3, RS5): attainment per target and how often the promise told
to the customer was beaten."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, F, Q
from django.utils import timezone

from rapport.tickets.models import Ticket

from .models import ClockKind, ClockStatus, SlaClock


@dataclass
class Row:
    label: str
    total: int
    met: int

    @property
    def share(self) -> float | None:
        return self.met / self.total if self.total else None


def attainment(days: int, team_id: int | None = None) -> list[Row]:
    """Per target: clocks stopped in the period, and how many stopped in time."""
    since = timezone.now() - timedelta(days=days)
    qs = SlaClock.objects.filter(status=ClockStatus.STOPPED, stopped_at__gte=since)
    if team_id:
        qs = qs.filter(team_id=team_id)
    counts = {
        r["kind"]: r
        for r in qs.values("kind").annotate(
            total=Count("id"), met=Count("id", filter=Q(breached_at__isnull=True))
        )
    }
    return [
        Row(
            str(kind.label),
            counts.get(kind.value, {}).get("total", 0),
            counts.get(kind.value, {}).get("met", 0),
        )
        for kind in ClockKind
    ]


def promises(days: int, team_id: int | None = None) -> dict:
    """RS5: of the tickets told a time, how many were answered before it."""
    since = timezone.now() - timedelta(days=days)
    qs = Ticket.objects.filter(created_at__gte=since, promised_response_at__isnull=False)
    if team_id:
        qs = qs.filter(team_id=team_id)
    r = qs.aggregate(
        told=Count("id"),
        answered=Count("id", filter=Q(first_response_at__isnull=False)),
        beaten=Count("id", filter=Q(first_response_at__lt=F("promised_response_at"))),
        late=Count("id", filter=Q(first_response_at__gt=F("promised_response_at"))),
    )
    r["share"] = r["beaten"] / r["answered"] if r["answered"] else None
    return r


def overdue_now(team_id: int | None = None) -> int:
    qs = Ticket.objects.filter(sla_due__lt=timezone.now())
    if team_id:
        qs = qs.filter(team_id=team_id)
    return qs.count()
