"""`manage.py intake_worker`: process stored inbound messages in batches, forever (TR1).

The deferred intake path (RAPPORT_INTAKE_DEFERRED): endpoints only store what they receive and
answer at once; this worker parses and threads it, `--batch` messages per write transaction.
Any number may run (PostgreSQL: several servers); the raw rows' states keep each message
processed exactly once, and a worker killed mid-batch loses nothing (its transaction rolls
back and the messages are still "received"). `make run` starts one.
"""

from __future__ import annotations

import logging
import os
import signal
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from rapport.intake.actions import BATCH_SECONDS, do_drain

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Process stored inbound messages in batches, in a loop."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Drain what is there, then exit.")
        parser.add_argument("--batch", type=int, default=50, help="Messages per transaction.")
        parser.add_argument(
            "--idle", type=float, default=0.1, help="Seconds to wait when there is nothing to do."
        )
        parser.add_argument(
            "--max-seconds",
            type=float,
            default=BATCH_SECONDS,
            help="Longest a batch holds its write transaction (on SQLite, what other writers "
            "may wait); the batch stops taking messages after it.",
        )
        parser.add_argument(
            "--nice",
            type=int,
            default=5,
            help="Lower the worker's CPU priority by this much (0: as the web server's), so the "
            "endpoints storing new messages keep their speed when the machine is busy.",
        )

    def handle(self, *args, once=False, batch=50, idle=0.1, **options) -> None:
        if options["nice"]:
            # Storing (the endpoints, the chat) answers people and must stay fast; turning what
            # is stored into tickets can lag a little. On a busy machine the worker yields.
            os.nice(options["nice"])
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while not stopping:
            close_old_connections()
            try:
                done = do_drain(batch_size=batch, max_seconds=options["max_seconds"])
            except DatabaseError as exc:
                # The database restarts or the connection broke: the batch rolled back, its
                # messages are still "received". Wait, reconnect (close_old_connections and
                # CONN_HEALTH_CHECKS), go on; dying here would stop intake until someone
                # restarts the worker (bench/fault.py restarts PostgreSQL under it).
                log.warning("intake_worker: %s; retrying in 1 s", exc)
                if once:
                    raise
                time.sleep(1)
                continue
            if done and (once or options["verbosity"] > 1):
                self.stdout.write(f"processed {done} message(s)")
            if once:
                return
            if not done:
                time.sleep(idle)
