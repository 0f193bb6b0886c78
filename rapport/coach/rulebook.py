"""The rule book of one organisation (MG2): which checks run, how much each weighs, the
organisation's jargon, its forbidden and required phrases, its templates.

A rule book is a plain, JSON-serialisable structure, so the web application can keep it in a
JSON column and edit it in a form; ``RuleBook.from_dict`` validates what comes back.

    {
      "checks": {"closing": {"enabled": false}, "empathy": {"weight": 3}},
      "jargon": ["тикет", "L2", "бэкофис"],
      "allowed_abbreviations": ["ОСАГО"],
      "forbidden_phrases": [{"phrase": "к сожалению, ничем не могу помочь", "lang": "ru"}],
      "required_phrases": [{"phrase": "Спасибо, что выбрали нас", "lang": "ru", "where": "end"}],
      "templates": ["Здравствуйте! Ваше обращение принято…"],
      "extra_phrases": {"ru": {"empathy": ["войдите в моё положение"]}},
      "limits": {"sentence_words": 30}
    }
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

# check id → (principle, default weight, default severity)
CHECKS: dict[str, tuple[str, float, str]] = {
    "greeting": ("CQ6", 1.0, "low"),
    "closing": ("CQ6", 0.5, "low"),
    "politeness": ("CQ6", 1.0, "low"),
    "name": ("CQ14", 0.5, "low"),
    "empathy": ("CQ3", 1.5, "medium"),
    "calm_first": ("CQ22", 1.0, "medium"),
    "paraphrase": ("CQ1", 1.0, "low"),
    "jargon": ("CQ4", 1.0, "medium"),
    "language": ("CQ5", 3.0, "high"),
    "register": ("CQ5", 0.5, "low"),
    "denial": ("CQ7", 2.0, "high"),
    "deflection": ("CQ8", 2.0, "high"),
    "questions": ("CQ9", 3.0, "high"),
    "layout": ("CQ10", 0.5, "low"),
    "next_steps": ("RS4", 2.0, "medium"),
    "satisfaction_check": ("CQ20", 1.0, "low"),
    "absolute_promise": ("CQ15", 1.0, "medium"),
    "template": ("CQ16", 1.0, "medium"),
    "apology_remedy": ("CQ17", 1.5, "medium"),
    "rudeness": ("CQ18", 3.0, "high"),
    "dont_know": ("CQ19", 1.5, "medium"),
    "insult_response": ("ES4", 1.5, "medium"),
    "forbidden_phrases": ("MG2", 1.0, "medium"),
    "required_phrases": ("MG2", 1.0, "low"),
}
SEVERITIES = ("low", "medium", "high")
WHERE = ("anywhere", "start", "end")
DEFAULT_LIMITS = {
    "sentence_words": 30,  # ru/en: words in one sentence
    "sentence_chars_zh": 70,  # zh: characters in one sentence
    "paragraph_sentences": 4,
    "name_max": 2,  # the customer's name at most this many times
}


@dataclass
class CheckRule:
    enabled: bool = True
    weight: float = 1.0
    severity: str = "low"


@dataclass
class Phrase:
    phrase: str
    lang: str | None = None  # None: every language
    where: str = "anywhere"  # for required phrases
    suggestion: str | None = None  # for forbidden phrases: what to say instead


@dataclass
class RuleBook:
    checks: dict[str, CheckRule] = field(default_factory=dict)
    jargon: list[str] = field(default_factory=list)
    allowed_abbreviations: list[str] = field(default_factory=list)
    forbidden_phrases: list[Phrase] = field(default_factory=list)
    required_phrases: list[Phrase] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)
    extra_phrases: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_LIMITS))

    def __post_init__(self):
        for check, (_, weight, severity) in CHECKS.items():
            self.checks.setdefault(check, CheckRule(True, weight, severity))

    # -- access -----------------------------------------------------------------------
    def enabled(self, check: str) -> bool:
        return self.checks[check].enabled

    def weight(self, check: str) -> float:
        rule = self.checks[check]
        return rule.weight if rule.enabled else 0.0

    def severity(self, check: str) -> str:
        return self.checks[check].severity

    def key(self) -> str:
        """A stable identity, for caching what is compiled from the rule book."""
        return json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)

    # -- (de)serialisation ---------------------------------------------------------------
    @classmethod
    def default(cls) -> RuleBook:
        return cls()

    @classmethod
    def from_dict(cls, data: dict | None) -> RuleBook:
        """Build from plain data, raising ``ValueError`` with a readable reason."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ValueError("a rule book is an object")
        unknown = set(data) - {
            "checks",
            "jargon",
            "allowed_abbreviations",
            "forbidden_phrases",
            "required_phrases",
            "templates",
            "extra_phrases",
            "limits",
        }
        if unknown:
            raise ValueError(f"unknown rule book keys: {', '.join(sorted(unknown))}")
        checks = {}
        for name, rule in (data.get("checks") or {}).items():
            if name not in CHECKS:
                raise ValueError(f"unknown check {name!r}")
            if not isinstance(rule, dict):
                raise ValueError(f"check {name!r}: expected an object")
            _, weight, severity = CHECKS[name]
            w = rule.get("weight", weight)
            if not isinstance(w, int | float) or isinstance(w, bool) or w < 0:
                raise ValueError(f"check {name!r}: weight must be a number ≥ 0")
            sev = rule.get("severity", severity)
            if sev not in SEVERITIES:
                raise ValueError(f"check {name!r}: severity must be one of {SEVERITIES}")
            checks[name] = CheckRule(bool(rule.get("enabled", True)), float(w), sev)
        limits = dict(DEFAULT_LIMITS)
        for k, v in (data.get("limits") or {}).items():
            if k not in DEFAULT_LIMITS or not isinstance(v, int) or v < 1:
                raise ValueError(f"limit {k!r} must be a known limit and a positive integer")
            limits[k] = v
        extra = data.get("extra_phrases") or {}
        if not isinstance(extra, dict) or not all(
            isinstance(cats, dict) and all(isinstance(p, list) for p in cats.values())
            for cats in extra.values()
        ):
            raise ValueError("extra_phrases: {lang: {category: [phrases]}}")
        return cls(
            checks=checks,
            jargon=_strings(data, "jargon"),
            allowed_abbreviations=_strings(data, "allowed_abbreviations"),
            forbidden_phrases=_phrases(data, "forbidden_phrases"),
            required_phrases=_phrases(data, "required_phrases"),
            templates=_strings(data, "templates"),
            extra_phrases={
                lang: {c: [str(p) for p in ps] for c, ps in cats.items()}
                for lang, cats in extra.items()
            },
            limits=limits,
        )

    def to_dict(self) -> dict:
        return {
            "checks": {
                k: {"enabled": r.enabled, "weight": r.weight, "severity": r.severity}
                for k, r in sorted(self.checks.items())
            },
            "jargon": list(self.jargon),
            "allowed_abbreviations": list(self.allowed_abbreviations),
            "forbidden_phrases": [_phrase_dict(p) for p in self.forbidden_phrases],
            "required_phrases": [_phrase_dict(p) for p in self.required_phrases],
            "templates": list(self.templates),
            "extra_phrases": self.extra_phrases,
            "limits": dict(self.limits),
        }


def _strings(data: dict, key: str) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key}: expected a list of strings")
    return [v for v in value if v.strip()]


def _phrases(data: dict, key: str) -> list[Phrase]:
    out = []
    for item in data.get(key) or []:
        if isinstance(item, str):
            item = {"phrase": item}
        if not isinstance(item, dict) or not isinstance(item.get("phrase"), str):
            raise ValueError(f"{key}: each item is a string or {{'phrase': …}}")
        where = item.get("where", "anywhere")
        if where not in WHERE:
            raise ValueError(f"{key}: 'where' must be one of {WHERE}")
        lang = item.get("lang")
        if lang is not None and lang not in ("ru", "zh", "en"):
            raise ValueError(f"{key}: 'lang' must be ru, zh or en")
        out.append(Phrase(item["phrase"], lang, where, item.get("suggestion")))
    return out


def _phrase_dict(p: Phrase) -> dict:
    d = {"phrase": p.phrase, "where": p.where}
    if p.lang:
        d["lang"] = p.lang
    if p.suggestion:
        d["suggestion"] = p.suggestion
    return d
