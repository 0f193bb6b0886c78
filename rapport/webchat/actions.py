"""What a chat visitor can do (CH1, CH3, TR1, FB1). See docs/webchat.md.

    do_visitor_message(widget, token, client_id, text, ...)  through the ONE intake path
    do_identify(widget, token, name=, email=)                 name / e-mail on the profile
    do_rate(widget, token, score, comment)                    FB1 satisfaction at the end
    welcome(widget, token, language)                          greeting, hours, history
    check_visitor_message(widget, token, client_id, text)     validated, ready to store
    do_accept_visitor_messages([Incoming, ...])               deferred: many stored at once

Every visitor message is `do_receive(InboundMessage(channel="webchat", sender=<visitor id>,
external_id="<visitor id>:<client id>"))`: a resend after a reconnect or a retried HTTP POST is
the same (channel, external_id) and is stored once (intake's unique key), so the
acknowledgement of a duplicate names the message stored the first time.

With RAPPORT_INTAKE_DEFERRED the WebSocket stores the message raw (`do_accept_raw`, CH1/TR1
"store first") and acknowledges it at once; the intake worker parses it (`transport.py`'s
parser) and threads it onto the chat ticket in a batch, and the after-processed hook links the
chat and pushes the message to the visitor's widgets. Many connections' messages are stored in
one write transaction (`store.py`, group commit). Until processed, a message is "pending": its
ack names no message (`"message": null, "pending": true`) and the history shows it from the
raw row, in order, deduplicated by client id.
"""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rapport.agents.assignment import available_members
from rapport.customers.actions import do_add_identity, do_merge_customers, do_resolve_customer
from rapport.customers.models import Identity
from rapport.intake.actions import InboundAttachment, InboundMessage, do_accept_raw, do_receive
from rapport.intake.models import InboundRaw, RawState
from rapport.lib.channels import Channel, IdentityKind
from rapport.lib.identities import normalise_identity
from rapport.lib.text import clean_text, truncate
from rapport.sla import clock
from rapport.sla.actions import build_calendar, calendar_for_team
from rapport.tickets.events import record_event
from rapport.tickets.models import OPEN_STATUSES, Direction, EventKind, Message, Status, Ticket

from . import limits
from .models import ChatRating, ChatTicket, Visitor, Widget, visitor_id

log = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")
CLIENT_ID_RE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
# A solved or closed chat stays on the visitor's screen (with the rating prompt) this long;
# after it, the widget starts afresh.
KEEP_ENDED = timedelta(hours=24)
FILE_SALT = "rapport.webchat.file"


class ChatError(Exception):
    """A visitor request refused with a reason: `code` for the widget, `detail` for people."""

    def __init__(self, code: str, detail: str, status: int = 400) -> None:
        super().__init__(detail)
        self.code, self.detail, self.status = code, detail, status


def new_token() -> str:
    import secrets

    return secrets.token_urlsafe(24)


def check_token(token) -> str:
    if not isinstance(token, str) or not TOKEN_RE.fullmatch(token):
        raise ChatError("bad_token", _("The visitor token is missing or malformed."))
    return token


def check_client_id(client_id) -> str:
    if not isinstance(client_id, str) or not CLIENT_ID_RE.fullmatch(client_id):
        raise ChatError("bad_id", _("Each message needs a client id (letters, digits, - _ . :)."))
    return client_id


def access_widget(key: str) -> Widget | None:
    return Widget.objects.select_related("team").filter(key=key, is_active=True).first()


# --- the visitor's chat -------------------------------------------------------------------------


def _visitor(widget: Widget, token: str, *, language: str = "") -> Visitor:
    vid = visitor_id(token)
    try:
        visitor, _created = Visitor.objects.get_or_create(
            vid=vid, defaults={"widget": widget, "language": language[:10]}
        )
    except IntegrityError:  # two tabs' first messages at once
        visitor = Visitor.objects.get(vid=vid)
    return visitor


def current_chat(
    visitor: Visitor | None, now: datetime | None = None
) -> tuple[Ticket, datetime] | None:
    """The ticket the widget shows: the visitor's latest chat, followed through merges, unless
    it ended more than KEEP_ENDED ago (then the next message starts a new one)."""
    if visitor is None:
        return None
    link = visitor.chats.select_related("ticket").order_by("-since", "-id").first()
    if link is None:
        return None
    ticket = link.ticket
    for _hop in range(20):
        if not ticket.merged_into_id:
            break
        ticket = ticket.merged_into
    now = now or timezone.now()
    if ticket.status not in OPEN_STATUSES:
        ended = ticket.closed_at or ticket.solved_at or ticket.updated_at
        if ended < now - KEEP_ENDED:
            return None
    return ticket, link.since


