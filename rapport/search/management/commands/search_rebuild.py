"""manage.py search_rebuild [--batch-size N] [--only customers|tickets|articles] [--clear] [--quiet]

Re-index every customer, then every ticket with its messages and notes, then the published
knowledge-base articles (docs/search.md, docs/kb.md), with
a progress bar on stdout and the rate at the end. Each batch is its own
short transaction, so the desk keeps working while it runs and a rebuild can be stopped and
run again. Needed after bulk loads that bypass the actions (bench/seed.py), after a change to
the normaliser, or to clean a damaged index.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from rapport.customers.models import Customer
from rapport.search import indexing
from rapport.search.models import Kind, SearchDocument
from rapport.tickets.models import Ticket

BAR = 30


class Command(BaseCommand):
    help = "Rebuild the search index, batch by batch, with a progress bar."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size", type=int, default=500, help="customers or tickets per transaction"
        )
        parser.add_argument("--only", default="", help="customers, tickets or articles")
        parser.add_argument(
            "--clear", action="store_true", help="empty the index first (one short transaction)"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, batch_size: int, only: str, clear: bool, quiet: bool, **options):
        phases = [k.strip() for k in only.split(",") if k.strip()] or list(indexing.PHASES)
        unknown = set(phases) - set(indexing.PHASES)
        if unknown or batch_size < 1:
            raise CommandError(f"unknown phases {sorted(unknown)} or batch size < 1")
        if clear:
            self._clear()
        started = time.monotonic()
        written: dict[str, int] = {}
        lines = []
        for phase in phases:
            if phase == "articles":  # the knowledge base: a few rows, one transaction
                t0 = time.monotonic()
                n = indexing.rebuild_articles()
                written[Kind.ARTICLE] = n
                lines.append(f"articles: {n:,} documents in {time.monotonic() - t0:.1f}s")
                continue
            model = Customer if phase == "customers" else Ticket
            total = model.objects.count()
            done, after, t0, cpu0 = 0, 0, time.monotonic(), time.process_time()
            phase_docs: dict[str, int] = {}
            while True:
                after, n, counts = indexing.rebuild_batch(phase, after, batch_size)
                if not n:
                    break
                done += n
                for kind, k in counts.items():
                    phase_docs[kind] = phase_docs.get(kind, 0) + k
                if not quiet:
                    self._progress(phase, done, total, time.monotonic() - t0)
            elapsed, cpu = time.monotonic() - t0, time.process_time() - cpu0
            if not quiet:
                self._progress(phase, done, total, elapsed)
                self.stdout.write("")
            docs = sum(phase_docs.values())
            per_kind = ", ".join(f"{k} {v:,}" for k, v in sorted(phase_docs.items()))
            messages = phase_docs.get(Kind.MESSAGE, 0)
            lines.append(
                f"{phase}: {done:,} in {elapsed:.1f}s, {docs:,} documents ({per_kind})"
                + (f", {messages / elapsed:,.0f} messages/s" if messages and elapsed else "")
                # This process's CPU: the rate without other load (SQLite's work included).
                + (f"; CPU {cpu:.1f}s = {messages / cpu:,.0f} messages/CPU-s" if messages else "")
            )
            for kind, k in phase_docs.items():
                written[kind] = written.get(kind, 0) + k
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:  # fewer, larger FTS5 segments: faster queries
                cursor.execute("INSERT INTO search_fts(search_fts) VALUES('optimize')")
        for line in lines:
            self.stdout.write(line)
        self.stdout.write(
            f"Indexed {sum(written.values()):,} documents in {time.monotonic() - started:.1f}s."
        )

    def _progress(self, phase: str, done: int, total: int, elapsed: float) -> None:
        share = done / total if total else 1.0
        filled = int(BAR * min(share, 1.0))
        rate = done / elapsed if elapsed else 0
        self.stdout.write(
            f"\r{phase:<9}[{'#' * filled}{'.' * (BAR - filled)}] {done:,}/{total:,} {rate:,.0f}/s",
            ending="",
        )
        self.stdout.flush()

    @transaction.atomic
    def _clear(self) -> None:
        if connection.vendor == "sqlite":
            # Deleting the rows would run the delete trigger once per document; instead empty
            # the FTS5 table in one step with the trigger out of the way, inside this
            # transaction (SQLite's DDL is transactional: a failure restores everything).
            with connection.cursor() as cursor:
                cursor.execute("DROP TRIGGER search_fts_delete")
                cursor.execute("INSERT INTO search_fts(search_fts) VALUES('delete-all')")
                cursor.execute(f"DELETE FROM {SearchDocument._meta.db_table}")  # noqa: S608 — values are bound
                cursor.execute("DELETE FROM search_day")  # the days' ids start again (0004)
                cursor.execute(indexing._sqlite_triggers()["search_fts_delete"])
        else:
            # DELETE, not TRUNCATE: TRUNCATE refuses inside a transaction that has pending
            # deferred foreign-key checks (a caller's, or a test's).
            SearchDocument.objects.all().delete()
