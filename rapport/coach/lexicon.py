"""Phrase patterns from the language packs, and the matcher that finds them in a text.

Pattern syntax (the same in every pack file, see docs/coach.md):

- ``подать в суд`` — words in this order, next to each other; each word matches any form of
  itself (Russian lemmas: "подам в суд", "подали в суд"; English plural -s).
- ``идиот*`` — any word that starts with "идиот" (идиоты, идиотизм).
- ``=пришло`` — only this very form (not "придёт": lemmas would join the two).
- ``позвать|пригласить руководитель|начальник`` — ``|`` gives alternatives for one word.
- ``подать ... суд`` — ``...`` lets up to three other words stand in between
  ("подам на вас в суд"). A pattern never runs across the end of a sentence.
- Chinese: the pattern is the characters themselves (``到底怎么回事``); ``...`` lets up to six
  other characters stand in between (``找 ... 经理``); ``|`` separates alternatives of one part.
  A one-character pattern must be a whole word of the segmented text, so "滚" does not fire
  inside "滚动".
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

from . import morph
from .language import is_transliterated
from .text import URL_RE, Sentence, Token, normalise, quoted_spans, split_sentences

GAP_WORDS = 3
GAP_CHARS = 6
_SENTENCE_BREAK = re.compile(r"[.!?。！？;；\n…]")
_CLAUSE_BREAK = re.compile(r"[,.!?。！？;；:：\n…，、—–()（）\"«»“”]")
ZH_PUNCT = set('，。！？；：、,.!?;:\n…—–（）()「」『』“”"《》 ')


@dataclass(slots=True)
class Slot:
    exact: frozenset  # any of these keys (written forms and lemmas)
    prefixes: tuple  # or a key starting with one of these
    surface: frozenset = frozenset()  # or exactly this written form ("=пришло")


@dataclass(slots=True)
class Pattern:
    source: str
    category: str
    slots: list  # Slot or None (a gap)
    weight: float = 1.0


@dataclass(slots=True)
class Match:
    category: str
    start: int  # character offsets into the text
    end: int
    pattern: str
    weight: float = 1.0
    negated: bool = False
    quoted: bool = False

    def span(self) -> list[int]:
        return [self.start, self.end]


@functools.lru_cache(maxsize=20000)
def _segment(text: str) -> tuple[tuple[int, int], ...]:
    return tuple((s, e) for _, s, e in morph.jieba().tokenize(text, HMM=False))


@functools.lru_cache(maxsize=20000)
def _zh_words(text: str) -> tuple[tuple[str, int, int], ...]:
    """Segmented words of a sentence (cached: a reply typed live is re-checked on every
    pause, and all its sentences but one are unchanged)."""
    return tuple(
        (w.lower(), s, e) for w, s, e in morph.jieba().tokenize(text, HMM=False) if not w.isspace()
    )


def clear_caches() -> None:
    """Forget every cached segmentation (bench/coach_speed.py measures without them too)."""
    _segment.cache_clear()
    _zh_words.cache_clear()


class Doc:
    """One text, prepared once: normalised text, tokens, sentences, quotes."""

    def __init__(self, text: str, lang: str):
        self.raw = text
        self.text = normalise(text)
        self.lang = lang
        self.translit = lang == "ru" and is_transliterated(self.text)
        self._tok_lang = lang if lang in ("ru", "zh") else "en"
        # Chinese segmentation costs ~3 ms per 1,000 characters: done only when needed
        # (question keys); pattern boundaries are checked on a small window instead
        self._tokens: list[Token] | None = None
        if lang != "zh":
            self._tokens = morph.tokenize(self.text, self._tok_lang, self.translit)
        # a "?" inside a link is not a question: split sentences with links blanked out
        masked = URL_RE.sub(lambda m: "x" * len(m.group()), self.text)
        self.sentences: list[Sentence] = [
            Sentence(s.start, s.end, self.text[s.start : s.end], s.paragraph)
            for s in split_sentences(masked)
        ]
        self.quotes = quoted_spans(self.text)
        self._sid: list[int] | None = None
        self._starts: list[int] | None = None
        if lang == "zh":
            self.lower = self.text.lower()
        self._cache: dict[int, dict[str, list[Match]]] = {}

    @property
    def tokens(self) -> list[Token]:
        if self._tokens is None:
            self._tokens = morph.tokenize(self.text, self._tok_lang, self.translit)
        return self._tokens

    @property
    def token_starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [t.start for t in self.tokens]
        return self._starts

    @property
    def _sentence_id(self) -> list[int]:
        if self._sid is None:
            self._sid = self._assign_sentences()
        return self._sid

    def zh_words(self, start: int, end: int) -> list[tuple[str, int, int]]:
        """Segmented words of text[start:end] with offsets, without segmenting the rest."""
        if self._tokens is not None:
            return [(t.lower, t.start, t.end) for t in self.tokens_in(start, end)]
        return [(w, start + s, start + e) for w, s, e in _zh_words(self.text[start:end])]

    def zh_boundaries(self, start: int, end: int) -> set[int]:
        """Word boundaries near [start, end), from segmenting a small window around it."""
        a = max(0, start - 6)
        b = min(len(self.text), end + 6)
        out = {a, b}
        for s, e in _segment(self.text[a:b]):
            out.add(a + s)
            out.add(a + e)
        return out

    def _assign_sentences(self) -> list[int]:
        ids = []
        si = 0
        for t in self.tokens:
            while si < len(self.sentences) - 1 and t.start >= self.sentences[si].end:
                si += 1
            ids.append(si)
        return ids

    def sentence_of(self, offset: int) -> int:
        i = bisect.bisect_right(self._sentence_ends, offset)
        return min(i, max(0, len(self.sentences) - 1))

    @property
    def _sentence_ends(self) -> list[int]:
        ends = self.__dict__.get("_ends")
        if ends is None:
            ends = self.__dict__["_ends"] = [s.end - 1 for s in self.sentences]
        return ends

    def token_index(self, offset: int) -> int:
        """Index of the first token starting at or after ``offset``."""
        return bisect.bisect_left(self.token_starts, offset)

    def tokens_in(self, start: int, end: int) -> list[Token]:
        i = bisect.bisect_left(self.token_starts, start)
        out = []
        while i < len(self.tokens) and self.tokens[i].start < end:
            t = self.tokens[i]
            if t.end <= end:
                out.append(t)
            i += 1
        return out

    def clause_break_between(self, a: int, b: int) -> bool:
        return bool(_CLAUSE_BREAK.search(self.text, a, b)) if b > a else False

    def in_quotes(self, start: int, end: int) -> bool:
        return any(a <= start and end <= b for a, b in self.quotes)

    def ends_in_quotes(self, start: int, end: int) -> bool:
        """The match's head word is quoted: "你们是'骗子'" (a pattern that reaches into the
        quote from outside) reports someone else's word."""
        return any(a <= start and end <= b or start < a < end <= b for a, b in self.quotes)


