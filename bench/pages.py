#!/usr/bin/env python
"""CPU and queries per page: the ticket page, the inbox, its live counts, search (issue #10).

    RAPPORT_DATA_DIR=/tmp/d .venv/bin/python bench/seed.py --tickets 10000   # once
    RAPPORT_DATA_DIR=/tmp/d nice -n 10 .venv/bin/python bench/pages.py -n 60
    RAPPORT_DATA_DIR=/tmp/d nice -n 10 .venv/bin/python bench/pages.py --profile ticket
    RAPPORT_DATA_DIR=/tmp/d nice -n 10 .venv/bin/python bench/pages.py --code /tmp/old-tree

In-process, no server: Django's test client, logged in as `bench-agent` (bench/seed.py), asks
for N pages of each type (after a few unmeasured ones, so templates are compiled and caches
warm) and prints per type the CPU time of the request (`time.thread_time`: the test client
runs the whole request — middleware, view, templates — on this thread) at p50/p95/mean and
the queries it issued. CPU time, not wall time, is the figure to compare: the machine is
shared. Compare two versions of the code by running them alternately on the same data
(`--code DIR`: import Rapport from another checkout, e.g. `git archive HEAD~3 | tar -x -C DIR`).

- ticket: `/tickets/<id>/` over N tickets the agent can see, spread over the statuses;
- inbox: `/`, `/?view=open`, `/?view=all` in turn (bench/load.py's three);
- counts: `/inbox/counts/`;
- search: `/search/?q=…` over bench/load.py's words.

Queries are counted in a separate pass (CaptureQueriesContext keeps every SQL string, which
costs CPU of its own); `--sql` prints each page type's queries grouped by shape, the way to
spot an N+1. `--profile TYPE` runs cProfile over that type's N requests and prints the top
functions by cumulative and by own time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["order", "refund", "delivery", "заказ", "возврат", "доставка", "退款", "订单", "password"]
INBOX_VIEWS = ["", "?view=open", "?view=all"]
TYPES = ("ticket", "inbox", "counts", "search")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=40, help="requests of each type (default 40)")
    parser.add_argument("--types", default=",".join(TYPES), help="comma-separated page types")
    parser.add_argument("--code", default=str(ROOT), help="the checkout to import Rapport from")
    parser.add_argument("--user", default="bench-agent")
    parser.add_argument("--profile", choices=TYPES, help="cProfile one page type")
    parser.add_argument("--top", type=int, default=35, help="rows of the profile")
    parser.add_argument("--callees", help="with --profile: also the callees of functions matching")
    parser.add_argument("--sql", action="store_true", help="print the queries by shape")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    if not os.environ.get("RAPPORT_DATA_DIR") and not os.environ.get("DATABASE_URL"):
        sys.exit("set RAPPORT_DATA_DIR (or DATABASE_URL) to a desk seeded by bench/seed.py")

    sys.path.insert(0, str(Path(args.code).resolve()))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    import rapport
    from rapport.accounts.models import User
    from rapport.tickets.models import Ticket

    types = [t for t in args.types.split(",") if t]
    rng = random.Random(args.seed)
    user = User.objects.get(username=args.user)
    client = Client()
    client.force_login(user)

    # Tickets the agent can see, spread over the statuses: round-robin over each status's
    # sample, so every status is visited.
    by_status: dict[str, list[int]] = {}
    for status in Ticket.objects.visible_to(user).values_list("status", flat=True).distinct():
        ids = list(
            Ticket.objects.visible_to(user)
            .filter(status=status, merged_into=None)
            .values_list("pk", flat=True)[:2000]
        )
        by_status[status] = rng.sample(ids, min(len(ids), args.n))
    tickets: list[int] = []
    while len(tickets) < args.n and any(by_status.values()):
        for ids in by_status.values():
            if ids and len(tickets) < args.n:
                tickets.append(ids.pop())

    def urls(kind: str, n: int) -> list[str]:
        if kind == "ticket":
            return [f"/tickets/{tickets[i % len(tickets)]}/" for i in range(n)]
        if kind == "inbox":
            return [f"/{INBOX_VIEWS[i % len(INBOX_VIEWS)]}" for i in range(n)]
        if kind == "counts":
            return ["/inbox/counts/"] * n
        return [f"/search/?q={WORDS[i % len(WORDS)]}" for i in range(n)]

    def get(url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{url}: {response.status_code}")

    print(
        f"Rapport from {Path(rapport.__file__).parent.parent}; {connection.vendor};"
        f" {Ticket.objects.count():,} tickets; as {args.user};"
        f" load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    for kind in types:  # warm: templates compiled, translations loaded, caches filled
        for url in urls(kind, len(WORDS)):
            get(url)

    if args.profile:
        profile = cProfile.Profile()
        for url in urls(args.profile, args.n):
            profile.enable()
            get(url)
            profile.disable()
        for sort in ("cumulative", "tottime"):
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats(sort)
            stats.print_stats(args.top)
            print(f"--- {args.profile}: by {sort}\n" + out.getvalue().split("\n\n", 1)[-1])
        if args.callees:
            out = io.StringIO()
            stats = pstats.Stats(profile, stream=out).strip_dirs().sort_stats("cumulative")
            stats.print_callees(args.callees)
            print(f"--- {args.profile}: callees of {args.callees}\n" + out.getvalue())
        return

    cpu: dict[str, list[float]] = {kind: [] for kind in types}
    queries: dict[str, list[int]] = {kind: [] for kind in types}
    shapes: dict[str, Counter] = {kind: Counter() for kind in types}
    # Interleaved, so that a burst of other work on the machine hits every type alike.
    plan = [(kind, url) for kind in types for url in urls(kind, args.n)]
    order = sorted(range(len(plan)), key=lambda i: (i % args.n, i))
    for i in order:
        kind, url = plan[i]
        started = time.thread_time()
        get(url)
        cpu[kind].append((time.thread_time() - started) * 1000)
    for kind in types:
        for url in urls(kind, min(args.n, 12)):
            with CaptureQueriesContext(connection) as captured:
                get(url)
            queries[kind].append(len(captured.captured_queries))
            for q in captured.captured_queries:
                shapes[kind][re.sub(r"\b\d+\b", "N", q["sql"])[:300]] += 1

    print(f"{'page':<8} {'n':>4} {'CPU p50':>9} {'p95':>8} {'mean':>8}   queries (min–max)")
    for kind in types:
        values = cpu[kind]
        q = queries[kind]
        print(
            f"{kind:<8} {len(values):>4} {pct(values, 50):>7.1f}ms {pct(values, 95):>6.1f}ms"
            f" {statistics.mean(values):>6.1f}ms   {statistics.median(q):g} ({min(q)}–{max(q)})"
        )
    print(f"load average after {os.getloadavg()[0]:.2f}")
    if args.sql:
        for kind in types:
            runs = len(queries[kind])
            print(f"\n--- {kind}: queries by shape (per request, over {runs} requests)")
            for sql, count in shapes[kind].most_common():
                print(f"{count / runs:5.1f}  {sql}")


if __name__ == "__main__":
    main()