def file_url(attachment_id: int) -> str:
    return reverse("webchat-file", args=[signing.dumps(attachment_id, salt=FILE_SALT)])


def serialise(message: Message, vid: str = "", *, attachments=None) -> dict:
    """A message as the widget shows it (no internal notes ever reach here: they are Notes).
    `attachments`: an empty list when the caller knows the message has none (no query)."""
    inbound = message.direction == Direction.IN
    client_id = ""
    if inbound and vid and message.external_id.startswith(f"{vid}:"):
        client_id = message.external_id[len(vid) + 1 :]
    author = message.author
    return {
        "id": message.pk,
        "client_id": client_id,
        "from": "visitor" if inbound else "agent",
        "name": "" if inbound or author is None else (author.first_name or author.username),
        "text": message.body_text,
        "at": message.created_at.isoformat(),
        "attachments": [
            {"name": a.filename, "size": a.size, "type": a.content_type, "url": file_url(a.pk)}
            for a in (message.attachments.all() if attachments is None or attachments else ())
        ],
    }


def pending(vid: str) -> list[dict]:
    """The visitor's messages stored but not processed yet (deferred intake), as the widget
    shows them: no message id yet, `pending: true`. Quarantined ones stay here too (they are
    kept, an agent sees them with the reason): the visitor said it."""
    rows = (
        InboundRaw.objects.filter(
            channel=Channel.WEBCHAT,
            sender=vid,
            state__in=(RawState.RECEIVED, RawState.QUARANTINED),
        )
        .order_by("-id")
        .values_list("external_id", "raw", "received_at")[: limits.HISTORY_LIMIT]
    )
    shown = []
    for external_id, raw, received_at in reversed(rows):
        try:
            data = json.loads(bytes(raw))
        except ValueError:
            continue  # not a widget message (stored by another path)
        if not isinstance(data, dict):
            continue
        shown.append(
            {
                "id": None,
                "client_id": external_id[len(vid) + 1 :],
                "from": "visitor",
                "name": "",
                "text": str(data.get("text") or ""),
                "at": received_at.isoformat(),
                "attachments": [],
                "pending": True,
            }
        )
    return shown


def history(visitor: Visitor | None, vid: str = "") -> tuple[Ticket | None, list[dict]]:
    """The current chat's messages, with the visitor's pending ones merged in by time.

    Pending rows are read FIRST: a message processed between the two reads is then in both
    (deduplicated by client id, the processed copy wins), never in neither. The first message
    of a new chat, processed but not linked yet (the after-processed hook links it, then pushes
    it to the visitor's widgets), is pending here or arrives by that push."""
    vid = visitor.vid if visitor is not None else vid
    waiting = pending(vid) if vid and settings.RAPPORT_INTAKE_DEFERRED else []
    chat = current_chat(visitor)
    shown: list[dict] = []
    ticket = None
    if chat is not None:
        ticket, since = chat
        rows = list(
            Message.objects.filter(ticket=ticket, created_at__gte=since, auto="")
            .select_related("author")
            .prefetch_related("attachments")
            .order_by("-created_at", "-id")[: limits.HISTORY_LIMIT]
        )
        shown = [serialise(m, vid) for m in reversed(rows)]
    if waiting:
        known = {m["client_id"] for m in shown if m["client_id"]}
        shown += [m for m in waiting if m["client_id"] not in known]
        shown.sort(key=lambda m: datetime.fromisoformat(m["at"]))  # stable: ties keep order
        shown = shown[-limits.HISTORY_LIMIT :]
    return ticket, shown


def chat_state(ticket: Ticket | None) -> dict:
    if ticket is None:
        return {"ticket": None, "ended": False, "rate": False}
    ended = ticket.status not in OPEN_STATUSES
    return {
        "ticket": ticket.pk,
        "ended": ended,
        "rate": ended and not ChatRating.objects.filter(ticket=ticket).exists(),
    }


