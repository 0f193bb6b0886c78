"""Snippets with the matched words in <mark>, computed from the original text.

The words are found with the same normaliser as the index (rapport.search.normalise), so
"заказов" is marked for a search for "заказ" and "refunded" for "refunds". Every piece of
the original text is HTML-escaped; only our own <mark> tags are markup.
"""

from __future__ import annotations

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from .normalise import fold, words

WIDTH = 220
BEFORE = 60


def spans(text: str, marks: set[str], han: set[str]) -> list[tuple[int, int]]:
    """(start, end) of every matched word of `text`, merged, in order."""
    found: list[tuple[int, int]] = []
    for w in words(text):
        if not w.token:
            continue
        if w.token in marks or marks.intersection(w.alternatives):
            found.append((w.start, w.end))
    if han:
        # A Chinese word inside text jieba cut differently ("退款" in "我要退款了"): by substring.
        folded = fold(text)
        if len(folded) == len(text):
            for h in han:
                start = folded.find(h)
                while start != -1:
                    found.append((start, start + len(h)))
                    start = folded.find(h, start + 1)
    found.sort()
    merged: list[tuple[int, int]] = []
    for start, end in found:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(text: str, marks: set[str], han: set[str], width: int = WIDTH) -> SafeString:
    """An escaped excerpt of `text` around its first match, matches wrapped in <mark>."""
    text = " ".join((text or "").split())  # one line: paragraphs do not fit a result row
    found = spans(text, marks, han)
    start = 0
    if found and found[0][0] > BEFORE:
        start = found[0][0] - BEFORE
        space = text.find(" ", start, found[0][0])
        start = space + 1 if space != -1 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", max(found[0][1] if found else start, start + width // 2), end)
        end = space if space != -1 else end
    out = ["…" if start else ""]
    pos = start
    for s, e in found:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[pos:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    if end < len(text):
        out.append("…")
    return mark_safe("".join(out))  # noqa: S308 — every piece of text above is escaped
