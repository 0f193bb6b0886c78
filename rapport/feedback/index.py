"""The service-level index (FB2): the share of answers at each of the five levels, the trend
week by week, per team and per agent; read from Survey's partial index on answered surveys."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils import timezone

from .models import Level, Survey, SurveyState

LEVELS = list(Level)


def _shares(counts: dict[int, int]) -> dict:
    total = sum(counts.values())
    return {
        "total": total,
        "levels": [
            {
                "level": level,
                "n": counts.get(level.value, 0),
                "share": round(100 * counts.get(level.value, 0) / total) if total else 0,
            }
            for level in LEVELS
        ],
        # "Above satisfied": the share that met one of the four levels beyond satisfaction.
        "beyond": round(100 * sum(n for lv, n in counts.items() if lv >= Level.EXCEEDED) / total)
        if total
        else None,
        "mean": round(sum(lv * n for lv, n in counts.items()) / total, 2) if total else None,
    }


def service_index(user, *, weeks: int = 12, now=None) -> dict:
    now = now or timezone.now()
    since = now - timedelta(weeks=weeks)
    asked = Survey.objects.filter(created_at__gte=since)
    answered = Survey.objects.filter(level__isnull=False, answered_at__gte=since)
    if not user.sees_all_teams:  # an agent sees their teams' results only
        asked = asked.filter(team_id__in=user.team_ids)
        answered = answered.filter(team_id__in=user.team_ids)

    overall = dict(answered.values_list("level").annotate(n=Count("id")).order_by())

    weekly: dict = defaultdict(dict)
    for row in (
        answered.annotate(week=TruncWeek("answered_at"))
        .values("week", "level")
        .annotate(n=Count("id"))
        .order_by()
    ):
        weekly[row["week"]][row["level"]] = row["n"]

    teams: dict = defaultdict(dict)
    for row in answered.values("team__name", "level").annotate(n=Count("id")).order_by():
        teams[row["team__name"] or "—"][row["level"]] = row["n"]

    agents: dict = defaultdict(dict)
    names: dict = {}
    for row in (
        answered.values(
            "agent_id", "agent__first_name", "agent__last_name", "agent__username", "level"
        )
        .annotate(n=Count("id"))
        .order_by()
    ):
        agents[row["agent_id"]][row["level"]] = row["n"]
        full = f"{row['agent__first_name']} {row['agent__last_name']}".strip()
        names[row["agent_id"]] = full or row["agent__username"] or "—"

    states = dict(asked.values_list("state").annotate(n=Count("id")).order_by())
    sent = sum(n for s, n in states.items() if s != SurveyState.THROTTLED and s != "unavailable")
    return {
        "weeks": weeks,
        "overall": _shares(overall),
        "trend": [{"week": w, **_shares(c)} for w, c in sorted(weekly.items())],
        "teams": sorted(
            ({"name": n, **_shares(c)} for n, c in teams.items()), key=lambda r: r["name"]
        ),
        "agents": sorted(
            ({"name": names[a], **_shares(c)} for a, c in agents.items()),
            key=lambda r: (-(r["mean"] or 0), r["name"]),
        ),
        "asked": sent,
        "throttled": states.get(SurveyState.THROTTLED, 0),
        "answered": sum(overall.values()),
        "levels": LEVELS,
    }
