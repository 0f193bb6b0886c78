"""Reading figures from the rollup (docs/reports.md): filters, permission scope, percentiles.

Every figure is computed from "cells": sums of contribution rows grouped by measure, key and
any dimensions asked for. `rollup_cells` reads them from the Rollup table (one GROUP BY per
call, on the smallest level that keeps the dimensions it needs, walking the (level, tag,
measure, day, …) unique index); with a tag filter, from that tag's levels (or, until a full
rebuild has built those on an upgraded desk, from the TicketFacts of the tagged tickets; see
docs/reports.md). rapport.reports.raw computes the same cells from the raw tables — the test
that the two agree is the rollup's proof.
"""

from __future__ import annotations

import hashlib
import math
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import partial

from django.db.models import Q, Sum
from django.utils import timezone

from . import facts
from .models import LEVELS, TAG_LEVEL, Rollup, RollupMonth, TicketFacts

DIMS = ("day", "team_id", "agent_id", "channel", "kind")


@dataclass(frozen=True)
class Filters:
    start: date
    end: date  # inclusive
    team_id: int | None = None
    agent_id: int | None = None
    channel: str = ""
    kind: str = ""
    tag_id: int | None = None
    # The viewer's scope (None: everything). Agents: their teams' rows or their own.
    scope_team_ids: tuple[int, ...] | None = None
    scope_agent_id: int | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def scoped(filters: Filters, user) -> Filters:
    """The filters restricted to what `user` may see (agents: their teams and their own)."""
    if user.sees_all_teams:
        return filters
    return Filters(
        **{
            **filters.__dict__,
            "scope_team_ids": tuple(user.team_ids),
            "scope_agent_id": user.pk,
        }
    )


def _match(f: Filters, team: int, agent: int, channel: str, kind: str) -> bool:
    if f.team_id is not None and team != f.team_id:
        return False
    if f.agent_id is not None and agent != f.agent_id:
        return False
    if f.channel and channel != f.channel:
        return False
    if f.kind and kind != f.kind:
        return False
    if f.scope_team_ids is not None and team not in f.scope_team_ids and agent != f.scope_agent_id:
        return False
    return True


