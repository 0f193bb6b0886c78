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
        for category, patterns in self.regex.items():
            for rx in patterns:
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
                    regex.setdefault(key, []).append(re.compile(rx))
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
