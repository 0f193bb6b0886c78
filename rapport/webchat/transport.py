"""Agent replies to chat visitors, through the one outbox (CH1, CH3). See docs/webchat.md.

The "webchat" channel's sender pushes the reply to the visitor's widget (chat_group of the
ticket). When no visitor of the chat is connected and one left an e-mail, the reply goes on by
e-mail too: composed once by rapport.mail.outbound (ticket token in the subject, so the
customer's answer threads back onto this ticket), kept on the delivery, so a retry sends the
same bytes.

Deferred intake (RAPPORT_INTAKE_DEFERRED): the WebSocket stores a visitor's message raw (the
JSON `{"id", "text", "lang"}`, hints: widget, team, visitor id, time) and the intake worker
parses it with `inbound_from_chat`; `_chat_processed` (in the same transaction) then links the
chat to the visitor and pushes the message to their widgets (`visitor_group`), which from then
on follow the chat's ticket.

Hooks for other apps (called explicitly, no signals):
    on_status_changed(ticket, before, after)   the agent solved/closed the chat → rating prompt
    agent_typing(ticket_id, name, typing)      an agent types on a chat ticket → the widget
"""

from __future__ import annotations

import json
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from rapport.intake.actions import (
    InboundMessage,
    register_parser,
    register_processed_in_transaction,
)
from rapport.intake.models import InboundRaw
from rapport.lib.channels import Channel
from rapport.outbox.actions import Composed, TemporaryFailure, register_channel
from rapport.outbox.models import Delivery
from rapport.realtime.publish import chat_group, publish, send_now, visitor_group
from rapport.tickets.models import OPEN_STATUSES

from .limits import ONLINE_HORIZON
from .models import ChatRating, ChatTicket, Visitor

log = logging.getLogger(__name__)


def compose(message, **options) -> Composed:
    return Composed(payload={"ticket": message.ticket_id}, raw=b"")


def _visitors(ticket) -> list[Visitor]:
    return list(Visitor.objects.filter(chats__ticket=ticket))


def send(delivery: Delivery) -> str | None:
    from .actions import serialise

    message = delivery.message
    ticket = message.ticket
    ended = ticket.status not in OPEN_STATUSES
    data = serialise(message)
    send_now(
        chat_group(ticket.pk),
        "chat.message",
        message=data,
        ended=ended,
        rate=ended and not ChatRating.objects.filter(ticket=ticket).exists(),
    )
    visitors = _visitors(ticket)
    now = timezone.now()
    if any(v.connections > 0 and now - v.last_seen < ONLINE_HORIZON for v in visitors):
        return None
    if not any(v.email for v in visitors):
        return "The visitor was not connected; the widget shows the reply on their next visit."
    return _by_email(delivery)


def _by_email(delivery: Delivery) -> str:
    """The chat continues by e-mail (built once, kept on the delivery for retries)."""
    from rapport.mail import outbound

    payload = dict(delivery.payload or {})
    if "email" not in payload:
        composed = outbound.compose(delivery.message)
        payload["email"] = composed.payload
        Delivery.objects.filter(pk=delivery.pk).update(payload=payload, raw=composed.raw)
        delivery.payload, delivery.raw = payload, composed.raw
    email = payload["email"]
    if email.get("error"):
        return f"The visitor was not connected; no e-mail either: {email['error']}"
    stand_in = Delivery(message=delivery.message, channel=Channel.EMAIL, payload=email)
    stand_in.raw = bytes(delivery.raw)
    try:
        note = outbound.send(stand_in)
    except TemporaryFailure:
        raise
    except Exception as exc:  # a permanent e-mail failure: the chat reply itself is kept
        return f"The visitor was not connected; the e-mail failed: {exc}"
    sent_to = ", ".join(email.get("to") or [])
    return f"The visitor was not connected: sent by e-mail to {sent_to}. {note or ''}".strip()


register_channel(Channel.WEBCHAT, compose=compose, send=send)


