"""`manage.py webhook_worker`: send outgoing webhooks in batches, forever (docs/webhooks.md).

Its own process, so deliveries never wait behind the task queue (message analysis, rules,
acknowledgements). Each round claims up to RAPPORT_WEBHOOK_BATCH due deliveries, sends them
concurrently over one keep-alive client per endpoint and records the results in one
transaction (rapport/webhooks/sender.py). Any number may run: claims never overlap
(PostgreSQL: SKIP LOCKED). A worker killed mid-round loses nothing: its claims are sent again
after RAPPORT_WEBHOOK_STUCK_AFTER (at least once; receivers drop an event id seen before).
`make run` starts one.
"""

from __future__ import annotations

import logging
import signal
import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from rapport.webhooks.actions import prune_delivered, release_stuck
from rapport.webhooks.sender import Sender, deliver_batch

log = logging.getLogger(__name__)

HOUSEKEEPING_SECONDS = 10  # stuck claims released this often; the old log pruned hourly


class Command(BaseCommand):
    help = "Send outgoing webhooks in batches, in a loop."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Send what is due, then exit.")
        parser.add_argument(
            "--batch", type=int, default=0, help="Deliveries per round (RAPPORT_WEBHOOK_BATCH)."
        )
        parser.add_argument(
            "--idle", type=float, default=0.5, help="Seconds to wait when nothing is due."
        )

    def handle(self, *args, once=False, batch=0, idle=0.5, **options) -> None:
        batch = batch or settings.RAPPORT_WEBHOOK_BATCH
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        if not once:  # a one-shot run (cron, tests) keeps the caller's handlers
            signal.signal(signal.SIGTERM, stop)
            signal.signal(signal.SIGINT, stop)
        sender = Sender()
        housekept, pruned, sent = 0.0, 0.0, 0
        try:
            while not stopping:
                if not once:
                    close_old_connections()  # a broken or old connection is replaced
                try:
                    now = time.monotonic()
                    if now - housekept > HOUSEKEEPING_SECONDS:
                        release_stuck()
                        housekept = now
                    if now - pruned > 3600:
                        prune_delivered()
                        pruned = now
                    claimed = deliver_batch(batch, sender=sender)
                except DatabaseError as exc:
                    # The database restarts or the connection broke: what was claimed stays
                    # "sending" and is released as stuck. Wait, reconnect, go on.
                    log.warning("webhook_worker: %s; retrying in 1 s", exc)
                    if once:
                        raise
                    time.sleep(1)
                    continue
                sent += claimed
                if claimed and options["verbosity"] > 1:
                    self.stdout.write(f"sent {claimed} webhook(s)")
                if once and not claimed:
                    break
                if claimed < batch and not once:
                    time.sleep(idle)
        finally:
            sender.close()
        if once:
            self.stdout.write(f"sent {sent} webhook(s)")
