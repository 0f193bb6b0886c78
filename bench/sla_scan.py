#!/usr/bin/env python
"""SLA breach scan and due-time recomputation against a seeded database (see bench/README.md).

    DATABASE_URL=... RAPPORT_DATA_DIR=... .venv/bin/python bench/seed.py --tickets 1000000
    DATABASE_URL=... RAPPORT_DATA_DIR=... .venv/bin/python bench/sla_scan.py [--open 100000]

On top of bench/seed.py's desk it sets up what a real desk would have: a Moscow business
calendar (09-13, 14-18, RU holidays, shortened pre-holiday days) for every team and four SLA
policies by priority; then opens tickets until `--open` are waiting (default: a tenth of all)
and gives each the clocks the ticket actions would have started (first or next response and
resolution; a quarter of the tickets pending, their clocks
paused). Clocks start over the last --span-days days (default 60: 100k open tickets arriving
at the seed's rate of about 1,400 a day; 3 makes a stampede where every clock falls due within
days). Then it measures:

* recomputation: rapport.sla.actions.do_recompute over every live clock (what a calendar or
  policy edit triggers): total seconds and µs per open ticket;
* the scan: every warning and breach before "now" is marked raised (as if the scanner had been
  running), then --ticks one-minute scan ticks from the first pending check on, each
  rapport.sla.actions.do_scan(now=tick): p50/p95/max ms per tick and what they raised; and the
  empty tick (nothing due). Events and notifications are written as in production.

It changes the database (statuses, clocks, events, notifications): run it on a bench copy.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from rapport.accounts.models import Team  # noqa: E402
from rapport.sla import clock  # noqa: E402
from rapport.sla.actions import Calendars, _hour_of_week, do_recompute, do_scan  # noqa: E402
from rapport.sla.models import (  # noqa: E402
    BusinessCalendar,
    ClockKind,
    ClockStatus,
    SlaClock,
    SlaPolicy,
)
from rapport.tickets.models import Ticket  # noqa: E402

WEEK = ["09:00-13:00, 14:00-18:00"] * 5 + ["", ""]
# priority → (first, next, resolution) business minutes
TARGETS = {1: (480, 480, 2400), 2: (240, 240, 960), 3: (120, 60, 480), 4: (30, 30, 240)}


def pct(values: list[float], p: int) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[p - 1]


def setup(n_open: int, rng: random.Random, span_days: float) -> dict:
    if SlaClock.objects.exists():
        raise SystemExit("clocks exist already: run on a freshly seeded database")
    for team in Team.objects.all():
        BusinessCalendar.objects.create(
            name=f"{team.name} (Moscow)",
            team=team,
            time_zone="Europe/Moscow",
            week=WEEK,
            holiday_country="RU",
            shorten_pre_holiday_minutes=60,
        )
    policies = {
        prio: SlaPolicy.objects.create(
            name=f"Priority {prio}",
            order=prio,
            priority=prio,
            first_response_minutes=f,
            next_response_minutes=n,
            resolution_minutes=r,
            warn_share=0.8,
        )
        for prio, (f, n, r) in TARGETS.items()
    }
    total = Ticket.objects.count()
    waiting = Ticket.objects.filter(status__in=["new", "open", "pending"]).count()
    t0 = time.perf_counter()
    need = max(0, n_open - waiting)
    if need:
        # Reopen the most recent solved/closed tickets (ids are in creation order).
        ids = list(
            Ticket.objects.filter(status__in=["solved", "closed"])
            .order_by("-id")
            .values_list("id", flat=True)[:need]
        )
        for i in range(0, len(ids), 5000):
            chunk = ids[i : i + 5000]
            Ticket.objects.filter(pk__in=chunk[: len(chunk) * 3 // 4]).update(
                status="open", solved_at=None, closed_at=None
            )
            Ticket.objects.filter(pk__in=chunk[len(chunk) * 3 // 4 :]).update(
                status="pending", solved_at=None, closed_at=None
            )
    now = timezone.now()
    cals = Calendars(now)
    rows = []
    open_tickets = Ticket.objects.filter(status__in=["new", "open", "pending"]).values_list(
        "id", "priority", "team_id", "status", "first_response_at"
    )
    n_tickets = 0
    for tid, prio, team_id, status, first_response_at in open_tickets.iterator(2000):
        n_tickets += 1
        cal = cals(team_id)
        policy = policies[prio]
        started = now - timedelta(seconds=rng.uniform(0, span_days * 86400))
        kinds = [ClockKind.RESOLUTION]
        if first_response_at is None:
            kinds.append(ClockKind.FIRST_RESPONSE)
        elif rng.random() < 0.5:
            kinds.append(ClockKind.NEXT_RESPONSE)
        for kind in kinds:
            at = started if kind != ClockKind.NEXT_RESPONSE else started + (now - started) / 2
            target = policy.target(kind)
            row = SlaClock(
                ticket_id=tid,
                kind=kind,
                policy=policy,
                team_id=team_id,
                hour_of_week=_hour_of_week(at, cal),
                status=ClockStatus.RUNNING,
                target_seconds=int(target.total_seconds()),
                started_at=at,
            )
            row.add_event(clock.EventKind.START, at, target)
            if status == "pending":
                row.add_event(clock.EventKind.PAUSE, at + (now - at) / 3)
            rows.append(row)
        if len(rows) >= 5000:
            SlaClock.objects.bulk_create(rows)
            rows = []
    SlaClock.objects.bulk_create(rows)
    Ticket.objects.filter(status__in=["new", "open", "pending"]).update(
        sla_policy=None
    )  # set per priority below
    for prio, policy in policies.items():
        Ticket.objects.filter(status__in=["new", "open", "pending"], priority=prio).update(
            sla_policy=policy
        )
    t_setup = time.perf_counter() - t0
    return {
        "tickets": total,
        "open": n_tickets,
        "clocks": SlaClock.objects.count(),
        "setup_s": round(t_setup, 1),
    }


def analyze() -> None:
    with connection.cursor() as cur:
        cur.execute("ANALYZE")


def explain_scan(now) -> str:
    qs = Ticket.objects.filter(sla_check_at__lte=now).order_by("sla_check_at")[:500]
    return qs.explain()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--open", type=int, help="open tickets (default: a tenth of all)")
    parser.add_argument("--ticks", type=int, default=300)
    parser.add_argument(
        "--span-days",
        type=float,
        default=60,
        help="clocks started over this many days (60: the seed's arrival rate "
        "at 1M with 100k open; 3: a stampede, every clock due this week)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", help="write the figures here too")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    total = Ticket.objects.count()
    if not total:
        raise SystemExit("seed the database first (bench/seed.py)")
    n_open = args.open or total // 10
    print(
        f"{connection.vendor}: {total:,} tickets; preparing {n_open:,} open with SLA clocks",
        flush=True,
    )
    out = setup(n_open, rng, args.span_days)
    out["span_days"] = args.span_days
    print(f"  setup: {out}", flush=True)

    # Recomputation (a calendar or policy edit): every live clock, in id batches.
    t0 = time.perf_counter()
    with transaction.atomic():
        updated = do_recompute()
    t_recompute = time.perf_counter() - t0
    out["recompute_s"] = round(t_recompute, 1)
    out["recompute_us_per_ticket"] = round(t_recompute / max(updated, 1) * 1e6)
    print(
        f"  recompute: {updated:,} tickets in {t_recompute:.1f} s "
        f"({out['recompute_us_per_ticket']} µs per ticket)",
        flush=True,
    )

    # As if the scanner had been running: everything before now was raised already.
    now = timezone.now()
    SlaClock.objects.filter(status=ClockStatus.RUNNING, warn_at__lte=now).update(warned=True)
    SlaClock.objects.filter(status=ClockStatus.RUNNING, due__lt=now).update(breach_notified=True)
    with transaction.atomic():
        do_recompute(now=now)
    analyze()

    empty = []
    for _ in range(50):
        t = time.perf_counter()
        do_scan(now=now)
        empty.append((time.perf_counter() - t) * 1000)
    first = (
        Ticket.objects.filter(sla_check_at__isnull=False)
        .order_by("sla_check_at")
        .values_list("sla_check_at", flat=True)
        .first()
    )
    print(f"  empty tick: p50 {pct(empty, 50):.2f} ms, p95 {pct(empty, 95):.2f} ms")
    print("  scan plan: " + explain_scan(first or now).replace("\n", " | "))
    times, raised = [], []
    tick = first
    for _ in range(args.ticks):
        t = time.perf_counter()
        raised.append(do_scan(now=tick))
        times.append((time.perf_counter() - t) * 1000)
        tick += timedelta(minutes=1)
    out.update(
        empty_p50_ms=round(pct(empty, 50), 2),
        empty_p95_ms=round(pct(empty, 95), 2),
        tick_p50_ms=round(pct(times, 50), 1),
        tick_p95_ms=round(pct(times, 95), 1),
        tick_max_ms=round(max(times), 1),
        ticks=args.ticks,
        raised_total=sum(raised),
        raised_per_tick_p95=pct([float(r) for r in raised], 95),
        raised_per_tick_max=max(raised),
    )
    print(
        f"  {args.ticks} one-minute ticks from {first:%Y-%m-%d %H:%M} UTC: "
        f"p50 {out['tick_p50_ms']} ms, p95 {out['tick_p95_ms']} ms, max {out['tick_max_ms']} "
        f"ms; raised {out['raised_total']:,} warnings/breaches "
        f"(p95 {out['raised_per_tick_p95']:.0f}, max {out['raised_per_tick_max']} per tick)"
    )
    load = os.getloadavg()
    out["load"] = [round(x, 2) for x in load]
    print(f"  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()
