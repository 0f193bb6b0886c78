"""Checks of an agent's reply against the customer's message (the CQ principles, RS4, ES4, MG2).

Each check produces findings — principle, severity, message in the agent's interface language,
span in the reply, and a concrete suggestion in the reply's language — and a score between 0
and 1 that feeds the 0–100 quality score.
"""

from __future__ import annotations

import bisect
import difflib
import functools
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .customer import MessageAnalysis, _aimed_at_people, analyze_message, content_keys, live
from .customer import _mark as mark_matches
from .langpack import LANGS, Pack, load_pack, pack_for
from .language import detect
from .lexicon import Doc, Lexicon, Match
from .rulebook import CHECKS, RuleBook
from .text import caps_ratio

PRESENT = ("greeting", "politeness", "empathy", "next_steps", "satisfaction_check")
VIOLATIONS = ("jargon", "deflection", "denial", "rudeness", "dont_know")
UI_LANGS = ("en", "ru", "zh")


@functools.cache
def _messages() -> dict:
    with (Path(__file__).with_name("messages.toml")).open("rb") as f:
        return tomllib.load(f)


def message(key: str, ui: str, **kw) -> str:
    ui = ui if ui in UI_LANGS else "en"
    text = _messages()[key][ui]
    try:
        return text.format(**kw)
    except (KeyError, IndexError):
        return text


@dataclass
class Finding:
    principle: str
    check: str
    severity: str
    message: str
    span: list[int] | None
    suggestion: str
    label: str | None = None  # the present/violation label it relates to

    def as_dict(self) -> dict:
        d = {
            "principle": self.principle,
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
            "span": self.span,
            "suggestion": self.suggestion,
        }
        if self.label:
            d["label"] = self.label
        return d


@dataclass
class ReplyReport:
    language: str
    present: list[str]
    violations: list[str]
    findings: list[Finding]
    score: int
    breakdown: dict
    customer: MessageAnalysis
    questions: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "language": self.language,
            "present": self.present,
            "violations": self.violations,
            "findings": [f.as_dict() for f in self.findings],
            "score": self.score,
            "breakdown": self.breakdown,
            "questions": self.questions,
        }


# ---------------------------------------------------------------------------- rule-book lexicons
_EXTRA_CACHE: dict[tuple[str, str], Lexicon] = {}


def _extra_lexicon(rules: RuleBook, lang: str) -> Lexicon | None:
    key = (rules.key(), lang)
    lex = _EXTRA_CACHE.get(key)
    if lex is not None:
        return lex
    cats: dict[str, list[str]] = {}
    for term in rules.jargon:
        cats.setdefault("jargon", []).append(term)
    for i, p in enumerate(rules.forbidden_phrases):
        if p.lang in (None, lang):
            cats.setdefault(f"forbidden:{i}", []).append(p.phrase)
    for i, p in enumerate(rules.required_phrases):
        if p.lang in (None, lang):
            cats.setdefault(f"required:{i}", []).append(p.phrase)
    for category, phrases in rules.extra_phrases.get(lang, {}).items():
        cats.setdefault(category, []).extend(phrases)
    lex = Lexicon(lang, cats, {}) if cats else None
    if len(_EXTRA_CACHE) > 256:
        _EXTRA_CACHE.clear()
    _EXTRA_CACHE[key] = lex
    return lex


# ---------------------------------------------------------------------------- the checks
class _Ctx:
    def __init__(
        self,
        doc: Doc,
        pack: Pack,
        found: dict,
        rules: RuleBook,
        ui: str,
        cust: MessageAnalysis,
        name: str | None,
    ):
        self.doc, self.pack, self.found, self.rules, self.ui = doc, pack, found, rules, ui
        self.cust, self.name = cust, name
        self.findings: list[Finding] = []
        self.scores: dict[str, float] = {}  # check → 0..1 (absent: not applicable)
        self.present: set[str] = set()
        self.violations: set[str] = set()

    def live(self, category: str) -> list[Match]:
        return live(self.found.get(category))

    def sugg(self, key: str, **kw) -> str:
        text = self.pack.text("suggestions", key, "")
        try:
            return text.format(**kw)
        except (KeyError, IndexError):
            return text

    def add(self, check: str, msg_key: str, span=None, suggestion: str = "", label=None, **kw):
        if not self.rules.enabled(check):
            return
        principle = CHECKS[check][0]
        self.findings.append(
            Finding(
                principle,
                check,
                self.rules.severity(check),
                message(msg_key, self.ui, **kw),
                list(span) if span else None,
                suggestion,
                label,
            )
        )

    def score(self, check: str, value: float) -> None:
        if self.rules.enabled(check):
            self.scores[check] = max(0.0, min(1.0, value))


