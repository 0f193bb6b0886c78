"""The Telegram channel's transport (CH1, CH6, TR1): updates in through the one intake path,
agent replies out through the one outbox. See docs/telegram.md.

Inbound: the webhook hands the update's bytes to `receive_update`, which stores them first
(`do_receive_raw`, or `do_accept_raw` when intake is deferred; external id `<bot id>:<update_id>`,
so Telegram's redelivery of an update is stored once) and then parses them with
`inbound_from_update`. Outbound: `compose` finds the chat
to answer in, `send` calls sendMessage / sendPhoto / sendDocument and remembers each step done,
so a retry never sends a part twice.
"""

from __future__ import annotations

import json
import logging
import mimetypes
from datetime import UTC, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

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
from rapport.intake.models import InboundRaw, RawState
from rapport.lib.channels import Channel
from rapport.outbox.actions import Composed, PermanentFailure, TemporaryFailure, register_channel
from rapport.outbox.models import Delivery
from rapport.tickets.models import Attachment, Direction, Message

from . import api
from .models import Bot, Contact

log = logging.getLogger(__name__)

TEXT_LIMIT = 4096  # sendMessage: 1-4096 characters (UTF-16 code units)
PHOTO_LIMIT = 10 * 1024 * 1024  # sendPhoto: at most 10 MB
DOCUMENT_LIMIT = 50 * 1024 * 1024  # sendDocument: at most 50 MB
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp"}
# A download that failed for a reason that may pass (network, 5xx, 429): the update is
# quarantined with this reason and retried by `retry_downloads_task`.
DOWNLOAD_RETRY = "Telegram file download failed, retried automatically: "
FRESH = timedelta(seconds=2)
# The update kinds the webhook asks for (setWebhook's allowed_updates).
ALLOWED_UPDATES = ["message", "edited_message", "my_chat_member"]
# Message fields that carry a file, in the order they are looked at.
FILE_FIELDS = ("document", "video", "audio", "voice", "animation", "video_note")
# Message contents shown as a short note instead of a file or text.
OTHER_CONTENT = ("poll", "dice", "game", "venue", "story", "invoice", "giveaway")


class RetryAfter(TemporaryFailure):
    """Telegram's flood control (429): try again no sooner than `retry_after` seconds."""

    def __init__(self, message: str, retry_after: int | None) -> None:
        super().__init__(message)
        self.retry_after = retry_after or 0


# --- inbound ---------------------------------------------------------------------------------


def receive_update(bot: Bot, body: bytes, update: dict, *, defer: bool = False) -> Receipt:
    """Store, then parse and process, one webhook update (exactly once per update_id).
    `update` is `body` decoded (the webhook has checked it is an Update). With `defer`
    (RAPPORT_INTAKE_DEFERRED) only store it: the intake worker parses it — and downloads its
    files — in a batch, so the webhook answers at once."""
    external_id = f"{bot.pk}:{update['update_id']}"
    hints = {"bot": bot.pk, "arrived": timezone.now().isoformat()}
    sender = _sender_of(update)
    if defer:
        receipt = do_accept_raw(
            Channel.TELEGRAM, body, external_id=external_id, hints=hints, sender=sender
        )
    else:
        receipt = do_receive_raw(
            Channel.TELEGRAM,
            body,
            external_id=external_id,
            hints=hints,
            sender=sender,
            preloaded={"bot_obj": bot},
        )
    if not receipt.duplicate and receipt.raw.state != RawState.PROCESSED:
        # Known before any ticket (a /start, a message still to process): the processed
        # message links the contact to its customer (`_link_contact`).
        _remember_quietly(bot, update, None)
    return receipt


def _remember_quietly(bot: Bot, update: dict, customer) -> None:
    try:
        remember_contact(bot, update, customer)
    except Exception:  # noqa: BLE001 — the update is stored; the contact is a convenience
        log.exception("telegram: could not record the contact of bot %s", bot.pk)