def _slot(word: str, lang: str) -> Slot:
    exact, prefixes, surface = set(), [], set()
    for alt in word.split("|"):
        alt = normalise(alt.strip().lower()).strip(',.;:!?«»"()—–')
        if not alt:
            continue
        if alt.startswith("=") and len(alt) > 1:
            surface.add(alt[1:])
            continue
        if alt.endswith("*") and len(alt) > 1:
            prefixes.append(alt[:-1])
            continue
        exact.add(alt)
        if lang == "ru" and re.search(r"[а-я]", alt):
            exact.add(morph.ru_lemmas(alt)[0][0])
        elif lang == "en":
            exact.add(morph.en_lemma(alt))
    return Slot(frozenset(exact), tuple(prefixes), frozenset(surface))


def _en_split(phrase: str) -> list[str]:
    # "don't know" → do n't know, like the English tokenizer
    words = []
    for w in phrase.split():
        if w == "...":
            words.append(w)
            continue
        parts = [m.group() for m in morph._EN_TOKEN.finditer(normalise(w))]
        if "|" in w or "*" in w or not parts:
            words.append(w)
        else:
            words.extend(parts)
    return words


class Lexicon:
    """Every pattern of one language, indexed by the keys of their first word."""

    def __init__(self, lang: str, categories: dict[str, list], weights: dict[str, float]):
        self.lang = lang
        self.categories = set(categories)
        self.patterns: list[Pattern] = []
        self._first: dict[str, list[Pattern]] = {}
        self._pair: dict[tuple[str, str], list[Pattern]] = {}
        self._first_prefix: dict[str, list[tuple[str, Pattern]]] = {}
        self._zh: list[tuple[list[tuple[str, ...]], Pattern]] = []
        self._zh_index: dict[str, list[tuple[str, list, Pattern]]] | None = None
        self._zh_starts: re.Pattern | None = None
        for category, phrases in categories.items():
            for phrase in phrases:
                self.add(category, phrase, weights.get(category, 1.0))

    def add(self, category: str, phrase: str, weight: float = 1.0) -> None:
        self.categories.add(category)
        phrase = phrase.strip()
        if not phrase:
            return
        if self.lang == "zh":
            parts = [
                tuple(normalise(a.strip().lower()) for a in p.split("|") if a.strip())
                for p in re.split(r"\s*\.\.\.\s*", phrase)
            ]
            parts = [p for p in parts if p]
            if parts:
                self._zh.append((parts, Pattern(phrase, category, [], weight)))
                self._zh_index = None
            return
        words = _en_split(phrase) if self.lang == "en" else phrase.split()
        words = [w for w in words if w == "..." or w.strip(',.;:!?«»"()—–')]
        slots = [None if w == "..." else _slot(w, self.lang) for w in words]
        while slots and slots[0] is None:
            slots.pop(0)
        while slots and slots[-1] is None:
            slots.pop()
        if not slots:
            return
        p = Pattern(phrase, category, slots, weight)
        self.patterns.append(p)
        first = slots[0]
        second = slots[1] if len(slots) > 1 else None
        if (
            second is not None
            and not first.prefixes
            and not second.prefixes
            and (second.exact or second.surface)
        ):
            # most patterns start with a common word ("you", "не"): index them by two words
            for key in first.exact | first.surface:
                for key2 in second.exact | second.surface:
                    self._pair.setdefault((key, key2), []).append(p)
            return
        for key in first.exact | first.surface:
            self._first.setdefault(key, []).append(p)
        for pre in first.prefixes:
            self._first_prefix.setdefault(pre[:2], []).append((pre, p))

    # -- matching -----------------------------------------------------------------------
    def match(self, doc: Doc) -> dict[str, list[Match]]:
        cached = doc._cache.get(id(self))
        if cached is not None:
            return cached
        found: dict[str, list[Match]] = {}
        if self.lang == "zh":
            self._match_zh(doc, found)
        else:
            self._match_tokens(doc, found)
        for matches in found.values():
            matches.sort(key=lambda m: (m.start, -m.end))
        doc._cache[id(self)] = found
        return found

    def _match_tokens(self, doc: Doc, found: dict[str, list[Match]]) -> None:
        toks = doc.tokens
        sid = doc._sentence_id
        seen = set()
        pair = self._pair
        for i, tok in enumerate(toks):
            keys = tok.keys()
            cands: list[Pattern] = []
            nxt = toks[i + 1].keys() if i + 1 < len(toks) and sid[i + 1] == sid[i] else ()
            for k in keys:
                cands.extend(self._first.get(k, ()))
                for k2 in nxt:
                    cands.extend(pair.get((k, k2), ()))
                for pre, p in self._first_prefix.get(k[:2], ()):
                    if k.startswith(pre):
                        cands.append(p)
            for p in cands:
                if not _slot_ok(p.slots[0], tok):  # found by a lemma, but "=form" wants the form
                    continue
                end_i = _continue(p.slots, 1, toks, i + 1, sid, sid[i])
                if end_i is None:
                    continue
                key = (p.category, i, end_i)
                if key in seen:
                    continue
                seen.add(key)
                m = Match(p.category, tok.start, toks[end_i - 1].end, p.source, p.weight)
                found.setdefault(p.category, []).append(m)

    def _build_zh_index(self) -> None:
        index: dict[str, list[tuple[str, list, Pattern]]] = {}
        by_first: dict[str, list[tuple[list, Pattern]]] = {}
        lengths: dict[str, set[int]] = {}
        for parts, p in self._zh:
            for first in parts[0]:
                index.setdefault(first[0], []).append((first, parts, p))
                by_first.setdefault(first, []).append((parts, p))
                lengths.setdefault(first[0], set()).add(len(first))
        self._zh_index = index
        # a position is looked up by the few lengths of first pieces that start with its
        # character (a dict hit each), not by trying every pattern that starts with it
        self._zh_by_first = by_first
        self._zh_lengths = {c: sorted(ls) for c, ls in lengths.items()}
        # one zero-width search finds every position where some pattern may start
        chars = "".join(sorted(index))
        self._zh_starts = re.compile("[" + re.escape(chars) + "]") if chars else None

    def _match_zh(self, doc: Doc, found: dict[str, list[Match]]) -> None:
        if self._zh_index is None:
            self._build_zh_index()
        if self._zh_starts is None:
            return
        text = doc.lower
        by_first = self._zh_by_first
        lengths = self._zh_lengths
        for hit in self._zh_starts.finditer(text):
            i = hit.start()
            for n in lengths[text[i]]:
                first = text[i : i + n]
                entries = by_first.get(first)
                if entries is None:
                    continue
                word_ok = None
                for parts, p in entries:
                    end = _zh_continue(text, parts, 1, i + n, doc)
                    if end is None:
                        continue
                    if word_ok is None:
                        word_ok = _zh_word_ok(doc, first, i, i + n)
                    if word_ok:
                        found.setdefault(p.category, []).append(
                            Match(p.category, i, end, p.source, p.weight)
                        )


