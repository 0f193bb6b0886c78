"""The e-mail channel's transport (CH2): raw MIME in, through the one intake path; replies and
acknowledgements out, through the one outbox. See docs/email.md.

Every inbound route (IMAP worker, SMTP listener, HTTP endpoint) calls `receive_mail`, which
stores the bytes before parsing them (`do_receive_raw`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from rapport.customers.models import Identity
from rapport.intake.actions import (
    InboundAttachment,
    InboundMessage,
    NotForTicket,
    Receipt,
    do_accept_raw,
    do_receive_raw,
    register_after_processed,
    register_parser,
)
from rapport.intake.models import InboundRaw
from rapport.lib.channels import Channel
from rapport.lib.language import guess_language
from rapport.lib.memo import memoised
from rapport.outbox.actions import do_queue, register_channel
from rapport.outbox.models import Delivery, DeliveryState
from rapport.tickets.events import record_event
from rapport.tickets.models import OPEN_STATUSES, Direction, EventKind, Message, Ticket

from . import outbound
from .models import ADDRESSES_CACHE_KEY, Mailbox
from .parse import TICKET_TOKEN, ParsedMail, content_id, parse_message
from .quotes import split_reply

log = logging.getLogger(__name__)

SUBJECT_FALLBACK_DAYS = 14
_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|sv|vs|ответ|отв|пересл|回复|回覆|答复|答覆|转发|轉寄)\s*(\[\d+\])?\s*[:：]\s*)+",
    re.IGNORECASE,
)
# \s*: a folded header ("Message-ID:\r\n <id>"); no control characters (PostgreSQL stores no
# NUL, and parse._MSGID agrees).
_MESSAGE_ID_HEADER = re.compile(rb"(?im)^message-id:\s*(<[^<>\s\x00-\x1f\x7f]{1,500}>)")


def normalise_subject(subject: str) -> str:
    """ "Re: Ответ: 回复: Order [Ticket#12]" → "order": for the conservative subject fallback."""
    subject = TICKET_TOKEN.sub("", subject or "")
    previous = None
    while previous != subject:
        previous = subject
        subject = _PREFIX.sub("", subject)
    return re.sub(r"\s+", " ", subject).strip().lower()


def external_id_of(raw: bytes) -> str:
    """The Message-ID (read from the header block without parsing), else a content hash."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    found = _MESSAGE_ID_HEADER.search(head)
    if found:
        return found.group(1).decode("ascii", "replace")
    return content_id(raw)


def receive_mail(
    raw: bytes, mailbox: Mailbox | None, *, source: str, defer: bool = False
) -> Receipt:
    """Store, then parse and process, one raw message. With `defer` (the HTTP endpoint when
    RAPPORT_INTAKE_DEFERRED is on) only store it: the intake worker processes it in a batch.
    A new ticket is acknowledged (RS3) once processed, whichever way (`_acknowledge`)."""
    hints = {"mailbox": mailbox.pk if mailbox else None, "source": source}
    if defer:
        return do_accept_raw(Channel.EMAIL, raw, external_id=external_id_of(raw), hints=hints)
    return do_receive_raw(
        Channel.EMAIL,
        raw,
        external_id=external_id_of(raw),
        hints=hints,
        preloaded={"mailbox_obj": mailbox} if mailbox else None,
    )


def _acknowledge(raw: InboundRaw) -> None:
    """After the message that opened a ticket has committed, in the background: intake stays
    fast, and the ack is a courtesy that must never cost a message."""
    if not raw.opened_ticket or raw.message_id is None:
        return
    from .tasks import acknowledge_task

    mailbox_id = (raw.payload.get("hints") or {}).get("mailbox")
    if mailbox_id is not None and not memoised(  # once per intake batch (rapport/lib/memo.py)
        ("mail.acks_enabled", mailbox_id),
        lambda: Mailbox.objects.filter(pk=mailbox_id, ack_enabled=True).exists(),
    ):
        return  # the mailbox sends no acknowledgements: no task to find that out
    try:
        acknowledge_task.enqueue(raw.message_id, mailbox_id)
    except Exception:  # noqa: BLE001 — the message is safe; an ack is a courtesy
        log.exception("mail: could not queue the acknowledgement of %s", raw.message_id)


# --- parsing (registered with intake) -----------------------------------------------------------


def _our_addresses() -> set[str]:
    """Our mailboxes' addresses, cached: they change rarely, mail arrives often. Saving a
    mailbox clears the cache."""
    addresses = cache.get(ADDRESSES_CACHE_KEY)
    if addresses is None:
        addresses = {a.lower() for a in Mailbox.objects.values_list("address", flat=True)}
        cache.set(ADDRESSES_CACHE_KEY, addresses, 300)
    return addresses


# Mail that answers something other than a customer's ticket: each function gets the parsed
# message and its raw bytes and returns a NotForTicket that files it where it belongs, or
# None. rapport.sideconv claims the replies (and bounces) of its side conversations by their
# own thread token, so an outside department's answer never lands on the customer's ticket
# nor opens a new one.
_CLAIMS: list[Callable[[ParsedMail, bytes], NotForTicket | None]] = []


def register_claim(claim: Callable[[ParsedMail, bytes], NotForTicket | None]) -> None:
    if claim not in _CLAIMS:
        _CLAIMS.append(claim)


