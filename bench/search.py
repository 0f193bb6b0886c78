#!/usr/bin/env python
"""Search benchmark: index build rate and query latency on a seeded desk (docs/search.md).

    RAPPORT_DATA_DIR=/tmp/b DATABASE_URL=… .venv/bin/python bench/seed.py --tickets 100000
    RAPPORT_DATA_DIR=/tmp/b DATABASE_URL=… .venv/bin/python bench/search.py [--no-rebuild]

bench/seed.py bulk-loads tickets, messages, notes and customers without going through the
actions, so nothing is indexed: this script first runs `manage.py search_rebuild --clear` and
reports its rate (messages per second, and all documents per second), then times about 200
queries — common and rare words in Russian, Chinese and English, phrases, filters, exclusions,
OR, a word no document has — through `rapport.search.service.search` (the page's own call:
parse, permission-filtered candidates, grouping, snippets for the first 20 results) as
`bench-agent` (two teams, half of the tickets) and `bench-supervisor` (every team), 3 warm-up
passes then 1 timed pass each. Prints p50/p95/max per query kind and overall, the machine's
load average before and after, and writes bench/results/search-<db>-<tickets>.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from rapport.accounts.models import User  # noqa: E402
from rapport.customers.models import Customer, Identity  # noqa: E402
from rapport.search.indexing import index_message  # noqa: E402
from rapport.search.models import SearchDocument  # noqa: E402
from rapport.search.service import search  # noqa: E402
from rapport.tickets.models import Message, Tag, Ticket  # noqa: E402

COMMON = [
    "заказ", "заказа", "доставки", "возврат", "карты", "курьер", "посылка", "код",
    "订单", "退款", "快递员", "验证码", "包裹", "发票", "地址",
    "order", "refund", "refunded", "parcel", "courier", "invoice", "delivery", "charged",
]  # fmt: skip
RARE = [
    "промокод", "бухгалтерии", "уведомление", "помята", "банк",
    "优惠码", "报销", "碎了", "银行", "垃圾邮件",
    "newsletter", "crushed", "checkout", "bank", "spam",
    "xylophone", "абракадабра", "麒麟",
]  # fmt: skip
PHRASES = [
    '"charged twice"', '"не пришёл"', '"delivery address"', '"信用卡"', '"адрес доставки"',
    '"verification code"', '"проверьте пожалуйста"', '"working days"', '"两次款"',
]  # fmt: skip
FILTERED = [
    "refund status:open", "заказ status:pending", "订单 channel:telegram",
    "refund channel:email after:2026-01-01", "courier tag:courier", "возврат tag:refund",
    "order before:2025-06-01", "refund -card", "заказ -карты", "refund OR 退款 OR возврат",
    "invoice team:Billing", "status:open", "tag:vip status:open",
]  # fmt: skip
# Issue #7's slow shapes at 1M: a common word with an old date (the newest matches are all
# too new) and with a tag few tickets have (RARE_TAG, put on RARE_TAGGED tickets here).
RARE_TAG = "bench-rare"
RARE_TAGGED = 40
SLOW = [
    "order before:2025-03-01", "заказ before:2025-03-01", "订单 before:2025-03-01",
    "refund before:2025-06-01 status:closed", "order tag:vip before:2025-06-01",
    f"order tag:{RARE_TAG}", f"заказ tag:{RARE_TAG}", f"tag:{RARE_TAG}",
    f"refund OR 退款 tag:{RARE_TAG}", "заказ tag:vip", "refund team:Billing status:open",
]  # fmt: skip


def queries(rng: random.Random) -> list[tuple[str, str]]:
    """About 200 (kind, query) pairs; the customer ones use real names and addresses."""
    out = [("common", q) for q in COMMON] + [("rare", q) for q in RARE]
    out += [("phrase", q) for q in PHRASES] + [("filter", q) for q in FILTERED]
    out += [("slow", q) for q in SLOW]
    emails = list(Identity.objects.filter(kind="email").values_list("value", flat=True)[:5000])
    names = list(Customer.objects.exclude(name="").values_list("name", flat=True)[:5000])
    for email in rng.sample(emails, min(40, len(emails))):
        out.append(("customer", f"customer:{email}"))
    for name in rng.sample(names, min(30, len(names))):
        word = rng.choice(["refund", "заказ", "订单", "order"])
        out.append(("customer", f'{word} customer:"{name}"'))
    for name in rng.sample(names, min(30, len(names))):
        out.append(("name", name.split()[-1]))
    while len(out) < 200:
        out.append(("common", " ".join(rng.sample(COMMON, 2))))
    return out


def rare_tag(rng: random.Random) -> None:
    """RARE_TAG on RARE_TAGGED tickets spread over the desk's history (idempotent: tags are
    read when searching, so nothing needs re-indexing)."""
    tag, _ = Tag.objects.get_or_create(name=RARE_TAG)
    through = Ticket.tags.through
    if through.objects.filter(tag=tag).exists():
        return
    last = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ids = set(
        Ticket.objects.filter(pk__in=rng.sample(range(1, last + 1), RARE_TAGGED * 2)).values_list(
            "pk", flat=True
        )[:RARE_TAGGED]
    )
    through.objects.bulk_create([through(ticket_id=pk, tag=tag) for pk in ids])
    # What autovacuum does soon after on a live desk: without it PostgreSQL takes the new tag
    # for a common one (7 s at 1M: a walk of every document, see bench/README.md).
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {through._meta.db_table}")


def explain(texts: list[str], username: str) -> None:
    """Print the candidate query and its plan for each query text (EXPLAIN (ANALYZE,
    BUFFERS) on PostgreSQL, EXPLAIN QUERY PLAN on SQLite), with the search's time."""
    user = User.objects.get(username=username)
    captured: list[tuple[str, list]] = []

    def wrapper(execute, sql, params, many, context):
        if "search_fts" in sql or "search_searchdocument d" in sql:
            captured.append((sql, params))
        return execute(sql, params, many, context)

    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS) "
        if connection.vendor == "postgresql"
        else "EXPLAIN QUERY PLAN "
    )
    for text in texts:
        captured.clear()
        with transaction.atomic(), connection.execute_wrapper(wrapper):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # as backends.fetch does
                    cursor.execute("SET LOCAL jit = off")
            search(user, text)  # warm
            captured.clear()
            t0, c0 = time.perf_counter(), time.process_time()
            r = search(user, text)
            ms, cpu = (time.perf_counter() - t0) * 1000, (time.process_time() - c0) * 1000
        print(
            f"\n{text!r} as {username}: {ms:.1f} ms ({cpu:.1f} ms CPU), {r.total} results"
            f"{' (capped)' if r.capped else ''}, load {os.getloadavg()[0]:.1f}"
        )
        for sql, params in captured:
            print("  ", sql)
            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET LOCAL jit = off")
                cursor.execute(prefix + sql, params)
                for row in cursor.fetchall():
                    print("     ", " | ".join(str(x) for x in row))


