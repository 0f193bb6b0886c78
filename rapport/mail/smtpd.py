"""An inbound SMTP listener for sites that route mail to Rapport directly (CH2).

"250 OK" is answered only after the message is stored; a failure to store answers "451" so
the sending server keeps the message and tries again.
"""

from __future__ import annotations

import logging

from aiosmtpd.controller import Controller
from asgiref.sync import sync_to_async
from django.db import close_old_connections

from .models import Mailbox
from .transport import receive_mail

log = logging.getLogger(__name__)


def _mailbox_for(address: str) -> Mailbox | None:
    close_old_connections()
    return Mailbox.objects.filter(address__iexact=address, is_active=True).first()


def _store(raw: bytes, mailbox_ids: list[int]) -> None:
    close_old_connections()
    for mailbox in Mailbox.objects.filter(pk__in=mailbox_ids):
        receive_mail(raw, mailbox, source="smtp")


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        mailbox = await sync_to_async(_mailbox_for, thread_sensitive=False)(address)
        if mailbox is None:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        envelope.__dict__.setdefault("mailbox_ids", []).append(mailbox.pk)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        try:
            await sync_to_async(_store, thread_sensitive=False)(
                raw, envelope.__dict__.get("mailbox_ids", [])
            )
        except Exception:
            log.exception("smtpd: could not store a message")
            return "451 4.3.0 Could not store the message; try again later"
        return "250 2.0.0 Stored"


def make_controller(host: str, port: int) -> Controller:
    # 50 MiB: the mailbox's own attachment limit applies after storing.
    return Controller(
        Handler(), hostname=host, port=port, data_size_limit=50 * 1024 * 1024, decode_data=False
    )
