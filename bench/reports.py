#!/usr/bin/env python
"""Reports at scale (issue #9): the rollup's build rate and each report page's server time.

    RAPPORT_DATA_DIR=/tmp/x .venv/bin/python bench/reports.py --tickets 100000
    DATABASE_URL=postgres://... .venv/bin/python bench/reports.py --tickets 100000
    .venv/bin/python bench/reports.py            # on an already seeded database

Seeds the database with bench/seed.py when it is empty (--tickets), rebuilds the rollup
(manage.py reports_rebuild's code: every ticket folded), times one incremental fold of 1,000
changed tickets, then requests every report page and a CSV/XLSX export as the bench supervisor
and the bench agent over a 12-month range, unfiltered and with each filter (team, agent,
channel, customer kind, tag; in-process Django test Client: middleware, session, queries,
templates). Per page: the cold request (empty report cache), a warm one (cached), then --n
uncached requests (the cache cleared before each): wall p50/p95, this process's CPU p50/p95,
the PostgreSQL backend's CPU p50 (/proc/<pid>/schedstat of this connection's backend) and the
query count. On a shared machine CPU times do not move with the load (wall times do; the load
average is printed). On SQLite the CPU time includes the queries (in-process). See
docs/reports.md.
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from rapport.accounts.models import User  # noqa: E402
from rapport.reports.actions import do_fold, do_rebuild  # noqa: E402
from rapport.reports.models import Rollup, TicketFacts  # noqa: E402
from rapport.tickets.models import Ticket  # noqa: E402

PAGES = [
    ("dashboard", "/reports/?period=365"),
    ("dashboard, one team", "/reports/?period=365&team={team}"),
    ("dashboard, one agent", "/reports/?period=365&agent={agent}"),
    ("dashboard, webchat", "/reports/?period=365&channel=webchat"),
    ("dashboard, internal", "/reports/?period=365&kind=internal"),
    ("dashboard, webchat, internal", "/reports/?period=365&channel=webchat&kind=internal"),
    ("dashboard, one tag", "/reports/?period=365&tag={tag}"),
    ("dashboard, tag, team, email", "/reports/?period=365&tag={tag}&team={team}&channel=email"),
    ("problems and complaints", "/reports/problems/?period=365"),
    ("problems, one tag", "/reports/problems/?period=365&tag={tag}"),
    ("baseline", "/reports/baseline/?period=365"),
    ("baseline, one team", "/reports/baseline/?period=365&team={team}"),
    ("goals", "/reports/goals/"),
    ("export channels.csv", "/reports/export/dashboard/channels.csv?period=365"),
    ("export days.xlsx", "/reports/export/dashboard/days.xlsx?period=365"),
    ("export agents.xlsx, one tag", "/reports/export/dashboard/agents.xlsx?period=365&tag={tag}"),
    ("export topics.csv", "/reports/export/problems/topics.csv?period=365"),
    ("partner report", "/partners/?days=365"),  # supervisors only (MG5)
]
SUPERVISOR_ONLY = {"partner report"}


def _backend_cpu_ns() -> int | None:
    """CPU time of this connection's PostgreSQL backend so far (/proc/<pid>/schedstat: the
    server runs on this machine); None on SQLite (its queries run in this process)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        pid = cur.fetchone()[0]
    try:
        return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except OSError:
        return None


def _pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, max(0, math.ceil(p / 100 * len(values)) - 1))]