def check_reply(
    customer: str,
    reply: str,
    rules: RuleBook | None = None,
    customer_name: str | None = None,
    ui_language: str = "en",
    customer_analysis: MessageAnalysis | None = None,
) -> ReplyReport:
    """Check ``reply`` (the agent's answer) to the message ``customer``."""
    rules = rules or RuleBook.default()
    reply = reply or ""
    cust = customer_analysis or analyze_message(customer or "")
    lang = detect(reply)
    if lang == "other" and cust.language in LANGS and not re.search(r"[^\W\d_]{2}", reply):
        lang = cust.language  # nothing but digits and emoji
    pack = pack_for(lang)
    doc = Doc(reply, pack.lang)
    found = pack.find(doc, _extra_lexicon(rules, pack.lang))
    mark_matches(doc, pack, found)
    name = customer_name or cust.name
    c = _Ctx(doc, pack, found, rules, ui_language, cust, name)

    _language(c, lang)
    _greeting_closing(c)
    _politeness(c)
    _name(c)
    steps = _next_steps(c)
    _empathy(c, steps)
    _paraphrase(c)
    _jargon(c, customer or "")
    _deflection_denial(c)
    questions = _questions(c, lang)
    _layout(c)
    _satisfaction(c, steps)
    _promises(c)
    _template(c, customer or "")
    _apology_remedy(c, steps)
    _rudeness(c)
    _dont_know(c)
    _insult_response(c)
    _org_phrases(c)

    score, breakdown = _score(c)
    present = [p for p in PRESENT if p in c.present]
    violations = [v for v in VIOLATIONS if v in c.violations] + sorted(
        v for v in c.violations if v not in VIOLATIONS
    )
    order = {"high": 0, "medium": 1, "low": 2}
    c.findings.sort(key=lambda f: (order.get(f.severity, 3), f.span[0] if f.span else -1))
    return ReplyReport(lang, present, violations, c.findings, score, breakdown, cust, questions)


def _first(matches: list[Match]) -> Match | None:
    return matches[0] if matches else None


def _sentence_is_question(c: _Ctx, offset: int) -> bool:
    s = c.doc.sentences[c.doc.sentence_of(offset)]
    return s.text.rstrip().endswith(("?", "？"))


# an emoji between words ends a clause as a comma would ("…, genius 😂 Go to a branch.")
_MENU_PATH = re.compile(r"(?<=[^\s>→›])[ \t]*(?:->|>|→|›)[ \t]*[^\n>→›]{1,40}?(?:->|>|→|›)")
_CLAUSE_END = re.compile(r"[,，;；:：—–\U0001F300-\U0001FAFF\u2600-\u27BF]")


def _clause_is_question(c: _Ctx, offset: int) -> bool:
    """The clause holding ``offset`` ends the sentence with a question mark ("…, подходит?")."""
    s = c.doc.sentences[c.doc.sentence_of(offset)]
    if not s.text.rstrip().endswith(("?", "？")):
        return False
    return not _CLAUSE_END.search(c.doc.text, offset, s.end)


# -- CQ5 --------------------------------------------------------------------------------
@dataclass
class _Span:
    start: int
    end: int


def _language(c: _Ctx, lang: str) -> None:
    cust_lang = c.cust.language
    if cust_lang in LANGS and lang != cust_lang and len(c.doc.text.strip()) >= 3:
        names = _messages()["language_names"]
        ui = c.ui if c.ui in UI_LANGS else "en"
        c.violations.add("wrong_language")
        c.add(
            "language",
            "language",
            [0, len(c.doc.text)],
            load_pack(cust_lang)
            .text("suggestions", "language", "")
            .format(lang=names[cust_lang][cust_lang] if cust_lang in names else cust_lang),
            customer_lang=names[ui].get(cust_lang, cust_lang),
            reply_lang=names[ui].get(lang, lang),
        )
        c.score("language", 0.0)
        return
    c.score("language", 1.0)
    informal = c.pack.words("informal_you")
    formal = c.pack.words("formal_you")
    if not informal:
        return
    if c.doc.lang == "zh":
        # "你" as a word of its own (not "你们"), found without segmenting the whole reply
        doc = c.doc
        inf = []
        for m in re.finditer("你(?!们)", doc.text):
            bounds = doc.zh_boundaries(m.start(), m.end())
            if m.start() in bounds and (m.end() in bounds or m.end() + 1 in bounds):
                if not doc.in_quotes(m.start(), m.end()):
                    inf.append(_Span(m.start(), m.end()))
                    break
        form = []
    else:
        inf = [
            t for t in c.doc.tokens if t.lower in informal and not c.doc.in_quotes(t.start, t.end)
        ]
        form = [t for t in c.doc.tokens if t.lower in formal]
    if inf and (form or c.doc.lang == "zh"):
        c.add("register", "register", [inf[0].start, inf[0].end], c.sugg("register"))
        c.score("register", 0.0)
    else:
        c.score("register", 1.0)


# -- CQ6 --------------------------------------------------------------------------------
def _greeting_closing(c: _Ctx) -> None:
    doc = c.doc
    first = doc.sentences[0] if doc.sentences else None
    greet = None
    if first is not None:
        head_end = first.start + max(40, min(len(first.text), 60))
        limit = 6 if c.doc.lang == "zh" else 25  # "Анна, здравствуйте!" / "王先生，您好"
        for m in c.live("greeting"):
            if (
                first.start <= m.start < head_end
                and m.start - first.start <= limit
                and (
                    m.start == first.start
                    or re.search(r"[,，]\s*$", doc.text[first.start : m.start])
                    # "王女士您好", "李先生您好": a name and a title right before it
                    or re.fullmatch(
                        r"[\u4e00-\u9fff]{1,3}(?:先生|女士|小姐|老师|同学|总|经理)",
                        doc.text[first.start : m.start],
                    )
                )
            ):
                greet = m
                break
    if greet:
        c.present.add("greeting")
        c.score("greeting", 1.0)
    else:
        sug = c.sugg("greeting", name=c.name) if c.name else c.sugg("greeting_no_name")
        c.add("greeting", "greeting", [0, 0], sug, label="greeting")
        c.score("greeting", 0.0)

    tail_start = doc.sentences[-2].start if len(doc.sentences) >= 2 else 0
    closing = [m for m in c.live("closing") if m.start >= tail_start]
    closing += [m for m in c.live("satisfaction_check") if m.start >= tail_start]
    closing += [m for m in c.live("satisfaction_question") if m.start >= tail_start]
    if closing:
        c.score("closing", 1.0)
    else:
        end = len(doc.text)
        c.add("closing", "closing", [end, end], c.sugg("closing"))
        c.score("closing", 0.0)


