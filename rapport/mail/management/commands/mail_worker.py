"""`manage.py mail_worker`: fetch every active mailbox over IMAP and send what the outbox has
due, forever (or once with --once). Run one per site; `make run` starts it."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand
from django.db import DatabaseError, close_old_connections

from rapport.intake.actions import do_process_stalled
from rapport.mail import imap
from rapport.mail.models import Mailbox
from rapport.outbox.actions import flush_due
from rapport.tickets.management.commands.optimize_db import optimize

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Fetch mail over IMAP and send queued replies, in a loop."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One round, then exit.")
        parser.add_argument(
            "--interval",
            type=int,
            default=30,
            help="Seconds between rounds (IMAP IDLE wakes it earlier).",
        )

    def handle(self, *args, once: bool = False, interval: int = 30, **options) -> None:
        optimized_at = 0.0
        while True:
            close_old_connections()
            try:
                if time.monotonic() - optimized_at > 3600:  # planner statistics, hourly
                    optimize()
                    optimized_at = time.monotonic()
                fetched, sent, mailboxes = self._round()
            except DatabaseError as exc:
                # The database restarts or the connection broke: wait, reconnect, go on
                # (nothing is lost: what was not committed is fetched or sent next round).
                log.warning("mail_worker: %s; retrying in 1 s", exc)
                if once:
                    raise
                time.sleep(1)
                continue
            if fetched or sent or once:
                self.stdout.write(f"fetched {fetched} message(s), sent {sent} delivery(ies)")
            if once:
                return
            if len(mailboxes) == 1 and self._idle(mailboxes[0], interval):
                continue
            time.sleep(interval)

    @staticmethod
    def _round() -> tuple[int, int, list[Mailbox]]:
        fetched = 0
        mailboxes = list(Mailbox.objects.filter(is_active=True).exclude(imap_host=""))
        for mailbox in mailboxes:
            try:
                fetched += imap.poll(mailbox)
            except Exception as exc:  # noqa: BLE001 — one broken mailbox must not stop all
                log.warning("mail_worker: %s: %s", mailbox, exc)
        do_process_stalled()  # stored before a crash, never processed
        return fetched, flush_due(), mailboxes

    @staticmethod
    def _idle(mailbox, seconds: int) -> bool:
        """Wait with IMAP IDLE; False when the server cannot (then plain polling waits)."""
        try:
            return imap.wait_for_mail(mailbox, seconds)
        except Exception:  # noqa: BLE001 — fall back to plain polling
            return False