def hours(widget: Widget, now: datetime | None = None) -> dict:
    """Open now? When next? Anyone to answer? (what the widget tells a visitor, RS3)."""
    now = now or timezone.now()
    cal = build_calendar(widget.calendar, now) if widget.calendar_id else None
    cal = cal or calendar_for_team(widget.team_id)
    is_open = clock.is_open(now, cal)
    next_opening = None if is_open else clock.next_opening(now, cal)
    agents = bool(widget.team and available_members(widget.team, now))
    if widget.team is None:
        from rapport.tickets.actions import default_team

        team = default_team()
        agents = bool(team and available_members(team, now))
    return {
        "open": is_open,
        "next_opening": next_opening.isoformat() if next_opening else None,
        "agents_online": agents,
        "ask_email": not (is_open and agents),
    }


# hours() per widget, kept a few seconds in this process: a thousand visitors connecting at
# once (a server restart) would otherwise each compute the calendar and who is available.
HOURS_FRESH = 15.0  # seconds
_hours_memo: dict[int, tuple[float, dict]] = {}


def recent_hours(widget: Widget) -> dict:
    now = time.monotonic()
    memo = _hours_memo.get(widget.pk)
    if memo is None or abs(now - memo[0]) > HOURS_FRESH:
        memo = (now, hours(widget))
        _hours_memo[widget.pk] = memo
    return memo[1]


def welcome(widget: Widget, token: str, language: str = "", *, recent: bool = False) -> dict:
    """What the widget shows on (re)connecting. `recent`: the hours may be HOURS_FRESH old
    (the WebSocket, where a restart reconnects every visitor at once)."""
    vid = visitor_id(token)
    visitor = Visitor.objects.filter(vid=vid).first()
    ticket, messages = history(visitor, vid)
    return {
        "type": "welcome",
        "token": token,
        "greeting": widget.greeting(language),
        "upload_mb": widget.max_upload_mb,
        "max_chars": limits.MAX_TEXT_CHARS,
        "visitor": {
            "name": visitor.name if visitor else "",
            "email": visitor.email if visitor else "",
        },
        "chat": chat_state(ticket),
        "history": messages,
        **(recent_hours(widget) if recent else hours(widget)),
    }


@dataclass
class Sent:
    client_id: str
    message: Message
    duplicate: bool
    visitor: Visitor

    def ack(self) -> dict:
        return {
            "type": "ack",
            "id": self.client_id,
            "message": self.message.pk,
            "ticket": self.message.ticket_id,
            "duplicate": self.duplicate,
            "at": self.message.created_at.isoformat(),
        }


def _check_text(text, has_files: bool = False) -> str:
    text = text if isinstance(text, str) else ""
    if len(text) > limits.MAX_TEXT_CHARS:
        raise ChatError(
            "too_long",
            _("A message can be at most %(n)s characters.") % {"n": limits.MAX_TEXT_CHARS},
            413,
        )
    if not text.strip() and not has_files:
        raise ChatError("empty", _("The message is empty."))
    return text


def do_visitor_message(
    widget: Widget,
    token: str,
    client_id: str,
    text: str,
    *,
    language: str = "",
    attachments: list[InboundAttachment] | None = None,
) -> Sent:
    """Store one visitor message through intake, exactly once per client id."""
    token, client_id = check_token(token), check_client_id(client_id)
    text = _check_text(text, bool(attachments))
    visitor = _visitor(widget, token, language=language)
    receipt = do_receive(
        InboundMessage(
            channel=Channel.WEBCHAT,
            sender=visitor.vid,
            external_id=f"{visitor.vid}:{client_id}",
            body_text=text,
            sender_name=visitor.name,
            language=(language or visitor.language)[:10],
            team_id=widget.team_id,
            attachments=attachments or [],
        )
    )
    message = receipt.message
    if message is None:
        # Stored (nothing is lost) but quarantined: an agent sees it with the reason.
        raise ChatError("not_accepted", receipt.raw.error or _("The message was not accepted."))
    try:
        with transaction.atomic():
            ChatTicket.objects.get_or_create(
                visitor=visitor, ticket_id=message.ticket_id, defaults={"since": message.created_at}
            )
    except IntegrityError:
        pass  # another tab linked it first
    if timezone.now() - visitor.last_seen > timedelta(seconds=limits.SEEN_EVERY):
        Visitor.objects.filter(pk=visitor.pk).update(last_seen=timezone.now())
    return Sent(client_id=client_id, message=message, duplicate=receipt.duplicate, visitor=visitor)


# --- deferred intake: store now, the intake worker processes --------------------------------


