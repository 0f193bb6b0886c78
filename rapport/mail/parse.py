"""Parsing real-world e-mail into what intake needs (CH2). See docs/email.md.

Built on the standard library's tolerant `compat32` parser, with our own decoding of headers
and bodies: any declared charset, aliases that lie (GB2312 that is really GBK), no declaration
at all (8-bit headers), broken RFC 2047 words. Nothing here raises on bad input except
`MailParseError` for input that is not a message at all; every other oddity becomes a note.
"""

from __future__ import annotations

import codecs
import contextlib
import email
import email.header
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message

import charset_normalizer

from rapport.lib.text import html_to_text

# Declared charsets that are routinely wrong in the wild, mapped to the superset that decodes
# what senders really meant.
CHARSET_ALIASES = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cp936": "gb18030",
    "euc-cn": "gb18030",
    "ks_c_5601-1987": "cp949",
    "x-mac-cyrillic": "mac_cyrillic",
    "windows-874": "cp874",
    "iso-8859-8-i": "iso-8859-8",
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "ascii": "utf-8",  # 8-bit text declared as ASCII is almost always UTF-8
    "us-ascii": "utf-8",
    "koi8-u": "koi8_u",
    "big5": "big5hkscs",
}

TICKET_TOKEN = re.compile(r"\[(?:Ticket|Rapport)#(\d{1,12})\]", re.IGNORECASE)
_MSGID = re.compile(r"<[^<>\s\x00-\x1f\x7f]{1,500}>")
# Subjects only robots write. Not "Vacation…"/"Отпуск…": customers write about those too.
_AUTO_SUBJECT = re.compile(
    r"^\s*(out of (the )?office\b|automatic reply|auto(matic)?[- ]?(reply|response)|"
    r"autoreply|абонент временно|автоматический ответ|автоответ|нет на месте|"
    r"自动回复|自動回覆|不在办公室)",
    re.IGNORECASE,
)
_BOUNCE_FROM = re.compile(r"^(mailer-daemon|postmaster)@", re.IGNORECASE)


class MailParseError(ValueError):
    """The bytes are not an e-mail message at all."""


@dataclass
class ParsedAttachment:
    filename: str
    content_type: str
    content: bytes
    inline: bool = False
    content_id: str = ""


@dataclass
class ParsedMail:
    message_id: str = ""
    in_reply_to: list[str] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    from_name: str = ""
    from_addr: str = ""
    reply_to: str = ""
    to: list[tuple[str, str]] = field(default_factory=list)
    cc: list[tuple[str, str]] = field(default_factory=list)
    subject: str = ""
    date: datetime | None = None
    text: str = ""
    html: str = ""
    attachments: list[ParsedAttachment] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was left out, and why
    auto: str = ""  # "", "auto-reply", "bounce" or "list"
    bounced_message_ids: list[str] = field(default_factory=list)
    bounce_reason: str = ""
    ticket_token: int | None = None
    signed: bool = False

    def thread_refs(self) -> list[str]:
        """Message ids this one answers, nearest first (In-Reply-To, then References reversed)."""
        seen, refs = set(), []
        for ref in [*self.in_reply_to, *reversed(self.references)]:
            if ref not in seen:
                seen.add(ref)
                refs.append(ref)
        return refs


# --- decoding --------------------------------------------------------------------------------


def _codec(charset: str | None) -> str | None:
    if not charset:
        return None
    charset = charset.strip().strip('"').lower()
    charset = CHARSET_ALIASES.get(charset, charset)
    try:
        "".encode(charset)
        name = codecs.lookup(charset).name
    except (LookupError, UnicodeError, ValueError):  # idna, punycode, undefined, "utf-8\0"
        return None
    if "escape" in name or name in ("idna", "punycode"):
        return None  # Python's own codecs, not mail charsets: they would interpret the text
    return charset


# Latin-1 decodes any bytes, so a lying Latin-1 label is never caught by a decode error.
_LATIN_CODECS = {"iso8859-1", "cp1252", "iso8859-15"}


def _misdeclared_latin(text: str) -> bool:
    """Text decoded as Latin-1 whose letters are mostly accented: Cyrillic (or any other
    8-bit text) under a Latin-1 label. Real Latin-1 text is mostly ASCII letters."""
    letters = [ch for ch in text if ch.isalpha()]
    accented = sum(1 for ch in letters if ord(ch) > 0x7F)
    return accented >= 8 and accented > len(letters) / 2


