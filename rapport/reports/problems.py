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
from dataclasses import replace
from datetime import date, datetime, time, timedelta

from django.db import connection
from django.db.models import Count, Min
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import pgettext_lazy

from rapport.feedback.models import Survey
from rapport.lib.channels import Channel
from rapport.suggest.models import FaqCluster, FaqQuestion
from rapport.tickets.models import OPEN_STATUSES, Direction, Message, Ticket

from .facts import FAQ_QUESTION, FAQ_TICKET
from .queries import Filters

COMPLAINT_CAP = 5000
TICKET_CAP = 20000  # the newest tickets of the period whose messages are read
ID_CHUNK = 2000  # ticket ids per query (SQLite's bound on a statement's parameters)
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


def problems_complete() -> bool:
    """Whether the rollup holds every FAQ question (RollupState.problems_at: a full rebuild
    since migration 0006, or a desk that migrated empty)."""
    from .models import RollupState

    return RollupState.objects.filter(pk=1, problems_at__isnull=False).exists()


def _clusters_scope(f: Filters, user) -> Filters:
    """The rollup filters for what `user` sees of the problems: as _ticket_scope, their
    teams' tickets only (not their own rows in other teams, unlike the dashboard)."""
    teams = None if user.sees_all_teams else tuple(user.team_ids)
    return replace(f, scope_team_ids=teams, scope_agent_id=None)


def _by_count(counter: Counter) -> str:
    """Channels and their counts, most first, as the reader names the channels."""
    ordered = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))
    return ", ".join(f"{channel_label(k)} {n}" for k, n in ordered)


def _cluster_rows(top, tickets, weeks, channels, limit) -> dict:
    """The page's rows from {cluster: questions}, {cluster: tickets}, {cluster: {week: n}}
    and {cluster: Counter(channel)} — the same whichever source counted them."""
    top = sorted(((c, n) for c, n in top.items() if n > 0), key=lambda cn: (-cn[1], cn[0]))
    top = top[:limit]
    info = {
        c["id"]: c
        for c in FaqCluster.objects.filter(pk__in=[c for c, _ in top]).values(
            "id", "title", "language", "status"
        )
    }
    all_weeks = sorted({w for c, _ in top for w, n in weeks.get(c, {}).items() if n})
    rows = []
    for cluster, n in top:
        series = [int(weeks.get(cluster, {}).get(w, 0)) for w in all_weeks]
        half = len(series) // 2
        first, second = sum(series[:half]), sum(series[half:])
        c = info.get(cluster, {})
        rows.append(
            {
                "id": cluster,
                "title": c.get("title", ""),
                "language": c.get("language", ""),
                "status": c.get("status", ""),
                "questions": int(n),
                "tickets": int(tickets.get(cluster, 0)),
                "channels": _by_count(channels.get(cluster, Counter())),
                "series": series,
                # Trend: the second half of the period against the first.
                "trend": "up" if second > first else ("down" if second < first else "flat"),
            }
        )
    return {"available": True, "rows": rows, "weeks": all_weeks}


def problem_clusters(f: Filters, user, limit: int = 20) -> dict:
    """The FAQ clusters with questions in the period: count, tickets (those that first asked
    it in the period), channels, weekly trend — from the rollup's faq_q / faq_t cells (their
    number is bounded by clusters × days, not by tickets; a tag filter reads its tag's
    cells), or from the questions themselves until a full rebuild has folded them."""
    if not problems_complete():
        return problem_clusters_raw(f, user, limit)
    from .queries import rollup_cells

    fs = _clusters_scope(f, user)
    top: dict[int, float] = defaultdict(float)
    tickets: dict[int, float] = defaultdict(float)
    for (measure, key), v in rollup_cells(fs, (FAQ_QUESTION, FAQ_TICKET)).items():
        (top if measure == FAQ_QUESTION else tickets)[int(key)] += v
    keep = {c for c, _ in sorted(top.items(), key=lambda cn: (-cn[1], cn[0]))[:limit]}
    weeks: dict = defaultdict(lambda: defaultdict(float))
    for (_m, key, day), v in rollup_cells(fs, (FAQ_QUESTION,), ("day",)).items():
        if int(key) in keep:
            d = date.fromisoformat(day)
            weeks[int(key)][d - timedelta(days=d.weekday())] += v
    channels: dict = defaultdict(Counter)
    for (_m, key, channel), v in rollup_cells(fs, (FAQ_QUESTION,), ("channel",)).items():
        if int(key) in keep:
            channels[int(key)][channel] += int(round(v))
    return _cluster_rows(top, tickets, weeks, channels, limit)


