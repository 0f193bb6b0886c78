"""Recurring problems and complaints (KN2, KN3; seed 002: "where does our system need an
upgrade?"). See docs/reports.md.

Problems come from the FAQ mining of rapport.suggest (clusters of recurring questions) when it
has run; complaints are the customers' messages the coach read as negative or angry, or with a
signal (insult, threat, "get me a manager", urgency). A complaint's topic is its question's
FAQ cluster when it has one, else its ticket subject's most telling normalised word
(rapport.suggest.text.content_tokens, on rapport.search.normalise). Both read the raw tables,
since they group by text, which a rollup cannot hold: complaints are the customer messages of
the period's newest TICKET_CAP tickets, at most COMPLAINT_CAP of them; the page says when a
cap is reached.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, time, timedelta

from django.db.models import Count
from django.db.models.functions import TruncWeek
from django.utils import timezone

from rapport.feedback.models import Survey
from rapport.suggest.models import FaqQuestion
from rapport.tickets.models import OPEN_STATUSES, Direction, Message, Ticket

from .queries import Filters

COMPLAINT_CAP = 5000
TICKET_CAP = 20000  # the newest tickets of the period whose messages are read
NEGATIVE_MOODS = ("negative", "angry")


def _range(f: Filters):
    start = timezone.make_aware(datetime.combine(f.start, time.min))
    end = timezone.make_aware(datetime.combine(f.end + timedelta(days=1), time.min))
    return start, end


def _ticket_scope(qs, f: Filters, user, prefix="ticket__"):
    """Restrict `qs` (tickets, or rows of tickets through `prefix`) to the viewer and filters."""
    if not user.sees_all_teams:
        qs = qs.filter(**{f"{prefix}team_id__in": user.team_ids})
    if f.team_id is not None:
        qs = qs.filter(**{f"{prefix}team_id": f.team_id})
    if f.agent_id is not None:
        qs = qs.filter(**{f"{prefix}assignee_id": f.agent_id})
    if f.channel:
        qs = qs.filter(**{f"{prefix}channel": f.channel})
    if f.kind:
        qs = qs.filter(**{f"{prefix}customer__kind": f.kind})
    if f.tag_id is not None:
        qs = qs.filter(**{f"{prefix}tags__id": f.tag_id})
    return qs


def problem_clusters(f: Filters, user, limit: int = 20) -> dict:
    """The FAQ clusters with questions in the period: count, tickets, channels, weekly trend."""
    start, end = _range(f)
    qs = _ticket_scope(FaqQuestion.objects.filter(asked_at__gte=start, asked_at__lt=end), f, user)
    top = list(
        qs.values("cluster_id", "cluster__title", "cluster__language", "cluster__status")
        .annotate(n=Count("id"), tickets=Count("ticket_id", distinct=True))
        .order_by("-n", "cluster_id")[:limit]
    )
    ids = [r["cluster_id"] for r in top]
    weeks: dict = defaultdict(dict)
    for r in (
        qs.filter(cluster_id__in=ids)
        .annotate(week=TruncWeek("asked_at"))
        .values("cluster_id", "week")
        .annotate(n=Count("id"))
        .order_by()
    ):
        weeks[r["cluster_id"]][r["week"].date() if hasattr(r["week"], "date") else r["week"]] = r[
            "n"
        ]
    channels: dict = defaultdict(Counter)
    for r in (
        qs.filter(cluster_id__in=ids)
        .values("cluster_id", "ticket__channel")
        .annotate(n=Count("id"))
        .order_by()
    ):
        channels[r["cluster_id"]][r["ticket__channel"]] += r["n"]
    all_weeks = sorted({w for c in weeks.values() for w in c})
    rows = []
    for r in top:
        series = [weeks[r["cluster_id"]].get(w, 0) for w in all_weeks]
        half = len(series) // 2
        first, second = sum(series[:half]), sum(series[half:])
        rows.append(
            {
                "id": r["cluster_id"],
                "title": r["cluster__title"],
                "language": r["cluster__language"],
                "status": r["cluster__status"],
                "questions": r["n"],
                "tickets": r["tickets"],
                "channels": ", ".join(
                    f"{ch} {n}" for ch, n in channels[r["cluster_id"]].most_common()
                ),
                "series": series,
                # Trend: the second half of the period against the first.
                "trend": "up" if second > first else ("down" if second < first else "flat"),
            }
        )
    return {"available": True, "rows": rows, "weeks": all_weeks}


def _keyword(text: str) -> str:
    try:
        from rapport.suggest.text import content_tokens

        tokens = content_tokens(text or "")
    except ImportError:  # pragma: no cover
        from rapport.search.normalise import words

        tokens = [w.token for w in words(text or "") if len(w.token) > 3]
    return Counter(tokens).most_common(1)[0][0] if tokens else "—"


def complaints(f: Filters, user) -> dict:
    """Complaints in the period by topic, cause, channel and outcome, and the topics that
    repeat most and stay unsolved: the upgrade candidates (KN3)."""
    start, end = _range(f)
    # From the period's tickets (newest first, on the tickets' created_at index) to their
    # messages (on the messages' ticket index): messages have no index on their own time.
    period_tickets = _ticket_scope(
        Ticket.objects.filter(created_at__gte=start, created_at__lt=end), f, user, prefix=""
    ).order_by("-created_at", "-id")
    qs = Message.objects.filter(
        ticket_id__in=period_tickets.values("id")[:TICKET_CAP],
        direction=Direction.IN,
        auto="",
        analysis__isnull=False,
    )
    rows = list(
        qs.order_by("-created_at").values(
            "id",
            "ticket_id",
            "channel",
            "analysis",
            "ticket__subject",
            "ticket__status",
            "created_at",
        )
    )
    found = []
    for m in rows:
        a = m["analysis"] if isinstance(m["analysis"], dict) else {}
        signals = [s for s in a.get("signals") or () if isinstance(s, str)]
        if a.get("mood") in NEGATIVE_MOODS or signals:
            found.append((m, a.get("mood") or "", signals))
        if len(found) >= COMPLAINT_CAP:
            break
    clusters = dict(
        FaqQuestion.objects.filter(message_id__in=[m["id"] for m, _, _ in found]).values_list(
            "message_id", "cluster__title"
        )
    )
    levels = dict(
        Survey.objects.filter(
            ticket_id__in={m["ticket_id"] for m, _, _ in found}, level__isnull=False
        ).values_list("ticket_id", "level")
    )
    by_topic: dict[str, dict] = {}
    causes, channels, outcomes = Counter(), Counter(), Counter()
    for m, mood, signals in found:
        topic = clusters.get(m["id"]) or _keyword(m["ticket__subject"])
        solved = m["ticket__status"] not in OPEN_STATUSES
        level = levels.get(m["ticket_id"])
        outcome = "open" if not solved else ("solved_unhappy" if level and level <= 1 else "solved")
        row = by_topic.setdefault(
            topic,
            {
                "topic": topic,
                "n": 0,
                "tickets": set(),
                "open": 0,
                "channels": Counter(),
                "causes": Counter(),
            },
        )
        row["n"] += 1
        row["tickets"].add(m["ticket_id"])
        row["open"] += 0 if solved else 1
        row["channels"][m["channel"]] += 1
        for cause in signals or [mood]:
            row["causes"][cause] += 1
            causes[cause] += 1
        channels[m["channel"]] += 1
        outcomes[outcome] += 1
    topics = []
    for row in by_topic.values():
        tickets = len(row["tickets"])
        topics.append(
            {
                "topic": row["topic"],
                "n": row["n"],
                "tickets": tickets,
                "open": row["open"],
                "channels": ", ".join(f"{c} {n}" for c, n in row["channels"].most_common(3)),
                "causes": ", ".join(f"{c} {n}" for c, n in row["causes"].most_common(3)),
                # Repeats across tickets and stays open: the system, not one agent, needs work.
                "upgrade": tickets * (1 + row["open"] / max(1, row["n"])),
            }
        )
    topics.sort(key=lambda r: (-r["n"], r["topic"]))
    upgrades = sorted(
        (r for r in topics if r["tickets"] >= 2), key=lambda r: (-r["upgrade"], r["topic"])
    )[:10]
    return {
        "total": len(found),
        "capped": len(found) >= COMPLAINT_CAP
        or period_tickets[TICKET_CAP : TICKET_CAP + 1].exists(),
        "topics": topics[:50],
        "causes": causes.most_common(),
        "channels": channels.most_common(),
        "outcomes": outcomes.most_common(),
        "upgrades": upgrades,
    }
