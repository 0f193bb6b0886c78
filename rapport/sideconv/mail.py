"""Side conversations by e-mail: out through the desk's mailbox and SMTP, back in through the
one intake path (docs/side-conversations.md).

Threading is the side conversation's own, distinct from the customer's ticket:
- the subject carries "[Side#<token>]" (never "[Ticket#n]", which files mail on the ticket);
- every Message-ID we send is "<rapport.side.<token>.<n>.<random>@<mailbox domain>>", and a
  reply names it in In-Reply-To/References;
- the token is 12 random characters: it cannot be guessed, so a reply that carries it may come
  from whoever the department forwarded the question to.

`claim` is registered with the e-mail channel (rapport.mail.transport.register_claim): before
mail is threaded onto a ticket, a reply that carries a token of ours is taken out of the ticket
path (intake keeps the raw message, state "ignored", with the reason) and filed here.

Sending goes through the mailbox's SMTP server (rapport.mail.outbound.send_payload) with the
outbox's policy (rapport.outbox.actions: its back-off, permanent vs temporary failures, the same
bytes and Message-ID on every attempt, a send that might have gone out never repeated behind
anyone's back). The outbox's own Delivery rows belong to a message on the customer's ticket,
which a side conversation's message must never be: hence these few lines of its own.
"""

from __future__ import annotations

import html
import logging
import re
import secrets
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formataddr, formatdate

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from rapport.intake.actions import NotForTicket
from rapport.outbox.actions import (
    BACKOFF,
    INTERRUPTED_AFTER,
    MAX_ATTEMPTS,
    ClaimLost,
    PermanentFailure,
)

from .models import DeliveryState, Direction, SideConversation, SideMessage

log = logging.getLogger(__name__)

SIDE_TOKEN = re.compile(r"\[Side#([A-Za-z0-9_-]{8,24})\]")
# A claim still "sending" this long without reaching the SMTP transaction: its worker died
# before anything left (a live one gets there within the SMTP timeout).
UNSENT_AFTER = timedelta(minutes=1)
SIDE_MESSAGE_ID = re.compile(r"^<rapport\.side\.([A-Za-z0-9_-]{8,24})\.")


def subject_of(conversation: SideConversation, *, reply: bool) -> str:
    subject = SIDE_TOKEN.sub("", conversation.subject).strip()
    if reply and not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    return f"{subject} [Side#{conversation.token}]"


def compose(message: SideMessage) -> tuple[dict, bytes, str]:
    """(payload, bytes, Message-ID) of a message to the outside address."""
    conversation = message.conversation
    mailbox = conversation.mailbox
    if mailbox is None:
        return {"error": "Cannot send: the side conversation has no mailbox."}, b"", ""
    earlier = list(
        SideMessage.objects.filter(conversation=conversation)
        .exclude(pk=message.pk)
        .exclude(external_id="")
        .order_by("created_at", "id")
        .values_list("direction", "external_id")
    )
    refs = [ext for _d, ext in earlier if ext.startswith("<")][-20:]
    last_answer = next((ext for d, ext in reversed(earlier) if d == Direction.ANSWERED), None)
    message_id = (
        f"<rapport.side.{conversation.token}.{message.pk}.{secrets.token_hex(4)}@{mailbox.domain}>"
    )
    email = EmailMessage()
    sender_name = mailbox.from_name or mailbox.name
    if message.author_id:
        sender_name = f"{message.author.display_name} ({sender_name})"
    email["From"] = formataddr((sender_name, mailbox.address))
    email["Reply-To"] = mailbox.address
    email["To"] = conversation.address
    email["Subject"] = subject_of(conversation, reply=bool(earlier))
    email["Date"] = formatdate(localtime=False)
    email["Message-ID"] = message_id
    if last_answer and last_answer.startswith("<"):
        email["In-Reply-To"] = last_answer
    if refs:
        email["References"] = " ".join(refs)
    email["X-Rapport-Side"] = conversation.token
    email["Auto-Submitted"] = "no"
    text = message.body_text
    if mailbox.signature:
        text = f"{text}\n\n-- \n{mailbox.signature}"
    email.set_content(text, charset="utf-8")
    paragraphs = "".join(
        f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in text.split("\n\n")
    )
    email.add_alternative(
        f"<!doctype html><html><body>{paragraphs}</body></html>", subtype="html", charset="utf-8"
    )
    payload = {"mailbox": mailbox.pk, "from": mailbox.address, "to": [conversation.address]}
    return payload, email.as_bytes(policy=SMTP), message_id


