"""Composing and sending e-mail replies (CH2): correct From/Reply-To, Message-ID,
In-Reply-To/References, the ticket token, text + HTML parts, attachments."""

from __future__ import annotations

import html
import secrets
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate

from rapport.customers.models import Identity
from rapport.lib.channels import Channel
from rapport.outbox.actions import Composed, PermanentFailure, TemporaryFailure, handing_over
from rapport.outbox.models import Delivery
from rapport.tickets.models import Direction, Message, Ticket

from .models import Mailbox, Security
from .parse import TICKET_TOKEN

SMTP_TIMEOUT = 30


def _thread(ticket: Ticket, exclude_pk: int) -> list[dict]:
    """The ticket's e-mail messages, oldest first: one query for recipients and references."""
    return list(
        Message.objects.filter(ticket=ticket, channel=Channel.EMAIL)
        .exclude(pk=exclude_pk)
        .order_by("created_at", "id")
        .values(
            "direction",
            "external_id",
            "customer_id",
            "inbound_raw__sender",
            "inbound_raw__payload__hints__mailbox",
        )
    )


def mailbox_for(ticket: Ticket, thread: list[dict] | None = None) -> Mailbox | None:
    """The mailbox the customer last wrote to, else the team's, else any active one."""
    thread = _thread(ticket, 0) if thread is None else thread
    inbound = [m for m in thread if m["direction"] == Direction.IN]
    mailbox_id = inbound[-1]["inbound_raw__payload__hints__mailbox"] if inbound else None
    active = Mailbox.objects.filter(is_active=True)
    return (
        (active.filter(pk=mailbox_id).first() if mailbox_id else None)
        or active.filter(team_id=ticket.team_id).first()
        or active.order_by("id").first()
    )


def _recipient(ticket: Ticket, thread: list[dict]) -> str | None:
    """Where the customer last wrote from, else their first e-mail address."""
    for row in reversed(thread):
        if (
            row["direction"] == Direction.IN
            and row["customer_id"] == ticket.customer_id
            and row["inbound_raw__sender"]
        ):
            return row["inbound_raw__sender"]
    return (
        ticket.customer.identities.filter(kind="email")
        .order_by("id")
        .values_list("value", flat=True)
        .first()
    )


def _copies(ticket: Ticket, exclude: set[str]) -> list[str]:
    addresses = (
        Identity.objects.filter(customer__participations__ticket=ticket, kind="email")
        .order_by("customer_id", "id")
        .values_list("customer_id", "value")
    )
    copies, seen = [], set()
    for customer_id, address in addresses:
        if customer_id not in seen and address not in exclude:
            copies.append(address)
        seen.add(customer_id)
    return copies


def reply_subject(ticket: Ticket) -> str:
    subject = TICKET_TOKEN.sub("", ticket.subject).strip()
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    return f"{subject} [Ticket#{ticket.pk}]"


