"""Article bodies: a safe subset of Markdown rendered to sanitised HTML (docs/kb.md).

markdown-it-py in its CommonMark mode with raw HTML switched off (so `<script>` is text), plus
tables and strikethrough; then nh3 (ammonia) with an allow-list, which also strips
`javascript:` links and any attribute we did not allow. Plain text with blank lines between
paragraphs is valid Markdown, so a body written as plain text reads as paragraphs.

Images may only point at the article's own attachments (`/kb/files/<id>/…` or the help
centre's `/help/files/<id>/…`) or be written `![alt](attachment:3)`, which becomes the
attachment's URL: no hot-linking of outside images into a public page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import nh3
from markdown_it import MarkdownIt

from rapport.lib.text import ALLOWED_ATTRIBUTES, ALLOWED_TAGS

_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    .enable("table")
    .enable("strikethrough")
)
TAGS = ALLOWED_TAGS | {"img", "del", "h5", "h6"}
ATTRIBUTES = {**ALLOWED_ATTRIBUTES, "img": {"src", "alt", "title"}}
_ATTACHMENT = re.compile(r"^attachment:(\d+)$")
_LOCAL_FILE = re.compile(r"^/(?:kb|help)/files/\d+/")


def render(body: str, attachment_url: Callable[[int], str | None] | None = None) -> str:
    """Sanitised HTML of a Markdown body. `attachment_url(id)` maps `attachment:<id>` images
    and links to a URL (None: the attachment is not this article's, the reference goes)."""
    if not body:
        return ""

    def attribute_filter(tag: str, attribute: str, value: str) -> str | None:
        if attribute in ("src", "href"):
            m = _ATTACHMENT.match(value)
            if m:
                return attachment_url(int(m.group(1))) if attachment_url else None
            if tag == "img" and not _LOCAL_FILE.match(value):
                return None  # no outside images in a public page
        return value

    return nh3.clean(
        _md.render(body),
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto", "tel", "attachment"},
        link_rel="noopener noreferrer nofollow",
        attribute_filter=attribute_filter,
    )


def to_text(body: str) -> str:
    """The body's words without markup (snippets, previews)."""
    return html.unescape(nh3.clean(_md.render(body or ""), tags=set())).strip()