def shapes(texts: list[str], username: str, repeat: int = 3) -> None:
    """For each query text, the candidate query's CPU time (this process + the PostgreSQL
    server's, median of `repeat`) in each shape backends.candidates can take: one query, a
    walk of the primary key to the end (PostgreSQL: no bitmap scans), ranges of ids from
    50,000, and the default (`planned` on PostgreSQL, with the estimate it used)."""
    from rapport.lib.channels import Channel
    from rapport.search import backends, service
    from rapport.search.query import parse

    user = User.objects.get(username=username)
    print(f"as {username}, CPU ms (median of {repeat}), rows; load {os.getloadavg()[0]:.1f}")
    print(f"{'query':<40} {'one query':>14} {'walk':>14} {'ranges':>14} {'default':>14}  estimate")
    for text in texts:
        q = parse(text, valid_channels=tuple(Channel.values))
        where, args = service._where(user, q, [])
        ids = service._date_ids(q)
        kw = {
            "newest_first": not q.filters.customers,
            "from_documents": bool(q.filters.customers) or service._few_tagged(q.filters.tags),
            "ids": ids,
        }
        cells = []
        for shape in ("one", "walk", "ranges", "default"):
            if shape == "walk" and connection.vendor != "postgresql":
                cells.append("")
                continue
            times, n = [], 0
            for _ in range(repeat + 1):  # the first warms
                c0, s0 = time.process_time(), server_cpu()
                n = len(_shape(shape, q, where, args, kw))
                times.append((time.process_time() - c0 + server_cpu() - s0) * 1000)
            cells.append(f"{statistics.median(times[1:]):8.1f} {n:>5}")
        estimate = ""
        if connection.vendor == "postgresql" and q.must:
            estimate = f"{backends._estimate(q.must, q.must_not, where, args):,.0f}"
        print(f"{text:<40} " + " ".join(f"{c:>14}" for c in cells) + f"  {estimate}")


