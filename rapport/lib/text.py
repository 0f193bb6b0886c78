"""Text and HTML handling that is Unicode clean (Cyrillic, CJK) and safe to display."""

from __future__ import annotations

import html
import re
import unicodedata

import nh3

# Allow-list for customer-supplied HTML (ammonia via nh3): formatting, links and tables only.
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "abbr": {"title"},
}
_BLOCK_END = re.compile(r"(?i)</(p|div|h[1-6]|li|tr|blockquote|pre)>|<br\s*/?>")
_WS = re.compile(r"[ \t\u00a0]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")


def sanitise_html(value: str) -> str:
    """Return HTML with only allow-listed tags and attributes; links get rel=noopener."""
    if not value:
        return ""
    return nh3.clean(
        value,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel"},
        link_rel="noopener noreferrer nofollow",
    )


def html_to_text(value: str) -> str:
    """A readable plain-text rendering of HTML (used when a message arrives as HTML only)."""
    if not value:
        return ""
    value = _BLOCK_END.sub("\n", value)
    text = html.unescape(nh3.clean(value, tags=set()))
    lines = [_WS.sub(" ", line).strip() for line in text.splitlines()]
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value: str) -> str:
    """NFC-normalise, drop NULs and control characters other than newlines and tabs."""
    value = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", value)


def truncate(value: str, limit: int) -> str:
    value = value or ""
    return value if len(value) <= limit else value[: limit - 1].rstrip() + "…"


def subject_from_body(body: str, limit: int = 80) -> str:
    """A subject for a message that has none: its first non-empty line, shortened."""
    for line in (body or "").splitlines():
        line = line.strip()
        if line:
            return truncate(line, limit)
    return ""
