"""Text plumbing shared by every check: normalisation that keeps offsets, sentences, quotes.

Every function here keeps character offsets into the *original* text, so that any finding can
point at the exact span the agent or the customer wrote.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
KANA_RE = re.compile(r"[\u3040-\u30ff]")
HANGUL_RE = re.compile(r"[\uac00-\ud7af\u1100-\u11ff]")
CYR_RE = re.compile(r"[\u0400-\u04ff]")
LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
ZH_PUNCT_RE = re.compile(r"^[\W_]+$")
URL_RE = re.compile(r"(?:https?://|www\.)\S+|\b[\w.+-]+@[\w-]+\.[\w.-]+\b", re.IGNORECASE)


def normalise(text: str) -> str:
    """NFKC per character where that keeps the length (full-width ！？ → !?, Ａ → A), so offsets
    stay valid; curly apostrophes become straight ones; ё becomes е."""
    out = []
    for ch in text:
        n = unicodedata.normalize("NFKC", ch)
        if len(n) != 1:
            n = ch
        if n in "\u2019\u2018\u02bc`\u00b4":
            n = "'"
        elif n == "ё":
            n = "е"
        elif n == "Ё":
            n = "Е"
        out.append(n)
    return "".join(out)


@dataclass(slots=True)
class Token:
    text: str  # as written
    start: int
    end: int
    lower: str  # normalised, lower case
    lemmas: tuple[str, ...] = ()  # dictionary forms (ru: every pymorphy3 parse; en: rules)
    tags: frozenset = field(default_factory=frozenset)  # e.g. {"impr", "1per", "futr"} (ru)

    def keys(self) -> tuple[str, ...]:
        if self.lower in self.lemmas:
            return self.lemmas
        return (self.lower, *self.lemmas)


@dataclass(slots=True)
class Sentence:
    start: int
    end: int
    text: str
    paragraph: int = 0


# Sentence ends: . ! ? … and their CJK forms, plus line breaks. A run such as "?!" or "??" ends
# one sentence. A dot inside a number or an abbreviation-like token does not end a sentence.
_SENT_END_RE = re.compile(r"(?:[.!?…。！？；;]+|\n+)")


def split_sentences(text: str) -> list[Sentence]:
    """Sentences with offsets. Line breaks end sentences (chat messages rarely use dots)."""
    sentences: list[Sentence] = []
    paragraph = 0
    pos = 0
    for m in _SENT_END_RE.finditer(text):
        punct = m.group()
        if punct[0] == "." and _dot_is_not_an_end(text, m.start(), m.end()):
            continue
        if punct[0] != "\n" and m.end() < len(text) and text[m.end()] in '»"”」』)）':
            continue  # «Забыли пароль?» inside a sentence
        end = m.end() if punct[0] != "\n" else m.start()
        _add_sentence(sentences, text, pos, end, paragraph)
        if punct.count("\n") >= 2:
            paragraph += 1
        pos = m.end()
    _add_sentence(sentences, text, pos, len(text), paragraph)
    return sentences


def _dot_is_not_an_end(text: str, start: int, end: int) -> bool:
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    if before.isdigit() and after.isdigit():  # 10.5, 12.03.2025
        return True
    if after.isalnum() and not after.isspace():  # example.com, т.е
        return True
    # common abbreviations: т. е., т. д., e.g., i.e., Mr., г.
    word = re.search(r"(\w+)$", text[max(0, start - 6) : start])
    if word and word.group(1).lower() in _ABBREV_DOTS:
        return True
    return False


_ABBREV_DOTS = {
    "т",
    "е",
    "д",
    "г",
    "ул",
    "руб",
    "тыс",
    "млн",
    "e",
    "g",
    "i",
    "mr",
    "mrs",
    "ms",
    "dr",
    "no",
    "vs",
    "etc",
    "п",
    "др",
    "см",
    "стр",
}


def _add_sentence(out: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start and re.search(r"\w", text[start:end]):
        out.append(Sentence(start, end, text[start:end], paragraph))
    elif end > start and out and out[-1].end <= start:
        # a lone "?" or "!!!" after a sentence belongs to it ("Where is it ?")
        prev = out[-1]
        gap = text[prev.end : start]
        if not gap.strip() and "\n" not in gap:
            out[-1] = Sentence(prev.start, end, text[prev.start : end], prev.paragraph)


# Quotes: «…», "…", “…”, „…“, 「…」, 『…』, and e-mail quoting ("> " at the start of a line).
_QUOTE_PAIRS = [("«", "»"), ("“", "”"), ("„", "“"), ("「", "」"), ("『", "』"), ('"', '"')]
_NOT_QUOTE_EDGE = "0-9A-Za-z\u00c0-\u024f\u0400-\u04ff'‘’"  # letters of an apostrophe's word
_SINGLE_QUOTED_RE = re.compile(
    rf"(?<![{_NOT_QUOTE_EDGE}])['‘](?=\S)[^'‘’\n]{{1,80}}?(?<=\S)['’](?![{_NOT_QUOTE_EDGE}])"
)


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Spans of quoted text (someone else's words): signals inside them are not the writer's."""
    spans: list[tuple[int, int]] = []
    for opening, closing in _QUOTE_PAIRS:
        i = 0
        while True:
            a = text.find(opening, i)
            if a < 0:
                break
            b = text.find(closing, a + 1)
            if b < 0 or b - a > 400:
                break
            inner = text[a + 1 : b]
            # a quoted product name ("Premium") is short and harmless; keep the span anyway
            if "\n\n" not in inner:
                spans.append((a, b + 1))
            i = b + 1
    # single quotes ('…', ‘…’): only word-bounded, so the apostrophes of "you're" and
    # "customers'" open nothing
    for m in _SINGLE_QUOTED_RE.finditer(text):
        spans.append((m.start(), m.end()))
    for m in re.finditer(r"(?m)^[ \t]*>.*$", text):
        spans.append((m.start(), m.end()))
    spans.sort()
    return spans


def inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in spans)


def script_counts(text: str) -> dict[str, int]:
    text = URL_RE.sub(" ", text)
    return {
        "han": len(HAN_RE.findall(text)),
        "kana": len(KANA_RE.findall(text)),
        "hangul": len(HANGUL_RE.findall(text)),
        "cyrillic": len(CYR_RE.findall(text)),
        "latin": len(LATIN_RE.findall(text)),
    }


def caps_ratio(text: str) -> tuple[float, int]:
    """Share of upper-case letters among letters of words of 3+ letters, and how many such
    words are entirely upper case (shouting)."""
    words = re.findall(r"[^\W\d_]{3,}", text)
    letters = sum(len(w) for w in words)
    upper = sum(1 for w in words for c in w if c.isupper())
    caps_words = sum(1 for w in words if w.isupper())
    return (upper / letters if letters else 0.0), caps_words
