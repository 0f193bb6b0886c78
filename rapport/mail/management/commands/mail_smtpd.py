"""`manage.py mail_smtpd`: accept mail for the mailboxes' addresses over SMTP."""

from __future__ import annotations

import contextlib
import time

from django.core.management.base import BaseCommand

from rapport.mail.smtpd import make_controller


class Command(BaseCommand):
    help = "Run an SMTP server that stores mail addressed to Rapport's mailboxes."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=2525)

    def handle(self, *args, host: str, port: int, **options) -> None:
        controller = make_controller(host, port)
        controller.start()
        self.stdout.write(f"Listening for mail on {host}:{port}")
        try:
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(3600)
        finally:
            controller.stop()