def problem_clusters_raw(f: Filters, user, limit: int = 20) -> dict:
    """problem_clusters from the FAQ questions themselves (the rollup's proof, and the page
    until a full rebuild has folded the questions): grows with the period's questions."""
    start, end = _range(f)
    scoped_qs = _ticket_scope(FaqQuestion.objects.all(), f, user)
    qs = scoped_qs.filter(asked_at__gte=start, asked_at__lt=end)
    top = {
        r["cluster_id"]: r["n"] for r in qs.values("cluster_id").annotate(n=Count("id")).order_by()
    }
    # Tickets: each counted on its first question in the cluster (any time, same filters).
    tickets: Counter = Counter()
    for r in (
        scoped_qs.filter(cluster_id__in=list(top))
        .values("cluster_id", "ticket_id")
        .annotate(first=Min("asked_at"))
        .order_by()
    ):
        if start <= r["first"] < end:
            tickets[r["cluster_id"]] += 1
    weeks: dict = defaultdict(dict)
    for r in (
        qs.filter(cluster_id__in=list(top))
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
        qs.filter(cluster_id__in=list(top))
        .values("cluster_id", "ticket__channel")
        .annotate(n=Count("id"))
        .order_by()
    ):
        channels[r["cluster_id"]][r["ticket__channel"]] += r["n"]
    return _cluster_rows(top, tickets, weeks, channels, limit)


def _keyword(text: str) -> tuple[str, str]:
    """A complaint's topic when no FAQ cluster holds it: the subject's most frequent topic word,
    as (normalised token: the grouping key, the word as written: what the page shows)."""
    from rapport.suggest.text import content_words

    found = content_words(text or "")
    if not found:
        return "—", "—"
    token = Counter(t for t, _ in found).most_common(1)[0][0]
    return token, Counter(w for t, w in found if t == token).most_common(1)[0][0]


# The outcome of a complaint's ticket, as the page names it (a context of their own: "solved"
# alone is also the ticket's solved_at field).
OUTCOMES = {
    "open": pgettext_lazy("complaint outcome", "still open"),
    "solved": pgettext_lazy("complaint outcome", "solved"),
    "solved_unhappy": pgettext_lazy("complaint outcome", "solved, customer unhappy"),
}


def cause_label(code: str) -> str:
    from rapport.tickets.templatetags.rapport import coach_label

    return coach_label(code)


def channel_label(code: str) -> str:
    try:
        return str(Channel(code).label)
    except ValueError:
        return code


def complaints(f: Filters, user) -> dict:
    """Complaints in the period by topic, cause, channel and outcome, and the topics that
    repeat most and stay unsolved: the upgrade candidates (KN3)."""
    start, end = _range(f)
    # From the period's tickets (newest first, on the tickets' created_at index) to their
    # messages (on the messages' ticket index): messages have no index on their own time.
    period_tickets = _ticket_scope(
        Ticket.objects.filter(created_at__gte=start, created_at__lt=end), f, user, prefix=""
    ).order_by("-created_at", "-id")
    fields = (
        "id",
        "ticket_id",
        "channel",
        "analysis",
        "ticket__subject",
        "ticket__status",
        "created_at",
    )
    messages = Message.objects.filter(direction=Direction.IN, auto="", analysis__isnull=False)
    if f.tag_id is None:
        # The newest TICKET_CAP of them as a subquery; the cap's check walks them once more
        # (a walk of the created_at index: cheap without a tag).
        rows = list(
            messages.filter(ticket_id__in=period_tickets.values("id")[:TICKET_CAP]).values(*fields)
        )
        tickets_capped = period_tickets[TICKET_CAP : TICKET_CAP + 1].exists()
    else:
        # With a tag the walk probes each ticket of the period for the tag until it has the
        # tag's newest TICKET_CAP: walked once here (the cap's check is the extra id), as
        # plain rows from the cursor (20,000 ids through the ORM's row handling cost as much
        # as the walk), their messages read in chunks of ids. At 1M on SQLite: 680 -> 455 ms.
        sql, params = period_tickets.values_list("id")[: TICKET_CAP + 1].query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            ids = [row[0] for row in cursor.fetchall()]
        tickets_capped = len(ids) > TICKET_CAP
        ids = ids[:TICKET_CAP]
        rows = []
        for i in range(0, len(ids), ID_CHUNK):
            rows += messages.filter(ticket_id__in=ids[i : i + ID_CHUNK]).values(*fields)
    rows.sort(key=lambda m: (m["created_at"], m["id"]), reverse=True)
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
        title = clusters.get(m["id"])
        topic, written = (title, title) if title else _keyword(m["ticket__subject"])
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
                "written": Counter(),
            },
        )
        row["written"][written] += 1
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
                "topic": row["written"].most_common(1)[0][0],
                "n": row["n"],
                "tickets": tickets,
                "open": row["open"],
                "channels": ", ".join(
                    f"{channel_label(c)} {n}" for c, n in row["channels"].most_common(3)
                ),
                "causes": ", ".join(
                    f"{cause_label(c)} {n}" for c, n in row["causes"].most_common(3)
                ),
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
        "capped": len(found) >= COMPLAINT_CAP or tickets_capped,
        "topics": topics[:50],
        "causes": causes.most_common(),
        "channels": channels.most_common(),
        "outcomes": outcomes.most_common(),
        "upgrades": upgrades,
    }
