"""The one intake path every channel calls (CH1, TR1). See docs/intake.md.

    do_receive(InboundMessage) -> Receipt        a transport that parsed its wire format
    do_receive_raw(channel, raw, ...) -> Receipt  a transport that stores bytes before parsing

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
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from rapport.accounts.models import Team
from rapport.customers.actions import do_resolve_customer
from rapport.customers.models import Customer
from rapport.jobs.enqueue import enqueue_with_commit
from rapport.lib.channels import CHANNEL_IDENTITY_KIND, CONVERSATIONAL, Channel
from rapport.lib.memo import batch_memo
from rapport.lib.text import html_to_text, subject_from_body
from rapport.search.collect import collected
from rapport.search.indexing import warm_inbound_message
from rapport.tickets.actions import do_add_inbound_message, do_create_ticket
from rapport.tickets.coaching import analyse_message_task, analyse_messages_task
from rapport.tickets.models import (
    OPEN_STATUSES,
    Attachment,
    Message,
    Participant,
    Status,
    Ticket,
)

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
    team_id: int | None = None  # the team a new ticket goes to (e.g. the mailbox's team)
    # Other people on the conversation (e-mail Cc): they become participants whose replies
    # join the ticket.
    participants: list[tuple[str, str]] = field(default_factory=list)  # (address, name)
    # "auto-reply" or "list": stored on the ticket, but changes no status.
    auto: str = ""
    quoted_text: str = ""  # the quoted history and signature, kept out of the displayed body
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


def _no_nul(value):
    """NUL characters removed from every string: PostgreSQL refuses them in text and JSON, and
    file storage in names; they carry no meaning in a message (the raw bytes keep them)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, list | tuple):
        return [_no_nul(v) for v in value]
    if isinstance(value, dict):
        return {k: _no_nul(v) for k, v in value.items()}
    return value


def _external_id(inbound: InboundMessage) -> str:
    if inbound.external_id:
        return _no_nul(inbound.external_id)[:255]
    digest = hashlib.sha256()
    for part in (inbound.sender, inbound.subject, inbound.body_text, inbound.body_html):
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    digest.update(inbound.raw)
    return f"sha256:{digest.hexdigest()}"


def _payload(inbound: InboundMessage, raw_id: int) -> dict:
    data = {
        key: _no_nul(value)
        for key, value in asdict(inbound).items()
        if key not in ("raw", "attachments")
    }
    data["received_at"] = (inbound.received_at or timezone.now()).isoformat()
    stored = []
    for n, att in enumerate(inbound.attachments):
        name = _no_nul(att.filename or "").replace("/", "_")[:200] or f"attachment-{n + 1}"
        path = default_storage.save(f"inbound/{raw_id}/{n}-{name}", ContentFile(att.content))
        stored.append(
            {
                "filename": name,
                "content_type": _no_nul(att.content_type)[:100],
                "path": path,
                "size": len(att.content),
            }
        )
    data["attachments"] = stored
    return data


class NotForTicket(Exception):  # noqa: N818 — a decision, not an error
    """Raised by a channel parser for input that is kept but makes no message (a bounce).

    Parsing runs outside the processing transaction, so a parser never writes: what such
    input should change (a bounce marks the delivery that bounced) is `apply`, called inside
    the transaction; it returns the reason recorded on the stored message.
    """

    def __init__(self, reason: str = "", *, apply: Callable[[], str] | None = None) -> None:
        super().__init__(reason)
        self.apply = apply

    def outcome(self) -> str:
        return self.apply() if self.apply is not None else str(self)


# channel → function(raw bytes, hints) -> InboundMessage, registered by channel transports
# whose wire format is parsed after the raw bytes are stored (e-mail).
PARSERS: dict[str, Callable[[bytes, dict], InboundMessage]] = {}


def register_parser(channel: str, parser: Callable[[bytes, dict], InboundMessage]) -> None:
    PARSERS[channel] = parser


