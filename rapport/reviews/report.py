"""Response rate and time on reviews (FB5), by source and by rating, for a period."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from django.db.models import QuerySet

from .models import Review


def percentile(sorted_values: list[float], p: float) -> float | None:
    """The p-th percentile (nearest rank) of values already sorted; None when empty."""
    if not sorted_values:
        return None
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass
class Line:
    label: str
    total: int
    answered: int
    median_hours: float | None
    p90_hours: float | None
    overdue: int

    @property
    def rate(self) -> float | None:
        return self.answered / self.total if self.total else None


def _line(label: str, reviews: list[Review], now: datetime) -> Line:
    times = sorted(
        (r.replied_at - r.received_at).total_seconds() / 3600 for r in reviews if r.replied_at
    )
    overdue = sum(1 for r in reviews if r.replied_at is None and r.due_at and r.due_at < now)
    return Line(
        label,
        len(reviews),
        len(times),
        percentile(times, 50),
        percentile(times, 90),
        overdue,
    )


def response_report(reviews: QuerySet[Review], now: datetime) -> dict[str, list[Line]]:
    """Rate, median and p90 response time (hours from received to the published reply), in
    all, by source and by rating. One query; the period's reviews are counted in Python."""
    rows = list(
        reviews.select_related("source").only(
            "id", "rating", "received_at", "replied_at", "due_at", "source__name"
        )
    )
    by_source: dict[str, list[Review]] = {}
    by_rating: dict[str, list[Review]] = {}
    for r in rows:
        by_source.setdefault(r.source.name, []).append(r)
        by_rating.setdefault("★" * r.rating if r.rating else "—", []).append(r)
    return {
        "total": [_line("", rows, now)],
        "source": [_line(k, v, now) for k, v in sorted(by_source.items())],
        "rating": [_line(k, v, now) for k, v in sorted(by_rating.items(), key=lambda kv: kv[0])],
    }
