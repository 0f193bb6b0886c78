"""The scripted customer of a practice scenario (KN4; docs/training.md). Plain Python, no Django.

A scenario is a small state machine of customer moods. Each state has the customer's message in
every UI language and ordered rules; a rule names the facts that must all hold about the
trainee's reply and the state the customer moves to. The facts come from the coach
(`rapport.coach.check_reply`): what is present (empathy, next steps, …), what is wrong
(deflection, denial, rudeness, "I don't know", unanswered questions), whether it sets a
boundary with an insulting customer (ES4) and, for the legal-threat case (ES3), whether the
reply uses the scenario's escalation wording. Terminal states end the
session as passed (``end = "resolved"``) or failed (``end = "failed"``).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from rapport.coach import RuleBook, check_reply

LANGUAGES = ("en", "ru", "zh-hans")
COACH_LANG = {"en": "en", "ru": "ru", "zh-hans": "zh"}
# Replies the scripted customer takes badly (CQ7 denial, CQ8 deflection, CQ18 rudeness,
# CQ19 "I don't know").
BAD = ("deflection", "denial", "rudeness", "dont_know")
PRESENT = ("greeting", "politeness", "empathy", "next_steps", "satisfaction_check")
VIOLATIONS = (*BAD, "jargon", "unanswered_question", "wrong_language")
FACTS = frozenset((*PRESENT, *VIOLATIONS, "bad", "answered", "escalation", "boundary"))
ENDS = ("resolved", "failed")
MOODS = ("calm", "annoyed", "angry", "furious")
BUILTIN_DIR = Path(__file__).with_name("scenarios")
DEFAULT_MAX_TURNS = 6
DEFAULT_PASS_SCORE = 70


class ScenarioError(ValueError):
    pass


@dataclass
class Step:
    """What one reply did: the coach's report, the facts read from it, the customer's move."""

    report: dict
    facts: set[str]
    state: str
    customer_text: str
    end: str  # "", "resolved" or "failed"


def _texts(where: str, value, errors: list[str]) -> None:
    if not isinstance(value, dict):
        errors.append(f"{where}: a table with one text per language ({', '.join(LANGUAGES)})")
        return
    for lang in LANGUAGES:
        if not isinstance(value.get(lang), str) or not value[lang].strip():
            errors.append(f"{where}: the text in {lang!r} is missing")


def validate(data: dict) -> dict:
    """Check a scenario's structure; raises ScenarioError with every problem found."""
    errors: list[str] = []
    if not isinstance(data, dict):
        raise ScenarioError("a scenario is a table")
    key = data.get("key")
    if not isinstance(key, str) or not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,60}", key):
        errors.append("key: lower-case letters, digits and dashes")
    for field in ("title", "persona"):
        _texts(field, data.get(field), errors)
    states = data.get("states")
    if not isinstance(states, dict) or not states:
        raise ScenarioError("; ".join([*errors, "states: at least one state"]))
    start = data.get("start")
    if start not in states:
        errors.append(f"start: {start!r} is not one of the states")
    ends = set()
    for name, state in states.items():
        where = f"states.{name}"
        if not isinstance(state, dict):
            errors.append(f"{where}: a table")
            continue
        _texts(f"{where}.message", state.get("message"), errors)
        if "again" in state:
            _texts(f"{where}.again", state["again"], errors)
        if state.get("mood", "calm") not in MOODS:
            errors.append(f"{where}.mood: one of {', '.join(MOODS)}")
        end = state.get("end")
        if end is not None:
            if end not in ENDS:
                errors.append(f"{where}.end: one of {', '.join(ENDS)}")
            ends.add(end)
            continue
        rules = state.get("rules", [])
        if not isinstance(rules, list):
            errors.append(f"{where}.rules: a list")
            continue
        for i, rule in enumerate(rules):
            rwhere = f"{where}.rules[{i}]"
            if not isinstance(rule, dict) or rule.get("to") not in states:
                errors.append(f"{rwhere}.to: one of the states")
                continue
            cond = rule.get("if", [])
            if not isinstance(cond, list):
                errors.append(f"{rwhere}.if: a list of facts")
                continue
            for fact in cond:
                if not isinstance(fact, str) or fact.lstrip("!") not in FACTS:
                    errors.append(f"{rwhere}.if: unknown fact {fact!r}")
    if "resolved" not in ends:
        errors.append('states: one state must have end = "resolved"')
    phrases = data.get("escalation_phrases", {})
    if not isinstance(phrases, dict) or any(
        not isinstance(v, list) or not all(isinstance(p, str) for p in v) for v in phrases.values()
    ):
        errors.append("escalation_phrases: a list of phrases per language")
    for field, lo, hi in (("max_turns", 1, 30), ("pass_score", 0, 100)):
        value = data.get(field)
        if value is not None and (not isinstance(value, int) or not lo <= value <= hi):
            errors.append(f"{field}: a whole number from {lo} to {hi}")
    if errors:
        raise ScenarioError("; ".join(errors))
    return data


def parse(text: str) -> dict:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"TOML: {exc}") from exc
    return validate(data)


def builtin_files() -> list[Path]:
    return sorted(BUILTIN_DIR.glob("*.toml"))


def text(state: dict, lang: str, *, again: bool = False) -> str:
    texts = state.get("again") if again and state.get("again") else state["message"]
    return texts.get(lang) or texts["en"]


def facts(report: dict, reply: str, data: dict, lang: str) -> set[str]:
    """The facts the rules read, from the coach's report on the reply."""
    out = set(report.get("present", ())) | set(report.get("violations", ()))
    if out & set(BAD):
        out.add("bad")
    if "unanswered_question" not in out:
        out.add("answered")
    # ES4: the customer insulted and the reply asks, firmly and politely, to stop.
    if any(
        entry.get("checks", {}).get("insult_response") == 100
        for entry in report.get("breakdown", {}).values()
    ):
        out.add("boundary")
    folded = reply.casefold()
    if any(p.casefold() in folded for p in data.get("escalation_phrases", {}).get(lang, ())):
        out.add("escalation")
    return out


def holds(cond: list[str], have: set[str]) -> bool:
    return all((f[1:] not in have) if f.startswith("!") else (f in have) for f in cond)


def review(data: dict, state: str, reply: str, lang: str, ui_language: str = "en") -> dict:
    """The coach's findings on a reply to the customer's message of `state` (live and scored)."""
    customer = text(data["states"][state], lang)
    return check_reply(
        customer,
        reply,
        RuleBook.default(),
        customer_name=data.get("customer_name", {}).get(lang),
        ui_language=ui_language,
    ).as_dict()


def step(
    data: dict, state: str, reply: str, lang: str, *, ui_language: str = "en", last: bool = False
) -> Step:
    """Score a reply and move the customer: the first rule whose facts all hold wins; none
    means the customer stays where they are and asks again. `last`: the turn limit is reached,
    so a non-final move fails the session."""
    report = review(data, state, reply, lang, ui_language)
    have = facts(report, reply, data, lang)
    nxt = state
    for rule in data["states"][state].get("rules", []):
        if holds(rule.get("if", []), have):
            nxt = rule["to"]
            break
    target = data["states"][nxt]
    end = target.get("end", "")
    if not end and last:
        end = "failed"
    return Step(report, have, nxt, text(target, lang, again=nxt == state), end)