@dataclass
class Incoming:
    """One visitor message, checked, ready to store (built without touching the database)."""

    widget_id: int
    team_id: int | None
    vid: str
    client_id: str
    text: str
    language: str
    at: datetime
    # The connection counts the visitor as connected from this message on (their first):
    # counted in the same transaction, not in a write of its own.
    count: bool = False
    # The connection already stored a message of this visitor: their row exists (no lookup).
    known: bool = False

    def raw(self) -> bytes:
        """The bytes kept as the raw message (InboundRaw.raw): what the visitor sent."""
        data = {"id": self.client_id, "text": self.text, "lang": self.language}
        return json.dumps(data, ensure_ascii=False).encode()

    def hints(self) -> dict:
        return {
            "widget": self.widget_id,
            "team": self.team_id,
            "visitor": self.vid,
            "at": self.at.isoformat(),
        }


@dataclass
class Accepted:
    """A visitor message durably stored (committed): what its ack says."""

    client_id: str
    raw_id: int
    message_id: int | None  # None until the intake worker has processed it
    ticket_id: int | None
    duplicate: bool
    at: datetime

    def ack(self) -> dict:
        return {
            "type": "ack",
            "id": self.client_id,
            "message": self.message_id,
            "ticket": self.ticket_id,
            "duplicate": self.duplicate,
            "at": self.at.isoformat(),
            "pending": self.message_id is None,
        }


@dataclass
class Seen:
    """A change of a visitor's open connections (+1, -1, or 0: still there), with their last
    sign of life — written by the group commit too (store.py), not in a write of its own."""

    vid: str
    delta: int


def check_visitor_message(
    widget: Widget,
    token,
    client_id,
    text,
    *,
    language: str = "",
    count: bool = False,
    known: bool = False,
) -> Incoming:
    """Validate a visitor message for the deferred path (no database: the event loop calls
    this)."""
    token, client_id = check_token(token), check_client_id(client_id)
    return Incoming(
        widget_id=widget.pk,
        team_id=widget.team_id,
        vid=visitor_id(token),
        client_id=client_id,
        text=_check_text(text),
        language=(language or "")[:10],
        at=timezone.now(),
        count=count,
        known=known,
    )


def do_accept_visitor_messages(
    items: list[Incoming | Seen],
) -> list[Accepted | bool | Exception]:
    """Store many visitors' messages in ONE write transaction, each in a savepoint (group
    commit, see store.py): one commit — on SQLite one turn of the single write lock — for
    everything that arrived while the previous batch was committing. An item that fails
    gets its exception in its place; the others commit. Exactly once per (visitor, client
    id): intake's unique key; a resend of a message not processed yet is a duplicate too.
    `Seen` items (connection counts) ride along in the same transaction.

    The batch is first written with a handful of statements for all of it (`_store_many`: on
    PostgreSQL each statement is a round trip, ~6 per message one by one); if anything in it
    conflicts (another server stored the same client id or visitor at the same moment), that
    transaction rolls back and the batch is stored one by one, each message through intake's
    `do_accept_raw` in a savepoint."""
    if len(items) > 1:
        try:
            with transaction.atomic():
                return _store_many(items)
        except IntegrityError:
            log.info("webchat: a batch of %d met a concurrent writer; one by one", len(items))
    results: list[Accepted | bool | Exception] = []
    with transaction.atomic():
        for item in items:
            try:
                with transaction.atomic():
                    results.append(_seen(item) if isinstance(item, Seen) else _accept(item))
            except Exception as exc:  # noqa: BLE001 — this one fails, the batch commits
                log.exception("webchat: could not store a message of %s", item.vid)
                results.append(exc)
    return results