def _continue(slots, si, toks, ti, sid, sentence) -> int | None:
    """Match slots[si:] against toks[ti:]; return the index after the last matched token."""
    if si == len(slots):
        return ti
    slot = slots[si]
    if slot is None:  # gap: try 0..GAP_WORDS skipped words
        nxt = slots[si + 1]
        for skip in range(GAP_WORDS + 1):
            j = ti + skip
            if j >= len(toks) or sid[j] != sentence:
                return None
            if _slot_ok(nxt, toks[j]):
                r = _continue(slots, si + 2, toks, j + 1, sid, sentence)
                if r is not None:
                    return r
        return None
    if ti >= len(toks) or sid[ti] != sentence or not _slot_ok(slot, toks[ti]):
        return None
    return _continue(slots, si + 1, toks, ti + 1, sid, sentence)


def _slot_ok(slot: Slot, tok: Token) -> bool:
    if tok.lower in slot.surface:
        return True
    for k in tok.keys():
        if k in slot.exact:
            return True
        for pre in slot.prefixes:
            if k.startswith(pre):
                return True
    return False


def _zh_continue(text: str, parts, pi: int, pos: int, doc: Doc) -> int | None:
    if pi == len(parts):
        return pos
    best = None
    for alt in parts[pi]:
        window = text[pos : pos + GAP_CHARS + len(alt)]
        j = window.find(alt)
        if j < 0 or any(c in ZH_PUNCT for c in window[:j]):
            continue
        start = pos + j
        if not _zh_word_ok(doc, alt, start, start + len(alt)):
            continue
        r = _zh_continue(text, parts, pi + 1, start + len(alt), doc)
        if r is not None and (best is None or r < best):
            best = r
    return best


def _zh_word_ok(doc: Doc, piece: str, start: int, end: int) -> bool:
    if len(piece) > 1 or not any("\u4e00" <= c <= "\u9fff" for c in piece):
        if piece.isascii() and piece[:1].isalnum():  # Latin inside Chinese: whole words only
            before = doc.lower[start - 1] if start else " "
            after = doc.lower[end] if end < len(doc.lower) else " "
            return not (before.isascii() and before.isalnum()) and not (
                after.isascii() and after.isalnum()
            )
        return True
    if doc._tokens is not None:
        return start in doc.token_starts and any(t.end == end for t in doc.tokens_in(start, end))
    bounds = doc.zh_boundaries(start, end)
    return start in bounds and end in bounds


def drop_contained(matches: list[Match]) -> list[Match]:
    """Where one match lies inside a longer one, keep the longer ("не проблема" beats
    "проблема", "不满意" beats "满意")."""
    ms = sorted(matches, key=lambda m: (m.start, -(m.end - m.start)))
    kept: list[Match] = []
    for m in ms:
        if any(
            k.start <= m.start and m.end <= k.end and (k.end - k.start) > (m.end - m.start)
            for k in kept
        ):
            continue
        kept.append(m)
    return kept