def inbound_from_mail(raw: bytes, hints: dict) -> InboundMessage:
    mailbox = hints.get("mailbox_obj")
    if mailbox is None or mailbox.pk != hints.get("mailbox"):
        memo = hints.get("memo", {})  # shared by a batch of messages (intake.do_process_batch)
        key = ("mailbox", hints.get("mailbox"))
        if key not in memo:
            memo[key] = Mailbox.objects.filter(pk=hints.get("mailbox")).first()
        mailbox = memo[key]
    limit = mailbox.max_attachment_bytes if mailbox else 25 * 1024 * 1024
    mail = parse_message(raw, max_attachment_bytes=limit)
    for claim in _CLAIMS:
        claimed = claim(mail, raw)
        if claimed is not None:
            raise claimed
    if mail.auto == "bounce":
        raise NotForTicket(apply=lambda: _record_bounce(mail))
    ours = _our_addresses()
    if not mail.from_addr:
        raise ValidationError("The message has no sender address (From).")
    if mail.from_addr in ours:
        raise NotForTicket(f"Sent by Rapport's own address {mail.from_addr}: not a customer.")
    reply, quoted = split_reply(mail.text)
    if mail.notes:
        reply = "\n\n".join([reply, *(f"[{note}]" for note in mail.notes)])
    participants = [
        (addr, name)
        for name, addr in [*mail.to, *mail.cc]
        if addr not in ours and addr != mail.from_addr
    ]
    return InboundMessage(
        channel=Channel.EMAIL,
        sender=mail.from_addr,
        sender_name=mail.from_name,
        subject=mail.subject,
        body_text=reply,
        quoted_text=quoted,
        language=guess_language(reply),
        in_reply_to=mail.thread_refs(),
        ticket_id=mail.ticket_token or _subject_fallback(mail),
        team_id=mailbox.team_id if mailbox else None,
        participants=participants,
        auto=mail.auto,
        attachments=[
            InboundAttachment(a.filename, a.content, a.content_type) for a in mail.attachments
        ],
    )


def _subject_fallback(mail) -> int | None:
    """The conservative fallback when neither token nor references match: the same customer,
    the same subject once "Re:"/"Ответ:"/"回复:" are stripped, a ticket still open and recent."""
    if (
        mail.in_reply_to
        and Message.objects.filter(
            channel=Channel.EMAIL, external_id__in=mail.thread_refs()[:50]
        ).exists()
    ):
        return None  # the references will thread it
    subject = normalise_subject(mail.subject)
    if len(subject) < 4:
        return None
    identity = (
        Identity.objects.filter(kind="email", value=mail.from_addr).only("customer_id").first()
    )
    if identity is None:
        return None
    recent = (
        Ticket.objects.filter(
            customer_id=identity.customer_id,
            channel=Channel.EMAIL,
            status__in=OPEN_STATUSES,
            merged_into=None,
            updated_at__gte=timezone.now() - timedelta(days=SUBJECT_FALLBACK_DAYS),
        )
        .order_by("-updated_at")
        .values_list("pk", "subject")[:20]
    )
    for pk, ticket_subject in recent:
        if normalise_subject(ticket_subject) == subject:
            return pk
    return None


def _record_bounce(mail) -> str:
    """A bounce marks the delivery of the message that bounced (and shows on its ticket)."""
    reason = mail.bounce_reason or "bounced"
    bounced = (
        Message.objects.filter(
            channel=Channel.EMAIL,
            direction=Direction.OUT,
            external_id__in=mail.bounced_message_ids[:20],
        )
        .select_related("ticket")
        .first()
    )
    if bounced is None:
        return f"Bounce for a message Rapport did not send: {reason}"
    Delivery.objects.filter(message=bounced).update(
        state=DeliveryState.FAILED, last_error=f"Bounced: {reason}"[:5000]
    )
    record_event(
        EventKind.DELIVERY_FAILED,
        ticket=bounced.ticket,
        after={"message": bounced.pk, "reason": reason[:500]},
    )
    return f"Bounce of message {bounced.pk} on ticket {bounced.ticket_id}: {reason}"


register_parser(Channel.EMAIL, inbound_from_mail)
register_after_processed(Channel.EMAIL, _acknowledge)
register_channel(Channel.EMAIL, compose=outbound.compose, send=outbound.send, marks_handover=True)


# --- acknowledgement (RS3) -------------------------------------------------------------------


def acknowledge(message: Message, mailbox: Mailbox | None) -> Message | None:
    """Tell the customer we have their new e-mail ticket (`message` opened it) and when to
    expect an answer — never for an automatic message or a mailing list."""
    ticket = message.ticket
    if message.auto or ticket.channel != Channel.EMAIL:
        return None
    mailbox = mailbox or outbound.mailbox_for(ticket)
    if mailbox is None or not mailbox.ack_enabled:
        return None
    with transaction.atomic():
        if Message.objects.filter(ticket=ticket, auto="ack").exists():
            return None  # a task run twice acknowledges once
        language = ticket.customer.language or guess_language(message.body_text) or "en"
        from rapport.sla.promise import promise_phrase

        ack = Message.objects.create(
            ticket=ticket,
            direction=Direction.OUT,
            channel=Channel.EMAIL,
            customer=ticket.customer,
            auto="ack",
            # RS3: the answer time from the SLA, the calendar and the queue (rapport.sla).
            body_text=mailbox.ack_text(
                language, f"#{ticket.pk}", promised=promise_phrase(ticket, language)
            ),
        )
        do_queue(ack, mailbox=mailbox, ack=True)
    return ack
