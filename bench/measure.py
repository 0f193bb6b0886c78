#!/usr/bin/env python
"""Server time of the desk's hot pages against a seeded database (see bench/README.md).

    DATABASE_URL=... RAPPORT_DATA_DIR=... .venv/bin/python bench/measure.py [--n 100]

Runs in-process with Django's test Client (the whole request: middleware, session, queries,
template rendering; no network), as the seeded bench agent (member of the two teams with the
most tickets) and the bench supervisor. Prints p50/p95 per page and the process's peak RSS.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import random
import re
import resource
import statistics
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count, Max  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from rapport.accounts.models import User  # noqa: E402
from rapport.customers.models import Customer  # noqa: E402
from rapport.tickets.models import Message, Ticket  # noqa: E402

NEXT = re.compile(r'<tr id="more">.*?href="\?([^"]+)"', re.S)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Bench:
    def __init__(self, n: int, warmup: int):
        self.n = n
        self.warmup = warmup
        self.results: list[dict] = []

    def get(self, client: Client, url: str):
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url}: {response.status_code}")
        return response

    def run(self, name: str, client: Client, urls: list[str]) -> None:
        """Warm up on the first URLs, then time n requests cycling through `urls`."""
        for i in range(self.warmup):
            self.get(client, urls[i % len(urls)])
        with CaptureQueriesContext(connection) as ctx:
            response = self.get(client, urls[0])
        queries = len(ctx.captured_queries)
        times = []
        for i in range(self.n):
            url = urls[i % len(urls)]
            t0 = time.perf_counter()
            self.get(client, url)
            times.append((time.perf_counter() - t0) * 1000)
        q = statistics.quantiles(times, n=100, method="inclusive")
        row = {
            "page": name,
            "p50": statistics.median(times),
            "p95": q[94],
            "max": max(times),
            "queries": queries,
            "kb": len(response.content) / 1024,
        }
        self.results.append(row)
        print(
            f"  {name:<34} p50 {row['p50']:6.1f} ms  p95 {row['p95']:6.1f} ms  "
            f"max {row['max']:6.1f} ms  {queries:2d} queries  {row['kb']:5.1f} KB",
            flush=True,
        )


def page_50_url(client: Client, bench: Bench, first: str) -> str:
    """Follow the inbox's own "next page" links 49 times; return page 50's URL."""
    url = first
    for _ in range(49):
        body = bench.get(client, url).content.decode()
        match = NEXT.search(body)
        if not match:
            raise SystemExit(f"{url}: no next page (fewer than 50 pages in this view)")
        url = "/?" + html.unescape(match.group(1))
    return url


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100, help="timed requests per page")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--json", help="also write the results here")
    parser.add_argument("--label", default="")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    bench = Bench(args.n, args.warmup)

    agent = User.objects.get(username="bench-agent")
    supervisor = User.objects.get(username="bench-supervisor")
    n_tickets = Ticket.objects.count()
    n_customers = Customer.objects.count()
    vendor = connection.vendor
    print(
        f"{vendor}: {n_tickets:,} tickets, {Message.objects.count():,} messages, "
        f"{n_customers:,} customers; agent in teams {agent.team_ids}",
        flush=True,
    )

    # Tickets and customers the agent may open, picked at random over the whole table.
    max_id = Ticket.objects.aggregate(m=Max("id"))["m"]
    want = bench.warmup + bench.n
    probe = rng.sample(range(1, max_id + 1), min(max_id, want * 4))
    ticket_ids = list(
        Ticket.objects.filter(pk__in=probe, team_id__in=agent.team_ids).values_list("pk", flat=True)
    )
    rng.shuffle(ticket_ids)
    max_cid = Customer.objects.aggregate(m=Max("id"))["m"]
    probe = rng.sample(range(1, max_cid + 1), min(max_cid, want * 6))
    customer_ids = list(
        Ticket.objects.filter(customer_id__in=probe, team_id__in=agent.team_ids)
        .values_list("customer_id", flat=True)
        .distinct()
    )
    rng.shuffle(customer_ids)
    # The busiest customers among those who wrote lately (no full-table GROUP BY: that would
    # inflate this process's peak RSS with work no request does).
    recent = set(
        Ticket.objects.filter(team_id__in=agent.team_ids)
        .order_by("-updated_at")
        .values_list("customer_id", flat=True)[:2000]
    )
    heavy_ids = list(
        Ticket.objects.filter(customer_id__in=recent, team_id__in=agent.team_ids)
        .values("customer_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .values_list("customer_id", flat=True)[:20]
    )
    t_client = Client()
    t_client.force_login(agent)
    s_client = Client()
    s_client.force_login(supervisor)

    bench.run("inbox p1 (agent, my teams)", t_client, ["/"])
    bench.run("inbox p1 (supervisor, all open)", s_client, ["/?view=open"])
    bench.run("inbox p50 (agent, keyset)", t_client, [page_50_url(t_client, bench, "/?view=all")])
    bench.run(
        "inbox p50 (supervisor, keyset)", s_client, [page_50_url(s_client, bench, "/?view=all")]
    )
    bench.run("inbox counts (agent)", t_client, ["/inbox/counts/"])
    bench.run("inbox counts (supervisor)", s_client, ["/inbox/counts/"])
    urls = [f"/tickets/{pk}/" for pk in ticket_ids]
    bench.run("ticket page", t_client, urls[bench.warmup :] + urls[: bench.warmup])
    urls = [f"/customers/{pk}/" for pk in customer_ids]
    bench.run("customer page", t_client, urls[bench.warmup :] + urls[: bench.warmup])
    bench.run(
        "customer page (busiest customers)", t_client, [f"/customers/{pk}/" for pk in heavy_ids]
    )

    # What a fresh database connection costs (each request pays it with DB_CONN_MAX_AGE=0).
    connects = []
    for _ in range(20):
        connection.close()
        t0 = time.perf_counter()
        connection.ensure_connection()
        with connection.cursor() as cur:
            cur.execute("SELECT 1")
        connects.append((time.perf_counter() - t0) * 1000)
    connect_ms = statistics.median(connects)
    peak = rss_mb()
    load = os.getloadavg()[0]
    print(f"  connect (DB_CONN_MAX_AGE=0 pays this per request): {connect_ms:.2f} ms")
    print(f"  machine load average (1 min) at the end: {load:.2f} on {os.cpu_count()} cores")
    print(f"  peak RSS of this process: {peak:.0f} MB")
    print()
    print(f"| page ({vendor}, {n_tickets:,} tickets) | p50 ms | p95 ms | max ms | queries |")
    print("|---|--:|--:|--:|--:|")
    for r in bench.results:
        print(
            f"| {r['page']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} | {r['queries']} |"
        )
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "label": args.label,
                    "vendor": vendor,
                    "tickets": n_tickets,
                    "customers": n_customers,
                    "n": args.n,
                    "peak_rss_mb": peak,
                    "connect_ms": connect_ms,
                    "load_avg": load,
                    "pages": bench.results,
                },
                indent=1,
            )
        )


if __name__ == "__main__":
    main()
