"""MG1: goals' progress, read from the rollup for the goal's current period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q
from django.utils import timezone

from . import facts
from .models import Comparator, Goal, GoalPeriod, Metric
from .queries import Filters, rollup_cells, summary

# The figure each metric reads from summary(); durations are compared in hours.
SUMMARY_KEY = {
    Metric.FRT_P90: "frt_p90",
    Metric.FRT_MEDIAN: "frt_p50",
    Metric.RES_P90: "res_p90",
    Metric.SLA: "sla_rate",
    Metric.SATISFACTION: "survey_mean",
    Metric.QUALITY: "quality",
    Metric.SOLVED: "solved",
    Metric.PROMISES: "promises_rate",
}
HOURS = {Metric.FRT_P90, Metric.FRT_MEDIAN, Metric.RES_P90}


def period_start(period: str, today: date) -> date:
    if period == GoalPeriod.WEEK:
        return today - timedelta(days=today.weekday())
    if period == GoalPeriod.QUARTER:
        return date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    return today.replace(day=1)


@dataclass
class Progress:
    goal: Goal
    value: float | None
    met: bool | None
    start: date
    end: date

    @property
    def percent(self) -> int:
        """How far along, 0-100, for the progress bar."""
        if self.value is None:
            return 0
        target = self.goal.target
        if self.goal.comparator == Comparator.AT_LEAST:
            return int(min(100, 100 * self.value / target)) if target else 100
        return 100 if self.value <= target else int(max(0, 100 * target / self.value))


def progress(goal: Goal, today: date | None = None) -> Progress:
    today = today or timezone.localdate()
    start = period_start(goal.period, today)
    f = Filters(start=start, end=today, team_id=goal.team_id, agent_id=goal.agent_id)
    value = summary(rollup_cells(f, _measures(goal.metric)))[SUMMARY_KEY[goal.metric]]
    if value is not None and goal.metric in HOURS:
        value = round(value / 3600, 2)
    met = None
    if value is not None:
        met = (
            value <= goal.target if goal.comparator == Comparator.AT_MOST else value >= goal.target
        )
    return Progress(goal, value, met, start, today)


def _measures(metric: str) -> tuple[str, ...]:
    return {
        Metric.FRT_P90: (facts.FRT,),
        Metric.FRT_MEDIAN: (facts.FRT,),
        Metric.RES_P90: (facts.RES,),
        Metric.SLA: (facts.SLA_MET, facts.SLA_BREACHED),
        Metric.SATISFACTION: (facts.SURVEY,),
        Metric.QUALITY: (facts.COACH_N, facts.COACH_SUM),
        Metric.SOLVED: (facts.SOLVED,),
        Metric.PROMISES: (facts.PROMISE,),
    }[metric]


def goals_for(user) -> list[Progress]:
    """The goals on an agent's home page: their own and their teams'."""
    goals = Goal.objects.filter(Q(agent=user) | Q(team_id__in=user.team_ids, agent__isnull=True))
    return [progress(g) for g in goals.select_related("team", "agent")]


def visible_goals(user):
    goals = Goal.objects.select_related("team", "agent")
    if user.sees_all_teams:
        return goals
    return goals.filter(Q(agent=user) | Q(team_id__in=user.team_ids))
