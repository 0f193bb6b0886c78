"""Language packs: plain TOML files under ``packs/<lang>/``, one folder per language.

A pack file is a set of ``[sections]``. A section with ``phrases`` is a lexicon category
(see :mod:`rapport.coach.lexicon` for the pattern syntax); its optional keys are ``weight``,
``unless`` (hard negatives: a match overlapping one of these is dropped) and ``regex`` (for
the few things words cannot say, such as "до 18:00"). Top-level keys (``negators = [...]``) and
sections without ``phrases`` (suggestion texts) are data. Every file of a folder is read and
merged, so a new file can extend a pack without touching the others.
"""

from __future__ import annotations

import functools
import re
import threading
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .lexicon import Doc, Lexicon, Match

PACK_DIR = Path(__file__).with_name("packs")
LANGS = ("ru", "zh", "en")
UNLESS = "!unless"


@dataclass
class Pack:
    lang: str
    lexicon: Lexicon
    data: dict = field(default_factory=dict)
    regex: dict[str, list[re.Pattern]] = field(default_factory=dict)
    sets: dict[str, frozenset] = field(default_factory=dict)

    def words(self, name: str) -> frozenset:
        """A top-level word list as a set (negators, contrast words...)."""
        if name not in self.sets:
            self.sets[name] = frozenset(w.lower() for w in self.data.get(name, []))
        return self.sets[name]

    def text(self, section: str, key: str, default: str = "") -> str:
        return self.data.get(section, {}).get(key, default)

    def find(self, doc: Doc, extra: Lexicon | None = None) -> dict[str, list[Match]]:
        """Every category's matches in ``doc``, with ``unless`` exceptions removed."""
        found = {k: list(v) for k, v in self.lexicon.match(doc).items()}
        if extra is not None:
            for k, v in extra.match(doc).items():
                found.setdefault(k, []).extend(v)
        lowered = None
        for category, patterns in self.regex.items():
            for rx in patterns:
                guard = _GUARDS.get(rx)
                if guard:
                    literals, fold = guard
                    if fold and lowered is None:
                        lowered = doc.text.lower()
                    hay = lowered if fold else doc.text
                    if not any(g in hay for g in literals):
                        continue  # a literal the pattern needs is absent: it cannot match
                for m in rx.finditer(doc.text):
                    found.setdefault(category, []).append(
                        Match(category, m.start(), m.end(), rx.pattern)
                    )
        result: dict[str, list[Match]] = {}
        for category, matches in found.items():
            if category.endswith(UNLESS):
                continue
            blockers = found.get(category + UNLESS)
            if blockers:
                matches = [
                    m
                    for m in matches
                    if not any(b.start < m.end and m.start < b.end for b in blockers)
                ]
            if matches:
                result[category] = sorted(matches, key=lambda m: (m.start, -m.end))
        return result


# -- regex guards ------------------------------------------------------------------------
# Most pack regexes need some literal text ("when", "much?", "什么"). Running them all over
# every message costs more than the whole lexicon, so each gets the set of literals one of
# which must occur; a text without any of them skips the regex (same result, less work).
_GUARDS: dict[re.Pattern, tuple[tuple[str, ...], bool]] = {}


def _seq_literals(items) -> list[tuple[str, ...]]:
    """Literal sets that a parsed sequence requires: runs of literals, and branches whose
    every alternative starts with a literal run. Optional parts and assertions are skipped."""
    from re import _constants as C  # noqa: N812 (stdlib internals, read only)

    found: list[tuple[str, ...]] = []
    run: list[str] = []
    for op, av in items:
        if op is C.LITERAL:
            run.append(chr(av))
            continue
        if run:
            found.append(("".join(run),))
            run = []
        if op is C.SUBPATTERN:
            found.extend(_seq_literals(av[-1]))
        elif op is C.BRANCH:
            alts: list[str] | None = []
            for alt in av[1]:
                lead = []
                for o, a in alt:
                    if o is not C.LITERAL:
                        break
                    lead.append(chr(a))
                if not lead:
                    alts = None
                    break
                alts.append("".join(lead))
            if alts:
                found.append(tuple(alts))
        elif op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT) and av[0] >= 1:
            found.extend(_seq_literals(av[2]))
    if run:
        found.append(("".join(run),))
    return found


def _register_guard(rx: re.Pattern) -> None:
    try:
        from re import _parser

        parsed = _parser.parse(rx.pattern, rx.flags)
    except Exception:  # pragma: no cover - a pattern the parser cannot read: no guard
        return
    fold = bool(rx.flags & re.IGNORECASE)
    best = None
    for cand in _seq_literals(list(parsed)):
        if fold:
            cand = tuple(c.lower() for c in cand)
        shortest = min(len(c) for c in cand)
        if shortest < 2 and not any("\u3400" <= ch <= "\u9fff" for c in cand for ch in c):
            continue  # one Latin/Cyrillic letter says nothing; one Chinese character does
        score = shortest - 0.5 * len(cand)
        if best is None or score > best[0]:
            best = (score, cand)
    if best:
        _GUARDS[rx] = (best[1], fold)


_lock = threading.Lock()


@functools.cache
def load_pack(lang: str) -> Pack:
    """The merged pack of ``lang`` (cached for the life of the process)."""
    with _lock:
        return _load(lang)


def _load(lang: str) -> Pack:
    folder = PACK_DIR / lang
    if not folder.is_dir():
        raise ValueError(f"no language pack for {lang!r}")
    categories: dict[str, list[str]] = {}
    weights: dict[str, float] = {}
    data: dict = {}
    regex: dict[str, list[re.Pattern]] = {}
    for path in sorted(folder.glob("*.toml")):
        with path.open("rb") as f:
            doc = tomllib.load(f)
        for key, value in doc.items():
            if isinstance(value, dict) and "phrases" in value:
                categories.setdefault(key, []).extend(value["phrases"])
                if "unless" in value:
                    categories.setdefault(key + UNLESS, []).extend(value["unless"])
                if "weight" in value:
                    weights[key] = float(value["weight"])
                for rx in value.get("regex", []):
                    compiled = re.compile(rx)
                    _register_guard(compiled)
                    regex.setdefault(key, []).append(compiled)
                extra = {
                    k: v
                    for k, v in value.items()
                    if k not in ("phrases", "unless", "weight", "regex")
                }
                if extra:
                    data.setdefault(key, {}).update(extra)
            elif isinstance(value, dict):
                data.setdefault(key, {}).update(value)
            elif isinstance(value, list):
                data.setdefault(key, []).extend(value)
            else:
                data[key] = value
    return Pack(lang, Lexicon(lang, categories, weights), data, regex)


def pack_for(lang: str) -> Pack:
    """Pack used to analyse a text detected as ``lang`` ("other" falls back to English)."""
    return load_pack(lang if lang in LANGS else "en")
