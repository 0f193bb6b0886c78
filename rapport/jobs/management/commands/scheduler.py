"""`manage.py scheduler`: enqueue periodic jobs when due, forever (or one tick with --once).

Run one or more anywhere (one leads, the others stand by); `make run` starts one. The workers
(`db_worker`, or `rqworker` with Redis) run what it enqueues. See docs/background.md.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections
from django.utils import timezone

from rapport.jobs.scheduler import LEASE, Scheduler

log = logging.getLogger("rapport.jobs")


class Command(BaseCommand):
    help = "Enqueue the periodic jobs when they are due (one leader among all schedulers)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--once",
            action="store_true",
            help="One tick (lead, enqueue what is due, let go), then exit.",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=1.0,
            help="Longest sleep between ticks, in seconds (default 1).",
        )
        parser.add_argument(
            "--lease",
            type=int,
            default=int(LEASE.total_seconds()),
            help="Seconds a leader holds the lease without renewing it.",
        )

    def handle(
        self, *args, once: bool = False, interval: float = 1.0, lease: int = 30, **options
    ) -> None:
        scheduler = Scheduler(lease=timedelta(seconds=lease))
        if once:
            try:
                enqueued = scheduler.tick()
            finally:
                scheduler.release()
            if enqueued is None:
                self.stdout.write("another scheduler is leading; nothing enqueued")
            else:
                self.stdout.write(
                    f"enqueued {len(enqueued)} job(s): {', '.join(enqueued)}"
                    if enqueued
                    else "nothing due"
                )
            return

        stop = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write(
            f"scheduler {scheduler.holder}: {len(scheduler.jobs)} periodic "
            f"job(s): {', '.join(sorted(scheduler.jobs)) or '—'}"
        )
        try:
            while not stop.is_set():
                close_old_connections()
                try:
                    leading = scheduler.tick(timezone.now()) is not None
                except DatabaseError as exc:  # the database restarts: wait, don't die
                    log.warning("scheduler: %s; retrying", exc)
                    leading = False
                # A leader sleeps until the next slot; a follower checks the lease each interval.
                wait = scheduler.seconds_to_next(timezone.now(), interval) if leading else interval
                stop.wait(wait)
        finally:
            with contextlib.suppress(DatabaseError):  # a clean stop hands over at once
                scheduler.release()