def _parts(supervisor, agent, team, tag, n: int) -> None:
    """The parts of a page apart (uncached): the rollup's report(), the open backlog's ages
    (the tickets' partial index of open tickets) and the problems page's raw reads — the
    last two do not read the rollup, so they are measured as they are on any desk."""
    from datetime import timedelta

    from django.utils import timezone

    from rapport.reports import problems
    from rapport.reports.queries import Filters, backlog_age, report, scoped

    today = timezone.localdate()
    base = Filters(start=today - timedelta(days=364), end=today)
    print(f"{'part':<34} {'who':<10} {'wall p50':>8} {'cpu p50':>7} {'pg cpu':>6}")
    for who, user in (("supervisor", supervisor), ("agent", agent)):
        for label, f, fn in (
            ("report() (rollup)", base, lambda f, u: report(f)),
            ("report(), one tag", replace(base, tag_id=tag), lambda f, u: report(f)),
            ("backlog ages", base, lambda f, u: backlog_age(f, u)),
            ("backlog ages, one team", replace(base, team_id=team), lambda f, u: backlog_age(f, u)),
            ("backlog ages, one tag", replace(base, tag_id=tag), lambda f, u: backlog_age(f, u)),
            ("complaints (raw)", base, lambda f, u: problems.complaints(f, u)),
            ("problem clusters (raw)", base, lambda f, u: problems.problem_clusters(f, u)),
        ):
            f = scoped(f, user)
            wall, cpu, pg = [], [], []
            for _ in range(n):
                b0 = _backend_cpu_ns()
                c0, t0 = time.process_time(), time.perf_counter()
                fn(f, user)
                wall.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                b1 = _backend_cpu_ns()
                if b0 is not None and b1 is not None:
                    pg.append((b1 - b0) / 1e6)
            print(
                f"{label:<34} {who:<10} {_pct(wall, 50):8.0f} {_pct(cpu, 50):7.0f} "
                f"{(f'{_pct(pg, 50):6.0f}' if pg else '     -')}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, help="seed this many when the DB is empty")
    parser.add_argument("--n", type=int, default=8, help="uncached requests per page")
    parser.add_argument("--skip-rebuild", action="store_true")
    parser.add_argument("--skip-fold", action="store_true")
    parser.add_argument("--only", nargs="*", help="pages whose label contains one of these")
    parser.add_argument("--parts", action="store_true", help="also time the pages' parts")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0, interactive=False)
    if not Ticket.objects.exists():
        if not args.tickets:
            raise SystemExit("empty database: pass --tickets N to seed it")
        connection.close()  # the seeder takes the SQLite database for itself
        subprocess.run(  # noqa: S603 — our own script, fixed arguments
            [
                sys.executable,
                str(PROJECT_DIR / "bench" / "seed.py"),
                "--tickets",
                str(args.tickets),
            ],
            check=True,
        )
    n_tickets = Ticket.objects.count()
    print(f"{connection.vendor}: {n_tickets:,} tickets; load average {os.getloadavg()}", flush=True)

    if not args.skip_rebuild:
        c0, t0 = time.process_time(), time.perf_counter()
        b0 = _backend_cpu_ns()

        def progress(done: int, total: int) -> None:
            # A line every 50,000 tickets: how far a rebuild got when it must be stopped.
            if done % 50000 < 2000 or done == total:
                print(
                    f"  rebuild: {done:,} / {total:,} tickets, {time.perf_counter() - t0:.0f} s "
                    f"wall, CPU {time.process_time() - c0:.0f} s (load {os.getloadavg()[0]:.0f})",
                    flush=True,
                )

        do_rebuild(batch=2000, progress=progress)
        dt = time.perf_counter() - t0
        b1 = _backend_cpu_ns()
        server = f", PostgreSQL backend CPU {(b1 - b0) / 1e9:.0f} s" if b0 and b1 else ""
        print(
            f"rebuild: {dt:.1f} s wall, CPU {time.process_time() - c0:.0f} s{server} "
            f"(load {os.getloadavg()[0]:.0f}), {n_tickets / dt:,.0f} tickets/s; "
            f"{Rollup.objects.count():,} rollup cells, {TicketFacts.objects.count():,} facts",
            flush=True,
        )
    if not args.skip_fold:
        ids = list(Ticket.objects.order_by("-pk").values_list("pk", flat=True)[:1000])
        c0, t0 = time.process_time(), time.perf_counter()
        with transaction.atomic():
            do_fold(ids)
        print(
            f"incremental fold of 1,000 tickets: {time.perf_counter() - t0:.2f} s "
            f"(CPU {time.process_time() - c0:.2f} s)",
            flush=True,
        )

    supervisor = User.objects.filter(role="supervisor").order_by("pk").first()
    agent = (
        User.objects.filter(username="bench-agent").first()
        or User.objects.filter(role="agent").order_by("pk").first()
    )
    team = agent.teams.values_list("pk", flat=True).first() if agent else None
    from rapport.tickets.models import Tag

    # The most used tag: the slowest a tag filter gets.
    tag = (
        Tag.objects.annotate(n=Count("tickets")).order_by("-n").values_list("pk", flat=True).first()
    )
    # The partner report (MG5) reads nothing without a partner team, and the seed has none:
    # the team with the fewest agents becomes the outside contractor's (a flag on the team;
    # the rollup does not change).
    from rapport.accounts.models import Team

    if not Team.objects.filter(is_partner=True).exists():
        smallest = Team.objects.annotate(n=Count("members")).order_by("n", "pk").first()
        if smallest is not None:
            Team.objects.filter(pk=smallest.pk).update(
                is_partner=True, partner_company="Bench Outsourcing"
            )
            print(f"partner team for the partner report: {smallest.name}", flush=True)
    if args.parts:
        _parts(supervisor, agent, team, tag, args.n)
    pages = [p for p in PAGES if not args.only or any(o in p[0] for o in args.only)]
    print(
        f"{'page':<30} {'who':<10} {'cold':>6} {'warm':>5} {'wall p50':>8} {'p95':>6} "
        f"{'cpu p50':>7} {'p95':>6} {'pg cpu':>6} {'queries':>7}   (ms; uncached but 'warm')"
    )
    for who, user in (("supervisor", supervisor), ("agent", agent)):
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        for label, url in pages:
            if who != "supervisor" and label in SUPERVISOR_ONLY:
                continue
            url = url.format(team=team or "", tag=tag or "", agent=agent.pk if agent else "")
            cache.clear()
            t0 = time.perf_counter()
            response = client.get(url)
            cold = (time.perf_counter() - t0) * 1000
            assert response.status_code == 200, (url, response.status_code)
            t0 = time.perf_counter()
            client.get(url)
            warm = (time.perf_counter() - t0) * 1000
            # The same page with the report cache cleared before each request.
            wall, cpu, pg = [], [], []
            for _ in range(args.n):
                cache.clear()
                with CaptureQueriesContext(connection) as ctx:
                    b0 = _backend_cpu_ns()
                    c0, t0 = time.process_time(), time.perf_counter()
                    client.get(url)
                    wall.append((time.perf_counter() - t0) * 1000)
                    cpu.append((time.process_time() - c0) * 1000)
                    b1 = _backend_cpu_ns()
                if b0 is not None and b1 is not None:
                    pg.append((b1 - b0) / 1e6)
                queries = len(ctx.captured_queries) - (2 if b0 is not None else 0)
            print(
                f"{label:<30} {who:<10} {cold:6.0f} {warm:5.0f} {_pct(wall, 50):8.0f} "
                f"{_pct(wall, 95):6.0f} {_pct(cpu, 50):7.0f} {_pct(cpu, 95):6.0f} "
                f"{(f'{_pct(pg, 50):6.0f}' if pg else '     -')} {queries:7d}",
                flush=True,
            )

    print(f"load average {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