def _link_contact(raw: InboundRaw) -> None:
    """After-processed hook (both intake paths, retries included): the contact of the person
    who wrote, linked to the customer their message went to."""
    bot = Bot.objects.filter(pk=(raw.payload.get("hints") or {}).get("bot")).first()
    if bot is None or raw.message is None:
        return
    _remember_quietly(bot, json.loads(bytes(raw.raw)), raw.message.customer)


def _message_of(update: dict) -> tuple[str, dict | None]:
    for kind in ("message", "edited_message"):
        if isinstance(update.get(kind), dict):
            return kind, update[kind]
    return _kind_of(update), None


def _kind_of(update: dict) -> str:
    return next((k for k in update if k != "update_id"), "empty")


def _sender_of(update: dict) -> str:
    _kind, message = _message_of(update)
    user = (message or {}).get("from") or {}
    return str(user.get("id", ""))[:500] if isinstance(user, dict) else ""


def is_start(update: dict) -> bool:
    """A private `/start` (or `/start <payload>` from a deep link): greeted, no ticket."""
    kind, message = _message_of(update)
    if kind != "message" or not message:
        return False
    chat = message.get("chat")
    text = message.get("text")
    if not isinstance(chat, dict) or chat.get("type") != "private" or not isinstance(text, str):
        return False
    command = text.strip().split(maxsplit=1)[0] if text.strip() else ""
    return command.split("@", 1)[0] == "/start"


def remember_contact(bot: Bot, update: dict, customer=None) -> Contact | None:
    """Upsert who wrote (username, names, language, chat) after intake stored the update;
    `customer`: the profile intake put their message on, when it made one."""
    _kind, message = _message_of(update)
    if not message:
        return None
    user, chat = message.get("from"), message.get("chat")
    if not isinstance(user, dict) or not isinstance(chat, dict) or chat.get("type") != "private":
        return None
    if not isinstance(user.get("id"), int) or not isinstance(chat.get("id"), int):
        return None
    if user.get("is_bot"):
        return None
    fields = {
        "chat_id": chat["id"],
        "username": str(user.get("username") or "")[:64],
        "first_name": str(user.get("first_name") or "")[:255],
        "last_name": str(user.get("last_name") or "")[:255],
        "language_code": str(user.get("language_code") or "")[:35],
        "last_seen_at": timezone.now(),
        "blocked_at": None,  # they wrote: they have not blocked the bot (any more)
    }
    if customer is not None:
        fields["customer"] = customer
    try:
        with transaction.atomic():
            contact, _created = Contact.objects.update_or_create(
                bot=bot, user_id=user["id"], defaults=fields
            )
    except IntegrityError:  # two updates from a new contact at once: the other one created it
        Contact.objects.filter(bot=bot, user_id=user["id"]).update(**fields)
        contact = Contact.objects.get(bot=bot, user_id=user["id"])
    return contact


def _bot_for(hints: dict) -> Bot:
    bot = hints.get("bot_obj")
    if bot is None or bot.pk != hints.get("bot"):
        memo = hints.get("memo")  # a batch of the intake worker looks each bot up once
        key = ("telegram-bot", hints.get("bot"))
        if memo is not None and key in memo:
            bot = memo[key]
        else:
            bot = Bot.objects.filter(pk=hints.get("bot")).first()
            if memo is not None:
                memo[key] = bot
    if bot is None:
        raise ValidationError("The bot this update was sent to no longer exists.")
    return bot


def _when(value, arrived: datetime | None) -> datetime | None:
    """When the message was written: its arrival at the webhook, unless Telegram's own date
    (Unix seconds) is clearly earlier — a redelivery, a backlog. (The arrival time is precise,
    Telegram's whole seconds could sort an answer before the reply it answers.)"""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        at = datetime.fromtimestamp(value, tz=UTC)
        if arrived is None or arrived - at > FRESH:
            return at
    return arrived


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB"