def do_queue(message: SideMessage) -> None:
    """Build the e-mail once and queue it (inside the caller's transaction); a worker sends it
    after commit, the sweep retries."""
    payload, raw, message_id = compose(message)
    message.payload, message.raw, message.external_id = payload, raw, message_id
    message.delivery_state = DeliveryState.QUEUED
    message.next_attempt_at = timezone.now()
    message.save(
        update_fields=["payload", "raw", "external_id", "delivery_state", "next_attempt_at"]
    )
    transaction.on_commit(lambda: _enqueue(message.pk))


def _enqueue(message_id: int) -> None:
    from .tasks import deliver_side_message_task

    try:
        deliver_side_message_task.enqueue(message_id)
    except Exception:  # noqa: BLE001 — the sweep sends it anyway
        log.warning("sideconv: could not enqueue message %s; the sweep will send it", message_id)


def _claim_delivery(message_id: int) -> bool:
    now = timezone.now()
    return bool(
        SideMessage.objects.filter(
            pk=message_id, delivery_state=DeliveryState.QUEUED, next_attempt_at__lte=now
        ).update(
            delivery_state=DeliveryState.SENDING,
            attempts=F("attempts") + 1,
            started_at=now,
            sent_at=None,
        )
    )


def _send(message: SideMessage) -> str | None:
    """SMTP through the mailbox, as rapport.mail.outbound.send does for a customer's reply;
    `sent_at` is set right before the bytes leave (the point of no return, see flush_due)."""
    from rapport.mail.outbound import send_payload

    def handing_over() -> None:
        if not SideMessage.objects.filter(
            pk=message.pk,
            delivery_state=DeliveryState.SENDING,
            attempts=message.attempts,
            sent_at=None,
        ).update(sent_at=timezone.now()):
            raise ClaimLost(f"side message {message.pk} was taken back from this worker")

    return send_payload(message.payload or {}, bytes(message.raw), handing_over=handing_over)


def do_deliver(message_id: int) -> str:
    """Send one queued message, with the outbox's policy (rapport.outbox.do_deliver)."""
    if not _claim_delivery(message_id):
        return (
            SideMessage.objects.filter(pk=message_id)
            .values_list("delivery_state", flat=True)
            .first()
            or ""
        )
    message = SideMessage.objects.get(pk=message_id)
    fields: dict = {}
    try:
        note = _send(message)
    except ClaimLost:
        return DeliveryState.SENDING  # taken back meanwhile: another worker has it
    except PermanentFailure as exc:
        fields = {"delivery_state": DeliveryState.FAILED, "last_error": str(exc)}
    except Exception as exc:  # noqa: BLE001 — network errors and 4xx: try again later
        error = f"{type(exc).__name__}: {exc}"
        if message.attempts >= MAX_ATTEMPTS:
            fields = {
                "delivery_state": DeliveryState.FAILED,
                "last_error": f"gave up after {message.attempts} attempts: {error}",
            }
        else:
            wait = BACKOFF[min(message.attempts - 1, len(BACKOFF) - 1)]
            fields = {
                "delivery_state": DeliveryState.QUEUED,
                "last_error": error,
                "next_attempt_at": timezone.now() + wait,
            }
    else:
        fields = {"delivery_state": DeliveryState.SENT, "last_error": note or ""}
    fields["last_error"] = fields["last_error"][:5000]
    SideMessage.objects.filter(pk=message_id, delivery_state=DeliveryState.SENDING).update(**fields)
    return fields["delivery_state"]