def _store_many(items: list[Incoming | Seen]) -> list[Accepted | bool]:
    """The whole batch in a few statements (inside the caller's transaction). Same outcome as
    `_seen`/`_accept` one by one; the raw rows are written as intake's `do_accept_raw` writes
    them (channel, external id, bytes, sender, `{"hints", "parsed": false}`) — a batch
    `do_accept_raws` in rapport.intake would be the better home for this part."""
    now = timezone.now()
    messages = [i for i in items if isinstance(i, Incoming)]
    vids = {i.vid for i in items}
    existed = _present(Visitor, "vid", vids)
    # New visitors (their first message), counted as connected by the messages that say so.
    new: dict[str, Visitor] = {}
    for item in messages:
        if item.vid in existed:
            continue
        visitor = new.setdefault(
            item.vid, Visitor(vid=item.vid, widget_id=item.widget_id, language=item.language)
        )
        visitor.connections += 1 if item.count else 0
    if new:
        Visitor.objects.bulk_create(new.values())
    # Existing visitors: connection deltas and last signs of life, one UPDATE per delta.
    deltas: dict[str, int] = {}
    for item in items:
        if item.vid not in existed:
            continue
        if isinstance(item, Seen):
            deltas[item.vid] = deltas.get(item.vid, 0) + item.delta
        elif item.count or not item.known:
            deltas[item.vid] = deltas.get(item.vid, 0) + (1 if item.count else 0)
    by_delta: dict[int, list[str]] = {}
    for vid, delta in deltas.items():
        by_delta.setdefault(delta, []).append(vid)
    for delta, group in by_delta.items():
        changes = {"connections": F("connections") + delta} if delta else {}
        Visitor.objects.filter(vid__in=group).update(last_seen=now, **changes)
    # The raw rows: those already stored are duplicates (a resend); the rest in one INSERT.
    keys = [f"{i.vid}:{i.client_id}" for i in messages]
    resent = _present(InboundRaw, "external_id", keys, channel=Channel.WEBCHAT) if keys else ()
    stored = (
        {
            raw.external_id: raw
            for raw in InboundRaw.objects.filter(channel=Channel.WEBCHAT, external_id__in=resent)
            .select_related("message")
            .only("pk", "external_id", "received_at", "message")
            .order_by()
        }
        if resent
        else {}
    )
    rows: dict[str, dict] = {}
    for item, key in zip(messages, keys, strict=True):
        if key not in stored and key not in rows:
            rows[key] = {
                "channel": Channel.WEBCHAT,
                "external_id": key[:255],
                "raw": item.raw(),
                "sender": item.vid,
                "payload": {"hints": item.hints(), "parsed": False},
                "received_at": now,
            }
    ids = dict(zip(rows, _insert(InboundRaw, list(rows.values())), strict=True)) if rows else {}
    results: list[Accepted | bool] = []
    first = set()
    for item in items:
        if isinstance(item, Seen):
            results.append(item.vid in existed and item.delta > 0)
            continue
        key = f"{item.vid}:{item.client_id}"
        duplicate = key in stored or key in first
        first.add(key)
        raw = stored.get(key)
        message = raw.message if raw is not None else None
        results.append(
            Accepted(
                client_id=item.client_id,
                raw_id=raw.pk if raw is not None else ids[key],
                message_id=message.pk if message else None,
                ticket_id=message.ticket_id if message else None,
                duplicate=duplicate,
                at=message.created_at if message else raw.received_at if raw else now,
            )
        )
    return results