def _politeness(c: _Ctx) -> None:
    hits = c.live("politeness")
    if hits:
        c.present.add("politeness")
        c.score("politeness", 1.0)
    else:
        c.add("politeness", "politeness", None, c.sugg("politeness"), label="politeness")
        c.score("politeness", 0.0)


# -- CQ14 -------------------------------------------------------------------------------
def _name(c: _Ctx) -> None:
    if not c.name:
        return
    name = c.name.strip()
    if not name:
        return
    if re.match(r"[\u4e00-\u9fff]", name):
        count = c.doc.text.count(name) or (
            c.doc.text.count(name[0])
            if len(name) >= 2 and re.search(name[0] + "(先生|女士|小姐)", c.doc.text)
            else 0
        )
    else:
        stem = name.lower()
        if re.match(r"[а-я]", stem) and len(stem) >= 4:
            stem = stem[:-1]  # Анна → Анн: Анне, Анну, Анна
        count = len(re.findall(r"\b" + re.escape(stem) + r"\w{0,3}\b", c.doc.text.lower()))
    limit = c.rules.limits.get("name_max", 2)
    if count == 0:
        c.add("name", "name_missing", [0, 0], c.sugg("name_missing", name=name), name=name)
        c.score("name", 0.0)
    elif count > limit:
        c.add("name", "name_overused", None, c.sugg("name_overused"), count=count)
        c.score("name", 0.5)
    else:
        c.score("name", 1.0)


# -- RS4 --------------------------------------------------------------------------------
_NUMBERED = re.compile(r"(?m)^\s*(?:\d{1,2}[.)]|[-•*]\s|第[一二三四五六七八九十]步)")
_EN_LEAD = {
    "please",
    "first",
    "then",
    "now",
    "simply",
    "just",
    "next",
    "finally",
    "also",
    "and",
    "kindly",
    "firstly",
    "secondly",
    "lastly",
    "after",
    "that",
}


_UNKNOWN_OBJECT = re.compile(
    r"[\s,]*(?:(?:когда|где|как|куда|откуда|почему|зачем|сколько|что|чем|кто|ли|будет ли|"
    r"when|where|whether|if|how|what|why|who|which)\b|"
    r"什么时候|何时|哪里|怎么|为什么|多久|是否|能不能|会不会)[^,.;:!?，。；：！？]*",
    re.IGNORECASE,
)


def _clause_start(text: str, pos: int) -> int:
    """Where the clause holding ``pos`` begins (after , ; : — or the sentence start)."""
    i = pos
    while i > 0 and text[i - 1] not in ",，;；:：—–.!?。！？\n":
        i -= 1
    return i


