"""The per-partner quality and SLA report (MG5, seed 001: "outsourced providers are closely
monitored"; docs/permissions.md, "Partner teams").

For each partner team (Team.is_partner) over a period: volume, first response and resolution
(median and p90, business hours), SLA attainment, the coach's mean quality score, satisfaction,
promises kept, and each partner agent's own figures; beside them the same figures of the
company's own teams, so the contracting company compares like with like. Everything is read
from the report rollups (rapport.reports.queries), the same numbers the dashboard shows.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils import timezone

from rapport.reports.queries import (
    AGENT_MEASURES,
    ALL,
    Filters,
    hours,
    open_now_by_team,
    overdue_now_by_team,
    rollup_cells,
    split,
)
from rapport.reports.queries import summary as summarise

from .models import Team, User

PERIODS = (7, 30, 90, 365)


@dataclass
class PartnerRow:
    team: Team | None  # None: the company's own teams together
    s: dict
    open_now: int = 0
    overdue_now: int = 0
    agents: list[tuple[User, dict]] = field(default_factory=list)

    @property
    def hours(self) -> dict:
        return {k: hours(self.s[k]) for k in ("frt_p50", "frt_p90", "res_p50", "res_p90")}


def period(days: int, today: date | None = None) -> tuple[date, date]:
    end = today or timezone.localdate()
    return end - timedelta(days=days - 1), end


def _merged(cell_sets) -> dict[tuple, float]:
    out: dict[tuple, float] = defaultdict(float)
    for cells in cell_sets:
        for k, v in cells.items():
            out[k] += v
    return dict(out)


def partner_report(start: date, end: date) -> list[PartnerRow]:
    """One row per partner team, then one for the in-house teams together (if any).

    Bounded by the rollup's cell space, not by the tickets (issue #9): every team's figures
    in one grouped read of the by-team level, each partner's agents in one read of the
    team × agent level, the open tickets now from the `open_now` cells and the overdue ones
    from the tickets' SLA-due index range (rapport.reports.queries). Nothing is read when
    there is no partner team."""
    teams = list(Team.objects.all())
    if not any(t.is_partner for t in teams):
        return []
    by_team = split(rollup_cells(Filters(start=start, end=end), ALL, ("team_id",)))
    open_now = open_now_by_team()
    overdue_now = overdue_now_by_team()
    rows: list[PartnerRow] = []
    in_house: list[dict] = []
    for team in teams:
        cells = by_team.get(team.pk, {})
        if not team.is_partner:
            in_house.append(cells)
            continue
        f = Filters(start=start, end=end, team_id=team.pk)
        by_agent = split(rollup_cells(f, AGENT_MEASURES, ("agent_id",)))
        people = User.objects.in_bulk([a for a in by_agent if a])
        agents = sorted(
            ((people[a], summarise(c)) for a, c in by_agent.items() if a in people),
            key=lambda pair: pair[0].display_name.lower(),
        )
        rows.append(
            PartnerRow(
                team,
                summarise(cells),
                open_now=open_now.get(team.pk, 0),
                overdue_now=overdue_now.get(team.pk, 0),
                agents=agents,
            )
        )
    if rows and in_house:
        own = [t.pk for t in teams if not t.is_partner]
        rows.append(
            PartnerRow(
                None,
                summarise(_merged(in_house)),
                open_now=sum(open_now.get(pk, 0) for pk in own),
                overdue_now=sum(overdue_now.get(pk, 0) for pk in own),
            )
        )
    return rows


def csv_table(rows: list[PartnerRow]) -> tuple[list[str], list[list]]:
    from django.utils.translation import gettext as _

    headers = [
        _("Team"),
        _("Company"),
        _("Created"),
        _("Solved"),
        _("First response median (h)"),
        _("First response p90 (h)"),
        _("Resolution median (h)"),
        _("Resolution p90 (h)"),
        _("SLA attainment (%)"),
        _("Coach quality (0–100)"),
        _("Satisfaction (1–5)"),
        _("Answers"),
        _("Open now"),
        _("Overdue now"),
    ]
    out = []
    for r in rows:
        h = r.hours
        out.append(
            [
                r.team.name if r.team else _("Our own teams"),
                r.team.partner_company if r.team else "",
                r.s["created"],
                r.s["solved"],
                h["frt_p50"],
                h["frt_p90"],
                h["res_p50"],
                h["res_p90"],
                r.s["sla_rate"],
                r.s["quality"],
                r.s["survey_mean"],
                r.s["survey_n"],
                r.open_now,
                r.overdue_now,
            ]
        )
    return headers, out