def _fetch(bot: Bot, file_id: str, declared: int | None, name: str) -> tuple[bytes | None, str]:
    """(content, "") or (None, a note saying why the file is not here). A failure that may
    pass raises ValidationError(DOWNLOAD_RETRY…): the update is quarantined and retried."""
    limit = bot.max_file_bytes
    if declared and declared > limit:
        return None, f"[{name} ({_size(declared)}) not downloaded: larger than {_size(limit)}]"
    try:
        info = api.call(bot.api_base_url, bot.token, "getFile", {"file_id": file_id})
        path = (info or {}).get("file_path") if isinstance(info, dict) else None
        if not path:
            return None, f"[{name} not downloaded: Telegram gave no file path]"
        return api.download(bot.api_base_url, bot.token, path, limit), ""
    except api.TooLarge as exc:
        size = exc.args[0] if exc.args else limit + 1
        return None, f"[{name} ({_size(size)}) not downloaded: larger than {_size(limit)}]"
    except api.ApiError as exc:
        if exc.temporary:
            raise ValidationError(f"{DOWNLOAD_RETRY}{name}: {exc}") from None
        return None, f"[{name} not downloaded: {exc}]"


def _largest(photos: list) -> dict | None:
    """The biggest PhotoSize (Telegram sends several sizes of one photo)."""
    sizes = [p for p in photos if isinstance(p, dict) and isinstance(p.get("file_id"), str)]
    if not sizes:
        return None
    return max(
        sizes,
        key=lambda p: ((p.get("width") or 0) * (p.get("height") or 0), p.get("file_size") or 0),
    )


def _files(bot: Bot, message: dict) -> tuple[list[InboundAttachment], list[str]]:
    attachments, notes = [], []
    mid = message.get("message_id", "")
    photo = _largest(message.get("photo") or []) if isinstance(message.get("photo"), list) else None
    if photo is not None:
        name = f"photo-{mid}.jpg"
        content, note = _fetch(bot, photo["file_id"], photo.get("file_size"), name)
        if content is not None:
            attachments.append(InboundAttachment(name, content, "image/jpeg"))
        if note:
            notes.append(note)
    for field in FILE_FIELDS:
        item = message.get(field)
        if not isinstance(item, dict) or not isinstance(item.get("file_id"), str):
            continue
        ctype = str(item.get("mime_type") or "") or {
            "voice": "audio/ogg",
            "video_note": "video/mp4",
        }.get(field, "application/octet-stream")
        name = str(item.get("file_name") or "") or (
            f"{field}-{mid}{mimetypes.guess_extension(ctype) or ''}"
        )
        name = name.replace("/", "_").replace("\\", "_")[:200]
        content, note = _fetch(bot, item["file_id"], item.get("file_size"), name)
        if content is not None:
            attachments.append(InboundAttachment(name, content, ctype[:100]))
        if note:
            notes.append(note)
    return attachments, notes


def _other_content(message: dict) -> list[str]:
    """Contents with no text and no file: a line each, so the agent sees what came."""
    notes = []
    sticker = message.get("sticker")
    if isinstance(sticker, dict):
        notes.append(f"[Sticker {sticker.get('emoji') or ''}]".replace(" ]", "]"))
    location = message.get("location")
    if isinstance(location, dict) and "venue" not in message:
        notes.append(f"[Location: {location.get('latitude')}, {location.get('longitude')}]")
    contact = message.get("contact")
    if isinstance(contact, dict):
        who = " ".join(str(contact.get(k) or "") for k in ("first_name", "last_name")).strip()
        notes.append(f"[Contact: {who} {contact.get('phone_number') or ''}]".replace("  ", " "))
    for field in OTHER_CONTENT:
        if field in message:
            notes.append(f"[Telegram {field}: not shown here]")
    return notes