def _next_steps(c: _Ctx) -> list[Match]:
    """Spans that say what happens next or what to do. A clarifying question is not one."""
    doc, pack = c.doc, c.pack
    steps: list[Match] = []
    info_sentences = {doc.sentence_of(m.start) for m in c.live("info_request")}
    blocked = [
        (m.start, m.end)
        # a sarcastic "read more carefully" is no instruction to follow (CQ18, not RS4)
        # "Спросите у курьерской службы": sending the customer elsewhere is CQ8, not RS4
        for cat in (
            "satisfaction_check",
            "closing",
            "empathy",
            "sarcasm",
            "dismissive",
            "deflection",
            # "Stop shouting at me", "Успокойтесь", "冷静一点": an order about the customer's
            # manner is no step towards a solution (session 9)
            "manner_order",
        )
        for m in c.found.get(cat, ())
    ]
    # the whole clause of a put-down is no next step: "Chill out, it'll get there when it
    # gets there", "привезут, когда привезут" (the future verb stands before the match)
    for cat in ("sarcasm", "dismissive"):
        for m in c.found.get(cat, ()):
            blocked.append((_clause_start(doc.text, m.start), m.end))
    # a sentence that opens with a sneer is a sneer to its end ("Oh sure, every order should
    # arrive instantly.", "Ну конечно, все посылки должны лететь самолётом.") — up to a colon,
    # after which the agent may still give the answer ("For the third time: it ships Monday.")
    for m in c.found.get("sarcasm", ()):
        s = doc.sentences[doc.sentence_of(m.start)]
        if not doc.text[s.start : m.start].strip(" \t\n\"«“'(—–-"):
            colon = min(
                (
                    i
                    for i in (doc.text.find(":", m.end, s.end), doc.text.find("：", m.end, s.end))
                    if i >= 0
                ),
                default=s.end,
            )
            blocked.append((m.start, colon))
    # what the agent does not know is no plan: "не знаю, когда он освободится", "no idea
    # when he'll be free" (a question-word clause after "I don't know" is its object)
    for m in c.found.get("dont_know", ()):
        obj = _UNKNOWN_OBJECT.match(doc.text, m.end)
        if obj:
            blocked.append((m.start, obj.end()))

    # merged, sorted spans: one bisection per candidate instead of a scan of every span
    merged: list[list[int]] = []
    for a, b in sorted(blocked):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    starts = [a for a, _ in merged]

    def ok(m: Match) -> bool:
        if _clause_is_question(c, m.start):
            return False
        i = bisect.bisect_right(starts, m.start) - 1
        return not (i >= 0 and m.start < merged[i][1])

    for cat in ("next_action", "instruction"):
        steps.extend(m for m in c.live(cat) if ok(m))
    if doc.lang == "ru":
        excl = pack.words("future_exclude") | pack.words("not_instructions")
        info = pack.words("info_verbs")
        negators = pack.words("negators")
        for i, t in enumerate(doc.tokens):
            tags = t.tags
            if "VERB" not in tags or not ({"futr", "impr"} & tags):
                continue
            lemma = t.lemmas[0]
            # "Уточните номер договора": for perfective verbs the polite 2nd-person future and
            # the imperative are one form, and either way it asks for information
            if lemma in excl or (({"impr", "2per"} & tags) and lemma in info):
                continue
            if i and doc.tokens[i - 1].lower in negators:
                continue
            if "futr" in tags and "impf" in tags and lemma != "быть":
                continue
            m = Match(
                "next_action", t.start, t.end, "grammar-impr" if "impr" in tags else "grammar-futr"
            )
            if ok(m) and not doc.in_quotes(t.start, t.end):
                steps.append(m)
    elif doc.lang == "en":
        verbs = pack.words("instruction_verbs")
        for s in doc.sentences:
            if doc.sentence_of(s.start) in info_sentences:
                continue
            clause_starts = [s.start] + [
                m.end() for m in _CLAUSE_END.finditer(doc.text, s.start, s.end)
            ]
            for a in clause_starts:
                toks = doc.tokens_in(a, s.end)
                k = 0
                while k < len(toks) and toks[k].lower in _EN_LEAD:
                    k += 1
                if k < len(toks) and toks[k].lower in verbs:
                    m = Match("instruction", toks[k].start, toks[k].end, "grammar")
                    if ok(m):  # not a question, not inside a put-down or a hand-off
                        steps.append(m)
    for m in _NUMBERED.finditer(doc.text):
        steps.append(Match("instruction", m.start(), m.end(), "numbered"))
    # a menu path with two arrows is an instruction in every language ("Settings > Privacy >
    # Reset", "«Услуги» → «Роуминг» → «Подключить»", "我的 > 设置 > 通知"; session 9): in code
    # because no literal guard fits a pack regex for it, and the arrows are rare
    if ">" in doc.text or "→" in doc.text or "›" in doc.text:
        for m in _MENU_PATH.finditer(doc.text):
            mm = Match("instruction", m.start(), m.end(), "menu_path")
            if ok(mm):
                steps.append(mm)
    # a sentence that only asks for information is not a next step
    steps = [
        m
        for m in steps
        if doc.sentence_of(m.start) not in info_sentences
        or m.category == "next_action"
        and m.pattern != "grammar-impr"
    ]
    steps.sort(key=lambda m: m.start)
    if steps:
        c.present.add("next_steps")
        c.score("next_steps", 1.0)
    else:
        c.add("next_steps", "next_steps", None, c.sugg("next_steps"), label="next_steps")
        c.score("next_steps", 0.0)
    # vague promises ("скоро", "soon") where a time should be
    times = c.live("next_action")
    for m in c.live("vague_time"):
        s = doc.sentence_of(m.start)
        if _sentence_is_question(c, m.start):
            continue
        if any(
            doc.sentence_of(t.start) == s
            and t.start != m.start
            and re.search(
                r"\d|завтра|сегодня|today|tomorrow|今天|明天|工作日|小时", doc.text[t.start : t.end]
            )
            for t in times
        ):
            continue
        word = doc.raw[m.start : m.end]
        c.add(
            "next_steps", "vague_promise", m.span(), c.sugg("vague_promise", word=word), word=word
        )
        c.scores["next_steps"] = min(c.scores.get("next_steps", 1.0), 0.6)
        break
    return steps


# -- CQ3 / CQ22 ---------------------------------------------------------------------------
def _empathy(c: _Ctx, steps: list[Match]) -> None:
    emp = c.live("empathy")
    if emp:
        c.present.add("empathy")
    mood = c.cust.mood
    if mood not in ("negative", "angry"):
        return
    mood_name = (
        _messages()["mood_names"].get(c.ui if c.ui in UI_LANGS else "en", {}).get(mood, mood)
    )
    if not emp:
        c.add("empathy", "empathy", [0, 0], c.sugg("empathy"), label="empathy", mood=mood_name)
        c.score("empathy", 0.0)
        if mood == "angry":
            c.score("calm_first", 0.0)
        return
    c.score("empathy", 1.0)
    if mood == "angry":
        first_emp = emp[0].start
        solution = [m for m in steps if m.start < first_emp]
        solution += [m for m in c.live("resolution") if m.start < first_emp]
        if solution:
            s = min(solution, key=lambda m: m.start)
            c.add("calm_first", "calm_first", s.span(), c.sugg("calm_first"))
            c.score("calm_first", 0.3)
        else:
            c.score("calm_first", 1.0)


# -- CQ1 --------------------------------------------------------------------------------
def _paraphrase(c: _Ctx) -> None:
    if c.cust.mood not in ("negative", "angry"):
        return
    if c.live("paraphrase"):
        c.score("paraphrase", 1.0)
        return
    cdoc = c.cust.doc
    if cdoc is None or not cdoc.sentences:
        return
    ckeys = set(content_keys(cdoc, pack_for(cdoc.lang), 0, len(cdoc.text)))
    rkeys = set().union(*_sentence_keys(c)) if c.doc.sentences else set()
    overlap = _overlap(ckeys, rkeys, c.doc.lang)
    if overlap >= 2 or (ckeys and overlap >= len(ckeys)):
        c.score("paraphrase", 1.0)
        return
    summary = _summary(cdoc)
    c.add("paraphrase", "paraphrase", [0, 0], c.sugg("paraphrase", summary=summary))
    c.score("paraphrase", 0.0)


