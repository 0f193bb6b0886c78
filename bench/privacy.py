#!/usr/bin/env python
"""Privacy and backups at scale (issue #10.6/10.7; docs/privacy.md, docs/backup.md).

    RAPPORT_DATA_DIR=/tmp/x .venv/bin/python bench/privacy.py --tickets 100000
    DATABASE_URL=postgres://... .venv/bin/python bench/privacy.py --tickets 100000

Seeds the database with bench/seed.py when it is empty (--tickets), then times, on the
customer with the most tickets: one audit entry (a page view's extra write), the export archive,
the erasure, and the scan for traces afterwards; the retention dry run with every policy at
30 days; and a backup and a restore of the whole desk (size of the archive). Changes the
database (erases a customer, restores): use a scratch one.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

from rapport.customers.models import Customer  # noqa: E402
from rapport.privacy import backup, export, retention  # noqa: E402
from rapport.privacy.audit import record  # noqa: E402
from rapport.privacy.erasure import do_erase_customer, find_traces, needles_for  # noqa: E402
from rapport.privacy.models import Action, DataType, RetentionPolicy  # noqa: E402
from rapport.tickets.models import Message, Ticket  # noqa: E402


def timed(label: str, fn, *args, **kwargs):
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    print(f"{label}: {time.perf_counter() - started:.2f} s", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, help="seed this many when the DB is empty")
    args = parser.parse_args()
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
    print(
        f"{connection.vendor}: {Ticket.objects.count():,} tickets, "
        f"{Message.objects.count():,} messages",
        flush=True,
    )

    started = time.perf_counter()
    for i in range(1000):
        record(Action.VIEW, "ticket", i)
    print(f"audit entry (autocommit): {(time.perf_counter() - started):.3f} ms each", flush=True)

    customer = (
        Customer.objects.annotate(n=Count("tickets"))
        .filter(merged_into=None)
        .order_by("-n")
        .first()
    )
    n_msgs = Message.objects.filter(ticket__customer=customer).count()
    print(f"customer #{customer.pk}: {customer.n} tickets, {n_msgs} messages", flush=True)
    body, _data = timed("export archive", export.build_zip, customer)
    print(f"export archive size: {len(body) / 1024:.0f} KiB", flush=True)
    needles = needles_for(customer)
    counts = timed("erasure", do_erase_customer, customer)
    print(f"erasure changed: {sum(counts.values())} rows", flush=True)
    left = timed("find_traces (every column, every file)", find_traces, needles)
    print(f"traces left: {len(left)}", flush=True)

    for data_type in DataType.values:
        RetentionPolicy.objects.update_or_create(
            data_type=data_type, defaults={"keep_days": 30, "enabled": True}
        )
    outcomes = timed("retention dry run", retention.apply, dry_run=True)
    for o in outcomes:
        print(f"  {o.data_type}: {o.count:,} {o.what}", flush=True)
    RetentionPolicy.objects.update(enabled=False)

    with tempfile.TemporaryDirectory() as tmp:
        result = timed("backup", backup.backup, Path(tmp) / "b.tar.gz")
        print(f"backup archive: {result.bytes / 1024 / 1024:.1f} MiB, {result.members} files")
        timed("restore (verify + database + files)", backup.restore, result.path)


if __name__ == "__main__":
    main()
