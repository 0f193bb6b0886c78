"""The one intake path every channel calls (CH1, TR1). See docs/intake.md.

    do_receive(InboundMessage) -> Receipt

1. Store the raw message first, in its own committed transaction. (channel, external_id) is
   unique, so a message delivered twice — or by two workers at once — is stored once.
2. Process it in a second transaction that holds a row lock on the raw record: resolve the
   customer by identity, thread onto a ticket or open one, add the message, record events.
3. Anything that cannot be processed is quarantined with its reason; nothing is lost, and
   `do_retry` processes it again once the cause is fixed.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from rapport.customers.actions import do_resolve_customer
from rapport.customers.models import Customer
from rapport.lib.channels import CHANNEL_IDENTITY_KIND, CONVERSATIONAL, Channel
from rapport.lib.text import html_to_text, subject_from_body
from rapport.tickets.actions import do_add_inbound_message, do_create_ticket
from rapport.tickets.models import OPEN_STATUSES, Attachment, Message, Status, Ticket

from .models import InboundRaw, RawState

log = logging.getLogger(__name__)

MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


@dataclass
class InboundAttachment:
    filename: str
    content: bytes
    content_type: str = "application/octet-stream"


@dataclass
class InboundMessage:
    """A message as a channel transport hands it to intake, whatever its wire format."""

    channel: str
    sender: str  # the address or id the customer wrote from
    external_id: str = ""  # the channel's own id; derived from the content when absent
    subject: str = ""
    body_text: str = ""
    body_html: str = ""
    sender_name: str = ""
    sender_kind: str = ""  # identity kind; defaults to the channel's (e-mail for e-mail, ...)
    language: str = ""
    in_reply_to: list[str] = field(default_factory=list)  # external ids it answers
    ticket_id: int | None = None  # a ticket reference the transport found (e.g. "[#123]")
    attachments: list[InboundAttachment] = field(default_factory=list)
    raw: bytes = b""
    received_at: datetime | None = None


@dataclass
class Receipt:
    raw: InboundRaw
    duplicate: bool

    @property
    def message(self) -> Message | None:
        return self.raw.message

    @property
    def quarantined(self) -> bool:
        return self.raw.state == RawState.QUARANTINED


def _external_id(inbound: InboundMessage) -> str:
    if inbound.external_id:
        return inbound.external_id[:255]
    digest = hashlib.sha256()
    for part in (inbound.sender, inbound.subject, inbound.body_text, inbound.body_html):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    digest.update(inbound.raw)
    return f"sha256:{digest.hexdigest()}"


def _payload(inbound: InboundMessage, raw_id: int) -> dict:
    data = asdict(inbound)
    data.pop("raw")
    data["received_at"] = (inbound.received_at or timezone.now()).isoformat()
    stored = []
    for n, att in enumerate(inbound.attachments):
        name = (att.filename or f"attachment-{n + 1}").replace("/", "_")[:200]
        path = default_storage.save(f"inbound/{raw_id}/{n}-{name}", ContentFile(att.content))
        stored.append({"filename": name, "content_type": att.content_type[:100],
                       "path": path, "size": len(att.content)})
    data["attachments"] = stored
    return data


def do_receive(inbound: InboundMessage) -> Receipt:
    """Store, then process, one inbound message. Exactly once per (channel, external_id)."""
    external_id = _external_id(inbound)
    channel = inbound.channel if inbound.channel in Channel.values else "api"
    with transaction.atomic():
        raw, created = InboundRaw.objects.get_or_create(
            channel=channel,
            external_id=external_id,
            defaults={
                "sender": (inbound.sender or "")[:500],
                "raw": bytes(inbound.raw or b""),
                "received_at": timezone.now(),
                "payload": {},
            },
        )
        if created:
            raw.payload = _payload(inbound, raw.pk)
            if inbound.channel not in Channel.values:
                raw.payload["unknown_channel"] = inbound.channel
            raw.save(update_fields=["payload"])
    if not created:
        return Receipt(raw=raw, duplicate=True)
    return Receipt(raw=do_process(raw.pk), duplicate=False)


def do_retry(raw_id: int) -> InboundRaw:
    """Process a quarantined message again (after the cause was fixed)."""
    return do_process(raw_id)


def do_process(raw_id: int) -> InboundRaw:
    try:
        with transaction.atomic():
            # The row lock makes concurrent processing of one raw message wait, then see it done.
            raw = InboundRaw.objects.select_for_update().get(pk=raw_id)
            if raw.state == RawState.PROCESSED:
                return raw
            message = _process(raw)
            raw.message = message
            raw.state = RawState.PROCESSED
            raw.error = ""
            raw.attempts += 1
            raw.processed_at = timezone.now()
            raw.save(update_fields=["message", "state", "error", "attempts", "processed_at"])
            return raw
    except ValidationError as exc:
        reason = "; ".join(exc.messages)
    except Exception as exc:  # noqa: BLE001 — anything else is quarantined, never lost
        log.exception("intake: processing inbound %s failed", raw_id)
        reason = f"{type(exc).__name__}: {exc}"
    InboundRaw.objects.filter(pk=raw_id).update(
        state=RawState.QUARANTINED, error=reason[:5000], attempts=F("attempts") + 1
    )
    return InboundRaw.objects.get(pk=raw_id)


def _process(raw: InboundRaw) -> Message:
    data = raw.payload
    if data.get("unknown_channel"):
        raise ValidationError(f"Unknown channel {data['unknown_channel']!r}.")
    channel = raw.channel
    kind = data.get("sender_kind") or CHANNEL_IDENTITY_KIND[Channel(channel)]
    body_text = data.get("body_text") or ""
    body_html = data.get("body_html") or ""
    if not body_text.strip() and not body_html.strip() and not data.get("attachments"):
        raise ValidationError("The message has no text and no attachments.")
    if len(body_text) + len(body_html) > settings.RAPPORT_MAX_BODY_CHARS:
        raise ValidationError(
            f"The message is longer than {settings.RAPPORT_MAX_BODY_CHARS} characters."
        )
    customer, _created = do_resolve_customer(
        kind,
        data.get("sender") or "",
        name=data.get("sender_name") or "",
        language=data.get("language") or "",
        preferred_channel=channel,
    )
    # One intake at a time per customer: two messages racing in must not both conclude
    # "no open conversation" and open a ticket each.
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    at = parse_datetime(data.get("received_at") or "") or raw.received_at
    ticket = _thread(raw, data, customer)
    subject = data.get("subject") or ""
    if ticket is None:
        ticket = do_create_ticket(
            customer=customer,
            subject=subject or subject_from_body(body_text or html_to_text(body_html)),
            channel=channel,
            at=at,
        )
    message = do_add_inbound_message(
        ticket,
        customer=customer,
        channel=channel,
        body_text=body_text,
        body_html=body_html,
        subject=subject,
        external_id=raw.external_id,
        at=at,
    )
    for att in data.get("attachments") or []:
        if att["size"] > MAX_ATTACHMENT_BYTES:
            continue  # kept in inbound storage and in the raw source; too big to show
        Attachment.objects.create(
            message=message,
            file=att["path"],
            filename=att["filename"],
            content_type=att["content_type"],
            size=att["size"],
        )
    return message


def _live(ticket: Ticket | None) -> Ticket | None:
    """Follow merges to the ticket that holds the conversation now."""
    seen = 0
    while ticket is not None and ticket.merged_into_id and seen < 20:
        ticket = ticket.merged_into
        seen += 1
    return ticket


def _thread(raw: InboundRaw, data: dict, customer) -> Ticket | None:
    """The ticket this message continues, or None for a new problem (one ticket per problem)."""
    candidates: list[Ticket | None] = []
    if data.get("ticket_id"):
        candidates.append(
            Ticket.objects.filter(pk=data["ticket_id"], customer=customer).first()
        )
    refs = [r for r in data.get("in_reply_to") or [] if r]
    if refs:
        earlier = (
            Message.objects.filter(channel=raw.channel, external_id__in=refs[:50])
            .select_related("ticket")
            .order_by("-created_at")
            .first()
        )
        candidates.append(earlier.ticket if earlier else None)
    for candidate in candidates:
        ticket = _live(candidate)
        # A closed ticket stays closed: a new message about it is a new ticket.
        if ticket is not None and ticket.status != Status.CLOSED:
            return ticket
    if raw.channel in CONVERSATIONAL:
        return (
            Ticket.objects.filter(
                customer=customer, channel=raw.channel, status__in=OPEN_STATUSES,
                merged_into=None,
            )
            .order_by("-updated_at")
            .first()
        )
    return None