def inbound_from_update(raw: bytes, hints: dict) -> InboundMessage:
    """The parser registered with intake: one Update → one InboundMessage, or NotForTicket."""
    try:
        update = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ValidationError(f"The update is not JSON: {exc}") from None
    if not isinstance(update, dict):
        raise ValidationError("The update is not a JSON object.")
    bot = _bot_for(hints)
    kind, message = _message_of(update)
    if message is None:
        if kind == "my_chat_member":
            return _member_change(bot, update["my_chat_member"])
        raise NotForTicket(f"Telegram update of type {kind!r}: kept, no ticket for it.")
    chat = message.get("chat")
    if not isinstance(chat, dict) or not isinstance(chat.get("id"), int):
        raise ValidationError("The message has no chat (chat.id).")
    if chat.get("type") != "private":
        raise NotForTicket(
            f"A message in a {chat.get('type')!r} chat: only private chats with the bot "
            "make tickets."
        )
    user = message.get("from")
    if not isinstance(user, dict) or not isinstance(user.get("id"), int):
        raise ValidationError("The message has no sender (from.id).")
    if user.get("is_bot"):
        raise NotForTicket("Sent by a bot: not a customer.")
    if is_start(update):
        payload = (message.get("text") or "").strip().partition(" ")[2]
        raise NotForTicket(
            "/start: the customer was greeted; no ticket."
            + (f" Start parameter: {payload[:64]!r}." if payload else "")
        )
    text = message.get("text") if isinstance(message.get("text"), str) else ""
    text = text or (message.get("caption") if isinstance(message.get("caption"), str) else "")
    attachments, notes = _files(bot, message)
    notes += _other_content(message)
    body = "\n\n".join(part for part in [text, *notes] if part)
    arrived = parse_datetime(str(hints.get("arrived") or ""))
    at = _when(message.get("date"), arrived)
    if kind == "edited_message":
        # An edit arrives as a new message on the ticket, marked as such: the original stays
        # where it was (what the customer wrote first is part of the record, TR1).
        at = _when(message.get("edit_date"), arrived) or timezone.now()
        body = f"[edited] {body}" if body else "[edited]"
    name = " ".join(
        str(user.get(k) or "").strip() for k in ("first_name", "last_name") if user.get(k)
    )
    return InboundMessage(
        channel=Channel.TELEGRAM,
        sender=str(user["id"]),
        sender_name=name or (f"@{user['username']}" if user.get("username") else ""),
        body_text=body,
        language=str(user.get("language_code") or "")[:10],
        team_id=bot.team_id,
        attachments=attachments,
        received_at=at,
    )


def _member_change(bot: Bot, change) -> InboundMessage:
    """The user blocked (status "kicked") or unblocked the bot: recorded on their contact."""
    if not isinstance(change, dict):
        raise ValidationError("my_chat_member is not an object.")
    status = ((change.get("new_chat_member") or {}).get("status")) or ""
    user = change.get("from") or {}
    user_id = user.get("id") if isinstance(user, dict) else None

    def apply() -> str:
        if not isinstance(user_id, int):
            return f"Chat member update ({status}) without a user."
        blocked = timezone.now() if status == "kicked" else None
        changed = Contact.objects.filter(bot=bot, user_id=user_id).update(blocked_at=blocked)
        what = "blocked" if status == "kicked" else f"changed the bot's status to {status!r}"
        return f"Telegram user {user_id} {what}" + ("." if changed else " (no contact yet).")

    raise NotForTicket(apply=apply)


register_parser(Channel.TELEGRAM, inbound_from_update)
register_after_processed(Channel.TELEGRAM, _link_contact)


# --- outbound --------------------------------------------------------------------------------


