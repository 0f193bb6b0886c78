"""manage.py reports_rebuild [--since YYYY-MM-DD]: recompute the report rollup from raw data."""

from __future__ import annotations

import time
from datetime import date

from django.core.management.base import BaseCommand

from rapport.reports.actions import do_rebuild


class Command(BaseCommand):
    help = "Rebuild the report rollup from raw data (all, or the tickets created since a day)."

    def add_arguments(self, parser):
        parser.add_argument("--since", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, since=None, batch=2000, **options):
        started = time.monotonic()

        def progress(done: int, total: int) -> None:
            rate = done / max(time.monotonic() - started, 1e-6)
            self.stdout.write(f"\r{done}/{total} tickets ({rate:.0f}/s)", ending="")
            self.stdout.flush()

        total = do_rebuild(since=since, batch=batch, progress=progress)
        elapsed = time.monotonic() - started
        self.stdout.write(f"\nRebuilt from {total} tickets in {elapsed:.1f} s.")