def compose(message: Message, *, mailbox: Mailbox | None = None, ack: bool = False) -> Composed:
    ticket = message.ticket
    thread = _thread(ticket, message.pk)
    mailbox = mailbox or mailbox_for(ticket, thread)
    to = _recipient(ticket, thread)
    if mailbox is None or not to:
        why = "no active mailbox" if mailbox is None else "the customer has no e-mail address"
        return Composed(payload={"error": f"Cannot send: {why}."}, raw=b"")
    ours = {mailbox.address.lower()}
    cc = [] if ack else _copies(ticket, exclude={to, *ours})
    refs = [m["external_id"] for m in thread if m["external_id"].startswith("<")][-20:]
    last_in = next(
        (
            m["external_id"]
            for m in reversed(thread)
            if m["direction"] == Direction.IN and m["external_id"]
        ),
        None,
    )
    # Short enough never to be folded onto a second header line (some clients mangle that).
    message_id = f"<rapport.{ticket.pk}.{message.pk}.{secrets.token_hex(6)}@{mailbox.domain}>"

    email = EmailMessage()
    sender_name = mailbox.from_name or mailbox.name
    if message.author and not ack:
        sender_name = f"{message.author.display_name} ({sender_name})"
    email["From"] = formataddr((sender_name, mailbox.address))
    email["Reply-To"] = mailbox.address
    email["To"] = to
    if cc:
        email["Cc"] = ", ".join(cc)
    email["Subject"] = reply_subject(ticket)
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id
    if last_in and last_in.startswith("<"):
        email["In-Reply-To"] = last_in
    if refs:
        email["References"] = " ".join(refs)
    email["X-Rapport-Ticket"] = str(ticket.pk)
    email["Auto-Submitted"] = "auto-replied" if ack else "no"
    if ack:
        email["X-Auto-Response-Suppress"] = "All"

    text = message.body_text
    if mailbox.signature and not ack:
        text = f"{text}\n\n-- \n{mailbox.signature}"
    email.set_content(text, charset="utf-8")
    paragraphs = "".join(
        f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n")
    )
    email.add_alternative(
        f"<!doctype html><html><body>{paragraphs}</body></html>", subtype="html", charset="utf-8"
    )
    for attachment in message.attachments.all():
        with attachment.file.open("rb") as fh:
            maintype, _, subtype = attachment.content_type.partition("/")
            email.add_attachment(
                fh.read(),
                maintype=maintype or "application",
                subtype=subtype or "octet-stream",
                filename=attachment.filename,
            )
    return Composed(
        payload={"mailbox": mailbox.pk, "from": mailbox.address, "to": [to, *cc]},
        raw=email.as_bytes(policy=SMTP),  # CRLF line ends, as SMTP requires
        external_id=message_id,
    )


def send(delivery: Delivery) -> str | None:
    # Connected (and logged in): a worker killed before handing over sent nothing and the
    # outbox sends again; from there on it might have (docs/outbox.md). A stand-in (the web
    # chat continuing by e-mail) was marked by the outbox before its send().
    return send_payload(
        delivery.payload or {},
        bytes(delivery.raw),
        handing_over=(lambda: handing_over(delivery)) if delivery.pk is not None else None,
    )


def send_payload(payload: dict, raw: bytes, *, handing_over=None) -> str | None:
    """One SMTP transaction through the payload's mailbox: a note when some recipients were
    refused; PermanentFailure (5xx, no SMTP server) or TemporaryFailure (anything else).
    `handing_over()` is called once connected, right before the bytes leave."""
    if payload.get("error"):
        raise PermanentFailure(payload["error"])
    mailbox = Mailbox.objects.filter(pk=payload.get("mailbox")).first()
    if mailbox is None or not mailbox.smtp_host:
        raise PermanentFailure("The mailbox has no SMTP server configured.")
    try:
        with _connect(mailbox) as smtp:
            if handing_over is not None:
                handing_over()
            refused = smtp.sendmail(payload["from"], payload["to"], raw)
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentFailure(f"Every recipient was refused: {exc.recipients}") from exc
    except smtplib.SMTPResponseException as exc:
        detail = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        if 500 <= exc.smtp_code < 600:
            raise PermanentFailure(f"{exc.smtp_code} {detail}") from exc
        raise TemporaryFailure(f"{exc.smtp_code} {detail}") from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
    if refused:  # some recipients accepted: it went out; note who did not get it
        return f"Refused by the server for: {', '.join(refused)}"
    return None


def _connect(mailbox: Mailbox) -> smtplib.SMTP:
    context = ssl.create_default_context()
    if mailbox.smtp_security == Security.SSL:
        smtp = smtplib.SMTP_SSL(
            mailbox.smtp_host, mailbox.smtp_port, timeout=SMTP_TIMEOUT, context=context
        )
    else:
        smtp = smtplib.SMTP(mailbox.smtp_host, mailbox.smtp_port, timeout=SMTP_TIMEOUT)
        if mailbox.smtp_security == Security.STARTTLS:
            smtp.starttls(context=context)
    if mailbox.smtp_username:
        smtp.login(mailbox.smtp_username, mailbox.smtp_password)
    return smtp
