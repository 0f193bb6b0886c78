"""Splitting a reply from the quoted history and the mail client's signature (CH2).

Russian, Chinese and English reply styles: "> " quoting; "On … wrote:", "… написал(а):",
"在 … 写道："; Outlook's "From:/Sent:" blocks in every language ("От:/Отправлено:",
"发件人:/发送时间:"); "-----Original Message-----", "-------- Исходное сообщение --------",
"------------------ 原始邮件 ------------------"; "-- " signatures and "Sent from my iPhone"
footers. The displayed message is the reply; the quoted part stays stored and viewable.
"""

from __future__ import annotations

import re

_ATTRIBUTION = [
    re.compile(r"^\s*On\b.{4,300}\bwrote:\s*$", re.IGNORECASE),
    re.compile(
        r"^(?=.*[\d@]).{0,300}\b(написал|написала|написал\(а\)|пишет|писал\(а\))\s*:\s*$",
        re.IGNORECASE,
    ),
    re.compile(r"^.{0,300}(写道|寫道|來信|来信)\s*[:：]\s*$"),
    # Gmail in Russian and others: "пн, 3 июн. 2024 г. в 10:00, Ann <ann@x.com>:"
    re.compile(r"^.{0,300}\d.{0,300}<[^<>\s@]{1,200}+@[^<>\s@]{1,255}+>.{0,40}[:：]\s*$"),
    re.compile(r"^\s*Le\b.{4,300}\ba écrit\s*:\s*$", re.IGNORECASE),
    re.compile(r"^\s*Am\b.{4,300}\bschrieb\b.{0,200}:\s*$", re.IGNORECASE),
]
# "On Mon, 3 Jun 2024 at 10:00, Ann <a@x.com>" + newline + "wrote:" (clients wrap it).
_ATTRIBUTION_START = re.compile(r"^\s*On\b.{4,300}$", re.IGNORECASE)
_ATTRIBUTION_END = re.compile(r"^\s*.{0,120}\bwrote:\s*$", re.IGNORECASE)

_SEPARATOR = re.compile(
    r"^\s*[-_=]{2,}\s*(Original Message|Original|Forwarded message|Исходное сообщение|"
    r"Пересылаемое сообщение|Переадресованное сообщение|原始邮件|原始郵件|转发的邮件|"
    r"轉寄郵件|回复的原邮件)\s*[-_=]{2,}\s*$",
    re.IGNORECASE,
)
_UNDERSCORE_RULE = re.compile(r"^\s*_{20,}\s*$")
_HEADER_FROM = re.compile(
    r"^\s*\**(From|От|Отправитель|发件人|寄件者|寄件人)\**\s*[:：]", re.IGNORECASE
)
_HEADER_OTHER = re.compile(
    r"^\s*\**(Sent|Date|To|Subject|Cc|Отправлено|Дата|Кому|Тема|Копия|发送时间|日期|收件人|"
    r"主题|抄送|時間|收件者|主旨)\**\s*[:：]",
    re.IGNORECASE,
)
_SIGNATURE_DELIMITER = re.compile(r"^-- ?$")
_MOBILE_FOOTER = re.compile(
    r"^\s*(Sent from my \w+|Sent from (Mail|Outlook) for \w+|Get Outlook for \w+|"
    r"Отправлено с (моего )?\w+|Отправлено из (мобильной )?\w+|Отправлено через \w+|"
    r"发自我的\s?\w+|來自我的\s?\w+|从我的\s?\w+发送|发自\s?\w+邮箱)",
    re.IGNORECASE,
)


def _is_outlook_block(lines: list[str], i: int) -> bool:
    if not _HEADER_FROM.match(lines[i]):
        return False
    following = [line for line in lines[i + 1 : i + 6] if line.strip()]
    return sum(1 for line in following if _HEADER_OTHER.match(line)) >= 2


def _trailing_quote(lines: list[str]) -> int:
    """Where the trailing block of blank or ">"-quoted lines begins (one pass, from the end)."""
    start = len(lines)
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].strip() and not lines[i].startswith(">"):
            break
        start = i
    return start


def _is_attribution(line: str) -> bool:
    return len(line) <= 1000 and any(p.match(line) for p in _ATTRIBUTION)


def _quote_start(lines: list[str]) -> int | None:
    trailing = _trailing_quote(lines)
    for i, line in enumerate(lines):
        if _is_attribution(line):
            return i
        # Gmail wraps a long attribution: "пн, 3 июн. 2024 г. в 12:30, Name <" / "a@x.ru>:"
        if (
            i + 1 < len(lines)
            and len(line) < 200
            and not line.startswith(">")
            and not _is_attribution(lines[i + 1])
            and _is_attribution(re.sub(r"<\s+", "<", line.rstrip() + " " + lines[i + 1].strip()))
        ):
            return i
        if (
            _ATTRIBUTION_START.match(line)
            and i + 1 < len(lines)
            and _ATTRIBUTION_END.match(lines[i + 1])
            and len(line) < 200
        ):
            return i
        if _SEPARATOR.match(line):
            return i
        if _UNDERSCORE_RULE.match(line) and i + 1 < len(lines) and _is_outlook_block(lines, i + 1):
            return i
        if _is_outlook_block(lines, i):
            return i
        if line.startswith(">") and i >= trailing:
            return i  # a trailing block of ">"-quoted lines
    return None


def _signature_start(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        if _SIGNATURE_DELIMITER.match(line) and len(lines) - i <= 15:
            return i
        if _MOBILE_FOOTER.match(line) and len(lines) - i <= 3:
            return i
    return None


def split_reply(text: str) -> tuple[str, str]:
    """(the new reply, the quoted history and signature). Never empties a message: if what
    remains would be empty (a forward, a reply written below the quote), the text is kept."""
    text = (text or "").replace("\r\n", "\n")
    lines = text.split("\n")
    cut = _quote_start(lines)
    reply_lines = lines if cut is None else lines[:cut]
    sig = _signature_start(reply_lines)
    if sig is not None:
        reply_lines = reply_lines[:sig]
    reply = "\n".join(reply_lines).strip()
    if not reply:
        return text.strip(), ""
    quoted = text[len("\n".join(reply_lines)) :].strip()
    return reply, quoted