def _summary(cdoc: Doc) -> str:
    best = max(cdoc.sentences, key=lambda s: len(s.text))
    text = cdoc.raw[best.start : best.end].strip().rstrip(".!?。！？")
    if len(text) > 90:
        text = text[:90].rsplit(" ", 1)[0] + "…"
    if cdoc.lang != "zh" and text[:1].isupper() and not text[:2].isupper():
        text = text[0].lower() + text[1:]
    return text


def _sentence_keys(c: _Ctx) -> list[set]:
    """Content words of each reply sentence (computed once per reply)."""
    keys = getattr(c, "_skeys", None)
    if keys is None:
        keys = c._skeys = [
            set(content_keys(c.doc, c.pack, s.start, s.end)) for s in c.doc.sentences
        ]
    return keys


def _overlap(a: set, b: set, lang: str, joined: str | None = None) -> int:
    """How many words of ``a`` the words ``b`` share; in Chinese a word inside another counts
    ("退款" and "退款单")."""
    if lang == "zh":
        # "k inside some word of b" is one substring search in b joined; "a word of b
        # (two characters or more) inside k" is a set lookup of k's few substrings
        if joined is None:
            joined = _joined(b)
        n = 0
        for k in a:
            if k in b or k in joined or not b.isdisjoint(_subwords(k)):
                n += 1
        return n
    stems_b = {x[:5] for x in b}
    return sum(1 for k in a if k in b or k[:5] in stems_b)


def _joined(words: set) -> str:
    return "\x00".join(x for x in words if len(x) >= 2)


@functools.lru_cache(maxsize=4096)
def _subwords(k: str) -> frozenset:
    return frozenset(k[i:j] for i in range(len(k) - 1) for j in range(i + 2, len(k) + 1))


# -- CQ4 --------------------------------------------------------------------------------
# an abbreviation also stands before a hyphen and a lower-case word: "SLA-тариф", "L2-поддержка"
_ABBREV = re.compile(
    r"(?<![A-Za-zА-Яа-яЁё0-9_-])(?:[A-ZА-ЯЁ]{2,6}\d*|\d[A-ZА-Я]{2,5}|[A-ZА-Я]\d[A-ZА-Я\d]{0,4}|[A-Z]{1,}[a-z]?[A-Z]{1,}"
    r"|[A-Z][A-Z0-9]*_[A-Z0-9_]+|[A-Z]{2,}-\d{2,})(?![A-Za-zА-Яа-яЁё0-9_]|-[A-ZА-ЯЁ0-9])"
)
_EXPLAINED_AFTER = re.compile(
    # the term may carry a head noun before the explanation: "3DS验证，也就是…", "3DS check,
    # that is, …", "3DS-проверка, то есть …" (session 8)
    r"^(?:[\u4e00-\u9fff]{1,4}|[-\s]?[A-Za-zА-Яа-яЁё]{2,12})?"
    r"\s*(?:[(（]|[—–-]\s|,\s*(?:то есть|т\.\s?е\.|i\.e\.|that is|which|это)|"
    r"\s*—\s*это|\s*,?\s*(?:即|也就是|就是说|指的是))",
    re.IGNORECASE,
)


# three or more capitalised words in a row are shouting, not abbreviations ("Я ВАМ УЖЕ ТРИ
# РАЗА ОТВЕТИЛА"); CQ18 deals with them (session 10)
_CAPS_RUN = re.compile(r"(?<!\w)[A-ZА-ЯЁ]{2,}(?:[\s,]+[A-ZА-ЯЁ]{2,}){2,}(?!\w)")
# a carrier's code and a number ("TK 418", "EK 30", "CZ3101") is a flight or train the customer
# holds, not jargon, when the text speaks of a flight (the pack's ``flight_words``, session 10)
_CARRIER_NUMBER = re.compile(r"[A-Z][A-Z0-9]\s?\d{1,4}(?!\d)")


def _jargon(c: _Ctx, customer_text: str) -> None:
    doc = c.doc
    caps_runs = [m.span() for m in _CAPS_RUN.finditer(doc.text)]
    low = doc.text.lower()
    flights = any(w in low for w in c.pack.data.get("flight_words", ()))
    allowed = {a.upper() for a in c.pack.data.get("common_abbreviations", [])}
    allowed |= {a.upper() for a in c.rules.allowed_abbreviations}
    cust_upper = customer_text.upper()
    hits: list[tuple[int, int, str]] = []
    ratio, caps_words = caps_ratio(doc.text)
    shouting = ratio > 0.6
    for m in _ABBREV.finditer(doc.text):
        tok = m.group()
        if (
            tok.upper() in allowed
            or re.sub(r"^\d+|\d+$", "", tok.upper()) in allowed
            or (shouting and tok.isalpha())
        ):
            continue
        if re.search(
            r"(?:промокод|код|code|coupon|优惠码|券码)\W{0,3}$",
            doc.text[max(0, m.start() - 12) : m.start()],
            re.I,
        ):
            continue  # a promo code is not jargon
        if len(tok) >= 5 and tok.isalpha() and tok.isupper():
            continue  # a shouted word, not an abbreviation (CQ18 deals with it)
        if any(a <= m.start() and m.end() <= b for a, b in caps_runs):
            continue
        if tok.upper() in ("XX", "XXX", "ХХ", "ХХХ"):
            continue  # a placeholder ("XX路88号", "ул. ХХ"), not an abbreviation (session 10)
        if flights and _CARRIER_NUMBER.match(doc.text, m.start()):
            continue
        hits.append((m.start(), m.end(), tok))
    for m in c.live("jargon"):
        hits.append((m.start, m.end, doc.raw[m.start : m.end]))
    seen = set()
    for a, b, term in sorted(hits):
        key = term.upper()
        if key in seen or doc.in_quotes(a, b):
            continue
        seen.add(key)
        if key in cust_upper and len(key) >= 2:
            continue  # the customer used it first
        if _EXPLAINED_AFTER.match(doc.text[b : b + 20]):
            continue
        before = doc.text[max(0, a - 2) : a]
        if (
            before.endswith(("(", "（"))
            and len(re.findall(r"\w+", doc.text[max(0, a - 40) : a])) >= 2
        ):
            continue  # "3-D Secure (3DS)"
        c.violations.add("jargon")
        c.add("jargon", "jargon", [a, b], c.sugg("jargon", term=term), label="jargon", term=term)
    c.score("jargon", 0.0 if "jargon" in c.violations else 1.0)