def _shape(shape: str, q, where: list[str], args: list, kw: dict) -> list[tuple]:
    from rapport.search import backends, service

    if shape == "walk":
        sql, params = backends._pg(q.must, q.must_not, where, args, service.CAP)
        return backends.fetch(sql, params, walk=True)
    window = {"one": 0, "ranges": 50_000, "default": None}[shape]
    return backends.candidates(q.must, q.must_not, where, args, service.CAP, window=window, **kw)


def server_cpu() -> float:
    """Seconds the PostgreSQL server process of this connection has run on a CPU
    (/proc/<pid>/schedstat, nanoseconds; the server is on this machine); 0 on SQLite."""
    if connection.vendor != "postgresql":
        return 0.0
    if not hasattr(server_cpu, "pid"):
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            server_cpu.pid = cursor.fetchone()[0]  # type: ignore[attr-defined]
    try:
        with open(f"/proc/{server_cpu.pid}/schedstat") as f:  # type: ignore[attr-defined]
            return int(f.read().split()[0]) / 1e9
    except OSError:
        return 0.0


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-rebuild", action="store_true", help="use the index as it is")
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--explain", nargs="+", metavar="QUERY", help="only print these queries' plans"
    )
    parser.add_argument(
        "--shapes", nargs="+", metavar="QUERY", help="only time these queries in each shape"
    )
    parser.add_argument("--user", default="bench-agent", help="for --explain and --shapes")
    parser.add_argument("--warmup", type=int, default=3, help="untimed passes first")
    parser.add_argument(
        "--kinds", default="", help="only these query kinds (comma list: common,rare,phrase,…)"
    )
    parser.add_argument(
        "--users", default="agent,supervisor", help="agent, supervisor or both (comma list)"
    )
    parser.add_argument(
        "--slowest", type=int, default=8, help="print the N dearest queries (CPU) per user"
    )
    parser.add_argument("--out", default="", help="results file (default bench/results/…)")
    args = parser.parse_args()
    if args.explain:
        explain(args.explain, args.user)
        return
    if args.shapes:
        shapes(args.shapes, args.user)
        return
    load_before = os.getloadavg()
    tickets = Ticket.objects.count()
    messages = Message.objects.count()
    print(f"{connection.vendor}: {tickets:,} tickets, {messages:,} messages", flush=True)
    result: dict = {"db": connection.vendor, "tickets": tickets, "messages": messages}

    if not args.no_rebuild:
        out = io.StringIO()
        t0, c0, s0 = time.perf_counter(), time.process_time(), server_cpu()
        call_command(
            "search_rebuild", "--clear", "--quiet", "--batch-size", str(args.batch_size), stdout=out
        )
        elapsed = time.perf_counter() - t0
        # Both processes' CPU (on PostgreSQL the server builds the tsvector and the GIN
        # entries): the rate an idle machine would give, whatever the load.
        both_cpu = time.process_time() - c0 + server_cpu() - s0
        docs = SearchDocument.objects.count()
        rate = re.search(r"([\d,]+) messages/s", out.getvalue())
        msg_rate = int(rate.group(1).replace(",", "")) if rate else 0
        cpu_rate = re.search(r"([\d,]+) messages/CPU-s", out.getvalue())
        result["build"] = {
            "seconds": round(elapsed, 1),
            "documents": docs,
            "documents_per_s": round(docs / elapsed),
            "messages_per_s": round(msg_rate),
            "messages_per_cpu_s": int(cpu_rate.group(1).replace(",", "")) if cpu_rate else None,
            "cpu_seconds_both": round(both_cpu, 1),
            "messages_per_cpu_s_both": round(messages / both_cpu) if both_cpu else None,
        }
        print(out.getvalue().strip())
        print(
            f"index build: {docs:,} documents in {elapsed:.1f}s = {docs / elapsed:,.0f} docs/s; "
            f"messages {msg_rate:,.0f}/s; {messages / both_cpu:,.0f} messages per CPU-second "
            f"(this process{' + the server' if connection.vendor == 'postgresql' else ''}, "
            f"{both_cpu:.0f} s); load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE search_searchdocument")

    # The live path: one message re-indexed per transaction, as the hooks do when a message is
    # saved (normalise, update the document, the FTS5 trigger / tsvector column follows).
    sample = list(Message.objects.order_by("-pk").values_list("pk", flat=True)[:200])
    live = []
    for pk in sample:
        message = Message.objects.select_related("ticket").get(pk=pk)
        message.body_text += " live"
        t0 = time.perf_counter()
        with transaction.atomic():
            index_message(message)
        live.append((time.perf_counter() - t0) * 1000)
    result["live_index_ms"] = {"p50": round(pct(live, 50), 2), "p95": round(pct(live, 95), 2)}
    print(
        f"live indexing, one message per transaction: p50 {pct(live, 50):.1f} ms, "
        f"p95 {pct(live, 95):.1f} ms"
    )

    rng = random.Random(args.seed)
    rare_tag(rng)
    qs = queries(rng)
    if args.kinds:
        qs = [(k, q) for k, q in qs if k in args.kinds.split(",")]
    users = {label: User.objects.get(username=f"bench-{label}") for label in args.users.split(",")}
    result["queries"] = len(qs)
    result["users"] = {}
    for label, user in users.items():
        for _ in range(args.warmup):  # warm caches (page cache, normaliser, jieba, pymorphy)
            for _kind, q in qs:
                search(user, q)
        timings: dict[str, list[float]] = {}
        cpu: list[float] = []
        cpu_by_kind: dict[str, list[float]] = {}
        found: dict[str, list[int]] = {}
        each: list[tuple[str, str, float, float, int]] = []
        for kind, q in qs:
            t0, c0, s0 = time.perf_counter(), time.process_time(), server_cpu()
            r = search(user, q)
            ms = (time.perf_counter() - t0) * 1000
            cpu.append((time.process_time() - c0 + server_cpu() - s0) * 1000)
            timings.setdefault(kind, []).append(ms)
            cpu_by_kind.setdefault(kind, []).append(cpu[-1])
            found.setdefault(kind, []).append(r.total)
            each.append((kind, q, round(ms, 1), round(cpu[-1], 1), r.total))
        every = [ms for v in timings.values() for ms in v]
        rows = {
            kind: {
                "n": len(v),
                "p50": round(pct(v, 50), 1),
                "p95": round(pct(v, 95), 1),
                "max": round(max(v), 1),
                "median_results": statistics.median(found[kind]),
                "cpu_p95": round(pct(cpu_by_kind[kind], 95), 1),
            }
            for kind, v in timings.items()
        }
        rows["all"] = {
            "n": len(every),
            "p50": round(pct(every, 50), 1),
            "p95": round(pct(every, 95), 1),
            "max": round(max(every), 1),
        }
        # CPU time: what a query costs without the other helpers' load. This process's (on
        # SQLite it includes the database's work) plus, on PostgreSQL, the server process's.
        rows["all (CPU)"] = {
            "n": len(cpu),
            "p50": round(pct(cpu, 50), 1),
            "p95": round(pct(cpu, 95), 1),
            "max": round(max(cpu), 1),
        }
        result["users"][label] = rows
        result.setdefault("each", {})[label] = each
        print(f"\n{label}: kind        n    p50 ms   p95 ms   max ms   CPU p95   median results")
        for kind, row in rows.items():
            print(
                f"{'':>{len(label) + 2}}{kind:<10} {row['n']:>3} {row['p50']:>9} "
                f"{row['p95']:>8} {row['max']:>8} {row.get('cpu_p95', ''):>9}   "
                f"{row.get('median_results', '')}"
            )
        if args.slowest:
            print(f"  the {args.slowest} dearest (CPU ms, wall ms, results):")
            for kind, q, ms, c, total in sorted(each, key=lambda e: -e[3])[: args.slowest]:
                print(f"    {c:>8.1f} {ms:>8.1f} {total:>6}  {kind:<9} {q}")
    load_after = os.getloadavg()
    result["load_before"] = [round(x, 2) for x in load_before]
    result["load_after"] = [round(x, 2) for x in load_after]
    print(f"\nload average before {load_before}, after {load_after} (2 cores, shared)")
    out_dir = PROJECT_DIR / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    path = Path(args.out) if args.out else out_dir / f"search-{connection.vendor}-{tickets}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"written {path}")


if __name__ == "__main__":
    main()
