"""Churn-risk signals (FB6: keeping a customer costs far less than winning a new one).

Computed by an hourly job (tasks.compute_churn_risk_task) with a few grouped queries over the
recent past and stored per customer (ChurnRisk), so the customer card and the supervisors'
list read one row each. Every signal is stored with what it was computed from and is explained
on display (`explain`).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapport.promises.models import Promise, PromiseState
from rapport.tickets.models import Direction, Message

from .models import ChurnRisk, Level, Survey

COMPLAINT_WINDOW = timedelta(days=30)
COMPLAINT_MIN = 3  # negative or angry messages within the window
PROMISE_WINDOW = timedelta(days=90)
SILENCE_AFTER = timedelta(days=21)  # no word from the customer since a bad experience
LOOKBACK = timedelta(days=180)
UNHAPPY = ("negative", "angry")  # the coach's mood (Message.analysis["mood"])

WEIGHTS = {"complaints": 20, "broken_promises": 20, "falling_satisfaction": 20, "silence": 25}


def _unhappy_messages(since):
    return Message.objects.filter(
        direction=Direction.IN, auto="", created_at__gte=since, analysis__mood__in=UNHAPPY
    )


def compute_signals(now=None) -> dict[int, list[dict]]:
    """customer id → signals, for every customer with something to say."""
    now = now or timezone.now()
    signals: dict[int, list[dict]] = defaultdict(list)
    bad_at: dict[int, object] = {}  # the latest bad experience per customer

    def bad(customer_id, at) -> None:
        if at and (customer_id not in bad_at or at > bad_at[customer_id]):
            bad_at[customer_id] = at

    # 1. repeated complaints
    for row in (
        _unhappy_messages(now - COMPLAINT_WINDOW)
        .values("customer_id")
        .annotate(n=Count("id"), last=Max("created_at"))
    ):
        if row["n"] >= COMPLAINT_MIN:
            weight = min(WEIGHTS["complaints"] + 5 * (row["n"] - COMPLAINT_MIN), 40)
            signals[row["customer_id"]].append(
                {"code": "complaints", "weight": weight, "count": row["n"], "days": 30}
            )
    for row in (
        _unhappy_messages(now - LOOKBACK).values("customer_id").annotate(last=Max("created_at"))
    ):
        bad(row["customer_id"], row["last"])

    # 2. broken promises (and promises overdue now)
    broken = (
        Promise.objects.filter(state=PromiseState.BROKEN, closed_at__gte=now - PROMISE_WINDOW)
        .values("customer_id")
        .annotate(n=Count("id"), last=Max("closed_at"))
    )
    overdue = (
        Promise.objects.filter(state=PromiseState.OPEN, due_at__lt=now)
        .values("customer_id")
        .annotate(n=Count("id"), last=Max("due_at"))
    )
    counts: dict[int, int] = defaultdict(int)
    for row in [*broken, *overdue]:
        counts[row["customer_id"]] += row["n"]
        bad(row["customer_id"], row["last"])
    for customer_id, n in counts.items():
        signals[customer_id].append(
            {
                "code": "broken_promises",
                "weight": min(WEIGHTS["broken_promises"] * n, 40),
                "count": n,
                "days": 90,
            }
        )

    # 3. falling satisfaction: the last answer below the one before, or "not satisfied"
    history: dict[int, list[tuple]] = defaultdict(list)
    for customer_id, level, at in (
        Survey.objects.filter(level__isnull=False, answered_at__gte=now - LOOKBACK)
        .order_by("customer_id", "answered_at", "id")
        .values_list("customer_id", "level", "answered_at")
    ):
        history[customer_id].append((level, at))
    for customer_id, answers in history.items():
        last, at = answers[-1]
        previous = answers[-2][0] if len(answers) > 1 else None
        if last <= Level.NOT_SATISFIED or (previous is not None and last < previous):
            signals[customer_id].append(
                {
                    "code": "falling_satisfaction",
                    "weight": WEIGHTS["falling_satisfaction"]
                    + (10 if last <= Level.NOT_SATISFIED else 0),
                    "last": last,
                    "previous": previous,
                }
            )
        if last <= Level.NOT_SATISFIED:
            bad(customer_id, at)

    # 4. long silence after a bad experience
    quiet = {c: at for c, at in bad_at.items() if at <= now - SILENCE_AFTER}
    if quiet:
        last_word = dict(
            Message.objects.filter(customer_id__in=list(quiet), direction=Direction.IN, auto="")
            .values("customer_id")
            .annotate(last=Max("created_at"))
            .values_list("customer_id", "last")
        )
        for customer_id, at in quiet.items():
            spoke = last_word.get(customer_id)
            if spoke is None or spoke <= at:
                signals[customer_id].append(
                    {
                        "code": "silence",
                        "weight": WEIGHTS["silence"],
                        "since": at.isoformat(),
                        "days": (now - at).days,
                    }
                )
    return signals


@transaction.atomic
def do_compute_churn_risk(now=None) -> int:
    """Store every customer's risk; customers with no signal left lose their row."""
    now = now or timezone.now()
    signals = compute_signals(now)
    ChurnRisk.objects.exclude(customer_id__in=list(signals)).delete()
    existing = {r.customer_id: r for r in ChurnRisk.objects.filter(customer_id__in=list(signals))}
    new, changed = [], []
    for customer_id, found in signals.items():
        score = min(sum(s["weight"] for s in found), 100)
        row = existing.get(customer_id)
        if row is None:
            new.append(
                ChurnRisk(customer_id=customer_id, score=score, signals=found, computed_at=now)
            )
        else:
            row.score, row.signals, row.computed_at = score, found, now
            changed.append(row)
    ChurnRisk.objects.bulk_create(new, batch_size=500)
    ChurnRisk.objects.bulk_update(changed, ["score", "signals", "computed_at"], batch_size=500)
    return len(signals)


def explain(signal: dict) -> str:
    """One signal in the reader's language."""
    code = signal.get("code")
    if code == "complaints":
        return ngettext(
            "%(count)s negative or angry message in the last %(days)s days",
            "%(count)s negative or angry messages in the last %(days)s days",
            signal["count"],
        ) % {"count": signal["count"], "days": signal["days"]}
    if code == "broken_promises":
        return ngettext(
            "%(count)s promise broken or overdue (last %(days)s days)",
            "%(count)s promises broken or overdue (last %(days)s days)",
            signal["count"],
        ) % {"count": signal["count"], "days": signal["days"]}
    if code == "falling_satisfaction":
        last = Level(signal["last"]).label
        if signal.get("previous"):
            return _("Satisfaction fell: “%(previous)s” → “%(last)s”") % {
                "previous": Level(signal["previous"]).label,
                "last": last,
            }
        return _("Last survey answer: “%(last)s”") % {"last": last}
    if code == "silence":
        since = parse_datetime(signal["since"])
        return _("Silent for %(days)s days since a bad experience (%(date)s)") % {
            "days": signal["days"],
            "date": since.date().isoformat() if since else "?",
        }
    return str(code)
