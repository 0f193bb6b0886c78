"""Language-aware tokens shared by indexing and querying (docs/search.md).

No Django in here: the same functions turn a message into the token strings the index stores
and an agent's query into the tokens it looks for, so the two always agree (KN6: an agent finds
the answer however the customer inflected the word).

- Everything is folded first: NFKC (full-width ＲＥＦＵＮＤ, half-width ｶﾅ, compatibility
  ideographs), case folding, ё → е.
- Russian (a word with Cyrillic letters): pymorphy3 lemmas through the coach's cached loader
  (`rapport.coach.morph.ru_lemmas`): заказа, заказов → заказ; искал, искала → искать. The
  most likely lemma is the word's token; the other lemmas of an ambiguous word (стали → стать,
  сталь) are indexed as alternatives so either reading finds it.
- English (a word of Latin letters): the Snowball (Porter 2) stemmer — refunds, refunded,
  refunding → refund.
- Chinese (a run of Han characters): jieba's dictionary segmentation without the HMM (the HMM
  guesses new words, which would make the index depend on the neighbours of a word). The run's
  character bigrams and the dictionary words of three characters inside longer words (what
  jieba's search mode adds) are indexed as alternatives, so "退款" is found inside "我要退款了"
  however jieba cuts the sentence, and a 3-character query word also matches the run of its
  bigrams.
- Anything else (digits, mixed letters and digits, other scripts): the folded word itself.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

from rapport.coach.morph import jieba, ru_lemmas

# Han ideographs (CJK Unified, Extension A, compatibility, and the supplementary planes).
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUNS = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<word>[^\W_{_HAN}]+)")
_PIECE = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[а-яё]")
_LATIN_WORD = re.compile(r"[a-z]+")
MAX_TOKEN = 64  # longer "words" (base64, hashes) are cut: the index stays small
MAX_LEMMAS = 3

_stemmer_lock = threading.Lock()
_en_stemmer = None


def fold(text: str) -> str:
    """NFKC, case folding, ё → е: the form both the index and the query see."""
    return unicodedata.normalize("NFKC", text).casefold().replace("ё", "е")


def _english():
    global _en_stemmer
    if _en_stemmer is None:
        with _stemmer_lock:
            if _en_stemmer is None:
                import snowballstemmer

                _en_stemmer = snowballstemmer.stemmer("english")
    return _en_stemmer


@lru_cache(maxsize=200_000)
def word_forms(piece: str) -> tuple[str, ...]:
    """The normalised forms of one folded letters-and-digits piece: first the token, then
    alternatives (other lemmas of an ambiguous Russian word)."""
    piece = piece[:MAX_TOKEN]
    if _CYRILLIC.search(piece) and not any(c.isdigit() for c in piece):
        lemmas = ru_lemmas(piece)[0][:MAX_LEMMAS]
        return tuple(dict.fromkeys(lemma.replace("ё", "е") for lemma in lemmas)) or (piece,)
    if _LATIN_WORD.fullmatch(piece):
        return (_english().stemWord(piece),)
    return (piece,)


@dataclass(slots=True)
class Word:
    """One word of the original text: where it is, its token and its alternatives."""

    start: int
    end: int
    token: str
    alternatives: tuple[str, ...] = ()
    han: bool = False


def words(text: str) -> Iterator[Word]:
    """The words of `text` with offsets into `text` itself (highlighting needs them)."""
    for m in _RUNS.finditer(text or ""):
        if m.group("han"):
            yield from _han_words(m.group(), m.start())
            continue
        for forms in _word_analysis(m.group()):
            yield Word(m.start(), m.end(), forms[0], forms[1:])


@lru_cache(maxsize=200_000)
def _word_analysis(surface: str) -> tuple[tuple[str, ...], ...]:
    """The forms of each letters-and-digits piece of one run of the original text (NFKC can
    split a run: "½" → "1⁄2")."""
    return tuple(word_forms(piece) for piece in _PIECE.findall(fold(surface)))


def _han_words(run: str, offset: int) -> Iterator[Word]:
    cut, alternatives = _han_analysis(run)
    for word, start, end in cut:
        yield Word(offset + start, offset + end, word, han=True)
    if alternatives:  # recall tokens, attached after the run's last word
        yield Word(offset + len(run), offset + len(run), "", alternatives, han=True)


@lru_cache(maxsize=100_000)
def _han_analysis(run: str) -> tuple[tuple[tuple[str, int, int], ...], tuple[str, ...]]:
    """jieba's words of a Han run with their offsets, and the run's recall alternatives: every
    character bigram, and the dictionary's three-character words inside longer words (what
    jieba's search mode adds beyond the bigrams). Cached: greetings and set phrases recur."""
    folded = fold(run)
    if len(folded) != len(run):  # NFKC changed the length: offsets would be wrong; rare
        folded = run
    cut = tuple(jieba().tokenize(folded, HMM=False))
    primary = {w for w, _s, _e in cut}
    extra = [folded[i : i + 2] for i in range(len(folded) - 1)]
    freq = jieba().dt.FREQ
    for word, _s, _e in cut:
        if len(word) > 3:
            extra += [word[i : i + 3] for i in range(len(word) - 2) if freq.get(word[i : i + 3])]
    return cut, tuple(dict.fromkeys(w for w in extra if w not in primary))


# Texts analysed ahead of the transaction that stores them (warm_index_strings), picked up
# once by index_strings. Small: a batch of the intake worker is a few dozen messages.
_WARM: dict[str, tuple[str, str]] = {}
_WARM_MAX = 256
_warm_lock = threading.Lock()


def warm_index_strings(text: str) -> None:
    """Analyse `text` now so that the next index_strings(text) finds the result: the intake
    worker does it while parsing, outside the write transaction (on SQLite every other writer
    waits while that transaction runs; the analysis is the biggest part of indexing)."""
    if not text or text in _WARM:
        return
    result = _analyse(text)
    with _warm_lock:
        while len(_WARM) >= _WARM_MAX:
            _WARM.pop(next(iter(_WARM)))
        _WARM[text] = result


def index_strings(text: str) -> tuple[str, str]:
    """(tokens, alternatives) to store for `text`: the tokens in text order (phrases are
    matched on them), then the alternatives, each once. The same analysis as words(), without
    the offsets: this is the index build's inner loop."""
    if _WARM:
        with _warm_lock:
            warm = _WARM.pop(text, None)
        if warm is not None:
            return warm
    return _analyse(text)


def _analyse(text: str) -> tuple[str, str]:
    tokens: list[str] = []
    alternatives: dict[str, None] = {}
    for m in _RUNS.finditer(text or ""):
        run = m.group("han")
        if run:
            cut, extra = _han_analysis(run)
            tokens.extend(word for word, _s, _e in cut)
            alternatives.update(dict.fromkeys(extra))
        else:
            for forms in _word_analysis(m.group()):
                tokens.append(forms[0])
                if len(forms) > 1:
                    alternatives.update(dict.fromkeys(forms[1:]))
    return " ".join(tokens), " ".join(alternatives)


def is_han(text: str) -> bool:
    return bool(re.fullmatch(rf"[{_HAN}]+", text))


def bigrams(word: str) -> tuple[str, ...]:
    return tuple(word[i : i + 2] for i in range(len(word) - 1))