def decode_bytes(data: bytes, charset: str | None = None) -> str:
    """Decode text whose declared charset may be missing or wrong. No NULs: PostgreSQL
    stores none in text or jsonb."""
    return _decode_bytes(data, charset).replace("\x00", "")


def _decode_bytes(data: bytes, charset: str | None) -> str:
    if not data:
        return ""
    codec = _codec(charset)
    if codec and codecs.lookup(codec).name in _LATIN_CODECS:
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("utf-8")
        text = data.decode(codec, errors="replace")
        if not _misdeclared_latin(text):
            return text
        codec = None
    if codec:
        with contextlib.suppress(UnicodeError, LookupError):
            return data.decode(codec)
    with contextlib.suppress(UnicodeDecodeError):
        return data.decode("utf-8")
    best = charset_normalizer.from_bytes(
        data,
        cp_isolation=[
            "gb18030",
            "cp1251",
            "koi8_r",
            "big5hkscs",
            "cp1252",
            "shift_jis",
            "euc_kr",
            "iso8859_5",
            "cp866",
        ],
    ).best()
    if best is not None:
        return str(best)
    return data.decode("utf-8", errors="replace")


_SURROGATE = re.compile("[\udc80-\udcff]")


def _unsurrogate(value: str, fallback_charset: str | None) -> str:
    """compat32 keeps raw 8-bit header bytes as surrogate escapes: decode them properly."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value
    return decode_bytes(value.encode("utf-8", "surrogateescape"), fallback_charset)


def decode_header(value, fallback_charset: str | None = None) -> str:
    """A header as text: RFC 2047 words in any charset, raw 8-bit bytes, broken encodings."""
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        value = str(value)
    value = _unsurrogate(str(value), fallback_charset)
    try:
        chunks = email.header.decode_header(value)
    except (email.errors.HeaderParseError, ValueError, AssertionError):
        return re.sub(r"\s+", " ", value).strip()
    parts = []
    for chunk, charset in chunks:
        if isinstance(chunk, bytes) and charset is None:
            # Plain text next to encoded words: the stdlib re-encoded our (already decoded)
            # text with raw-unicode-escape.
            try:
                parts.append(chunk.decode("raw-unicode-escape"))
            except UnicodeDecodeError:
                parts.append(chunk.decode("latin-1"))
        elif isinstance(chunk, bytes):
            parts.append(decode_bytes(chunk, charset))
        else:
            parts.append(chunk)
    # Whitespace between encoded words is dropped by decode_header; between plain words kept.
    text = "".join(parts).replace("\x00", "")
    return re.sub(r"[\r\n\t ]+", " ", text).strip()


def _raw_headers(msg: Message, name: str) -> list[str]:
    """A header's values as stored: raw 8-bit bytes kept as surrogate escapes. (`msg.get`
    would turn those into an undecodable `Header` first.)"""
    name = name.lower()
    return [str(v) for k, v in msg.raw_items() if k.lower() == name]


def _raw_header(msg: Message, name: str) -> str:
    values = _raw_headers(msg, name)
    return values[0] if values else ""


def _addresses(msg: Message, name: str, fallback: str | None) -> list[tuple[str, str]]:
    # Split the list first, then decode each name: a decoded name may hold a comma
    # ("Петров, Иван").
    values = [_unsurrogate(v, fallback).replace("\x00", "") for v in _raw_headers(msg, name)]
    result = []
    for display, addr in email.utils.getaddresses(values):
        addr = addr.strip().strip("<>").strip()
        if "@" in addr:
            display = decode_header(display, fallback)
            result.append((display.strip().strip('"'), addr.lower()))
    return result


def _msgids(value: str) -> list[str]:
    return _MSGID.findall(value or "")[:100]


def _part_bytes(part: Message) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except (ValueError, TypeError, AssertionError):
        payload = None
    if payload is None:
        raw = part.get_payload()
        if isinstance(raw, str):
            return raw.encode("utf-8", "surrogateescape")
        return b""
    return payload


def _filename(part: Message, fallback_charset: str | None) -> str:
    name = None
    try:
        value = part.get_param("filename", None, "content-disposition") or part.get_param(
            "name", None, "content-type"
        )
        if isinstance(value, tuple):  # RFC 2231: (charset, language, %-decoded bytes as text)
            charset, _language, text = value
            name = decode_bytes(text.encode("raw-unicode-escape"), charset or fallback_charset)
        else:
            name = part.get_filename()
    except (ValueError, TypeError, AssertionError, LookupError, UnicodeError):
        name = None
    if name:
        return decode_header(name, fallback_charset)[:200]
    return ""


def _extension(content_type: str) -> str:
    return {
        "message/rfc822": ".eml",
        "text/calendar": ".ics",
        "application/ms-tnef": ".dat",
        "text/html": ".html",
        "text/plain": ".txt",
        "image/png": ".png",
        "image/jpeg": ".jpg",
        "image/gif": ".gif",
        "application/pdf": ".pdf",
    }.get(content_type, ".bin")


# --- the parser ------------------------------------------------------------------------------


def parse_message(raw: bytes, *, max_attachment_bytes: int = 25 * 1024 * 1024) -> ParsedMail:
    if not raw or not raw.strip():
        raise MailParseError("The message is empty.")
    try:
        msg = email.message_from_bytes(raw)
    except Exception as exc:  # noqa: BLE001 — the stdlib parser is lenient; this is a last guard
        raise MailParseError(f"Not an e-mail message: {exc}") from exc
    if not msg.keys() and not msg.get_payload():
        raise MailParseError("No headers and no body: not an e-mail message.")

    body_charset = _first_declared_charset(msg)
    _decode_8bit_headers(msg, body_charset)
    mail = ParsedMail()
    mail.message_id = (_msgids(_raw_header(msg, "Message-ID")) or [""])[0]
    mail.in_reply_to = _msgids(_raw_header(msg, "In-Reply-To"))
    mail.references = _msgids(" ".join(_raw_headers(msg, "References")))
    sender = _addresses(msg, "From", body_charset) or _addresses(msg, "Sender", body_charset)
    if sender:
        mail.from_name, mail.from_addr = sender[0]
    reply_to = _addresses(msg, "Reply-To", body_charset)
    mail.reply_to = reply_to[0][1] if reply_to else ""
    mail.to = _addresses(msg, "To", body_charset)
    mail.cc = _addresses(msg, "Cc", body_charset)
    mail.subject = decode_header(_raw_header(msg, "Subject"), body_charset)[:998]
    try:
        mail.date = email.utils.parsedate_to_datetime(_raw_header(msg, "Date"))
        if mail.date is not None and mail.date.tzinfo is None:
            mail.date = None
    except (TypeError, ValueError, IndexError):
        mail.date = None
    token = TICKET_TOKEN.search(mail.subject)
    header_token = _raw_header(msg, "X-Rapport-Ticket").strip()
    if token:
        mail.ticket_token = int(token.group(1))
    elif header_token.isdigit() and len(header_token) <= 12:
        mail.ticket_token = int(header_token)

    _walk(msg, mail, body_charset, max_attachment_bytes)
    if not mail.text and mail.html:
        mail.text = html_to_text(mail.html)
    _classify(msg, mail)
    return mail


def _decode_8bit_headers(msg: Message, fallback: str | None) -> None:
    """compat32 hands a header with raw 8-bit bytes out as a `Header` whose text is U+FFFD
    (and code calling str methods on it fails): decode such values once, in place."""
    for part in _leaves(msg):
        items = list(part.raw_items())
        if not any(isinstance(v, str) and _SURROGATE.search(v) for _k, v in items):
            continue
        for key in {k.lower() for k, _v in items}:
            del part[key]
        for key, value in items:
            part[key] = _unsurrogate(value, fallback) if isinstance(value, str) else value


def _first_declared_charset(msg: Message) -> str | None:
    for part in msg.walk():
        charset = part.get_content_charset()
        if charset and _codec(charset):
            return charset
    return None


def _leaves(part: Message, depth: int = 0):
    """The parts to look at, depth first. An attached message (a forward) and a delivery
    report stay whole; nesting deeper than 30 levels is not followed (a hostile message)."""
    ctype = (part.get_content_type() or "text/plain").lower()
    if (
        part.is_multipart()
        and ctype not in ("message/rfc822", "message/delivery-status")
        and depth < 30
    ):
        yield part  # the container itself, so signed/encrypted can be noticed
        payload = part.get_payload()
        for child in payload if isinstance(payload, list) else []:
            yield from _leaves(child, depth + 1)
    else:
        yield part


def _walk(msg: Message, mail: ParsedMail, body_charset: str | None, limit: int) -> None:
    for part in _leaves(msg):
        ctype = (part.get_content_type() or "text/plain").lower()
        if part.is_multipart() and ctype not in ("message/rfc822", "message/delivery-status"):
            if ctype == "multipart/signed" or ctype == "multipart/encrypted":
                mail.signed = True
            continue
        disposition = (part.get("Content-Disposition") or "").split(";")[0].strip().lower()
        filename = _filename(part, body_charset)
        is_body_text = (
            ctype in ("text/plain", "text/html")
            and disposition != "attachment"
            and not (filename and disposition == "inline" and ctype != "text/plain")
        )
        if is_body_text and ctype == "text/plain" and not mail.text:
            mail.text = decode_bytes(_part_bytes(part), part.get_content_charset() or body_charset)
            continue
        if is_body_text and ctype == "text/html" and not mail.html:
            mail.html = decode_bytes(_part_bytes(part), part.get_content_charset() or body_charset)
            continue
        if ctype in (
            "application/pkcs7-signature",
            "application/x-pkcs7-signature",
            "application/pgp-signature",
        ):
            mail.signed = True
            continue
        if ctype == "message/delivery-status":
            _read_dsn(part, mail)
            continue
        content = _attachment_bytes(part, ctype)
        if ctype == "text/rfc822-headers" or (ctype == "message/rfc822" and mail.auto == "bounce"):
            _read_returned_headers(content, mail)
        name = filename or f"attachment-{len(mail.attachments) + 1}{_extension(ctype)}"
        if len(content) > limit:
            mail.notes.append(
                f"Attachment {name!r} ({len(content)} bytes) is over the limit of {limit} bytes;"
                " it is kept in the original message only."
            )
            continue
        mail.attachments.append(
            ParsedAttachment(
                filename=name,
                content_type=ctype,
                content=content,
                inline=disposition == "inline" or bool(part.get("Content-ID")),
                content_id=str(part.get("Content-ID", "")).strip("<> ")[:200],
            )
        )


def _attachment_bytes(part: Message, ctype: str) -> bytes:
    if ctype == "message/rfc822":
        payload = part.get_payload()
        if isinstance(payload, list) and payload:
            try:
                return payload[0].as_bytes()
            except (UnicodeEncodeError, LookupError, ValueError):
                return str(payload[0]).encode("utf-8", "replace")
    return _part_bytes(part)


def _read_dsn(part: Message, mail: ParsedMail) -> None:
    mail.auto = "bounce"
    text = ""
    payload = part.get_payload()
    if isinstance(payload, list):  # the stdlib parses delivery-status into header blocks
        text = "\n".join(str(block) for block in payload)
    else:
        text = decode_bytes(_part_bytes(part))
    status = re.search(r"(?im)^Status:\s*(\S+)", text)
    diagnostic = re.search(r"(?im)^Diagnostic-Code:\s*(.+(?:\n[ \t].+)*)", text)
    recipient = re.search(r"(?im)^Final-Recipient:\s*(?:rfc822;)?\s*(\S+)", text)
    reason = " ".join(
        filter(
            None,
            [
                recipient.group(1) if recipient else "",
                status.group(1) if status else "",
                re.sub(r"\s+", " ", diagnostic.group(1)) if diagnostic else "",
            ],
        )
    )
    mail.bounce_reason = reason[:1000]


def _read_returned_headers(content: bytes, mail: ParsedMail) -> None:
    try:
        returned = email.message_from_bytes(content)
    except Exception:  # noqa: BLE001 — a returned copy may be truncated anywhere
        return
    ids = _msgids(str(returned.get("Message-ID", "")))
    mail.bounced_message_ids.extend(i for i in ids if i not in mail.bounced_message_ids)


def _classify(msg: Message, mail: ParsedMail) -> None:
    """Auto-replies, bounces and mailing lists never get an acknowledgement (no mail loops)."""
    ctype = (msg.get_content_type() or "").lower()
    report = (msg.get_param("report-type") or "").lower() if ctype == "multipart/report" else ""
    if mail.auto == "bounce" or report == "delivery-status" or _BOUNCE_FROM.match(mail.from_addr):
        mail.auto = "bounce"
        if not mail.bounce_reason:
            mail.bounce_reason = mail.subject[:300]
        return
    auto_submitted = str(msg.get("Auto-Submitted", "")).strip().lower()
    precedence = str(msg.get("Precedence", "")).strip().lower()
    if (
        (auto_submitted and auto_submitted != "no")
        or msg.get("X-Autoreply")
        or msg.get("X-Autorespond")
        or msg.get("X-Auto-Reply")
        or precedence == "auto_reply"
        or _AUTO_SUBJECT.match(mail.subject)
    ):
        mail.auto = "auto-reply"
        return
    if msg.get("List-Id") or msg.get("List-Unsubscribe") or precedence in ("bulk", "list", "junk"):
        mail.auto = "list"


def content_id(raw: bytes) -> str:
    """An id for a message without a Message-ID: a hash of its bytes."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()
