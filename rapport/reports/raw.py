"""The same cells as the rollup, recomputed from the raw tables (tickets, SLA clocks, replies,
promises, surveys, reviews) with the period, the dimensions and the scope applied in SQL.
Slow (it reads every row of the period); used by the rollup-equals-raw test and for checks
(`report(f, cells_fn=raw_cells)`), never by a page. Written per measure, from the definitions
in docs/reports.md, not by calling facts.contributions."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from rapport.promises.models import Promise, PromiseState
from rapport.sla.actions import Calendars
from rapport.sla.models import ClockStatus, SlaClock
from rapport.tickets.models import OPEN_STATUSES, Direction, Message, Ticket

from . import facts
from .queries import Filters


def _bounds(f: Filters, from_start: bool):
    start = timezone.make_aware(datetime.combine(f.start, time.min))
    end = timezone.make_aware(datetime.combine(f.end + timedelta(days=1), time.min))
    return (None if from_start else start), end


def _in(field: str, start, end) -> Q:
    q = Q(**{f"{field}__lt": end})
    return q & Q(**{f"{field}__gte": start}) if start is not None else q


def raw_cells(f: Filters, measures, by=(), *, from_start=False) -> dict[tuple, float]:
    start, end = _bounds(f, from_start)
    out: dict[tuple, float] = defaultdict(float)
    cals = Calendars()
    tickets = Ticket.objects.all()
    if f.tag_id is not None:
        tickets = tickets.filter(tags__id=f.tag_id)
    tcols = (
        "id",
        "team_id",
        "assignee_id",
        "channel",
        "customer__kind",
        "created_at",
        "solved_at",
        "closed_at",
        "updated_at",
        "status",
        "first_response_at",
        "promised_response_at",
    )

    def put(measure, key, at, team, agent, channel, kind, value=1):
        if measure not in measures:
            return
        team, agent = team or 0, agent or 0
        if not facts.local_day(at) <= f.end or (not from_start and facts.local_day(at) < f.start):
            return
        if f.team_id is not None and team != f.team_id:
            return
        if f.agent_id is not None and agent != f.agent_id:
            return
        if (f.channel and channel != f.channel) or (f.kind and kind != f.kind):
            return
        if f.scope_team_ids is not None and not (
            team in f.scope_team_ids or agent == f.scope_agent_id
        ):
            return
        dims = {
            "day": facts.local_day(at).isoformat(),
            "team_id": team,
            "agent_id": agent,
            "channel": channel,
            "kind": kind,
        }
        out[(measure, str(key), *(dims[b] for b in by))] += value

    for t in tickets.filter(_in("created_at", start, end)).values(*tcols):
        dims = (t["team_id"], t["assignee_id"], t["channel"], t["customer__kind"])
        put(facts.CREATED, "", t["created_at"], *dims)
        put(facts.HOUR, f"{timezone.localtime(t['created_at']).hour:02d}", t["created_at"], *dims)
    for t in tickets.filter(_in("first_response_at", start, end)).values(*tcols):
        dims = (t["team_id"], t["assignee_id"], t["channel"], t["customer__kind"])
        secs = facts.business_seconds(t["created_at"], t["first_response_at"], cals(t["team_id"]))
        put(facts.FRT, facts.bucket(secs), t["first_response_at"], *dims)
        if t["promised_response_at"]:
            put(facts.ANSWER_PROMISED, "", t["first_response_at"], *dims)
            if t["first_response_at"] < t["promised_response_at"]:
                put(facts.ANSWER_BEATEN, "", t["first_response_at"], *dims)
    for t in tickets.filter(_in("solved_at", start, end)).values(*tcols):
        dims = (t["team_id"], t["assignee_id"], t["channel"], t["customer__kind"])
        put(facts.SOLVED, "", t["solved_at"], *dims)
        secs = facts.business_seconds(t["created_at"], t["solved_at"], cals(t["team_id"]))
        put(facts.RES, facts.bucket(secs), t["solved_at"], *dims)
    for t in tickets.filter(_in("created_at", start, end), status__in=OPEN_STATUSES).values(*tcols):
        dims = (t["team_id"], t["assignee_id"], t["channel"], t["customer__kind"])
        put(facts.OPEN_NOW, "", t["created_at"], *dims)
    for t in tickets.exclude(status__in=OPEN_STATUSES).values(*tcols):
        dims = (t["team_id"], t["assignee_id"], t["channel"], t["customer__kind"])
        left = t["solved_at"] or t["closed_at"] or t["updated_at"]
        put(facts.CLOSED_OUT, "", max(left, t["created_at"]), *dims)

    def tdims(prefix="ticket__"):
        return (
            f"{prefix}team_id",
            f"{prefix}assignee_id",
            f"{prefix}channel",
            f"{prefix}customer__kind",
        )

    tq = Q(ticket__tags__id=f.tag_id) if f.tag_id is not None else Q()
    for c in SlaClock.objects.filter(
        tq, _in("stopped_at", start, end), status=ClockStatus.STOPPED
    ).values("kind", "stopped_at", "breached_at", *tdims()):
        measure = facts.SLA_MET if c["breached_at"] is None else facts.SLA_BREACHED
        put(measure, c["kind"], c["stopped_at"], *(c[d] for d in tdims()))

    for m in Message.objects.filter(
        tq,
        _in("created_at", start, end),
        direction=Direction.OUT,
        auto="",
        analysis__isnull=False,
    ).values("created_at", "author_id", "analysis", *tdims()):
        a = m["analysis"]
        if not isinstance(a, dict) or a.get("score") is None:
            continue
        d = (
            m["ticket__team_id"],
            m["author_id"],
            m["ticket__channel"],
            m["ticket__customer__kind"],
        )
        put(facts.COACH_N, "", m["created_at"], *d)
        put(facts.COACH_SUM, "", m["created_at"], *d, value=float(a["score"]))
        for finding in a.get("findings") or ():
            if isinstance(finding, dict) and finding.get("principle"):
                put(facts.COACH_FINDING, str(finding["principle"])[:16], m["created_at"], *d)

    for p in Promise.objects.filter(tq, state__in=[PromiseState.KEPT, PromiseState.BROKEN]).values(
        "state", "kept_at", "due_at", "closed_at", "agent_id", *tdims()
    ):
        at = p["closed_at"] or p["kept_at"] or p["due_at"]
        if p["state"] == PromiseState.BROKEN:
            key = "broken"
        else:
            key = "kept" if p["kept_at"] and p["kept_at"] <= p["due_at"] else "late"
        put(
            facts.PROMISE,
            key,
            at,
            p["ticket__team_id"],
            p["agent_id"],
            p["ticket__channel"],
            p["ticket__customer__kind"],
        )

    Survey, Review = facts._optional_models()  # noqa: N806
    if Survey is not None:
        for s in Survey.objects.filter(tq, level__isnull=False).values(
            "level", "answered_at", "created_at", "team_id", "agent_id", *tdims()
        ):
            put(
                facts.SURVEY,
                s["level"],
                s["answered_at"] or s["created_at"],
                s["team_id"],
                s["agent_id"],
                s["ticket__channel"],
                s["ticket__customer__kind"],
            )
    if Review is not None:
        for r in Review.objects.filter(tq, _in("received_at", start, end)).values(
            "received_at", "replied_at", "replied_by_id", *tdims()
        ):
            d = (
                r["ticket__team_id"],
                r["replied_by_id"],
                r["ticket__channel"],
                r["ticket__customer__kind"],
            )
            put(facts.REVIEW_IN, "", r["received_at"], *d)
            if r["replied_at"]:
                put(facts.REVIEW_ANSWERED, "", r["received_at"], *d)
                secs = max(0.0, (r["replied_at"] - r["received_at"]).total_seconds())
                put(facts.REVIEW_TIME, facts.bucket(secs), r["received_at"], *d)
    return dict(out)
