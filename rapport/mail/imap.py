"""Fetching mail over IMAP (CH2). Store first, then flag: a message is marked read (or moved)
only after it is committed, so a crash at any point loses nothing, and fetching it again
creates nothing new (intake is idempotent by Message-ID)."""

from __future__ import annotations

import contextlib
import logging
import ssl

from django.conf import settings
from django.utils import timezone
from imapclient import IMAPClient

from .models import Mailbox, Security
from .transport import receive_mail

log = logging.getLogger(__name__)
BATCH = 50
TIMEOUT = 60


def connect(mailbox: Mailbox) -> IMAPClient:
    context = ssl.create_default_context()
    client = IMAPClient(
        mailbox.imap_host,
        port=mailbox.imap_port,
        ssl=mailbox.imap_security == Security.SSL,
        ssl_context=context,
        timeout=TIMEOUT,
    )
    if mailbox.imap_security == Security.STARTTLS:
        client.starttls(context)
    client.login(mailbox.imap_username, mailbox.imap_password)
    return client


def poll(mailbox: Mailbox, client: IMAPClient | None = None) -> int:
    """Fetch every message after the last one seen; returns how many were new."""
    own = client is None
    client = client or connect(mailbox)
    try:
        info = client.select_folder(mailbox.imap_folder)
        uidvalidity = int(info.get(b"UIDVALIDITY", 0))
        if mailbox.uidvalidity != uidvalidity:
            # The folder was recreated: UIDs mean something else now. Start over; intake's
            # idempotency keeps already-stored messages from being stored again.
            mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
        uids = sorted(
            u for u in client.search(["UID", f"{mailbox.last_uid + 1}:*"]) if u > mailbox.last_uid
        )
        new = 0
        for start in range(0, len(uids), BATCH):
            batch = uids[start : start + BATCH]
            fetched = client.fetch(batch, ["BODY.PEEK[]"])
            for uid in batch:
                raw = fetched.get(uid, {}).get(b"BODY[]")
                if raw is None:
                    continue  # expunged meanwhile
                # Deferred intake: store only; the intake worker processes in batches. Processing
                # each message here held up everything else this worker does — the outbox's
                # sends waited behind a fetched backlog (bench/fault.py: 539 replies queued
                # while 1,250 fetched messages were processed one by one).
                receipt = receive_mail(
                    bytes(raw), mailbox, source="imap", defer=settings.RAPPORT_INTAKE_DEFERRED
                )
                new += 0 if receipt.duplicate else 1
                # Committed: now it is safe to tell the server.
                if mailbox.imap_archive_folder:
                    client.move([uid], mailbox.imap_archive_folder)
                else:
                    client.add_flags([uid], [b"\\Seen"])
                mailbox.last_uid = uid
                Mailbox.objects.filter(pk=mailbox.pk).update(
                    last_uid=uid, uidvalidity=mailbox.uidvalidity
                )
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=timezone.now(),
            last_error="",
            uidvalidity=mailbox.uidvalidity,
            last_uid=mailbox.last_uid,
        )
        return new
    except Exception as exc:
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_polled_at=timezone.now(), last_error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    finally:
        if own:
            with contextlib.suppress(Exception):  # closing a broken connection
                client.logout()


def wait_for_mail(mailbox: Mailbox, seconds: int) -> bool:
    """Block until the server announces new mail (IMAP IDLE) or `seconds` pass. False, at
    once, when the server has no IDLE."""
    client = connect(mailbox)
    try:
        if b"IDLE" not in client.capabilities():
            return False
        client.select_folder(mailbox.imap_folder, readonly=True)
        client.idle()
        try:
            client.idle_check(timeout=seconds)
        finally:
            client.idle_done()
        return True
    finally:
        with contextlib.suppress(Exception):  # closing a broken connection
            client.logout()
