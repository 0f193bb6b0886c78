"""What each ticket contributes to the rollup (docs/reports.md, MG3).

`contributions(ticket_ids)` reads the raw tables once per kind of source for a batch of tickets
and returns, per ticket, the rollup rows it adds: (day, team, agent, channel, kind, measure,
key, value). Every figure a report shows is a sum of these rows over days and dimensions.

Durations are in business time of the ticket team's calendar (rapport.sla.clock), stored as
counts in fixed logarithmic buckets (BUCKETS), so a median or p90 over any slice is read from
the rollup by nearest rank to within one bucket.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import date, datetime

from django.utils import timezone

from rapport.customers.models import Customer
from rapport.promises.models import Promise, PromiseState
from rapport.sla import clock
from rapport.sla.actions import Calendars
from rapport.sla.models import ClockStatus, SlaClock
from rapport.tickets.models import OPEN_STATUSES, Direction, Message, Ticket

# Upper edges (seconds) of the duration buckets; the last bucket is open-ended.
BUCKETS = [
    60,
    300,
    600,
    900,
    1800,
    3600,
    2 * 3600,
    4 * 3600,
    8 * 3600,
    16 * 3600,
    86400,
    2 * 86400,
    4 * 86400,
    7 * 86400,
    14 * 86400,
    30 * 86400,
]


def bucket(seconds: float) -> str:
    """The bucket key of a duration: '00' for ≤ 1 min … '16' for more than 30 days."""
    return f"{bisect.bisect_left(BUCKETS, seconds):02d}"


def bucket_bounds(key: str) -> tuple[float, float | None]:
    i = int(key)
    return (BUCKETS[i - 1] if i else 0.0, BUCKETS[i] if i < len(BUCKETS) else None)


def local_day(at: datetime) -> date:
    return timezone.localtime(at).date()


# Measures (Rollup.measure); see docs/reports.md for what each counts and on which day.
CREATED = "created"  # key: ""            day: created
HOUR = "hour"  # key: hour of day 00-23   day: created
SOLVED = "solved"  # day: solved_at
CLOSED_OUT = "out"  # left the backlog (solved or closed and not reopened); day: that time
FRT = "frt"  # key: bucket                day: first response
RES = "res"  # key: bucket                day: solved
SLA_MET = "sla_met"  # key: clock kind    day: clock stopped
SLA_BREACHED = "sla_br"
PROMISE = "promise"  # key: kept | late | broken   day: closed
ANSWER_PROMISED = "ans_prom"  # RS3/RS5: a promised answer time, then a first response
ANSWER_BEATEN = "ans_beat"  # … that came earlier than promised
COACH_N = "coach_n"  # a sent reply reviewed by the coach; agent: its author; day: sent
COACH_SUM = "coach_sum"  # its score (0-100)
COACH_FINDING = "coach_f"  # key: principle; a finding on a sent reply
SURVEY = "survey"  # key: level 1-5; day: answered
REVIEW_IN = "rev_in"  # day: received
REVIEW_ANSWERED = "rev_ans"  # day: received
REVIEW_TIME = "rev_time"  # key: bucket of wall-clock seconds to the reply; day: received
OPEN_NOW = "open_now"  # the ticket is open now; day: created (the open backlog's ages)
# KN2: the FAQ mining's questions (rapport.suggest.FaqQuestion) of the ticket, by cluster.
FAQ_QUESTION = "faq_q"  # key: cluster id; day: asked
FAQ_TICKET = "faq_t"  # key: cluster id; day: the ticket's first question in that cluster

DURATION_MEASURES = (FRT, RES, REVIEW_TIME)


def _faq_question_model():
    """The FAQ mining's questions (rapport.suggest): tolerated when absent, as feedback."""
    try:
        from rapport.suggest.models import FaqQuestion
    except ImportError:  # pragma: no cover - the app is installed in this project
        return None
    return FaqQuestion


