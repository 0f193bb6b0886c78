"""Tokens with dictionary forms, per language.

- Russian: pymorphy3 (ships its dictionaries) gives every lemma of a word, so a pack entry
  "суд" matches "судом", "суде", "в суд"; words written in Latin letters are transliterated.
- English: lower case, contractions split ("don't" → do + not), plural -s removed.
- Chinese: jieba segmentation without the HMM (the words we match are in the dictionary; the
  HMM only guesses unknown words and doubles the cost).

The heavy libraries load on first use, so a process that only sees English never pays for them.
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading

from .language import detransliterate
from .text import Token

_lock = threading.Lock()
_morph = None
_jieba = None
_RU_CACHE: dict[str, tuple[tuple[str, ...], frozenset]] = {}
_RU_CACHE_MAX = 200_000


def morph():
    global _morph
    if _morph is None:
        with _lock:
            if _morph is None:
                import pymorphy3

                _morph = pymorphy3.MorphAnalyzer(lang="ru")
    return _morph


def jieba():
    global _jieba
    if _jieba is None:
        with _lock:
            if _jieba is None:
                import jieba as jb

                jb.setLogLevel(logging.WARNING)
                cache_dir = os.environ.get("RAPPORT_COACH_CACHE_DIR") or tempfile.gettempdir()
                jb.dt.tmp_dir = cache_dir
                jb.dt.cache_file = "rapport-coach-jieba.cache"
                jb.initialize()
                _jieba = jb
    return _jieba


def ru_lemmas(word: str) -> tuple[tuple[str, ...], frozenset]:
    """All distinct normal forms of a lower-case Russian word, most likely first, and the
    grammemes of the most likely parse."""
    hit = _RU_CACHE.get(word)
    if hit is not None:
        return hit
    parses = morph().parse(word)
    lemmas: list[str] = []
    for p in parses[:4]:
        nf = p.normal_form.replace("ё", "е")
        if nf not in lemmas:
            lemmas.append(nf)
    tags = frozenset(str(parses[0].tag).replace(" ", ",").split(",")) if parses else frozenset()
    result = (tuple(lemmas) or (word,), tags)
    if len(_RU_CACHE) < _RU_CACHE_MAX:
        _RU_CACHE[word] = result
    return result


_EN_TOKEN = re.compile(r"\w+?(?=n't\b)|n't\b|'(?:s|re|ve|ll|d|m)\b|\w+(?:-\w+)*", re.IGNORECASE)
# a star inside a word is a masked letter ("д*лбо…", "п**дец"): kept in the token (obfuscation)
_RU_TOKEN = re.compile(r"\w+(?:(?:[-']|\*+)\w+)*")
_EN_IRREGULAR = {
    "was": "be",
    "were": "be",
    "is": "be",
    "are": "be",
    "am": "be",
    "been": "be",
    "'re": "be",
    "'m": "be",
    "n't": "not",
    "ca": "can",
    "wo": "will",
    "'ll": "will",
    "'ve": "have",
    "'d": "would",
    "has": "have",
    "had": "have",
    "did": "do",
    "does": "do",
    "done": "do",
    "people": "people",
    "children": "child",
    "men": "man",
    "women": "woman",
    "lawyers": "lawyer",
    "this": "this",
    "his": "his",
    "its": "its",
    "us": "us",
    "yes": "yes",
    "thanks": "thanks",
    "sms": "sms",
    "news": "news",
    "bus": "bus",
    "less": "less",
    "unless": "unless",
}


def en_lemma(word: str) -> str:
    w = word.lower()
    if w in _EN_IRREGULAR:
        return _EN_IRREGULAR[w]
    if len(w) > 4 and w.endswith("ies"):
        return w[:-3] + "y"
    if len(w) > 4 and w.endswith(("sses", "shes", "ches", "xes")):
        return w[:-2]
    if len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is", "'s")):
        return w[:-1]
    return w


def tokenize(text: str, lang: str, translit: bool = False) -> list[Token]:
    """Tokens of ``text`` (already normalised) in language ``lang``."""
    if lang == "zh":
        return _zh_tokens(text)
    if lang == "ru":
        return _ru_tokens(text, translit)
    return _en_tokens(text)


def _en_tokens(text: str) -> list[Token]:
    out = []
    for m in _EN_TOKEN.finditer(text):
        w = m.group()
        low = w.lower()
        lemma = en_lemma(low)
        out.append(Token(w, m.start(), m.end(), low, (lemma,) if lemma != low else (low,)))
    return out


_CYR = re.compile(r"[а-яА-ЯёЁ]")
_LAT = re.compile(r"[a-zA-Z]")


# Latin and digit look-alikes inside a Cyrillic word ("оxренели", "ид1от", "пu3дец"): abuse
# is often typed this way to dodge filters
_LOOKALIKE = str.maketrans("aeopcxykmthbu01346@", "аеорсхукмтнвиоиздба")
_MASK_VOWELS = "оаеиуы"
_PLAIN_CYR = re.compile(r"[а-яё]+(?:[-'][а-яё]+)*").fullmatch
_MIXED = re.compile(r"[a-z]|(?<=[а-я])[0-9@]+(?=[а-я])")
_INNER_DIGIT = re.compile(r"(?<=[а-яa-z])[0-9@]+(?=[а-яa-z])")
# roots that masked words usually hide; a star stands for one letter of the root ("му*ак",
# "п**дец", "д*лбоеб"). Which words are insults stays in the packs; this only restores spelling.
_MASKED_ROOTS = (
    "хуй",
    "хуе",
    "хуи",
    "пизд",
    "ебан",
    "ебат",
    "ебал",
    "ебну",
    "уеба",
    "уебо",
    "заеба",
    "долбоеб",
    "долбаеб",
    "бляд",
    "блят",
    "сука",
    "суки",
    "сучк",
    "мудак",
    "мудил",
    "муда",
    "пидор",
    "пидар",
    "пидр",
    "гандон",
    "гондон",
    "говн",
    "дерьм",
    "жоп",
    "залуп",
    "манда",
    "мраз",
    "твар",
    "ублюд",
    "урод",
    "идиот",
    "дебил",
    "кретин",
    "придур",
    "падл",
    "шлюх",
    "гнид",
    "сволоч",
    "охуе",
    "нахуй",
    "похуй",
    "херн",
    "срань",
    "сран",
)


def _fill_mask(low: str) -> str | None:
    for root in _MASKED_ROOTS:
        last_star = low.rfind("*")
        if last_star >= len(root) or len(low) < len(root):
            continue
        if all(a == "*" or a == b for a, b in zip(low[: len(root)], root, strict=True)):
            return root + low[len(root) :]
    return None


def deobfuscate(low: str) -> tuple[str, tuple[str, ...]] | None:
    """The word behind a masked or look-alike spelling, and its candidates' lemmas; None when
    ``low`` is an ordinary word. Only words with Cyrillic letters are touched."""
    if not _CYR.search(low):
        return None
    star = "*" in low
    # a Latin letter in a Cyrillic word, or a digit between letters ("ид1оты", not "3кг", "5к")
    mixed = bool(_MIXED.search(low))
    if not star and not mixed:
        return None
    if mixed:
        low = _INNER_DIGIT.sub(lambda m: m.group().translate(_LOOKALIKE), low)
        low = re.sub(r"[a-z]", lambda m: m.group().translate(_LOOKALIKE), low)
        if re.search(r"[a-z]", low):
            return None  # a real mixed token ("iphone-чехол"), not a look-alike spelling
    if not star:
        return low, ru_lemmas(low)[0]
    runs = re.split(r"\*+", low)
    filled = _fill_mask(low)
    candidates = [filled] if filled and "*" not in filled else []
    for v in _MASK_VOWELS:
        candidates.append(v.join(runs))
    known = [c for c in candidates if morph().word_is_known(c)]
    lemmas: list[str] = []
    for c in known or candidates[:1]:
        for lemma in ru_lemmas(c)[0]:
            if lemma not in lemmas:
                lemmas.append(lemma)
    # unknown masked words keep every reading, so "д*лбоебы" reaches the prefix "долбоеб*"
    lemmas += [c for c in candidates if c not in lemmas]
    return (known or candidates)[0], tuple(lemmas)


def _ru_tokens(text: str, translit: bool) -> list[Token]:
    out = []
    for m in _RU_TOKEN.finditer(text):
        w = m.group()
        low = w.lower()
        if translit and _LAT.search(low) and not any(c.isdigit() for c in low):
            low = detransliterate(low)
        if _PLAIN_CYR(low):  # the usual case: a plain Russian word, one regex call
            lemmas, tags = ru_lemmas(low)
            out.append(Token(w, m.start(), m.end(), low, lemmas, tags))
            continue
        hidden = deobfuscate(low) if not translit else None
        if hidden is not None:
            low, lemmas = hidden
            out.append(Token(w, m.start(), m.end(), low, lemmas, ru_lemmas(low)[1]))
            continue
        if _CYR.search(low):
            lemmas, tags = ru_lemmas(low)
        else:
            lemmas, tags = (en_lemma(low),), frozenset()
        out.append(Token(w, m.start(), m.end(), low, lemmas, tags))
    return out


def _zh_tokens(text: str) -> list[Token]:
    out = []
    for word, start, end in jieba().tokenize(text, HMM=False):
        if word.isspace():
            continue
        low = word.lower()
        out.append(Token(word, start, end, low, (en_lemma(low) if low.isascii() else low,)))
    return out


def add_zh_words(words) -> None:
    """Make sure pack phrases are single jieba words (so "尽快" is not cut in two)."""
    jb = jieba()
    for w in words:
        if 2 <= len(w) <= 6 and not jb.dt.FREQ.get(w):
            jb.add_word(w)