# -- CQ7 / CQ8 ----------------------------------------------------------------------------
def _deflection_denial(c: _Ctx) -> None:
    for check in ("deflection", "denial"):
        hits = c.live(check)
        if check == "deflection" and c.live("followup"):
            hits = []  # "… another department handles it; I've forwarded your request" (tone.toml)
        if hits:
            c.violations.add(check)
            for m in hits[:2]:
                c.add(check, check, m.span(), c.sugg(check), label=check)
            c.score(check, 0.0)
        else:
            c.score(check, 1.0)


# -- CQ9 --------------------------------------------------------------------------------
_YES_NO = {
    "ru": r"\b(да|нет|можно|нельзя|конечно|разумеется|возможно|невозможно|не получится|"
    r"получится)\b",
    "en": r"\b(yes|no|yep|nope|sure|of course|you can|you can't|you cannot|it is|it's not|"
    r"unfortunately|we can|we can't|it does|it doesn't|absolutely)\b",
    "zh": r"(可以|不可以|能|不能|是的|不是|行|不行|会|不会|支持|不支持|没问题)",
}
_TIME = re.compile(
    r"\d|сегодня|завтра|послезавтра|недел|дн[яейи]|час|минут|понедельник|вторник|сред[ау]|четверг|"
    r"пятниц|суббот|воскресен|today|tomorrow|tonight|week|day|hour|minute|monday|tuesday|"
    r"wednesday|thursday|friday|saturday|sunday|今天|明天|后天|天|小时|分钟|周|工作日|号",
    re.I,
)
_WHEN = re.compile(
    r"когда|сколько (?:времени|дней|ждать)|как долго|к какому|when|how long|"
    r"what time|how soon|什么时候|多久|几天|何时|几点|多长时间",
    re.I,
)
_YESNO_Q = re.compile(
    r"\bли\b|можно|могу|^(?:is|are|can|could|do|does|did|will|would|should|"
    r"have|has|may)\b|吗|能不能|可不可以|是否|能否|可否|有没有|是不是",
    re.I,
)
_HOW_MUCH = re.compile(
    r"сколько стоит|какая цена|цена|стоимост|how much|price|cost|多少钱|价格|费用", re.I
)


def _questions(c: _Ctx, lang: str) -> list[dict]:
    qs = c.cust.questions
    if not qs or lang != c.cust.language:
        return []
    cust_doc = c.cust.doc
    angry_spans = []
    if cust_doc is not None:
        found = getattr(cust_doc, "found", None) or pack_for(cust_doc.lang).find(cust_doc)
        angry_spans = [(m.start, m.end) for m in found.get("angry", ())]
    doc = c.doc
    sents = doc.sentences
    skeys = _sentence_keys(c)
    sjoined = [_joined(k) for k in skeys] if doc.lang == "zh" else None
    yes_no = re.compile(_YES_NO.get(doc.lang, _YES_NO["en"]), re.I)
    results = []
    positions = []
    for n, q in enumerate(qs, 1):
        rhetorical = any(q.start <= a < q.end for a, _ in angry_spans) and len(q.keys) <= 2
        best, best_i = 0, None
        qkeys = set(q.keys)
        for i in range(len(sents)):
            ov = _overlap(qkeys, skeys[i], doc.lang, sjoined[i] if sjoined else None)
            if ov > best:
                best, best_i = ov, i
        answered = best >= 1
        if not answered and _WHEN.search(q.text):
            idx = [
                i
                for i, s in enumerate(sents)
                if _TIME.search(s.text) and not s.text.rstrip().endswith(("?", "？"))
            ]
            if idx:
                answered, best_i = True, idx[0]
        if not answered and _HOW_MUCH.search(q.text):
            idx = [i for i, s in enumerate(sents) if re.search(r"\d", s.text)]
            if idx:
                answered, best_i = True, idx[0]
        if not answered and _YESNO_Q.search(q.text.strip()):
            idx = [i for i, s in enumerate(sents) if yes_no.search(s.text)]
            if idx and len(qs) == 1:
                answered, best_i = True, idx[0]
        results.append(
            {
                "question": q.text,
                "span": [q.start, q.end],
                "answered": answered,
                "rhetorical": rhetorical,
                "answer_span": [sents[best_i].start, sents[best_i].end]
                if answered and best_i is not None
                else None,
            }
        )
        if answered and best_i is not None:
            positions.append(best_i)
        elif not rhetorical:
            c.violations.add("unanswered_question")
            c.add(
                "questions",
                "unanswered",
                [0, 0],
                c.sugg("unanswered", question=q.text),
                n=n,
                total=len(qs),
                question=q.text,
            )
    needed = [r for r in results if not r["rhetorical"]]
    done = [r for r in needed if r["answered"]]
    value = len(done) / len(needed) if needed else 1.0
    if any(b < a for a, b in zip(positions, positions[1:], strict=False)):
        first = next(r for r in results if r["answered"])
        c.add("questions", "order", None, c.sugg("order", question=first["question"]))
        value *= 0.8
    c.score("questions", value)
    return results


