"""Analysis of a customer's message: language, mood, signals, the questions asked (ES1, ES4,
ES5, ES3, CQ2, CQ9).

Every decision is made of pack matches that can be shown to the agent (``evidence``): which
words made the message "angry", which phrase is the legal threat.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from . import model as ngram_model
from .langpack import Pack, pack_for
from .language import detect
from .lexicon import Doc, Match, drop_contained
from .text import ZH_PUNCT_RE, caps_ratio

SIGNALS = (
    "insult",
    "legal_threat",
    "physical_threat",
    "supervisor_request",
    "urgent",
    "vague_time",
)
MOODS = ("positive", "neutral", "negative", "angry")

# Emoji and emoticons carry mood in every language.
ANGRY_EMOJI = set("😡🤬👿💢😤🖕😠")
NEGATIVE_EMOJI = set("😞😢😭☹🙁😔😟😣😖😫😩😒👎💔😓😥😰😱🤦")
POSITIVE_EMOJI = set("😊🙂😀😃😄😁😆😍🥰😘👍❤💕💖🙏👏🎉🤩😇💯🌹✨🥳💪👌")
_SMILE_RE = re.compile(r"(?<![(\w]):-?\)+|(?<![(\w])\){2,}|:D\b|=\)|\^_\^|\(:")
_FROWN_RE = re.compile(r":-?\(+|(?<![)\w])\({2,}|:'\(|D:")


@dataclass
class Question:
    text: str
    start: int
    end: int
    implicit: bool = False
    # content words, used to check that a reply answers it: a tuple, or a function that
    # computes it on first use (segmenting Chinese is the costly part of a message's
    # analysis, and only a reply check needs the keys of every question)
    keys_of: tuple | Callable[[], tuple] = field(default=(), repr=False)

    @property
    def keys(self) -> tuple:
        if callable(self.keys_of):
            self.keys_of = self.keys_of()
        return self.keys_of

    def as_dict(self) -> dict:
        return {"text": self.text, "span": [self.start, self.end]}


@dataclass
class MessageAnalysis:
    language: str
    mood: str
    signals: list[str]
    questions: list[Question]
    evidence: list[dict] = field(default_factory=list)
    scores: dict = field(default_factory=dict)
    name: str | None = None  # the customer's name if they signed the message
    doc: Doc | None = None
    suggestions: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "language": self.language,
            "mood": self.mood,
            "signals": list(self.signals),
            "questions": [q.as_dict() for q in self.questions],
            "evidence": self.evidence,
            "suggestions": self.suggestions,
        }


def analyze_message(text: str) -> MessageAnalysis:
    """Analyse one customer message."""
    text = text or ""
    language = detect(text)
    pack = pack_for(language)
    doc = Doc(text, pack.lang)
    found = pack.find(doc)
    _mark(doc, pack, found)
    doc.found = found  # kept for a reply check against this message (no second matching)

    signals, evidence = _signals(doc, pack, found)
    if "insult" not in signals:
        _model_insult(doc, signals, evidence)
    questions = find_questions(doc, pack, found)
    mood, scores = _mood(doc, pack, found, signals, questions, evidence)
    suggestions = []
    if "vague_time" in signals:
        word = next(e["text"] for e in evidence if e["label"] == "vague_time")
        suggestions.append(
            {
                "principle": "CQ2",
                "text": pack.text("suggestions", "clarify_time", "").format(word=word),
            }
        )
    return MessageAnalysis(
        language,
        mood,
        signals,
        questions,
        evidence,
        scores,
        name=_signature_name(doc),
        doc=doc,
        suggestions=suggestions,
    )


# ------------------------------------------------------------------------------ helpers
# signals whose hard negatives are listed in the packs ("не срочно"): no generic negation, so
# "if this isn't fixed today" stays urgent
NO_NEGATION = {"urgent", "vague_time", "urgent_asap", "no_rush"}
# categories that only find words (question words, the target of an insult): never negated
NOT_MARKED = {
    "question_word",
    "question_opener",
    "question_join",
    "person",
    "bridge",
    "reported_promise",
    "own_plan",
    "plan_tie",
    "insult_report",
}


def _mark(doc: Doc, pack: Pack, found: dict[str, list[Match]]) -> None:
    """Mark each match quoted (someone else's words) and negated ("не проблема")."""
    negators = pack.words("negators")
    for category, matches in found.items():
        if category in NOT_MARKED:
            continue
        for m in matches:
            m.quoted = doc.ends_in_quotes(m.start, m.end) if doc.quotes else False
            m.negated = category not in NO_NEGATION and is_negated(doc, m, negators)


# the start of a consequence: a negator before it belongs to the condition ("不解决我就报警",
# "再不退钱我就…", session 8)
_ZH_CONSEQUENCE = {"就", "便", "那就", "我就", "才", "否则", "不然", "要不然"}


def is_negated(doc: Doc, m: Match, negators: frozenset) -> bool:
    if doc.lang == "zh":
        # whole words only: "非常" is not "非", "能不能" is not "不"
        window = doc.text[max(0, m.start - 6) : m.start]
        if not any(n in window for n in negators):
            return False  # the common case, without segmenting anything
        words = doc.zh_words(max(0, m.start - 6), m.start)
        for w, _, _ in reversed(words[1:] if len(words) > 1 else words):
            if w in "，。！？；,.!?;\n" or w in ("但", "但是", "可是"):
                return False
            if w in _ZH_CONSEQUENCE:
                return False  # "不解决我就报警": the negator belongs to the condition
            if w in negators:
                return True
        return False
    # the pattern itself may start with a negator ("не работает"): then look before it
    idx = _token_index(doc, m.start)
    if idx is None:
        return False
    seen = 0
    j = idx - 1
    while j >= 0 and seen < 3:
        t = doc.tokens[j]
        if doc.clause_break_between(
            t.end, doc.tokens[j + 1].start if j + 1 < len(doc.tokens) else m.start
        ):
            return False
        if t.lower in negators or any(k in negators for k in t.lemmas):
            # "не только" / "not only" is not a negation
            nxt = doc.tokens[j + 1].lower if j + 1 < len(doc.tokens) else ""
            return nxt not in ("только", "only", "just", "лишь")
        seen += 1
        j -= 1
    return False


def _token_index(doc: Doc, offset: int) -> int | None:
    i = doc.token_index(offset)
    return i if i < len(doc.tokens) else None


def live(matches: list[Match] | None) -> list[Match]:
    """Matches that speak for the writer: not quoted, not negated."""
    return [m for m in matches or () if not m.quoted and not m.negated]


def _signals(doc: Doc, pack: Pack, found) -> tuple[list[str], list[dict]]:
    evidence: list[dict] = []
    hits: dict[str, list[Match]] = {}
    for label in SIGNALS:
        hits[label] = live(found.get(label))
    # "как можно скорее" / "尽快" / "as soon as possible" are vague times (CQ2); with a reason
    # that presses ("мне нечем платить", "我等着交房租", "I can't pay my rent") they are urgent too
    # a bare "как можно скорее" / "尽快" / "as soon as possible" (`[urgent_asap]`) is both: the
    # ticket is urgent, and the agent still asks for a concrete time (CQ2) — session 9's label
    # decision; "не срочно" / "不急" / "no rush" (`[no_rush]`) anywhere takes the urgency back
    asap = live(found.get("urgent_asap"))
    if asap:
        labels = ("vague_time",) if live(found.get("no_rush")) else ("urgent", "vague_time")
        for label in labels:
            hits[label] = hits[label] + [
                m for m in asap if not any(h.start < m.end and m.start < h.end for h in hits[label])
            ]
    if not hits["urgent"]:
        soft = live(found.get("urgent_soft"))
        if soft and live(found.get("pressure")):
            hits["urgent"] = soft
    # insults that need a target ("вы жулики", not "звонили мошенники")
    directed = [m for m in live(found.get("insult_directed")) if _aimed_at_people(doc, found, m)]
    hits["insult"] = hits["insult"] + directed
    # abuse words about a product are a complaint, not an insult ("This app is idiotic",
    # "приложение тупое", "机器人好蠢": `[product_abuse]`, session 8)
    products = found.get("product_abuse")
    if products and hits["insult"]:
        hits["insult"] = [
            m
            for m in hits["insult"]
            if not any(p.start < m.end and m.start < p.end for p in products)
        ]
    # CQ2 asks to clarify the customer's own vague time, not one they report ("обещали
    # быстро", "you said you'd call back at some point", "说好的马上发货")
    reported = found.get("reported_promise")
    if reported and hits["urgent"]:
        # "说好的马上发货" reports a promise; a deadline of the customer's own stays urgent
        hits["urgent"] = [
            m
            for m in hits["urgent"]
            if not any(
                r.end <= m.start
                and doc.sentence_of(r.start) == doc.sentence_of(m.start)
                and not doc.clause_break_between(r.end, m.start)
                for r in reported
            )
        ]
    if reported and hits["vague_time"]:
        hits["vague_time"] = [
            m
            for m in hits["vague_time"]
            if not any(
                doc.sentence_of(r.start) == doc.sentence_of(m.start)
                and not doc.clause_break_between(min(r.end, m.end), max(r.start, m.start))
                or (r.start < m.start and doc.sentence_of(r.start) == doc.sentence_of(m.start))
                for r in reported
            )
        ]
    # a vague time that dates the customer's own plans ("Скоро у меня отпуск, как …", "过几天我
    # 要搬家", "I'm moving house soon — how do I …") is context, not a time to clarify (CQ2);
    # it is one when the request is tied to it ("…, can you deliver before that?": [plan_tie])
    # (the same for a near time: "马上就要过年了，你们春节发货吗？" asks no hurry)
    plans = found.get("own_plan")
    if plans and not found.get("plan_tie"):
        for label in ("vague_time", "urgent"):
            hits[label] = [
                m
                for m in hits[label]
                if not any(p.start < m.end and m.start < p.end for p in plans)
                # a plan hours away is a near deadline ("三个小时后我就要上飞机了", session 8)
                or label == "urgent"
                and _HOURS_AWAY.search(doc.text, m.start, m.end)
            ]
    # an insult someone else said, reported without quotes ("В отзывах пишут, что вы жулики,
    # это правда?", "有人说你们是骗子", "people say you're crooks") is not the writer's, unless
    # the writer takes it up ("…, и это правда", "they're right")
    reports = found.get("insult_report")
    if reports and hits["insult"] and not live(found.get("insult_endorse")):
        hits["insult"] = [
            m
            for m in hits["insult"]
            if not any(
                r.end <= m.start
                and doc.sentence_of(r.start) == doc.sentence_of(m.start)
                # about the addressee ("…, что вы жулики", "你们是骗子"): "they call me a …",
                # "I heard that b… creak" are no report of an insult to the company
                and _SECOND_PERSON.search(doc.text, r.end, m.end)
                for r in reports
            )
        ]
    for label in SIGNALS:
        for m in hits[label]:
            evidence.append({"label": label, "span": m.span(), "text": doc.text[m.start : m.end]})
    signals = [label for label in SIGNALS if hits[label]]
    return signals, evidence


_HOURS_AWAY = re.compile(r"(?i)小时|分钟|钟头|\bhours?\b|\bminutes?\b|\bmins?\b|\bчас|\bминут")
_SECOND_PERSON = re.compile(
    r"(?i)\b(?:you|your|you're|youre|y'all|вы|вас|вам|ваш\w*|ты|тебя|твой\w*)\b|你们|您|你"
)


# the statistical models that back the rules up, per language (see model.py; bench/README.md
# gives their data, licence, split and figures)
INSULT_MODELS = {"zh": "zh_offensive"}


@functools.cache
def group_regex(lang: str) -> re.Pattern | None:
    """The pack's ``social_group`` words as one search (a plain substring gate: cheap)."""
    words = sorted(pack_for(lang).words("social_group"), key=len, reverse=True)
    return re.compile("|".join(map(re.escape, words))) if words else None


def _model_insult(doc: Doc, signals: list[str], evidence: list[dict]) -> None:
    """Offensive language the insult lexicon missed, found by the language's n-gram model
    (ES4): in a sentence that names a social group (the model was trained on offence against
    groups, and says nothing about an ordinary complaint). Scored per sentence, so that a long
    message is judged by its worst sentence; the evidence is the n-grams that weighed most,
    marked ``source: model``."""
    name = INSULT_MODELS.get(doc.lang)
    m = ngram_model.load(name) if name else None
    if m is None:
        return
    gate = group_regex(doc.lang)
    if gate is None or not gate.search(doc.lower if doc.lang == "zh" else doc.text.lower()):
        return
    for s in doc.sentences:
        if doc.in_quotes(s.start, s.end) or not gate.search(s.text.lower()):
            continue  # the model learnt offence against groups: only where a group is named
        p = m.score(s.text)
        if p >= m.threshold:
            signals.insert(0, "insult")
            evidence.extend(
                {
                    "label": "insult",
                    "span": [s.start + a, s.start + b],
                    "text": doc.text[s.start + a : s.start + b],
                    "source": "model",
                    "score": round(p, 2),
                }
                for a, b in m.reasons(s.text)
            )
            return


def _aimed_at_people(doc: Doc, found, m: Match) -> bool:
    if doc.lang == "zh":
        return True
    idx = _token_index(doc, m.start)
    if idx is None:
        return False
    person = {x.start for x in found.get("person", ())}
    bridge = {x.start for x in found.get("bridge", ())}
    sent = doc.sentence_of(m.start)
    s = doc.sentences[sent]
    words = [t for t in doc.tokens if t.start >= s.start and t.end <= s.end]
    person_or_bridge = {x.start for x in found.get("person", ())} | {
        x.start for x in found.get("bridge", ())
    }
    if len(words) <= 3 and all(
        t.start in person_or_bridge or m.start <= t.start < m.end for t in words
    ):  # "Жулики!", "Liars.", "Вы жулики!"
        return True
    j = idx - 1
    steps = 0
    while j >= 0 and steps < 5 and doc.tokens[j].start >= s.start:
        t = doc.tokens[j]
        if t.start in person:
            return True
        if t.start not in bridge:
            break
        j -= 1
        steps += 1
    end_idx = idx
    while end_idx + 1 < len(doc.tokens) and doc.tokens[end_idx].end < m.end:
        end_idx += 1
    nxt = end_idx + 1
    if (
        nxt < len(doc.tokens)
        and doc.tokens[nxt].start in person
        and not doc.clause_break_between(doc.tokens[end_idx].end, doc.tokens[nxt].start)
    ):
        return True
    return False


def _weighted(doc: Doc, pack: Pack, matches: list[Match]) -> float:
    """Sum of weights; words after "но"/"but" count more, before it less."""
    total = 0.0
    contrast = _contrast_points(doc, pack)
    for m in matches:
        w = m.weight
        after = [c for c in contrast if c[0] == doc.sentence_of(m.start)]
        if after:
            w *= 1.4 if m.start > after[0][1] else 0.7
        total += w
    return total


def _contrast_points(doc: Doc, pack: Pack) -> list[tuple[int, int]]:
    cached = getattr(doc, "_contrast", None)
    if cached is not None:
        return cached
    words = pack.words("contrast")
    pts = []
    if doc.lang == "zh":
        for w in words:
            for mm in re.finditer(re.escape(w), doc.text):
                before = doc.text[mm.start() - 1] if mm.start() else "，"
                if before in "，,。 ":
                    pts.append((doc.sentence_of(mm.start()), mm.start()))
    else:
        for t in doc.tokens:
            if t.lower in words:
                pts.append((doc.sentence_of(t.start), t.start))
    doc._contrast = pts
    return pts


def _mood(doc, pack, found, signals, questions, evidence) -> tuple[str, dict]:
    polar = {
        c: pack.data[c]["polarity"]
        for c in pack.lexicon.categories
        if isinstance(pack.data.get(c), dict) and "polarity" in pack.data[c]
    }
    group = []
    for cat in (*polar, "thanks", "courtesy"):
        group.extend(m for m in found.get(cat, ()) if not m.quoted)
    group = drop_contained(group)
    # categories that count only when negated: "не включается", "won't turn on" (a device
    # verb with a negator just before it is a malfunction; the verb alone says nothing)
    only_negated = {
        c for c in polar if isinstance(pack.data.get(c), dict) and pack.data[c].get("when_negated")
    }
    kinds = {"angry": [], "negative": [], "positive": [], "thanks": [], "courtesy": []}
    for m in group:
        if polar.get(m.category) == "positive" and _asks(doc, m):
            continue  # "…. Хорошо?" / "OK?" asks for agreement, it does not give it
        if m.category in only_negated:
            if not m.negated or not _negator_close(doc, pack, m):
                continue
            m.negated = False  # the negated verb is the complaint itself
        kinds[polar.get(m.category, m.category)].append(m)

    anger = _weighted(doc, pack, live(kinds["angry"]))
    negative = _weighted(doc, pack, live(kinds["negative"]))
    positive = _weighted(doc, pack, live(kinds["positive"]))
    # negated praise is a complaint ("не доволен", "not happy", "不满意")
    negative += 0.8 * _weighted(doc, pack, [m for m in kinds["positive"] if m.negated])
    # a negated complaint is reassurance ("не проблема")
    positive += 0.5 * len([m for m in kinds["negative"] if m.negated and _reassurance(m, doc)])
    thanks = _weighted(doc, pack, live(kinds["thanks"]))
    courtesy = _weighted(doc, pack, live(kinds["courtesy"]))

    if "insult" in signals:
        anger += 2.5
    if "physical_threat" in signals:
        anger += 2.5
    if "legal_threat" in signals:
        anger += 2.0
    supervisor_anger = 0.0
    if "supervisor_request" in signals:
        if (
            _has_any(doc, pack.words("polite_words"))
            or _only_asked(doc, live(found.get("supervisor_request")), pack.words("wh_words"))
            or live(found.get("business_purpose"))
        ):
            # a polite or business request ("I'd like to speak to a supervisor please", "talk
            # to your manager about a bulk order"): with a complaint beside it the customer is
            # unhappy, not hostile (session 8)
            negative += 0.5
        else:
            supervisor_anger = 2.0  # "Позовите руководителя." / "I want a manager. Now."
            anger += supervisor_anger
    profanity = live(found.get("profanity"))
    if profanity:
        mild = pack.words("mild_profanity")
        if all(m.pattern.lower() in mild for m in profanity):
            negative += 1.0  # "damn", "блин": venting, not hostility
        else:
            anger += 1.5
        evidence.extend(
            {"label": "profanity", "span": m.span(), "text": doc.text[m.start : m.end]}
            for m in profanity
        )

    text = doc.text
    emoji_angry = sum(text.count(e) for e in ANGRY_EMOJI)
    emoji_neg = sum(text.count(e) for e in NEGATIVE_EMOJI) + len(_FROWN_RE.findall(text))
    emoji_pos = sum(text.count(e) for e in POSITIVE_EMOJI) + len(_SMILE_RE.findall(text))
    anger += 1.5 * min(emoji_angry, 2)
    negative += 1.0 * min(emoji_neg, 2)
    positive += 1.0 * min(emoji_pos, 2)

    # "!!", "?!", and "???" (three or more question marks: exasperation, not a question)
    bangs = len(re.findall(r"[!！]{2,}|[?？][!！]|[!！][?？]|[?？]{3,}", text))
    single = len(re.findall(r"(?<![!！?？])[!！](?![!！?？])", text))
    ratio, caps_words = caps_ratio(text)
    shouting = (ratio > 0.7 and caps_words >= 2) or caps_words >= 4
    heat = 0.6 * min(bangs, 2) + 0.5 * min(single, 1) + (1.2 if shouting else 0.0)
    if shouting:
        evidence.append({"label": "shouting", "span": [0, len(text)], "text": ""})

    # "спасибо" alone, or after a fix, is a positive mood; in a request it is a formula
    asking = (
        bool(questions)
        or _is_request(doc, pack)
        or any(s in signals for s in ("urgent", "vague_time", "supervisor_request"))
    )
    if thanks:
        positive += thanks if (not asking and negative < 1) else 0.3 * thanks
    positive += 0.2 * courtesy

    scores = {
        "anger": round(anger, 2),
        "negative": round(negative, 2),
        "positive": round(positive, 2),
        "heat": round(heat, 2),
    }
    if (
        anger >= 2
        or (anger >= 1 and negative + heat >= 0.5)
        or (heat >= 1.2 and negative >= 1)
        or heat >= 1.7
    ):
        mood = "angry"
    elif negative + 0.5 * heat > positive and negative >= 0.7:
        mood = "negative"
    elif positive >= 1 and positive > negative and not (asking and positive < 1.5):
        mood = "positive"
    elif negative >= 0.7:
        mood = "negative"
    elif anger - supervisor_anger >= 1 and positive < 1:
        mood = "negative"  # profanity or an angry emoji alone: unhappy, not neutral
    else:
        mood = "neutral"
    return mood, scores


def _only_asked(doc: Doc, matches: list[Match], wh: frozenset) -> bool:
    """Every match stands in a yes/no question: "能找个管事的来吗？", "Is there a manager I
    could talk to?" ask for one; they do not demand one. "Кто у вас главный?" (a question
    word) still demands."""
    if not matches:
        return False
    for m in matches:
        si = doc.sentence_of(m.start)
        s = doc.sentences[si]
        if not s.text.rstrip().rstrip("\"'»”」)").endswith(("?", "？")):
            return False
        low = s.text.lower()
        if doc.lang == "zh":
            if any(w in low for w in wh):
                return False
        elif any(t.lower in wh for t in doc.tokens if s.start <= t.start <= m.start):
            return False  # a question word after the match is relative ("… who can help?")
    return True


def _asks(doc: Doc, m: Match) -> bool:
    """The match is a short question of its own ("Хорошо?", "OK?", "可以吗？")."""
    s = doc.sentences[doc.sentence_of(m.start)]
    if not doc.text[s.start : s.end].rstrip().endswith(("?", "？")):
        return False
    if doc.lang == "zh":
        return s.end - s.start <= m.end - m.start + 3
    return len(doc.tokens_in(s.start, s.end)) <= 3


def _negator_close(doc: Doc, pack: Pack, m: Match) -> bool:
    """A negator right before the match (at most one word between: "не всегда включается",
    "doesn't even load"), so that "I don't want to open an account" is no malfunction."""
    if doc.lang == "zh":
        return True
    idx = _token_index(doc, m.start)
    if idx is None:
        return False
    negators = pack.words("negators")
    for j in (idx - 1, idx - 2):
        if j < 0:
            break
        t = doc.tokens[j]
        if t.lower in negators or any(k in negators for k in t.lemmas):
            return True
    return False


def _has_any(doc: Doc, words: frozenset) -> bool:
    low = doc.text.lower()
    if doc.lang == "zh":
        return any(w in low for w in words)
    toks = {t.lower for t in doc.tokens} | {k for t in doc.tokens for k in t.lemmas[:1]}
    return any((w in low) if " " in w else (w in toks) for w in words)


def _is_request(doc: Doc, pack: Pack) -> bool:
    words = pack.words("request_words")
    low = doc.text.lower()
    if doc.lang == "zh":
        return any(w in low for w in words)
    toks = {t.lower for t in doc.tokens}
    return any((w in low) if " " in w else (w in toks) for w in words)


def _reassurance(m: Match, doc: Doc) -> bool:
    return doc.text[m.start : m.end].lower() in ("проблема", "problem", "问题", "issue", "беда")


# ------------------------------------------------------------------------------ questions
_CLAUSE_SPLIT = re.compile(r"[,;:，；：、]|\s[—–-]\s")
_QMARK = re.compile(r"[?？]")


def find_questions(doc: Doc, pack: Pack, found) -> list[Question]:
    qwords = [m for m in found.get("question_word", ()) if not m.quoted]
    openers = [m for m in found.get("question_opener", ()) if not m.quoted and not m.negated]
    joins = found.get("question_join", [])
    # "Какие же вы …!", "什么破公司。", "What a mess!": a question word that exclaims
    exclaims = [m for m in found.get("exclamative", ()) if not m.quoted]
    # a question word used as a conjunction or adverb: "Как можно скорее верните…", "Когда
    # сможете, посмотрите…", "whenever you can" (`[not_question]`)
    exclaims += [m for m in found.get("not_question", ()) if not m.quoted]
    questions: list[Question] = []
    for s in doc.sentences:
        if doc.in_quotes(s.start, s.end) or _mostly_quoted(doc, s.start, s.end):
            continue
        has_qmark = bool(_QMARK.search(s.text[-3:])) or s.text.rstrip().endswith(("?", "？"))
        clauses = _clauses(doc, s, joins)
        marks = []
        join_starts = {m.start for m in joins}
        for c0, c1 in clauses:
            # after short lead-ins only ("Hey, quick one - does the plan allow …", session 8)
            at_start = (
                c0 == clauses[0][0]
                or c0 in join_starts
                or doc.lang == "en"
                and all(len(doc.tokens_in(a, b)) <= 2 for a, b in clauses if b <= c0)
            )
            q = _starts_question(doc, qwords, c0, c1, has_qmark, at_start)
            if q and not has_qmark and any(c0 <= m.start < c1 for m in exclaims):
                q = False  # an exclamation, not a question (no question mark after it)
            ops = [m for m in openers if c0 <= m.start < c1]
            o = bool(ops)
            if (
                o
                and not has_qmark
                and doc.text[s.start : ops[-1].start].strip(" ,，")
                and not _has_content_after(doc, pack, ops[-1], s.end)
            ):
                # "说了三遍还听不懂！": an opener at the end of a clause that asks about nothing
                # ("Помогите разобраться." standing alone still asks about what came before)
                o = False
            if o and not q and _has_content_after(doc, pack, ops[-1], c1):
                q = True  # "I'd like to know if you deliver to Canada" is a question itself
            marks.append((c0, c1, q, o))
        if not has_qmark and not any(q or o for _, _, q, o in marks):
            continue
        if has_qmark and not any(q or o for _, _, q, o in marks):
            marks[-1] = (marks[-1][0], marks[-1][1], True, False)
        # group: an opener-only clause and the clauses after it until the next question start
        groups: list[list] = []
        for c0, c1, q, o in marks:
            if q and groups and groups[-1][2] == "opener" and not groups[-1][3]:
                groups[-1][1] = c1
                groups[-1][3] = True
            elif q and groups and groups[-1][3] and _alternative(doc, joins, c0):
                groups[-1][1] = c1  # "Can I change it, or is it too late?" is one question
            elif q or o:
                groups.append([c0, c1, "opener" if (o and not q) else "q", bool(q)])
            elif groups:
                groups[-1][1] = c1  # a plain clause continues the question before it
            elif has_qmark:
                groups.append([c0, c1, "lead", False])  # "Заказ не пришёл, где он?"
        merged: list[list] = []
        for g in groups:
            if merged and merged[-1][2] == "lead":
                merged[-1][1] = g[1]
                merged[-1][2] = g[2]
                merged[-1][3] = g[3]
                continue
            merged.append(g)
        if has_qmark and merged:
            merged[-1][1] = s.end
        for g in merged:
            a, b = g[0], g[1]
            while a < b and doc.text[a] in " ,;:，；：、":
                a += 1
            while b > a and doc.text[b - 1] in " ,;:，；：、":
                b -= 1
            if b <= a:
                continue
            before = questions[-1] if questions else None
            prev = [x for x in doc.sentences if x.end <= s.start]
            questions.append(
                Question(
                    doc.raw[a:b],
                    a,
                    b,
                    implicit=not has_qmark,
                    keys_of=functools.partial(
                        _question_keys, doc, pack, a, b, before, prev[-1] if prev else None
                    ),
                )
            )
    return _dedupe(questions, qwords)


_OR = {"or", "или", "либо", "还是", "或者", "或"}


def _alternative(doc: Doc, joins: list[Match], c0: int) -> bool:
    """The clause starts with "or": the other half of an alternative question."""
    return any(
        m.start == c0 and doc.text[m.start : m.end].lower() in _OR for m in joins
    ) or doc.text[c0:].lstrip(" ,，").lower().startswith(("or ", "или ", "либо ", "还是", "或者"))


def _question_keys(doc: Doc, pack: Pack, a: int, b: int, before, prev) -> tuple:
    keys = content_keys(doc, pack, a, b)
    if not keys and before is not None:  # "Где он?" — what the question before was about
        return before.keys
    if not keys and prev is not None:
        return content_keys(doc, pack, prev.start, prev.end)
    return keys


def _mostly_quoted(doc: Doc, a: int, b: int) -> bool:
    inside = sum(min(b, q1) - max(a, q0) for q0, q1 in doc.quotes if q0 < b and a < q1)
    return inside > 0.6 * (b - a)


def _clauses(doc: Doc, s, joins) -> list[tuple[int, int]]:
    cuts = [s.start]
    for m in _CLAUSE_SPLIT.finditer(doc.text, s.start, s.end):
        cuts.append(m.end())
    for m in joins:  # "… и можно ли …": a conjunction may start a new question
        if s.start < m.start < s.end:
            cuts.append(m.start)
    cuts = sorted(set(cuts))
    out = []
    for i, a in enumerate(cuts):
        b = cuts[i + 1] if i + 1 < len(cuts) else s.end
        if doc.text[a:b].strip(" ,;:，；：、—–-"):
            out.append((a, b))
    return out or [(s.start, s.end)]


_EN_AUX = {
    "is",
    "are",
    "do",
    "does",
    "did",
    "can",
    "could",
    "will",
    "would",
    "should",
    "has",
    "have",
    "was",
    "were",
    "may",
    "much",
    "many",
    "long",
    "soon",
    "often",
    "far",
    "come",
    "'s",
    "am",
    "shall",
    "might",
    "must",
}


def _has_content_after(doc: Doc, pack: Pack, opener: Match, c1: int) -> bool:
    stop = pack.words("stop_words")
    toks = [
        t
        for t in doc.tokens_in(opener.end, c1)
        if t.lower not in stop and (t.lemmas[0] if t.lemmas else t.lower) not in stop
    ]
    if doc.lang == "zh":
        return sum(len(t.lower) for t in toks if len(t.lower) >= 2) >= 4
    return len(toks) >= 2


def _starts_question(
    doc: Doc, qwords: list[Match], c0: int, c1: int, has_qmark: bool, at_start: bool = True
) -> bool:
    in_clause = [m for m in qwords if c0 <= m.start < c1]
    if not in_clause:
        return False
    if doc.lang == "zh":
        if has_qmark:
            return True
        # without "？": a particle at the end, or a question word in a short clause
        tail = doc.text[c0:c1].rstrip(" 。.!！~～")
        if tail.endswith(("吗", "呢", "么")):
            return True
        return any(m.end - m.start >= 2 for m in in_clause) and (c1 - c0) <= 30
    toks = doc.tokens_in(c0, c1)
    toks = [
        t
        for t in toks
        if t.lower
        not in (
            "а",
            "и",
            "and",
            "or",
            "а",
            "так",
            "so",
            "also",
            "ну",
            "well",
            "и",
            "еще",
            "ещё",
            "plus",
        )
    ]
    if not toks:
        return False
    lead = toks[:3]
    first_hit = any(m.start == lead[0].start for m in in_clause)
    if doc.lang == "ru":
        li = any(t.lower == "ли" for t in toks[:4])
        if has_qmark:
            return first_hit or li or any(m.start in {t.start for t in lead} for m in in_clause)
        if li:
            return True
        return at_start and first_hit and len(toks) <= 12 and not _ru_statement(toks)
    # English
    if has_qmark:
        return first_hit or any(m.start in {t.start for t in lead[:2]} for m in in_clause)
    if not first_hit or not at_start:
        return False
    if lead[0].lower in ("what", "when", "where", "why", "how", "which", "who", "whom", "whose"):
        return len(toks) > 1 and toks[1].lower in _EN_AUX
    if lead[0].lower in _EN_AUX:
        # an inverted auxiliary asks only with a subject after it ("does the plan …", "can I
        # …"); "Do it." / "Ok, do it." is an order (session 8)
        nxt = toks[1].lower if len(toks) > 1 else ""
        if nxt not in _EN_SUBJECTS or (lead[0].lower == "do" and nxt == "it" and len(toks) <= 3):
            return False
    return True  # "can you", "is there", "do you" …


_EN_SUBJECTS = {
    "i", "you", "we", "they", "he", "she", "it", "there", "the", "a", "an", "this", "that",
    "these", "those", "my", "your", "our", "his", "her", "their", "anyone", "someone",
    "somebody", "anybody", "u", "y'all", "any", "one", "both", "all", "each", "everyone",
}  # fmt: skip


_RU_STATEMENT_START = {
    "как я",
    "как и",
    "как обычно",
    "как всегда",
    "как только",
    "как будто",
    "когда я",
    "когда мы",
    "где-то",
    "что-то",
    "как-то",
    "кто-то",
    "как вы",
    "как будет",
    "как придет",
    "как появится",
    "когда будет готово",
    "когда вы",
    "как мне",
    "что я",
}


def _ru_statement(toks) -> bool:
    two = " ".join(t.lower for t in toks[:2])
    if two in ("как мне", "что мне", "где мне", "когда мне"):  # "Как мне вернуть деньги"
        return False
    return two in _RU_STATEMENT_START or toks[0].lower in ("что", "кто") and len(toks) > 6


def content_keys(doc: Doc, pack: Pack, a: int, b: int) -> tuple:
    stop = pack.words("stop_words")
    keys = []
    if doc.lang == "zh":
        for w, _, _ in doc.zh_words(a, b):
            if len(w) >= 2 and not ZH_PUNCT_RE.match(w) and w not in stop:
                keys.append(w)
        return tuple(dict.fromkeys(keys))
    for t in doc.tokens_in(a, b):
        lemma = t.lemmas[0] if t.lemmas else t.lower
        if len(lemma) < 3 and not lemma.isdigit():
            continue
        if lemma in stop or t.lower in stop:
            continue
        keys.append(lemma)
    return tuple(dict.fromkeys(keys))


def _dedupe(qs: list[Question], qwords: list[Match] = ()) -> list[Question]:
    out: list[Question] = []
    for i, q in enumerate(qs):
        nxt = qs[i + 1] if i + 1 < len(qs) else None
        norm = q.text.lower().strip("?？!！. ")
        if out and out[-1].text.lower().strip("?？!！. ") == norm:
            continue  # the same question twice
        if (
            out
            and len(norm) <= 12
            and q.start - out[-1].end < 5
            and (set(q.keys) <= set(out[-1].keys))
            and norm.split()[:1]
            and out[-1].text.lower().startswith(norm.split()[0])
        ):
            continue  # "Когда будет возврат? Когда?" is one question
        if (
            nxt is not None
            and len(q.text) <= 25
            and nxt.start - q.end < 5  # cheap tests first: keys segment the text
            and q.keys != ()
            and set(q.keys) <= set(nxt.keys)
            # the next one's keys may be borrowed from this one ("怎么操作？钱能退吗？"), and two
            # questions about one thing with other question words are two ("积分怎么用？积分会
            # 过期吗？")
            and _restates(q, nxt, qwords)
        ):
            continue  # "Где заказ? Где мой заказ 123?" is one question
        if (
            nxt is not None
            and len(q.text) <= 15
            and q.keys == ()
            and nxt.text.lower().startswith(norm)
            and nxt.start - q.end < 5
        ):
            continue
        out.append(q)
    return out


def _restates(q: Question, nxt: Question, qwords: list[Match]) -> bool:
    """Does ``nxt`` ask ``q`` again (its question words and more of its content)?"""
    if set(q.keys) == set(nxt.keys) and q.text[:2].lower() != nxt.text[:2].lower():
        return False  # equal keys: ``nxt`` had none of its own and took ``q``'s
    if not qwords:
        return True
    a = _span_words(q, qwords)
    b = _span_words(nxt, qwords)
    return not a or not b or bool(a & b)


def _span_words(q: Question, qwords: list[Match]) -> set[str]:
    return {
        q.text[m.start - q.start : m.end - q.start].lower()
        for m in qwords
        if q.start <= m.start and m.end <= q.end
    }


# ------------------------------------------------------------------------------ name
_SIGN_OFF = re.compile(
    r"(?:с уважением|спасибо|благодарю|заранее спасибо|regards|thanks|thank you|best|cheers|"
    r"sincerely|谢谢|此致|敬礼)[,，!！.]*\s*\n?\s*[-—–]?\s*"
    r"([A-ZА-ЯЁ][a-zа-яё]+(?:\s[A-ZА-ЯЁ][a-zа-яё]+)?|[\u4e00-\u9fff]{2,3})\s*[.!]?\s*$",
    re.IGNORECASE,
)
_DASH_NAME = re.compile(r"\n\s*[-—–]\s*([A-ZА-ЯЁ][a-zа-яё]+)\s*$")


def _signature_name(doc: Doc) -> str | None:
    tail = doc.text.rstrip()[-80:]
    m = _SIGN_OFF.search(tail) or _DASH_NAME.search(tail)
    if not m:
        return None
    name = m.group(1).strip()
    first = name.split()[0]
    if first.lower() in {"заранее", "большое", "advance", "again", "team", "you", "всем"}:
        return None
    return first if not re.match(r"[\u4e00-\u9fff]", name) else name