def _utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Parts of at most `limit` UTF-16 units (Telegram's measure), cut at a paragraph, line
    or space when one is in the second half of the part."""
    parts = []
    text = text.strip()
    while _utf16(text) > limit:
        units, cut = 0, 0
        for i, ch in enumerate(text):
            units += 2 if ord(ch) > 0xFFFF else 1
            if units > limit:
                cut = i
                break
        head = text[:cut]
        for sep in ("\n\n", "\n", " "):
            at = head.rfind(sep)
            if at > cut // 2:
                head = head[:at]
                break
        parts.append(head.rstrip())
        text = text[len(head) :].lstrip()
    if text:
        parts.append(text)
    return parts


def _chat_for(message: Message) -> tuple[int | None, int | None]:
    """(bot id, chat id): where the customer last wrote on this ticket, else their contact."""
    ticket = message.ticket
    last = (
        Message.objects.filter(
            ticket=ticket,
            channel=Channel.TELEGRAM,
            direction=Direction.IN,
            customer_id=ticket.customer_id,
            inbound_raw__isnull=False,
        )
        .order_by("-created_at", "-id")
        .values_list("inbound_raw__payload__hints__bot", "inbound_raw__sender")
        .first()
    )
    if last and last[0] and str(last[1]).lstrip("-").isdigit():
        return int(last[0]), int(last[1])
    contact = (
        Contact.objects.filter(customer_id=ticket.customer_id, bot__is_active=True)
        .order_by("-last_seen_at")
        .values_list("bot_id", "chat_id")
        .first()
    )
    return contact if contact else (None, None)


def compose(message: Message, **_options) -> Composed:
    bot_id, chat_id = _chat_for(message)
    if bot_id is None:
        return Composed(
            payload={"error": "Cannot send: the customer has no Telegram chat."}, raw=b""
        )
    files = [
        {"id": a.pk, "name": a.filename, "type": a.content_type, "size": a.size}
        for a in message.attachments.all()
    ]
    return Composed(
        payload={
            "bot": bot_id,
            "chat_id": chat_id,
            "parts": split_text(message.body_text),
            "files": files,
            "done": 0,  # steps already sent: a retry continues after them
        },
        raw=b"",
    )


def _step(bot: Bot, chat_id: int, step: tuple[str, object]) -> str:
    """Send one part or one file; returns a note when a file had to be left out."""
    kind, value = step
    if kind == "text":
        api.call(bot.api_base_url, bot.token, "sendMessage", {"chat_id": chat_id, "text": value})
        return ""
    attachment = Attachment.objects.filter(pk=value["id"]).first()
    if attachment is None:
        return f"{value['name']} no longer exists"
    if attachment.size > DOCUMENT_LIMIT:
        return f"{attachment.filename} is larger than Telegram's 50 MB"
    with attachment.file.open("rb") as fh:
        content = fh.read()
    upload = (attachment.filename, content, attachment.content_type)
    if attachment.content_type in PHOTO_TYPES and len(content) <= PHOTO_LIMIT:
        try:
            api.call(
                bot.api_base_url, bot.token, "sendPhoto", {"chat_id": chat_id}, {"photo": upload}
            )
            return ""
        except api.ApiError as exc:
            if exc.error_code != 400:
                raise
            # Telegram refuses some images as photos (dimensions, ratio): sent as a file.
    api.call(
        bot.api_base_url, bot.token, "sendDocument", {"chat_id": chat_id}, {"document": upload}
    )
    return ""


def send(delivery: Delivery) -> str | None:
    payload = dict(delivery.payload or {})
    if payload.get("error"):
        raise PermanentFailure(payload["error"])
    bot = Bot.objects.filter(pk=payload.get("bot")).first()
    if bot is None or not bot.is_active:
        raise PermanentFailure("The Telegram bot is gone or inactive.")
    chat_id = payload["chat_id"]
    steps = [("text", p) for p in payload.get("parts") or []]
    steps += [("file", f) for f in payload.get("files") or []]
    notes = []
    for n, step in enumerate(steps):
        if n < payload.get("done", 0):
            continue  # sent by an earlier attempt
        try:
            note = _step(bot, chat_id, step)
        except api.ApiError as exc:
            if exc.error_code == 429:
                raise RetryAfter(f"Telegram: {exc}", exc.retry_after) from None
            if exc.temporary:
                raise TemporaryFailure(f"Telegram: {exc}") from None
            if exc.error_code == 403:
                Contact.objects.filter(bot=bot, chat_id=chat_id).update(blocked_at=timezone.now())
            raise PermanentFailure(f"Telegram refused: {exc}") from None
        if note:
            notes.append(note)
        payload["done"] = n + 1
        # Remembered at once: if a later step fails, the retry does not send this one again.
        Delivery.objects.filter(pk=delivery.pk).update(payload=payload)
    return f"Not sent: {'; '.join(notes)}" if notes else None


register_channel(Channel.TELEGRAM, compose=compose, send=send)