# -- CQ10 -------------------------------------------------------------------------------
def _layout(c: _Ctx) -> None:
    doc = c.doc
    limits = c.rules.limits
    bad = 0
    for s in doc.sentences:
        if doc.lang == "zh":
            size = len(re.sub(r"\s", "", s.text))
            too_long = size > limits.get("sentence_chars_zh", 70)
        else:
            size = len(doc.tokens_in(s.start, s.end))
            too_long = size > limits.get("sentence_words", 30)
        if too_long and bad < 2:
            bad += 1
            c.add("layout", "long_sentence", [s.start, s.end], c.sugg("long_sentence"), words=size)
    paragraphs: dict[int, int] = {}
    for s in doc.sentences:
        paragraphs[s.paragraph] = paragraphs.get(s.paragraph, 0) + 1
    long_par = [p for p, n in paragraphs.items() if n > limits.get("paragraph_sentences", 4)]
    if long_par and "\n" not in doc.text.strip():
        c.add(
            "layout",
            "long_paragraph",
            None,
            c.sugg("long_paragraph"),
            sentences=paragraphs[long_par[0]],
        )
        bad += 1
    # three or more instructions in running text: a numbered list would be clearer
    instr = [m for m in c.live("instruction")]
    if len({doc.sentence_of(m.start) for m in instr}) >= 3 and not _NUMBERED.search(doc.text):
        c.add("layout", "steps", [instr[0].start, instr[-1].end], c.sugg("steps"))
        bad += 1
    c.score("layout", max(0.0, 1.0 - 0.35 * bad))


# -- CQ20 -------------------------------------------------------------------------------
def _satisfaction(c: _Ctx, steps: list[Match]) -> None:
    sat = c.live("satisfaction_check")
    sat += [m for m in c.live("satisfaction_question") if _clause_is_question(c, m.start)]
    if sat:
        c.present.add("satisfaction_check")
    resolving = bool(c.live("resolution"))
    if not resolving:
        return
    if sat:
        c.score("satisfaction_check", 1.0)
    else:
        end = len(c.doc.text)
        c.add(
            "satisfaction_check",
            "satisfaction_check",
            [end, end],
            c.sugg("satisfaction"),
            label="satisfaction_check",
        )
        c.score("satisfaction_check", 0.0)


# -- CQ15 -------------------------------------------------------------------------------
def _promises(c: _Ctx) -> None:
    hits = c.live("absolute_promise")
    for m in hits[:2]:
        phrase = c.doc.raw[m.start : m.end]
        c.add(
            "absolute_promise",
            "absolute_promise",
            m.span(),
            c.sugg("absolute_promise"),
            phrase=phrase,
        )
    if hits:
        c.violations.add("absolute_promise")
    c.score("absolute_promise", 0.0 if hits else 1.0)


# -- CQ16 -------------------------------------------------------------------------------
def _template(c: _Ctx, customer_text: str) -> None:
    text = re.sub(r"\s+", " ", c.doc.text.lower()).strip()
    for tpl in c.rules.templates:
        t = re.sub(r"\s+", " ", tpl.lower()).strip()
        if t and difflib.SequenceMatcher(None, text, t, autojunk=False).ratio() >= 0.92:
            c.violations.add("template")
            c.add("template", "template", [0, len(c.doc.text)], c.sugg("template"))
            c.score("template", 0.0)
            return
    if c.rules.templates:
        c.score("template", 1.0)


# -- CQ17 -------------------------------------------------------------------------------
def _apology_remedy(c: _Ctx, steps: list[Match]) -> None:
    fault = c.live("fault_admission")
    if not fault:
        return
    apology = c.live("apology")
    remedy = c.live("remedy") or steps
    value = 1.0
    if not apology:
        c.add("apology_remedy", "apology", fault[0].span(), c.sugg("apology"))
        value -= 0.5
    if not remedy:
        c.add("apology_remedy", "remedy", fault[0].span(), c.sugg("remedy"))
        value -= 0.5
    c.score("apology_remedy", value)


# -- CQ18 -------------------------------------------------------------------------------
_IDENTIFIER = re.compile(
    r"(?<![A-Za-z0-9])(?:[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+|[A-Z]+\d+[A-Z\d]*)(?![A-Za-z0-9])"
)


