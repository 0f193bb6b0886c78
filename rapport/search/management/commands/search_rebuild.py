"""manage.py search_rebuild [--batch-size N] [--only message,note,…] [--clear] [--quiet]

Re-index every customer, ticket, message and note (docs/search.md). Each batch is its own
short transaction, so the desk keeps working while it runs and a rebuild can be stopped and
run again. Needed after bulk loads that bypass the actions (bench/seed.py), after a change to
the normaliser, or to clean a damaged index.
"""

from __future__ import annotations

import importlib
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from rapport.search import indexing
from rapport.search.models import Kind, SearchDocument

ORDER = [Kind.CUSTOMER, Kind.TICKET, Kind.MESSAGE, Kind.NOTE]
BAR = 30
_DELETE_TRIGGER = next(
    sql
    for sql in importlib.import_module("rapport.search.migrations.0001_initial").SQLITE
    if "TRIGGER search_fts_delete" in sql
)


class Command(BaseCommand):
    help = "Rebuild the search index, batch by batch, with a progress bar."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=1000)
        parser.add_argument("--only", default="", help="comma list of: " + ", ".join(ORDER))
        parser.add_argument(
            "--clear", action="store_true", help="empty the index first (one short transaction)"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args, batch_size: int, only: str, clear: bool, quiet: bool, **options):
        kinds = [k.strip() for k in only.split(",") if k.strip()] or ORDER
        unknown = set(kinds) - set(ORDER)
        if unknown or batch_size < 1:
            raise CommandError(f"unknown kinds {sorted(unknown)} or batch size < 1")
        if clear:
            self._clear()
        started = time.monotonic()
        totals = {}
        for kind in kinds:
            model = indexing.BATCHES[kind][0]
            total = model.objects.count()
            done, after, t0 = 0, 0, time.monotonic()
            while True:
                n, after = indexing.rebuild_batch(kind, after, batch_size)
                if not n:
                    break
                done += n
                if not quiet:
                    self._progress(kind, done, total, time.monotonic() - t0)
            elapsed = time.monotonic() - t0
            totals[kind] = (done, elapsed)
            if not quiet:
                self._progress(kind, done, total, elapsed)
                self.stdout.write("")
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:  # fewer, larger FTS5 segments: faster queries
                cursor.execute("INSERT INTO search_fts(search_fts) VALUES('optimize')")
        summary = ", ".join(
            f"{kind} {n:,} in {s:.1f}s ({n / s if s else 0:,.0f}/s)"
            for kind, (n, s) in totals.items()
        )
        self.stdout.write(f"Indexed {summary}; total {time.monotonic() - started:.1f}s.")

    def _progress(self, kind: str, done: int, total: int, elapsed: float) -> None:
        share = done / total if total else 1.0
        filled = int(BAR * min(share, 1.0))
        rate = done / elapsed if elapsed else 0
        self.stdout.write(
            f"\r{kind:<9}[{'#' * filled}{'.' * (BAR - filled)}] {done:,}/{total:,} {rate:,.0f}/s",
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
                cursor.execute(_DELETE_TRIGGER)
        else:
            # DELETE, not TRUNCATE: TRUNCATE refuses inside a transaction that has pending
            # deferred foreign-key checks (a caller's, or a test's).
            SearchDocument.objects.all().delete()
