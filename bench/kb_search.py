#!/usr/bin/env python
"""Knowledge-base search latency beside many messages that share its words (docs/kb.md).

    RAPPORT_DATA_DIR=/tmp/kbb [DATABASE_URL=…] .venv/bin/python manage.py migrate
    RAPPORT_DATA_DIR=/tmp/kbb [DATABASE_URL=…] .venv/bin/python bench/kb_search.py --messages 300000

Adds `--messages` synthetic message documents to the search index (plain SQL: every one holds
the Russian, English and Chinese words the articles use, the worst case for an article query),
builds the demo knowledge base through the actions (rapport/kb/demo.py) on the first run, then
times `search_help` (the help centre's box) and `search_articles` (answer suggestions, as the
public and as an agent): 5 warm-up passes, then 50 timed passes of each query. Prints p50/p95.
Use an empty data directory or database: the documents it adds are not removed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402

from rapport.accounts.models import Role, User  # noqa: E402
from rapport.kb.demo import build_demo_articles  # noqa: E402
from rapport.kb.models import Article  # noqa: E402
from rapport.kb.search import search_articles, search_help  # noqa: E402
from rapport.search.models import Kind, SearchDocument  # noqa: E402

QUERIES = [
    ("ru", "вернуть товар"),
    ("ru", "Здравствуйте, хочу вернуть чайник, он не работает"),
    ("en", "where is my order"),
    ("en", "I want to return an item"),
    ("zh-hans", "退货"),
    ("zh-hans", "我的订单什么时候到"),
]
WORDS = "здравствуйте хотеть вернуть товар заказ где мой return item order where 退货 订单"


def add_messages(n: int) -> None:
    have = SearchDocument.objects.filter(kind=Kind.MESSAGE).count()
    if have >= n:
        return
    start = SearchDocument.objects.filter(kind=Kind.MESSAGE).order_by("-object_id").first()
    first = (start.object_id if start else 0) + 1
    table = SearchDocument._meta.db_table
    for lo in range(first, first + n - have, 50_000):
        hi = min(lo + 50_000, first + n - have)
        rows = [
            ("message", i, "open", "email", "2026-01-01T00:00:00+00:00", f"{WORDS} n{i % 997}", "")
            for i in range(lo, hi)
        ]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {table} (kind, object_id, status, channel, created_at, tokens, "  # noqa: S608
                "alternatives) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                rows,
            )
        print(f"  {hi - first:,} message documents", flush=True)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_fts(search_fts) VALUES('optimize')")
    else:
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")


def timed(fn, passes=50, warm=5) -> list[float]:
    for _ in range(warm):
        fn()
    out = []
    for _ in range(passes):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=300_000)
    args = parser.parse_args()
    print(f"{connection.vendor}; load average {os.getloadavg()[0]:.2f}")
    if not Article.objects.exists():
        author = User.objects.create_user("bench-kb-author", role=Role.SUPERVISOR)
        build_demo_articles(author, author)
    agent = User.objects.filter(username="bench-kb-agent").first() or User.objects.create_user(
        "bench-kb-agent"
    )
    add_messages(args.messages)
    print(
        f"{SearchDocument.objects.count():,} documents, "
        f"{SearchDocument.objects.filter(kind=Kind.ARTICLE).count()} of them articles"
    )
    every = []
    for language, text in QUERIES:
        for name, fn in (
            ("help centre", lambda t=text, lang=language: search_help(t, lang)),
            ("suggest, public", lambda t=text, lang=language: search_articles(t, lang)),
            ("suggest, agent", lambda t=text, lang=language: search_articles(t, lang, user=agent)),
        ):
            ms = timed(fn)
            every += ms
            p95 = statistics.quantiles(ms, n=20)[18]
            print(
                f"{name:16} {language:7} {text[:40]:42} p50 {statistics.median(ms):6.1f} ms  "
                f"p95 {p95:6.1f} ms  found {len(fn())}"
            )
    print(
        f"all: p50 {statistics.median(every):.1f} ms, "
        f"p95 {statistics.quantiles(every, n=20)[18]:.1f} ms; "
        f"load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