def _optional_models():
    """Feedback and reviews are other apps: tolerated when absent (docs/reports.md)."""
    try:
        from rapport.feedback.models import Survey
    except ImportError:  # pragma: no cover - the app is installed in this project
        Survey = None  # noqa: N806
    try:
        from rapport.reviews.models import Review
    except ImportError:  # pragma: no cover
        Review = None  # noqa: N806
    return Survey, Review


def business_seconds(start: datetime, end: datetime, cal: clock.Calendar) -> float:
    if end <= start:
        return 0.0
    return clock.business_time_between(start, end, cal).total_seconds()


def contributions(ticket_ids: list[int], calendars: Calendars | None = None) -> dict[int, list]:
    calendars = calendars or Calendars()
    out: dict[int, list] = {tid: [] for tid in ticket_ids}
    tickets = {
        t["id"]: t
        for t in Ticket.objects.filter(pk__in=ticket_ids).values(
            "id",
            "created_at",
            "solved_at",
            "closed_at",
            "updated_at",
            "status",
            "first_response_at",
            "promised_response_at",
            "team_id",
            "assignee_id",
            "channel",
            "customer_id",
        )
    }
    kinds = dict(
        Customer.objects.filter(pk__in={t["customer_id"] for t in tickets.values()}).values_list(
            "id", "kind"
        )
    )
    for tid in list(out):
        if tid not in tickets:
            out[tid] = []  # deleted: its contributions are taken back

    tz = timezone.get_current_timezone()  # once: timezone.localtime looks it up per call

    def add(tid: int, at: datetime, measure: str, key="", value=1, team=None, agent=None):
        t = tickets[tid]
        out[tid].append(
            [
                at.astimezone(tz).date().isoformat(),
                (t["team_id"] if team is None else team) or 0,
                (t["assignee_id"] if agent is None else agent) or 0,
                t["channel"],
                kinds.get(t["customer_id"], ""),
                measure,
                str(key),
                value,
            ]
        )

    for tid, t in tickets.items():
        created = t["created_at"]
        add(tid, created, CREATED)
        add(tid, created, HOUR, f"{created.astimezone(tz).hour:02d}")
        cal = calendars(t["team_id"])
        if t["first_response_at"]:
            add(
                tid,
                t["first_response_at"],
                FRT,
                bucket(business_seconds(created, t["first_response_at"], cal)),
            )
            if t["promised_response_at"]:
                add(tid, t["first_response_at"], ANSWER_PROMISED)
                if t["first_response_at"] < t["promised_response_at"]:
                    add(tid, t["first_response_at"], ANSWER_BEATEN)
        if t["solved_at"]:
            add(tid, t["solved_at"], SOLVED)
            add(tid, t["solved_at"], RES, bucket(business_seconds(created, t["solved_at"], cal)))
        if t["status"] not in OPEN_STATUSES:
            left = t["solved_at"] or t["closed_at"] or t["updated_at"]
            add(tid, max(left, created), CLOSED_OUT)
        else:
            add(tid, created, OPEN_NOW)

    if not tickets:
        return out
    ids = list(tickets)
    for c in SlaClock.objects.filter(ticket_id__in=ids, status=ClockStatus.STOPPED).values(
        "ticket_id", "kind", "stopped_at", "breached_at"
    ):
        measure = SLA_MET if c["breached_at"] is None else SLA_BREACHED
        add(c["ticket_id"], c["stopped_at"], measure, c["kind"])

    for m in Message.objects.filter(
        ticket_id__in=ids, direction=Direction.OUT, auto="", analysis__isnull=False
    ).values("ticket_id", "author_id", "created_at", "analysis"):
        a = m["analysis"] or {}
        if not isinstance(a, dict) or a.get("score") is None:
            continue
        add(m["ticket_id"], m["created_at"], COACH_N, agent=m["author_id"] or 0)
        add(
            m["ticket_id"],
            m["created_at"],
            COACH_SUM,
            value=float(a["score"]),
            agent=m["author_id"] or 0,
        )
        for f in a.get("findings") or ():
            if isinstance(f, dict) and f.get("principle"):
                add(
                    m["ticket_id"],
                    m["created_at"],
                    COACH_FINDING,
                    str(f["principle"])[:16],
                    agent=m["author_id"] or 0,
                )

    for p in Promise.objects.filter(
        ticket_id__in=ids, state__in=[PromiseState.KEPT, PromiseState.BROKEN]
    ).values("ticket_id", "agent_id", "state", "kept_at", "due_at", "closed_at"):
        if p["state"] == PromiseState.KEPT:
            key = "kept" if p["kept_at"] and p["kept_at"] <= p["due_at"] else "late"
        else:
            key = "broken"
        at = p["closed_at"] or p["kept_at"] or p["due_at"]
        add(p["ticket_id"], at, PROMISE, key, agent=p["agent_id"] or 0)

    Survey, Review = _optional_models()  # noqa: N806
    if Survey is not None:
        for s in Survey.objects.filter(ticket_id__in=ids, level__isnull=False).values(
            "ticket_id", "team_id", "agent_id", "level", "answered_at", "created_at"
        ):
            add(
                s["ticket_id"],
                s["answered_at"] or s["created_at"],
                SURVEY,
                s["level"],
                team=s["team_id"] or 0,
                agent=s["agent_id"] or 0,
            )
    if Review is not None:
        for r in Review.objects.filter(ticket_id__in=ids).values(
            "ticket_id", "received_at", "replied_at", "replied_by_id"
        ):
            agent = r["replied_by_id"] or 0
            add(r["ticket_id"], r["received_at"], REVIEW_IN, agent=agent)
            if r["replied_at"]:
                add(r["ticket_id"], r["received_at"], REVIEW_ANSWERED, agent=agent)
                secs = max(0.0, (r["replied_at"] - r["received_at"]).total_seconds())
                add(r["ticket_id"], r["received_at"], REVIEW_TIME, bucket(secs), agent=agent)
    FaqQuestion = _faq_question_model()  # noqa: N806
    if FaqQuestion is not None:
        first: dict[tuple[int, int], datetime] = {}
        for q in FaqQuestion.objects.filter(ticket_id__in=ids).values(
            "ticket_id", "cluster_id", "asked_at"
        ):
            add(q["ticket_id"], q["asked_at"], FAQ_QUESTION, q["cluster_id"])
            pair = (q["ticket_id"], q["cluster_id"])
            if pair not in first or q["asked_at"] < first[pair]:
                first[pair] = q["asked_at"]
        # Each ticket once per cluster, on the day it first asked there: "tickets" over a
        # period is then a sum (the tickets that first raised the problem in it).
        for (tid, cluster), at in sorted(first.items()):
            add(tid, at, FAQ_TICKET, cluster)
    return out


def tags_of(ticket_ids: list[int]) -> dict[int, list[int]]:
    """Each ticket's tag ids now, sorted (one indexed read of the tickets' tag links)."""
    out: dict[int, list[int]] = {tid: [] for tid in ticket_ids}
    through = Ticket.tags.through
    for tid, tag in (
        through.objects.filter(ticket_id__in=ticket_ids)
        .order_by("ticket_id", "tag_id")
        .values_list("ticket_id", "tag_id")
    ):
        out[tid].append(tag)
    return out


def aggregate(rows_by_ticket, tags_by_ticket=None) -> dict[tuple, float]:
    """Sum contribution rows into rollup cells {(tag, day, team, agent, channel, kind, measure,
    key): value}: tag 0 for every row, and once more under each of the ticket's tags
    (`tags_by_ticket`, in the same order as the rows; none when omitted)."""
    cells: dict[tuple, float] = defaultdict(float)
    pairs = (
        ((rows, ()) for rows in rows_by_ticket)
        if tags_by_ticket is None
        else zip(rows_by_ticket, tags_by_ticket, strict=True)
    )
    for rows, tags in pairs:
        for *cell, value in rows:
            cells[(0, *cell)] += value
            for tag in tags:
                cells[(tag, *cell)] += value
    return cells