def flush_due(limit: int = 200) -> int:
    """The sweep: what is due (retries, and anything whose task was lost). A worker that died
    before the bytes left (`sent_at` empty) sent nothing: its message is queued again. One that
    died after might have sent it: never repeated behind anyone's back, marked failed for an
    agent to resend."""
    now = timezone.now()
    SideMessage.objects.filter(
        delivery_state=DeliveryState.SENDING, sent_at=None, started_at__lt=now - UNSENT_AFTER
    ).update(
        delivery_state=DeliveryState.QUEUED,
        next_attempt_at=now,
        last_error="The worker stopped before sending it; sent again.",
    )
    SideMessage.objects.filter(
        delivery_state=DeliveryState.SENDING,
        sent_at__isnull=False,
        started_at__lt=now - INTERRUPTED_AFTER,
    ).update(
        delivery_state=DeliveryState.FAILED,
        last_error="Interrupted while sending: it may or may not have gone out. Not retried "
        "automatically, to never send twice; resend it if it did not arrive.",
    )
    ids = list(
        SideMessage.objects.filter(delivery_state=DeliveryState.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in ids:
        do_deliver(pk)
    return len(ids)


def do_resend(message: SideMessage) -> None:
    """An agent's explicit resend of a failed message (same bytes, same Message-ID)."""
    SideMessage.objects.filter(pk=message.pk, delivery_state=DeliveryState.FAILED).update(
        delivery_state=DeliveryState.QUEUED, next_attempt_at=timezone.now(), last_error=""
    )
    transaction.on_commit(lambda: _enqueue(message.pk))


# --- inbound: registered with rapport.mail.transport --------------------------------------------


def _token_in(mail) -> str | None:
    for ref in mail.thread_refs():
        found = SIDE_MESSAGE_ID.match(ref)
        if found:
            return found.group(1)
    found = SIDE_TOKEN.search(mail.subject or "")
    return found.group(1) if found else None


def claim(mail, raw: bytes) -> NotForTicket | None:
    """Take a side conversation's mail out of the ticket path (see the module docstring).
    Reads only; what it files is written by `apply`, inside intake's transaction. Mail with no
    token of ours costs nothing (no query)."""
    from rapport.mail.transport import external_id_of

    if SIDE_MESSAGE_ID.match(mail.message_id or ""):
        # Our own side e-mail came back to one of our mailboxes (addressed to it, or a copy).
        return NotForTicket("Rapport's own side-conversation e-mail: not a customer's message.")
    if mail.auto == "bounce":
        tokens = [m.group(1) for m in map(SIDE_MESSAGE_ID.match, mail.bounced_message_ids) if m]
        if not tokens:
            return None
        return NotForTicket(apply=lambda: _record_bounce(mail))
    token = _token_in(mail)
    if token is None or not SideConversation.objects.filter(token=token).exists():
        return None  # an unknown token is an ordinary message: the ticket path takes it
    from .actions import do_file_email_reply

    raw_id = external_id_of(raw)
    return NotForTicket(apply=lambda: do_file_email_reply(token, mail, raw_id))


def _record_bounce(mail) -> str:
    reason = (mail.bounce_reason or "bounced")[:500]
    bounced = (
        SideMessage.objects.filter(external_id__in=mail.bounced_message_ids[:20])
        .select_related("conversation")
        .first()
    )
    if bounced is None:
        return f"Bounce for a side-conversation message Rapport no longer has: {reason}"
    SideMessage.objects.filter(pk=bounced.pk).update(
        delivery_state=DeliveryState.FAILED, last_error=f"Bounced: {reason}"[:5000]
    )
    return f"Bounce of side message {bounced.pk} (side conversation {bounced.conversation_id})"