def do_receive_raw(
    channel: str,
    raw: bytes,
    *,
    external_id: str,
    hints: dict | None = None,
    sender: str = "",
    preloaded: dict | None = None,
) -> Receipt:
    """Store the bytes durably first, then parse and process them. A parser error quarantines
    the stored message with its reason; `do_retry` parses it again (after a parser fix).

    `hints` are stored with the bytes (JSON); `preloaded` are objects the caller already holds
    (the mailbox), handed to the parser this time only, to spare it a query."""
    try:
        # Insert first (the common case) and let the unique constraint catch a redelivery:
        # under concurrency the loser waits for the winner's commit, then sees the row.
        with transaction.atomic():
            stored = InboundRaw.objects.create(
                channel=channel,
                external_id=external_id[:255],
                raw=bytes(raw),
                sender=sender[:500],
                payload={"hints": hints or {}, "parsed": False},
            )
    except IntegrityError:
        existing = InboundRaw.objects.get(channel=channel, external_id=external_id[:255])
        return Receipt(raw=_finish_interrupted(existing), duplicate=True)
    return Receipt(raw=do_process(stored.pk, stored=stored, preloaded=preloaded), duplicate=False)


def do_receive(inbound: InboundMessage) -> Receipt:
    """Store, then process, one inbound message. Exactly once per (channel, external_id)."""
    external_id = _external_id(inbound)
    channel = inbound.channel if inbound.channel in Channel.values else "api"
    with transaction.atomic():
        raw, created = InboundRaw.objects.get_or_create(
            channel=channel,
            external_id=external_id,
            defaults={
                "sender": _no_nul(inbound.sender or "")[:500],
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
        return Receipt(raw=_finish_interrupted(raw), duplicate=True)
    return Receipt(raw=do_process(raw.pk), duplicate=False)


def _finish_interrupted(raw: InboundRaw) -> InboundRaw:
    """A redelivery of a message that was stored but never processed (the process died in
    between): process it now. The row lock in do_process keeps this exactly-once."""
    if raw.state == RawState.RECEIVED:
        return do_process(raw.pk)
    return raw


def do_process_stalled(older_than: timedelta = timedelta(minutes=5), limit: int = 500) -> int:
    """Process messages stored but left unprocessed by a crash (the workers' sweep)."""
    ids = list(
        InboundRaw.objects.filter(
            state=RawState.RECEIVED, received_at__lt=timezone.now() - older_than
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )
    for raw_id in ids:
        do_process(raw_id)
    return len(ids)


def do_retry(raw_id: int) -> InboundRaw:
    """Process a quarantined message again (after the cause was fixed)."""
    return do_process(raw_id)


# A database error may be the moment's, not the message's: a deadlock or serialization failure
# the database ended by aborting our transaction, a lock wait that timed out, "database is
# locked" (SQLite), a unique key another transaction took a moment before ours (the next try
# finds its row). Such a message is tried again (TR1: a busy database never quarantines a good
# message); only after this many failed tries is it quarantined with the last reason.
TRANSIENT_ATTEMPTS = 5


def _transient(exc: Exception) -> bool:
    return isinstance(exc, OperationalError | IntegrityError)


def do_process(
    raw_id: int, *, stored: InboundRaw | None = None, preloaded: dict | None = None
) -> InboundRaw:
    """Parse (outside any transaction: the database's write lock is not held while bytes are
    decoded) and process one stored message, exactly once. `stored` is the row just inserted,
    when the caller has it. A transient database error is tried again, here when no outer
    transaction holds us, else by the next drain or sweep (the message stays "received")."""
    tries = 0
    while True:
        try:
            raw = stored if stored is not None else InboundRaw.objects.get(pk=raw_id)
            if raw.state in (RawState.PROCESSED, RawState.IGNORED):
                return raw
            not_for_ticket = _prepare(raw, preloaded or {})
            with transaction.atomic():
                # The row lock makes concurrent processing of one raw message wait, then see
                # it done (on SQLite, the IMMEDIATE transaction already serialises writers).
                state = (
                    InboundRaw.objects.select_for_update()
                    .filter(pk=raw_id)
                    .values_list("state", flat=True)
                    .first()
                )
                if state is None:
                    raise ValidationError(f"Inbound message {raw_id} no longer exists.")
                if state in (RawState.PROCESSED, RawState.IGNORED):
                    return InboundRaw.objects.get(pk=raw_id)
                _complete(raw, not_for_ticket)
                _processed_in_transaction(raw, {})
        except Exception as exc:  # noqa: BLE001 — anything else is quarantined, never lost
            tries += 1
            if _transient(exc) and not connection.in_atomic_block and tries < 3:
                log.warning("intake: message %s, %s; trying again", raw_id, exc)
                time.sleep(0.05 * tries)
                stored = None  # re-read: the failed try changed the object in memory
                continue
            _quarantine_or_postpone(raw_id, exc)
            return InboundRaw.objects.get(pk=raw_id)
        _after_processed(raw)
        return raw


def _prepare(raw: InboundRaw, preloaded: dict) -> NotForTicket | None:
    """Raw bytes are parsed here, every attempt: a fixed parser applies on retry (the parsed
    payload is saved only with a successful outcome)."""
    try:
        if raw.payload.get("parsed") is False:
            _parse(raw, preloaded)
    except NotForTicket as exc:
        return exc
    # The search analysis of the text, done here rather than inside the write transaction.
    warm_inbound_message(raw.payload.get("subject") or "", raw.payload.get("body_text") or "")
    return None


def _complete(
    raw: InboundRaw,
    not_for_ticket: NotForTicket | None,
    memo: dict | None = None,
    to_analyse: list[int] | None = None,
) -> None:
    """Inside the processing transaction, with the raw row known to be unprocessed: store the
    message on its ticket (or record why it makes none). A batch collects the new messages'
    ids in `to_analyse` and queues one analysis for all of them."""
    raw.attempts += 1
    raw.processed_at = timezone.now()
    if not_for_ticket is not None:
        # Kept, and whatever the input changes (a bounce on its message) commits.
        raw.state, raw.error = RawState.IGNORED, not_for_ticket.outcome()[:5000]
        raw.save(update_fields=["state", "error", "attempts", "processed_at", "sender"])
        return
    message, raw.opened_ticket = _process(raw, memo if memo is not None else {})
    raw.message = message
    raw.state = RawState.PROCESSED
    raw.error = ""
    raw.payload = _kept_payload(raw.payload)
    raw.save(
        update_fields=[
            "message",
            "state",
            "error",
            "attempts",
            "processed_at",
            "opened_ticket",
            "sender",
            "payload",
        ]
    )
    # The coach reads it (mood, signals, questions) in the background: the task is queued
    # with this commit (database queue) or right after it (Redis).
    if to_analyse is not None:
        to_analyse.append(message.pk)
    else:
        enqueue_with_commit(analyse_message_task, message.pk)


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    log.error("intake: processing failed", exc_info=exc)
    return f"{type(exc).__name__}: {exc}"


def _quarantine(raw_id: int, exc: Exception) -> None:
    InboundRaw.objects.filter(pk=raw_id).update(
        state=RawState.QUARANTINED, error=_reason(exc)[:5000], attempts=F("attempts") + 1
    )


def _quarantine_or_postpone(raw_id: int, exc: Exception, attempts: int | None = None) -> None:
    """Quarantine, unless the error is transient and the message has tries left: it then stays
    "received" (with the reason noted) for the next drain or sweep. `attempts`: the tries
    recorded before this one, when the caller read them."""
    if _transient(exc):
        if attempts is None:
            attempts = (
                InboundRaw.objects.filter(pk=raw_id).values_list("attempts", flat=True).first() or 0
            )
        if attempts + 1 < TRANSIENT_ATTEMPTS:
            log.warning("intake: message %s, %s; left for the next try", raw_id, exc)
            InboundRaw.objects.filter(pk=raw_id, state=RawState.RECEIVED).update(
                error=f"{type(exc).__name__}: {exc}"[:5000], attempts=F("attempts") + 1
            )
            return
    _quarantine(raw_id, exc)


# channel → functions called with a processed raw message once its transaction has committed
# (the e-mail channel's acknowledgement, RS3). They must not raise: the message is safe.
AFTER_PROCESSED: dict[str, list[Callable[[InboundRaw], None]]] = {}


def register_after_processed(channel: str, hook: Callable[[InboundRaw], None]) -> None:
    AFTER_PROCESSED.setdefault(channel, []).append(hook)


# channel → functions called with a processed raw message (and the batch's memo) INSIDE its
# processing transaction, in a savepoint of their own: what they write commits with the
# message, and costs no write transaction of its own (on SQLite one more turn of the single
# write lock per batch, issue #6). A failure is logged and rolls back only the hook's writes.
# For work that belongs with the message (the chat's link to its visitor, a push through
# `realtime.publish`, which waits for the commit); an e-mail sent or a task queued for the
# outside world belongs after the commit (register_after_processed).
PROCESSED_IN_TRANSACTION: dict[str, list[Callable[[InboundRaw, dict], None]]] = {}


def register_processed_in_transaction(
    channel: str, hook: Callable[[InboundRaw, dict], None]
) -> None:
    PROCESSED_IN_TRANSACTION.setdefault(channel, []).append(hook)


def _processed_in_transaction(raw: InboundRaw, memo: dict) -> None:
    if raw.state != RawState.PROCESSED:
        return
    for hook in PROCESSED_IN_TRANSACTION.get(raw.channel, ()):
        try:
            with transaction.atomic():
                hook(raw, memo)
        except Exception:  # noqa: BLE001 — the message commits without the hook's writes
            log.exception("intake: in-transaction hook %r failed for %s", hook, raw.pk)


def _after_processed(raw: InboundRaw) -> None:
    if raw.state != RawState.PROCESSED:
        return
    for hook in AFTER_PROCESSED.get(raw.channel, ()):
        try:
            with transaction.atomic():
                hook(raw)
        except Exception:  # noqa: BLE001 — a courtesy after the fact never costs the message
            log.exception("intake: after-processing hook %r failed for %s", hook, raw.pk)


# --- Deferred processing: accept now, process in batches (docs/intake.md) -------------------


def do_accept_raw(
    channel: str, raw: bytes, *, external_id: str, hints: dict | None = None, sender: str = ""
) -> Receipt:
    """Store the bytes durably and return: the intake worker (`do_drain`) processes them in
    batches. Exactly once per (channel, external_id), as `do_receive_raw`."""
    try:
        with transaction.atomic():
            stored = InboundRaw.objects.create(
                channel=channel,
                external_id=external_id[:255],
                raw=bytes(raw),
                sender=sender[:500],
                payload={"hints": hints or {}, "parsed": False},
            )
    except IntegrityError:
        existing = InboundRaw.objects.get(channel=channel, external_id=external_id[:255])
        return Receipt(raw=existing, duplicate=True)
    return Receipt(raw=stored, duplicate=False)


# How long one batch may hold the write transaction: on SQLite every other writer (an
# endpoint storing a new message, a chat visitor's message) waits that long at worst.
BATCH_SECONDS = 0.1
# ... unless a writer is waiting for the lock (SQLite): the batch then commits once it has run
# this long — 0: right after the message in progress — and the endpoint waits for about one
# message's processing, not a whole batch. (10 ms until issue #6's chat benchmark: a message
# takes 5-15 ms of CPU, so a batch almost always ran two; the chat's writer waited for both.)
YIELD_AFTER_SECONDS = 0.0
# After a batch that yielded, the next one waits (at most this long) until the writers that
# were waiting have had their turn: flock is not fair, and the worker, ready at once with the
# rest of what it read, would otherwise often take the lock again before a waiter polled.
LET_IN_SECONDS = 0.05


def _writers_waiting() -> bool:
    check = getattr(connection, "writers_waiting", None)  # rapport/lib/sqlite only
    return bool(check and check())


def _let_writers_in() -> None:
    deadline = time.monotonic() + LET_IN_SECONDS
    while _writers_waiting() and time.monotonic() < deadline:
        time.sleep(0.0005)  # as rapport/lib/sqlite polls the lock


def do_process_batch(
    raws: list[InboundRaw], *, max_seconds: float = BATCH_SECONDS, parsed: dict | None = None
) -> tuple[int, int]:
    """Process stored messages, in order, in ONE write transaction (one savepoint each: a
    message that fails is quarantined alone) that stops taking more after `max_seconds`.
    Parsing happens before, outside the transaction. Returns how many were processed (or
    ignored) now, and the id of the last message looked at (those after it are left for the
    next batch). `parsed` keeps the parse of those for the next call (do_drain passes it)."""
    # Objects looked up once per batch rather than once per message (a mailbox, a team): a
    # batch lasts a fraction of a second, and an edit applies from the next one.
    memo: dict = {}
    parsed = {} if parsed is None else parsed
    prepared = []
    for raw in raws:
        if raw.pk in parsed:
            prepared.append(parsed.pop(raw.pk))
            continue
        try:
            prepared.append((raw, _prepare(raw, {"memo": memo}), None))
        except Exception as exc:  # noqa: BLE001 — quarantined below, inside the transaction
            prepared.append((raw, None, exc))
    with batch_memo():
        done, examined = _process_prepared(prepared, raws, max_seconds, parsed, memo)
        if any(AFTER_PROCESSED.get(raw.channel) for raw in done):
            # The batch's after-commit hooks share one write transaction (a savepoint each):
            # an acknowledgement queued per new ticket was a commit, and a wait for the lock,
            # apiece.
            with transaction.atomic():
                for raw in done:
                    _after_processed(raw)
    return len(done), examined


def _process_prepared(
    prepared: list, raws: list[InboundRaw], max_seconds: float, parsed: dict, memo: dict
) -> tuple[list[InboundRaw], int]:
    """do_process_batch's write transaction: the messages processed and the last id looked at."""
    done: list[InboundRaw] = []
    to_analyse: list[int] = []
    examined = 0
    with transaction.atomic():
        # PostgreSQL: rows another worker's batch holds are skipped (it is processing them),
        # so several intake workers share the backlog instead of queueing on one batch.
        skip = connection.features.has_select_for_update_skip_locked
        states = {
            pk: (state, attempts)
            for pk, state, attempts in InboundRaw.objects.select_for_update(skip_locked=skip)
            .filter(pk__in=[raw.pk for raw in raws])
            .values_list("pk", "state", "attempts")
        }
        started = time.monotonic()
        for n, (raw, not_for_ticket, failure) in enumerate(prepared):
            elapsed = time.monotonic() - started
            if examined and (
                elapsed > max_seconds or (elapsed > YIELD_AFTER_SECONDS and _writers_waiting())
            ):
                # The rest stay "received" for the next batch (their parse kept): on SQLite
                # the write lock is held for the whole batch, and endpoints storing new
                # messages wait for it.
                parsed.update((item[0].pk, item) for item in prepared[n:])
                break
            examined = raw.pk
            state, attempts = states.get(raw.pk, (None, 0))
            if state != RawState.RECEIVED:
                continue  # processed meanwhile by another path, or no longer there
            mark = len(to_analyse)
            try:
                if failure is not None:
                    raise failure
                # The message's search documents are written together at the end of its
                # savepoint (rapport/search/collect.py): one DELETE and one INSERT, not one
                # update_or_create each for customer, ticket and message.
                with transaction.atomic(), collected():
                    _complete(raw, not_for_ticket, memo, to_analyse)
                    _processed_in_transaction(raw, memo)
                done.append(raw)
            except Exception as exc:  # noqa: BLE001 — quarantined with its reason
                del to_analyse[mark:]  # the message rolled back with its savepoint
                _quarantine_or_postpone(raw.pk, exc, attempts)
        if to_analyse:
            enqueue_with_commit(analyse_messages_task, to_analyse)
    return done, examined


def do_drain(
    *, batch_size: int = 50, limit: int | None = None, max_seconds: float = BATCH_SECONDS
) -> int:
    """Process every message stored but not processed yet, oldest first, `batch_size` per
    transaction. Run by `manage.py intake_worker` (and safe to run anywhere, any number of
    times: the row states make it exactly once)."""
    total = 0
    last_id = 0
    parsed: dict = {}
    raws: list[InboundRaw] = []
    while limit is None or total < limit:
        if not raws:
            raws = list(
                InboundRaw.objects.filter(state=RawState.RECEIVED, pk__gt=last_id).order_by("pk")[
                    :batch_size
                ]
            )
        if not raws:
            break
        done, last_id = do_process_batch(raws, parsed=parsed, max_seconds=max_seconds)
        total += done
        # A batch cut short (it yielded to a waiting writer) leaves the rest of what was read
        # for the next one, parsed: not read again (issue #6: under a busy chat, batches of
        # one or two messages each re-read and re-built 50 rows). Their states are checked
        # again under the next batch's row lock, as always.
        raws = [raw for raw in raws if raw.pk > last_id]
        if raws:  # cut short: by max_seconds, or for a writer waiting (SQLite), who goes first
            _let_writers_in()
    return total


# The parsed texts of a message whose raw bytes are kept live on its Message: the payload of
# a processed raw message keeps the rest (hints, sender, references, attachments' paths).
_ON_THE_MESSAGE = ("body_text", "body_html", "quoted_text")


def _kept_payload(payload: dict) -> dict:
    if payload.get("parsed") is not True:
        return payload  # a transport that parsed before storing: the payload is the record
    return {k: v for k, v in payload.items() if k not in _ON_THE_MESSAGE}


def _parse(raw: InboundRaw, preloaded: dict) -> None:
    """Turn stored bytes into the normalised payload (before the processing transaction; the
    payload is saved with the outcome, see do_process). A parser reads, never writes."""
    parser = PARSERS.get(raw.channel)
    if parser is None:
        raise ValidationError(f"No parser for channel {raw.channel!r}.")
    hints = raw.payload.get("hints") or {}
    inbound = parser(bytes(raw.raw), {**hints, **preloaded})
    raw.sender = (inbound.sender or "")[:500]
    raw.payload = {**_payload(inbound, raw.pk), "hints": hints, "parsed": True}


def _process(raw: InboundRaw, memo: dict) -> tuple[Message, bool]:
    """The message stored on its ticket, and whether it opened that ticket."""
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
    customer, created = do_resolve_customer(
        kind,
        data.get("sender") or "",
        name=data.get("sender_name") or "",
        language=data.get("language") or "",
        preferred_channel=channel,
    )
    if not created:
        customer = lock_customer(customer)
    at = parse_datetime(data.get("received_at") or "") or raw.received_at
    ticket = _thread(raw, data, customer)
    subject = data.get("subject") or ""
    opened = ticket is None
    if ticket is None:
        team = None
        if data.get("team_id"):
            key = ("team", data["team_id"])
            if key not in memo:
                memo[key] = Team.objects.filter(pk=data["team_id"]).first()
            team = memo[key]
        ticket = do_create_ticket(
            customer=customer,
            subject=subject or subject_from_body(body_text or html_to_text(body_html)),
            channel=channel,
            team=team,
            at=at,
        )
    message = do_add_inbound_message(
        ticket,
        customer=customer,
        channel=channel,
        body_text=body_text,
        body_html=body_html,
        body_quoted=data.get("quoted_text") or "",
        subject=subject,
        external_id=raw.external_id,
        auto=data.get("auto") or "",
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
    if data.get("auto") != "list":
        _add_participants(ticket, kind, data.get("participants") or [])
    return message, opened


def _add_participants(ticket: Ticket, kind: str, people: list) -> None:
    """People copied on the conversation join it: their replies land on this ticket."""
    for value, name in people[:50]:
        try:
            person, _created = do_resolve_customer(kind, value, name=name or "")
        except ValidationError:
            continue  # an unusable Cc address is no reason to refuse the message
        if person.pk != ticket.customer_id:
            Participant.objects.get_or_create(ticket=ticket, customer=person)


def _live(ticket: Ticket | None) -> Ticket | None:
    """Follow merges to the ticket that holds the conversation now."""
    seen = 0
    while ticket is not None and ticket.merged_into_id and seen < 20:
        ticket = ticket.merged_into
        seen += 1
    return ticket


def _belongs(ticket: Ticket, customer) -> bool:
    return (
        ticket.customer_id == customer.pk or ticket.participants.filter(customer=customer).exists()
    )


def lock_customer(customer: Customer) -> Customer:
    """One intake at a time per customer: two messages racing in must not both conclude "no
    open conversation" and open a ticket each. (A profile created in the same transaction is
    invisible to the others; SQLite's IMMEDIATE transactions already serialise writers.)

    The lock is PostgreSQL's FOR NO KEY UPDATE, not FOR UPDATE: it still serialises intakes
    (each takes it), but leaves the key share that a foreign-key check takes on the customer
    row. With FOR UPDATE an agent's reply deadlocked with the intake of the same customer's
    chat message (bench/load.py on PostgreSQL): the reply held the ticket's row and at commit
    checked its new rows' foreign key to the customer, while the intake held the customer's
    row and waited to touch the ticket."""
    if not connection.features.has_select_for_update:
        return customer
    return Customer.objects.select_for_update(
        no_key=connection.features.has_select_for_no_key_update
    ).get(pk=customer.pk)


def _thread(raw: InboundRaw, data: dict, customer) -> Ticket | None:
    """The ticket this message continues, or None for a new problem (one ticket per problem).

    A reference (ticket token, or a message this one answers) is only followed when the
    writer is the ticket's customer or one of its participants: many people answering one
    newsletter must not end up in one ticket.
    """
    candidates: list[Ticket | None] = []
    if data.get("ticket_id"):
        candidates.append(Ticket.objects.filter(pk=data["ticket_id"]).first())
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
        if ticket is not None and ticket.status != Status.CLOSED and _belongs(ticket, customer):
            return ticket
    if raw.channel in CONVERSATIONAL:
        return (
            Ticket.objects.filter(
                customer=customer,
                channel=raw.channel,
                status__in=OPEN_STATUSES,
                merged_into=None,
            )
            .order_by("-updated_at")
            .first()
        )
    return None
