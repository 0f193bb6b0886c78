"""`manage.py faq_mine`: run FAQ mining now (the scheduler runs it hourly as mine_faq_task)."""

from __future__ import annotations

import time
from datetime import timedelta

from django.core.management.base import BaseCommand

from rapport.suggest.actions import WINDOW, do_mine_faq


class Command(BaseCommand):
    help = "Group recent customer questions by similarity and mark those an article answers."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=WINDOW.days, help="only questions asked in these days"
        )

    def handle(self, *args, days: int, **options):
        started = time.perf_counter()
        report = do_mine_faq(window=timedelta(days=days))
        took = time.perf_counter() - started
        self.stdout.write(
            f"{report.messages} messages, {report.questions} questions mined, "
            f"{report.clusters_created} new clusters, {report.answered} newly answered "
            f"({took:.1f} s)"
        )