def _month_end(d: date) -> date:
    nxt = (d.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


def segments(lo: date | None, hi: date) -> list[tuple[str, date | None, date]]:
    """The range [lo, hi] as ("day"|"month", from, to) pieces: whole months read monthly
    cells, the partial months at the edges daily ones."""
    first_full = None if lo is None else (lo if lo.day == 1 else _month_end(lo) + timedelta(1))
    last_full_end = hi if _month_end(hi) == hi else hi.replace(day=1) - timedelta(days=1)
    if first_full is not None and first_full > last_full_end:
        return [("day", lo, hi)]
    out: list[tuple[str, date | None, date]] = []
    if lo is not None and lo < first_full:
        out.append(("day", lo, first_full - timedelta(days=1)))
    out.append(("month", first_full, last_full_end.replace(day=1)))
    if last_full_end < hi:
        out.append(("day", last_full_end + timedelta(days=1), hi))
    return out


def _needed(f: Filters, by: tuple[str, ...]) -> set[str]:
    needed = {b for b in by if b != "day"}
    if f.team_id is not None:
        needed.add("team_id")
    if f.agent_id is not None:
        needed.add("agent_id")
    if f.channel:
        needed.add("channel")
    if f.kind:
        needed.add("kind")
    if f.scope_team_ids is not None:
        needed |= {"team_id", "agent_id"}
    return needed


def _smallest(needed: set[str]) -> int:
    return next(level for level, keep in LEVELS.items() if needed <= set(keep))


def level_for(f: Filters, by: tuple[str, ...] = ()) -> int:
    """The smallest level of the rollup (models.LEVELS) that keeps every dimension this read
    groups by or filters on (an agent's scope needs team and agent)."""
    return _smallest(_needed(f, by))


def plan(f: Filters, by: tuple[str, ...] = ()) -> list[tuple[int, Q]]:
    """The reads (level, condition) whose sum is the cells of `f`. An agent's scope ("their
    teams' rows or their own") is read as two disjoint parts: their teams' rows from a level
    without the agent (the team × channel × kind level for a split by channel), and their own
    rows in other teams from a level with the agent (walking the agent index). With a tag,
    the same levels of that tag (TAG_LEVEL + level)."""
    offset = TAG_LEVEL if f.tag_id is not None else 0
    if f.scope_team_ids is None:
        return [(offset + level_for(f, by), Q())]
    base = _needed(replace(f, scope_team_ids=None, scope_agent_id=None), by)
    teams = Q(team_id__in=f.scope_team_ids)
    if f.scope_agent_id is None:
        # Their teams' rows only (the problems page's scope: rapport.reports.problems).
        return [(offset + _smallest(base | {"team_id"}), teams)]
    return [
        (offset + _smallest(base | {"team_id"}), teams),
        (
            offset + _smallest(base | {"team_id", "agent_id"}),
            Q(agent_id=f.scope_agent_id or -1) & ~teams,
        ),
    ]


def rollup_complete() -> bool:
    """Whether the tag levels and the open tickets' creation days hold every ticket (a full
    rebuild since migration 0005, or a desk that migrated empty: RollupState.complete_at)."""
    from .models import RollupState

    return RollupState.objects.filter(pk=1, complete_at__isnull=False).exists()


def rollup_cells(
    f: Filters, measures: tuple[str, ...], by: tuple[str, ...] = (), *, from_start=False
) -> dict[tuple, float]:
    """{(measure, key, *by): value} over the period (from the first day when from_start)."""
    if f.tag_id is not None and not rollup_complete():
        return _tagged_cells(f, measures, by, from_start=from_start)
    lo = None if from_start else f.start
    pieces = [("day", lo, f.end)] if "day" in by else segments(lo, f.end)
    out: dict[tuple, float] = defaultdict(float)
    for level, where in plan(f, by):
        for grain, start, end in pieces:
            if (
                grain == "day"
                and "day" not in by
                and start is not None
                and start == end.replace(day=1)
                and not _read(
                    Rollup, f, level, where, measures, end + timedelta(1), _month_end(end)
                )
                .values("pk")[:1]
                .exists()
            ):
                # The month's first days up to `end`, and no cell of this read after `end` in
                # that month (a range that ends today): the monthly cells hold the same sum.
                grain, end = "month", start
            model = Rollup if grain == "day" else RollupMonth
            qs = _read(model, f, level, where, measures, start, end)
            for row in qs.values("measure", "key", *by).annotate(v=Sum("value")).order_by():
                out[(row["measure"], row["key"], *(_norm(row[b]) for b in by))] += row["v"]
    return dict(out)


def _read(model, f: Filters, level: int, where: Q, measures, start: date | None, end: date):
    qs = model.objects.filter(
        where, level=level, tag_id=f.tag_id or 0, measure__in=measures, day__lte=end
    )
    if start is not None:
        qs = qs.filter(day__gte=start)
    if f.team_id is not None:
        qs = qs.filter(team_id=f.team_id)
    if f.agent_id is not None:
        qs = qs.filter(agent_id=f.agent_id)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.kind:
        qs = qs.filter(kind=f.kind)
    return qs


def _norm(value):
    return value.isoformat() if isinstance(value, date) else value


def _tagged_cells(f: Filters, measures, by, *, from_start=False) -> dict[tuple, float]:
    return _cells_of_rows(_tagged_rows(f), f, measures, by, from_start=from_start)


def _tagged_rows(f: Filters) -> dict[str, list[tuple]]:
    """The stored contributions of the tag's tickets that pass the filters' dimensions and
    scope (any day), by measure: read once per report, then summed per split."""
    from rapport.tickets.models import Ticket

    through = Ticket.tags.through
    ids = through.objects.filter(tag_id=f.tag_id).values_list("ticket_id", flat=True)
    out: dict[str, list[tuple]] = defaultdict(list)
    for rows in TicketFacts.objects.filter(ticket_id__in=ids).values_list("rows", flat=True):
        for row in rows:
            if _match(f, row[1], row[2], row[3], row[4]):
                out[row[5]].append(row)
    return out


_DIM_INDEX = {"day": 0, "team_id": 1, "agent_id": 2, "channel": 3, "kind": 4}


def _cells_of_rows(
    rows: dict[str, list[tuple]], f: Filters, measures, by=(), *, from_start=False
) -> dict[tuple, float]:
    """Cells like rollup_cells' from contribution rows grouped by measure (_tagged_rows)."""
    start, end = ("0000-00-00" if from_start else f.start.isoformat()), f.end.isoformat()
    at = [_DIM_INDEX[b] for b in by]
    out: dict[tuple, float] = defaultdict(float)
    for measure in set(measures):
        for row in rows.get(measure, ()):
            if start <= row[0] <= end:
                out[(measure, row[6], *(row[i] for i in at))] += row[7]
    return dict(out)


# --- figures --------------------------------------------------------------------------------


def percentile(hist: dict[str, float], p: float) -> float | None:
    """Nearest-rank percentile of a bucket histogram: the upper edge of the bucket holding
    that rank (the lower edge for the open-ended last bucket), in seconds."""
    n = sum(hist.values())
    if not n:
        return None
    rank = max(1, math.ceil(p / 100 * n - 1e-9))
    seen = 0.0
    for key in sorted(hist):
        seen += hist[key]
        if seen >= rank:
            low, high = facts.bucket_bounds(key)
            return high if high is not None else low
    return None  # pragma: no cover


def _hist(cells, measure, **where) -> dict[str, float]:
    out: dict[str, float] = defaultdict(float)
    for k, v in cells.items():
        if k[0] == measure:
            out[k[1]] += v
    return dict(out)


def _sum(cells, measure, key=None) -> float:
    return sum(v for k, v in cells.items() if k[0] == measure and (key is None or k[1] == key))


def _rate(a: float, b: float) -> float | None:
    return round(100 * a / b, 1) if b else None


def hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


ALL = (
    facts.CREATED,
    facts.HOUR,
    facts.SOLVED,
    facts.CLOSED_OUT,
    facts.FRT,
    facts.RES,
    facts.SLA_MET,
    facts.SLA_BREACHED,
    facts.PROMISE,
    facts.ANSWER_PROMISED,
    facts.ANSWER_BEATEN,
    facts.COACH_N,
    facts.COACH_SUM,
    facts.COACH_FINDING,
    facts.SURVEY,
    facts.REVIEW_IN,
    facts.REVIEW_ANSWERED,
    facts.REVIEW_TIME,
)


KIND_MEASURES = (facts.CREATED, facts.FRT, facts.SLA_MET, facts.SLA_BREACHED, facts.SURVEY)
AGENT_MEASURES = (facts.SOLVED, facts.FRT, facts.COACH_N, facts.COACH_SUM, facts.SURVEY)
TEAM_MEASURES = (*AGENT_MEASURES, facts.SLA_MET, facts.SLA_BREACHED)


def summary(cells: dict[tuple, float]) -> dict:
    """The headline figures of a set of cells keyed (measure, key, …)."""
    frt, res, rev = (
        _hist(cells, facts.FRT),
        _hist(cells, facts.RES),
        _hist(cells, facts.REVIEW_TIME),
    )
    met, breached = _sum(cells, facts.SLA_MET), _sum(cells, facts.SLA_BREACHED)
    levels = {int(k): v for k, v in _hist(cells, facts.SURVEY).items()}
    answered = sum(levels.values())
    coach_n = _sum(cells, facts.COACH_N)
    kept, late, broken = (_sum(cells, facts.PROMISE, k) for k in ("kept", "late", "broken"))
    return {
        "created": int(_sum(cells, facts.CREATED)),
        "solved": int(_sum(cells, facts.SOLVED)),
        "frt_n": int(sum(frt.values())),
        "frt_p50": percentile(frt, 50),
        "frt_p90": percentile(frt, 90),
        "res_n": int(sum(res.values())),
        "res_p50": percentile(res, 50),
        "res_p90": percentile(res, 90),
        "sla_met": int(met),
        "sla_breached": int(breached),
        "sla_rate": _rate(met, met + breached),
        "promises_kept": int(kept),
        "promises_late": int(late),
        "promises_broken": int(broken),
        "promises_rate": _rate(kept, kept + late + broken),
        "answers_promised": int(_sum(cells, facts.ANSWER_PROMISED)),
        "answers_beaten": int(_sum(cells, facts.ANSWER_BEATEN)),
        "beaten_rate": _rate(_sum(cells, facts.ANSWER_BEATEN), _sum(cells, facts.ANSWER_PROMISED)),
        "survey_levels": {lv: int(levels.get(lv, 0)) for lv in range(1, 6)},
        "survey_n": int(answered),
        "survey_mean": round(sum(lv * n for lv, n in levels.items()) / answered, 2)
        if answered
        else None,
        # FB2: the share of answers beyond "satisfied" (exceeded, delighted, amazed).
        "service_index": _rate(sum(n for lv, n in levels.items() if lv >= 3), answered),
        "coach_n": int(coach_n),
        "quality": round(_sum(cells, facts.COACH_SUM) / coach_n, 1) if coach_n else None,
        "reviews": int(_sum(cells, facts.REVIEW_IN)),
        "reviews_answered": int(_sum(cells, facts.REVIEW_ANSWERED)),
        "review_rate": _rate(_sum(cells, facts.REVIEW_ANSWERED), _sum(cells, facts.REVIEW_IN)),
        "review_p50": percentile(rev, 50),
        "review_p90": percentile(rev, 90),
    }


def split(cells: dict[tuple, float], index: int = 2) -> dict[object, dict[tuple, float]]:
    """Cells grouped by one extra dimension (position `index` in the key)."""
    out: dict[object, dict] = defaultdict(dict)
    for k, v in cells.items():
        rest = (k[0], k[1], *k[index + 1 :])
        out[k[index]][rest] = out[k[index]].get(rest, 0) + v
    return out


def cached_report(f: Filters) -> dict:
    """report(f) from the rollup, kept in the cache until the next fold changes the rollup
    (the key carries the fold counter and the rebuild time) or for 10 minutes."""
    from django.core.cache import cache

    from .models import RollupState

    state = RollupState.objects.filter(pk=1).values_list("tickets_folded", "rebuilt_at").first()
    key = "reports:" + hashlib.sha256(repr((f, state)).encode()).hexdigest()
    data = cache.get(key)
    if data is None:
        data = report(f)
        cache.set(key, data, 600)
    return data


def report(f: Filters, cells_fn=rollup_cells) -> dict:
    """Everything the dashboard shows, from `cells_fn` (the rollup, or raw data in tests):
    one read of every measure by every dimension but the day, split here, plus the day
    series of two measures and the backlog."""
    # One grouped read per split, each of only the measures that split shows: the database
    # sums (it walks the (level, measure, day) index), and few rows come back to Python.
    complete = cells_fn is not rollup_cells or rollup_complete()
    ages = _ages(f, cells_fn) if complete else None
    if f.tag_id is not None and not complete:
        # Tag levels not built yet (an upgraded desk before its full rebuild): the tag's
        # figures come from its tickets' stored contributions, read once.
        cells_fn = partial(_cells_of_rows, _tagged_rows(f))
    total = cells_fn(f, ALL)
    by_channel = split(cells_fn(f, (facts.CREATED, facts.SOLVED, facts.FRT), ("channel",)))
    by_kind = split(cells_fn(f, KIND_MEASURES, ("kind",)))
    by_agent = split(cells_fn(f, AGENT_MEASURES, ("agent_id",)))
    by_team = split(cells_fn(f, TEAM_MEASURES, ("team_id",)))
    # Volume by day and the backlog's flow by day: one read of three measures.
    day_cells = cells_fn(f, (facts.CREATED, facts.SOLVED, facts.CLOSED_OUT), ("day",))
    by_day = split(day_cells)
    hours_cells = {k: v for k, v in total.items() if k[0] == facts.HOUR}
    flow = (facts.CREATED, facts.CLOSED_OUT)
    before = cells_fn(replace(f, end=f.start - timedelta(days=1)), flow, (), from_start=True)
    backlog_cells = {k: v for k, v in day_cells.items() if k[0] in flow}
    findings = sorted(
        ((k[1], int(v)) for k, v in total.items() if k[0] == facts.COACH_FINDING),
        key=lambda kv: (-kv[1], kv[0]),
    )
    sla_by_kind = {}
    for k, v in total.items():
        if k[0] in (facts.SLA_MET, facts.SLA_BREACHED):
            row = sla_by_kind.setdefault(k[1], {"met": 0, "breached": 0})
            row["met" if k[0] == facts.SLA_MET else "breached"] += int(v)
    for row in sla_by_kind.values():
        row["rate"] = _rate(row["met"], row["met"] + row["breached"])
    return {
        "summary": summary(total),
        "channels": {ch: summary(c) for ch, c in sorted(by_channel.items())},
        "days": _day_series(f, by_day),
        "hours": {int(k[1]): int(v) for k, v in hours_cells.items()},
        "kinds": {kind: summary(c) for kind, c in sorted(by_kind.items())},
        "agents": {a: summary(c) for a, c in by_agent.items()},
        "teams": {t: summary(c) for t, c in by_team.items()},
        "findings": findings,
        "sla_by_kind": dict(sorted(sla_by_kind.items())),
        "backlog": _backlog(f, before, backlog_cells),
        # None until a full rebuild has stored the open tickets' creation days (an upgraded
        # desk): the views then count the open tickets instead (backlog_age).
        "ages": ages,
    }


def _day_series(f: Filters, by_day) -> list[dict]:
    out = []
    for i in range(f.days):
        d = (f.start + timedelta(days=i)).isoformat()
        c = by_day.get(d, {})
        out.append(
            {"day": d, "created": int(_sum(c, facts.CREATED)), "solved": int(_sum(c, facts.SOLVED))}
        )
    return out


def _backlog(f: Filters, before, cells) -> dict:
    """Open at the end of each day = tickets created minus tickets that left, up to that day
    (`before`: the same flow summed up to the day before the period)."""
    delta: dict[str, float] = defaultdict(float)
    for (measure, _key, day), v in cells.items():
        delta[day] += v if measure == facts.CREATED else -v
    running = _sum(before, facts.CREATED) - _sum(before, facts.CLOSED_OUT)
    series = []
    for i in range(f.days):
        d = (f.start + timedelta(days=i)).isoformat()
        running += delta.get(d, 0)
        series.append({"day": d, "open": int(round(running))})
    return {"series": series, "end": series[-1]["open"] if series else 0}


AGE_BUCKETS = [(0, 1), (1, 3), (3, 7), (7, 30), (30, None)]  # days


def _ages(f: Filters, cells_fn, today: date | None = None) -> list[dict]:
    """The open tickets now by age in days (today minus the local day they were created),
    from the `open_now` cells (each open ticket, on its creation day): the last 30 days day
    by day, everything older as one sum (whole months from the monthly cells). The filters'
    dimensions and scope apply; their period does not (the backlog now)."""
    today = today or timezone.localdate()
    oldest = AGE_BUCKETS[-1][0]
    first = today - timedelta(days=oldest - 1)
    recent = cells_fn(replace(f, start=first, end=today), (facts.OPEN_NOW,), ("day",))
    older = cells_fn(
        replace(f, start=first, end=first - timedelta(days=1)),
        (facts.OPEN_NOW,),
        (),
        from_start=True,
    )
    counts = {low: 0.0 for low, _ in AGE_BUCKETS}
    counts[oldest] += _sum(older, facts.OPEN_NOW)
    for (_measure, _key, day), v in recent.items():
        age = (today - date.fromisoformat(day)).days
        low = next(lo for lo, hi in AGE_BUCKETS if hi is None or age < hi)
        counts[low] += v
    return [{"low": low, "high": high, "n": int(round(counts[low]))} for low, high in AGE_BUCKETS]


def backlog_age(f: Filters, user, now: datetime | None = None) -> list[dict]:
    """The open tickets now by age (days since created), counted from the tickets (their
    partial index of open tickets): only until a full rebuild has stored the open tickets'
    creation days in the rollup (report()["ages"]); at 1M tickets this read cost 370 ms of
    CPU on SQLite (17,000 open tickets, each a row lookup for its creation time)."""
    from django.db.models import Count

    from rapport.tickets.models import Ticket

    now = now or timezone.now()
    qs = Ticket.objects.open().visible_to(user)
    if f.team_id is not None:
        qs = qs.filter(team_id=f.team_id)
    if f.agent_id is not None:
        qs = qs.filter(assignee_id=f.agent_id)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.kind:
        qs = qs.filter(customer__kind=f.kind)
    if f.tag_id is not None:
        qs = qs.filter(tags__id=f.tag_id)
    aggs = {}
    for low, high in AGE_BUCKETS:
        q = Q(created_at__lte=now - timedelta(days=low))
        if high is not None:
            q &= Q(created_at__gt=now - timedelta(days=high))
        aggs[f"b{low}"] = Count("id", filter=q)
    counts = qs.aggregate(**aggs)
    return [{"low": low, "high": high, "n": counts[f"b{low}"]} for low, high in AGE_BUCKETS]


# --- the partner report's "now" columns (MG5; rapport.accounts.partners) --------------------


def open_now_by_team(today: date | None = None) -> dict[int, int]:
    """Open tickets now per team: the `open_now` cells (each open ticket on its creation day)
    of the by-team level summed over every day — the same figure as the backlog's ages, bounded
    by the cell space. Until a full rebuild has stored those cells (an upgraded desk,
    rollup_complete()), counted from the tickets instead."""
    if not rollup_complete():
        from django.db.models import Count

        from rapport.tickets.models import Ticket

        qs = Ticket.objects.open().filter(merged_into=None).values("team_id")
        return {r["team_id"]: r["n"] for r in qs.annotate(n=Count("id")).order_by()}
    today = today or timezone.localdate()
    f = Filters(start=today, end=today)
    cells = rollup_cells(f, (facts.OPEN_NOW,), ("team_id",), from_start=True)
    return {team or None: int(round(v)) for (_m, _k, team), v in cells.items() if round(v)}


def overdue_now_by_team(now: datetime | None = None) -> dict[int, int]:
    """Open tickets whose SLA is breached now, per team. A breached ticket's earliest running
    due (Ticket.sla_due, written with sla_state from the same clocks: rapport.sla.actions.
    _state_fields) is past, so this reads the range sla_due < now of the tickets' partial
    `ticket_sla_due` index — the overdue tickets, not every open one (the partner report read
    every open ticket's row: 1.5 s at 1M on SQLite)."""
    from django.db.models import Count

    from rapport.tickets.models import OPEN_STATUSES, SlaState, Ticket

    now = now or timezone.now()
    qs = Ticket.objects.filter(
        sla_due__isnull=False,
        sla_due__lt=now,
        sla_state=SlaState.BREACHED,
        status__in=OPEN_STATUSES,
        merged_into=None,
    ).values("team_id")
    return {r["team_id"]: r["n"] for r in qs.annotate(n=Count("id")).order_by()}
