#!/usr/bin/env python
"""Reports at scale (issue #9): the rollup's build rate and each report page's server time.

    RAPPORT_DATA_DIR=/tmp/x .venv/bin/python bench/reports.py --tickets 100000
    DATABASE_URL=postgres://... .venv/bin/python bench/reports.py --tickets 100000
    .venv/bin/python bench/reports.py            # on an already seeded database

Seeds the database with bench/seed.py when it is empty (--tickets), rebuilds the rollup
(manage.py reports_rebuild's code: every ticket folded), times one incremental fold of 1,000
changed tickets, then requests every report page and a CSV/XLSX export as the bench supervisor
and the bench agent over a 12-month range (in-process Django test Client: middleware, session,
queries, templates) and prints p50/p95 per page. Uncached requests also print this process's
CPU time and the query count: on a shared machine those do not move with the load (wall times
do; the load average is printed). On SQLite the CPU time includes the queries (in-process);
on PostgreSQL the server's share is in the wall time only. See docs/reports.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
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
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from rapport.accounts.models import User  # noqa: E402
from rapport.reports.actions import do_fold, do_rebuild  # noqa: E402
from rapport.reports.models import Rollup, TicketFacts  # noqa: E402
from rapport.tickets.models import Ticket  # noqa: E402

PAGES = [
    ("dashboard", "/reports/?period=365"),
    ("dashboard, one team", "/reports/?period=365&team={team}"),
    ("dashboard, webchat, internal", "/reports/?period=365&channel=webchat&kind=internal"),
    ("dashboard, one tag", "/reports/?period=365&tag={tag}"),
    ("problems and complaints", "/reports/problems/?period=365"),
    ("baseline", "/reports/baseline/?period=365"),
    ("goals", "/reports/goals/"),
    ("export channels.csv", "/reports/export/dashboard/channels.csv?period=365"),
    ("export days.xlsx", "/reports/export/dashboard/days.xlsx?period=365"),
    ("partner report", "/partners/?period=365"),  # supervisors only (MG5)
]
SUPERVISOR_ONLY = {"partner report"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, help="seed this many when the DB is empty")
    parser.add_argument("--n", type=int, default=20, help="requests per page")
    parser.add_argument("--skip-rebuild", action="store_true")
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
        t0 = time.perf_counter()
        do_rebuild(batch=2000)
        dt = time.perf_counter() - t0
        print(
            f"rebuild: {dt:.1f} s, {n_tickets / dt:,.0f} tickets/s; "
            f"{Rollup.objects.count():,} rollup cells, {TicketFacts.objects.count():,} facts",
            flush=True,
        )
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
    team = supervisor and (agent.teams.values_list("pk", flat=True).first() if agent else None)
    from rapport.tickets.models import Tag

    tag = Tag.objects.values_list("pk", flat=True).first()
    print(
        f"{'page':<34} {'who':<11} {'cold ms':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'uncached p95':>13} {'cpu p50':>8} {'queries':>8}"
    )
    for who, user in (("supervisor", supervisor), ("agent", agent)):
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        for label, url in PAGES:
            if who != "supervisor" and label in SUPERVISOR_ONLY:
                continue
            url = url.format(team=team or "", tag=tag or "")
            times = []
            for _ in range(args.n):
                t0 = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - t0) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            cold = times[0]
            times.sort()
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            # The same page with the report cache cleared before each request.
            uncached, cpu = [], []
            for _ in range(max(3, args.n // 4)):
                cache.clear()
                with CaptureQueriesContext(connection) as ctx:
                    c0, t0 = time.process_time(), time.perf_counter()
                    client.get(url)
                    uncached.append((time.perf_counter() - t0) * 1000)
                    cpu.append((time.process_time() - c0) * 1000)
                queries = len(ctx.captured_queries)
            uncached.sort()
            u95 = uncached[min(len(uncached) - 1, int(0.95 * len(uncached)))]
            print(
                f"{label:<34} {who:<11} {cold:8.0f} {statistics.median(times):8.0f} {p95:8.0f} "
                f"{u95:13.0f} {statistics.median(cpu):8.0f} {queries:8d}",
                flush=True,
            )

    print(f"load average {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