def on_status_changed(ticket, before: str, after: str) -> None:
    """The chat ended (solved/closed): the widget asks for a rating (FB1), after commit."""
    if ticket.channel != Channel.WEBCHAT or after in OPEN_STATUSES or before not in OPEN_STATUSES:
        return
    publish(
        chat_group(ticket.pk),
        "chat.ended",
        rate=not ChatRating.objects.filter(ticket_id=ticket.pk).exists(),
    )


def agent_typing(ticket_id: int, name: str, typing: bool) -> None:
    """An agent is typing a reply on a chat ticket: the visitor's widget shows it."""
    send_now(chat_group(ticket_id), "chat.agent_typing", name=name, typing=typing)


async def agent_typing_async(ticket_id: int, name: str, typing: bool) -> None:
    """The same, from async code (the agent consumer): one line there,
    `await agent_typing_async(ticket_id, user.first_name, True)`."""
    from channels.layers import get_channel_layer

    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(
            chat_group(ticket_id), {"type": "chat.agent_typing", "name": name, "typing": typing}
        )


# --- inbound, deferred (docs/webchat.md "Deferred intake") -------------------------------------


def inbound_from_chat(raw: bytes, hints: dict) -> InboundMessage:
    """The intake parser of a stored widget message (reads only, as parsers must)."""
    data = json.loads(raw)
    vid = hints["visitor"]
    memo = hints.get("memo")
    key = ("webchat.visitor", vid)
    if memo is not None and key in memo:
        visitor = memo[key]
    else:
        visitor = Visitor.objects.filter(vid=vid).only("vid", "name", "language").first()
        if memo is not None:
            memo[key] = visitor
    return InboundMessage(
        channel=Channel.WEBCHAT,
        sender=vid,
        external_id=f"{vid}:{data['id']}",
        body_text=str(data.get("text") or ""),
        sender_name=visitor.name if visitor else "",
        language=str(data.get("lang") or (visitor.language if visitor else ""))[:10],
        team_id=hints.get("team"),
        # The message's time is when the visitor sent it, not when the worker got to it.
        received_at=parse_datetime(hints.get("at") or ""),
    )


def _chat_processed(raw: InboundRaw, memo: dict) -> None:
    """Inside the transaction that processes a deferred chat message (intake's in-transaction
    hook: it commits with the message, and costs no write transaction of its own — on SQLite
    one turn of the write lock less per batch, for which the chat's own writer waited; issue
    #6): the chat is linked to the visitor (their widget's history), and the message is
    published to the visitor's widgets, which follow its ticket from then on (agents' replies):
    `publish` sends once the transaction has committed (or writes the relay row in it). The
    immediate path does both itself (actions.do_visitor_message), so only parsed (deferred)
    messages are handled here."""
    if raw.payload.get("parsed") is not True or raw.message is None:
        return
    from .actions import serialise

    message = raw.message
    vid = raw.sender
    linked = ("webchat.linked", vid, message.ticket_id)
    # Linked already (almost every message after a chat's first): one look-up, none more in
    # the same batch. A ticket this message opened has no link yet: none.
    if linked not in memo and (
        raw.opened_ticket
        or not ChatTicket.objects.filter(visitor__vid=vid, ticket_id=message.ticket_id).exists()
    ):
        key = ("webchat.visitor", vid)
        visitor = memo.get(key)  # the parser's look-up, when in the same batch
        if visitor is None:
            visitor = Visitor.objects.filter(vid=vid).only("pk", "vid").first()
            if visitor is None:
                return
        try:
            with transaction.atomic():
                ChatTicket.objects.create(
                    visitor=visitor, ticket_id=message.ticket_id, since=message.created_at
                )
        except IntegrityError:
            pass  # linked meanwhile (a tab's immediate path)
    memo[linked] = True
    publish(
        visitor_group(vid),
        "chat.message",
        # A chat message processed here has no attachments (files come by the immediate path).
        message=serialise(message, vid, attachments=raw.payload.get("attachments")),
        follow=message.ticket_id,
    )


register_parser(Channel.WEBCHAT, inbound_from_chat)
register_processed_in_transaction(Channel.WEBCHAT, _chat_processed)