def _present(model, column: str, values, **equal) -> set[str]:
    """Which of `values` (strings) are in `model`'s `column` (where each of `equal` holds):
    one plain SELECT. The ORM spent more CPU building these two queries of every batch than
    SQLite spent running them (issue #6's benchmark: ~1 ms each under load)."""
    values = list(values)
    if not values:
        return set()
    quote = connection.ops.quote_name
    where = " AND ".join(f"{quote(name)} = %s" for name in equal)
    marks = ", ".join(["%s"] * len(values))
    # Names from the model's metadata, quoted; every value a parameter.
    sql = (
        f"SELECT {quote(column)} FROM {quote(model._meta.db_table)} WHERE "  # noqa: S608
        f"{where + ' AND ' if where else ''}{quote(column)} IN ({marks})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*equal.values(), *values])
        return {row[0] for row in cursor.fetchall()}


def _insert(model, rows: list[dict]) -> list[int]:
    """`bulk_create` of `rows` (field name → value; the fields' defaults for the others) in
    one INSERT … RETURNING, each value prepared by its field as the ORM would
    (`get_db_prep_save`), without the ORM's query compiler (issue #6: with the two look-ups,
    281 → ~150 µs of CPU a message at 20 a batch). Returns the new rows' ids, in order."""
    meta = model._meta
    fields = [f for f in meta.concrete_fields if not f.primary_key]
    params = []
    for row in rows:
        for field in fields:
            value = row[field.name] if field.name in row else field.get_default()
            params.append(field.get_db_prep_save(value, connection))
    quote = connection.ops.quote_name
    one = f"({', '.join(['%s'] * len(fields))})"
    # Names from the model's metadata, quoted; every value a parameter.
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join([one] * len(rows))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {values} RETURNING {quote(meta.pk.column)}"  # noqa: E501, S608
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _seen(item: Seen) -> bool:
    """True when a connection was counted (the visitor exists: a new one is counted with
    their first message)."""
    updated = Visitor.objects.filter(vid=item.vid).update(
        connections=F("connections") + item.delta, last_seen=timezone.now()
    )
    return bool(updated) and item.delta > 0


def _visitor_for(item: Incoming) -> None:
    """The visitor's row (made with their first message), counted as connected when the
    connection says so, and their last sign of life kept roughly current."""
    now = timezone.now()
    counted = {"connections": F("connections") + 1} if item.count else {}
    visitor, created = Visitor.objects.get_or_create(
        vid=item.vid,
        defaults={
            "widget_id": item.widget_id,
            "language": item.language,
            "connections": 1 if item.count else 0,
        },
    )
    if not created and (counted or now - visitor.last_seen > timedelta(seconds=limits.SEEN_EVERY)):
        Visitor.objects.filter(pk=visitor.pk).update(last_seen=now, **counted)


def _accept(item: Incoming) -> Accepted:
    if not item.known or item.count:
        _visitor_for(item)
    receipt = do_accept_raw(
        Channel.WEBCHAT,
        item.raw(),
        external_id=f"{item.vid}:{item.client_id}",
        hints=item.hints(),
        sender=item.vid,
    )
    raw = receipt.raw
    message = raw.message if raw.message_id else None
    return Accepted(
        client_id=item.client_id,
        raw_id=raw.pk,
        message_id=message.pk if message else None,
        ticket_id=message.ticket_id if message else None,
        duplicate=receipt.duplicate,
        at=message.created_at if message else raw.received_at,
    )


def _chat_only(customer) -> bool:
    return (
        not Identity.objects.filter(customer=customer).exclude(kind=IdentityKind.WEBCHAT).exists()
    )


@transaction.atomic
def do_identify(widget: Widget, token: str, *, name: str = "", email: str = "") -> Visitor:
    """The visitor left a name and/or an e-mail. The e-mail joins their profile; when it
    already belongs to another customer and this profile is only a chat visitor's, the chat
    profile is merged into that customer (same person, as the issue asks). History stays the
    visitor's own (ChatTicket.since)."""
    token = check_token(token)
    name = truncate(
        clean_text(name if isinstance(name, str) else "").strip(), limits.MAX_NAME_CHARS
    )
    email = (email if isinstance(email, str) else "").strip()
    if email:
        try:
            email = normalise_identity(IdentityKind.EMAIL, email)
        except ValidationError as exc:
            raise ChatError("bad_email", _("That e-mail address does not look right.")) from exc
    visitor = _visitor(widget, token)
    customer, _created = do_resolve_customer(
        IdentityKind.WEBCHAT, visitor.vid, name=name, preferred_channel=Channel.WEBCHAT
    )
    if email:
        owner = (
            Identity.objects.filter(kind=IdentityKind.EMAIL, value=email)
            .select_related("customer")
            .first()
        )
        if owner is None:
            do_add_identity(customer, IdentityKind.EMAIL, email)
        elif owner.customer_id != customer.pk and _chat_only(customer):
            customer = do_merge_customers(customer, owner.customer, actor=None)
        visitor.email = email
    if name:
        visitor.name = name
        if not customer.name:
            customer.name = name
            customer.save(update_fields=["name", "updated_at"])
    visitor.save(update_fields=["name", "email"])
    return visitor


def do_rate(widget: Widget, token: str, score, comment: str = "") -> ChatRating:
    """FB1: the visitor's satisfaction with the chat that just ended (once per ticket)."""
    token = check_token(token)
    if not isinstance(score, int) or isinstance(score, bool) or not 1 <= score <= 5:
        raise ChatError("bad_score", _("Choose one of the five levels."))
    visitor = Visitor.objects.filter(vid=visitor_id(token)).first()
    chat = current_chat(visitor)
    if chat is None or chat[0].status in OPEN_STATUSES:
        raise ChatError("no_chat", _("There is no ended chat to rate."), 409)
    ticket = chat[0]
    comment = truncate(clean_text(comment if isinstance(comment, str) else "").strip(), 2000)
    with transaction.atomic():
        rating, created = ChatRating.objects.get_or_create(
            ticket=ticket, defaults={"visitor": visitor, "score": score, "comment": comment}
        )
        if created:
            record_event(
                EventKind.CUSTOMER_UPDATED,
                customer=ticket.customer,
                ticket=ticket,
                after={"chat_rating": score},
            )
    return rating


def ended_statuses() -> tuple[str, ...]:
    return (Status.SOLVED, Status.CLOSED)
