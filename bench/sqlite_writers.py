"""Concurrent writers on SQLite: Django's backend against Rapport's (writers queued on a lock
file, rapport/lib/sqlite/base.py).

    .venv/bin/python bench/sqlite_writers.py [--processes 2] [--transactions 1000]

Each process runs N write transactions shaped like one intake step — 2 ms of Python work
inside the transaction around an insert of ~2 KB and an update, 3 ms of work outside it
(parsing) — against one WAL database; prints transactions/s and the p50/p95 time per
transaction for each backend.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

INIT = "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000"


def _configure(engine: str, path: str) -> None:
    from django.conf import settings

    settings.configure(
        DATABASES={
            "default": {
                "ENGINE": engine,
                "NAME": path,
                "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20, "init_command": INIT},
            }
        },
        INSTALLED_APPS=[],
        USE_TZ=True,
    )
    import django

    django.setup()


def _writer(engine: str, path: str, n: int, worker: int, out) -> None:
    _configure(engine, path)
    from django.db import connection, transaction

    payload = "ж" * 1000
    times = []
    for _ in range(n):
        _work(0.003)  # parsing, outside the transaction
        t0 = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("INSERT INTO item (worker, body) VALUES (%s, %s)", [worker, payload])
            _work(0.002)  # the ORM's Python between statements
            cursor.execute("UPDATE counter SET n = n + 1 WHERE id = 1")
        times.append(time.perf_counter() - t0)
    out.put(times)


def _work(seconds: float) -> None:
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def run(engine: str, processes: int, n: int) -> tuple[float, float, float]:
    import sqlite3

    path = str(Path(tempfile.mkdtemp(prefix="rapport-bench-sqlite-")) / "db.sqlite3")
    db = sqlite3.connect(path)
    db.executescript(
        INIT + ";CREATE TABLE item (id INTEGER PRIMARY KEY, worker INT, body TEXT);"
        "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INT);"
        "INSERT INTO counter VALUES (1, 0);"
    )
    db.close()
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(engine, path, n, w, out)) for w in range(processes)]
    started = time.perf_counter()
    for p in procs:
        p.start()
    times = [t for _ in procs for t in out.get()]
    for p in procs:
        p.join()
    total = time.perf_counter() - started
    db = sqlite3.connect(path)
    count = db.execute("SELECT n FROM counter").fetchone()[0]
    assert count == processes * n, count
    return len(times) / total, statistics.median(times), statistics.quantiles(times, n=20)[18]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--transactions", type=int, default=1000)
    args = parser.parse_args()
    for label, engine in [
        ("django.db.backends.sqlite3", "django.db.backends.sqlite3"),
        ("rapport.lib.sqlite (queued)", "rapport.lib.sqlite"),
    ]:
        rate, p50, p95 = run(engine, args.processes, args.transactions)
        print(
            f"{label:30} {args.processes} processes: {rate:7.0f} transactions/s, "
            f"p50 {p50 * 1000:6.2f} ms, p95 {p95 * 1000:7.2f} ms"
        )


if __name__ == "__main__":
    main()