def _rudeness(c: _Ctx) -> None:
    doc = c.doc
    boundary_sents = {doc.sentence_of(m.start) for m in c.live("boundary")}
    hits: list[tuple[Match, str]] = []
    for m in c.live("insult"):
        if doc.sentence_of(m.start) not in boundary_sents:
            hits.append((m, "rudeness"))
    for m in c.live("insult_directed"):
        if doc.sentence_of(m.start) not in boundary_sents and _aimed_at_people(doc, c.found, m):
            hits.append((m, "rudeness"))
    hits += [(m, "profanity") for m in c.live("profanity")]
    # a put-down stays one under a negator: "it's not exactly rocket science", "не бином
    # Ньютона" (the negation is part of the sneer), so only quotes excuse these two
    hits += [(m, "sarcasm") for m in c.found.get("sarcasm", ()) if not m.quoted]
    # "wait like everyone else", "since you're such an expert", "急什么急" (tone.toml)
    hits += [(m, "dismissive") for m in c.found.get("dismissive", ()) if not m.quoted]
    for m, kind in hits[:3]:
        c.add(
            "rudeness",
            kind,
            m.span(),
            c.sugg(kind if kind in ("sarcasm", "dismissive") else "rudeness"),
            label="rudeness",
        )
    # identifiers are not shouting: "ERR_AUTH_403", "AUTH-2"
    plain = _IDENTIFIER.sub(" ", doc.text)
    ratio, caps_words = caps_ratio(plain)
    # abbreviations scattered through ordinary text ("an AVS mismatch on the PSP side and a
    # KYC refresh") are jargon (CQ4), not shouting: a capitalised word shouts when the text is
    # mostly capitals, when it stands next to another one ("READ THE FAQ"), or when it is long
    shouting = (
        (ratio > 0.6 and caps_words >= 2)
        or (caps_words >= 2 and _shouted_words(plain))
        or bool(re.search(r"[!！]{3,}", doc.text))
    )
    if shouting:
        c.add("rudeness", "shouting", [0, len(doc.text)], c.sugg("shouting"), label="rudeness")
    if hits or shouting:
        c.violations.add("rudeness")
        c.score("rudeness", 0.0)
    else:
        c.score("rudeness", 1.0)


_CAPS_WORD = re.compile(r"(?<![A-Za-zА-Яа-яЁё])[A-ZА-ЯЁ]{2,}(?![A-Za-zА-Яа-яЁё])")


def _shouted_words(text: str) -> bool:
    """Capitals that shout: two side by side, one of them a word of 4+ letters ("PLEASE
    READ", "READ THE FAQ"), or two long ones anywhere ("you MUST wait, NOT my FAULT")."""
    words = list(_CAPS_WORD.finditer(text))
    if sum(len(w.group()) >= 4 for w in words) >= 2:
        return True
    for a, b in zip(words, words[1:], strict=False):
        if not text[a.end() : b.start()].strip(" ,") and max(len(a.group()), len(b.group())) >= 4:
            return True
    return False


# -- CQ19 -------------------------------------------------------------------------------
def _dont_know(c: _Ctx) -> None:
    hits = c.live("dont_know")
    if hits and not c.live("find_out"):
        c.violations.add("dont_know")
        c.add("dont_know", "dont_know", hits[0].span(), c.sugg("dont_know"), label="dont_know")
        c.score("dont_know", 0.0)
    else:
        c.score("dont_know", 1.0)


# -- ES4 --------------------------------------------------------------------------------
def _insult_response(c: _Ctx) -> None:
    if "insult" not in c.cust.signals:
        return
    if c.live("boundary"):
        c.score("insult_response", 1.0)
    else:
        c.add("insult_response", "insult_response", [0, 0], c.sugg("insult_response"))
        c.score("insult_response", 0.0)


# -- MG2 --------------------------------------------------------------------------------
def _org_phrases(c: _Ctx) -> None:
    bad = 0
    for i, p in enumerate(c.rules.forbidden_phrases):
        for m in c.found.get(f"forbidden:{i}", [])[:1]:
            bad += 1
            sug = p.suggestion or c.sugg("forbidden", phrase=p.phrase)
            c.add("forbidden_phrases", "forbidden_phrase", m.span(), sug, phrase=p.phrase)
    if any(p.lang in (None, c.doc.lang) for p in c.rules.forbidden_phrases):
        c.score("forbidden_phrases", 0.0 if bad else 1.0)
    missing = 0
    applicable = 0
    n = len(c.doc.text)
    for i, p in enumerate(c.rules.required_phrases):
        if p.lang not in (None, c.doc.lang):
            continue
        applicable += 1
        hits = c.found.get(f"required:{i}", [])
        if p.where == "start":
            hits = [m for m in hits if m.start <= max(60, n // 5)]
        elif p.where == "end":
            hits = [m for m in hits if m.end >= n - max(80, n // 4)]
        if not hits:
            missing += 1
            pos = [0, 0] if p.where == "start" else [n, n]
            c.add(
                "required_phrases",
                "required_phrase",
                pos,
                c.sugg("required", phrase=p.phrase),
                phrase=p.phrase,
            )
    if applicable:
        c.score("required_phrases", 1.0 - missing / applicable)


# ---------------------------------------------------------------------------- score
def _score(c: _Ctx) -> tuple[int, dict]:
    total_w = 0.0
    total = 0.0
    by_principle: dict[str, dict] = {}
    for check, value in c.scores.items():
        w = c.rules.weight(check)
        if w <= 0:
            continue
        principle = CHECKS[check][0]
        entry = by_principle.setdefault(principle, {"weight": 0.0, "sum": 0.0, "checks": {}})
        entry["weight"] += w
        entry["sum"] += w * value
        entry["checks"][check] = round(100 * value)
        total_w += w
        total += w * value
    score = round(100 * total / total_w) if total_w else 100
    caps = []
    if "rudeness" in c.violations and c.rules.enabled("rudeness"):
        caps.append(40)
    if "wrong_language" in c.violations and c.rules.enabled("language"):
        caps.append(30)
    if {"denial", "deflection"} & c.violations:
        caps.append(60)
    if caps:
        score = min(score, min(caps))
    breakdown = {
        p: {
            "score": round(100 * e["sum"] / e["weight"]),
            "weight": round(e["weight"], 2),
            "checks": e["checks"],
        }
        for p, e in sorted(by_principle.items(), key=lambda kv: _principle_order(kv[0]))
    }
    return score, breakdown


def _principle_order(p: str) -> tuple:
    m = re.match(r"([A-Z]+)(\d+)", p)
    return (m.group(1), int(m.group(2))) if m else (p, 0)
