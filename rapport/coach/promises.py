"""Promises in an agent's reply (RS2, RS6): "I'll call you back tomorrow", "перезвоню вам завтра
до 12", "我们明天下午给您回电" — found sentence by sentence, with the due time they name.

Plain Python (no Django), like the rest of the coach:

    from rapport.coach.promises import find_promises
    find_promises("Перезвоню вам завтра до 12.", now=now, tz="Europe/Moscow")
    # [PromiseFound(kind='callback', due_at=<tomorrow 12:00 MSK>, ...)]

A sentence is a promise when the agent (I/we) commits to an action: call back (``callback``),
answer / get back / let know (``answer``), or check, send, fix (``other``). Its due time comes
from the words it uses, relative to ``now`` in the agent's time zone: durations ("within 2
hours", "через 3 часа", "2小时内"), days ("today", "завтра", "周五"), parts of the day
("tomorrow afternoon", "下午") and clock times ("by 3 pm", "до 12", "下午3点"). A promise
without a time, or with only "soon", is due at the end of the next business day. The Django
side (rapport.promises) turns a found promise into a tracked one; docs/promises.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KINDS = ("callback", "answer", "other")
END_OF_DAY = time(18, 0)  # "tomorrow", "by Friday": the end of that business day
BUSINESS_DAYS = frozenset(range(5))  # Monday..Friday

# --- what makes a sentence a promise -----------------------------------------------------------

_EN_SUBJECT = (
    r"\b(?:i|we)(?:\s*(?:'|’)ll|\s+will|\s+shall|\s+(?:am|are)\s+going\s+to|"
    r"\s*(?:'|’)(?:m|re)\s+going\s+to)(?:\s+\w+ly)?\s+(?:be\s+)?"
    r"(?:\w+(?:\s+\w+){0,3}?\s+(?:and|&)\s+)?"
)
_EN_VERBS = {
    "callback": r"(?:call|ring|phone|give\s+you\s+a\s+(?:call|ring))",
    "answer": r"(?:get\s+back|come\s+back|reply|respond|answer|write|e-?mail|let\s+you\s+know|"
    r"update|inform|notify|follow\s+up|contact|be\s+in\s+touch|get\s+in\s+touch|"
    r"send\s+you\s+an?\s+(?:update|answer|reply)|keep\s+you\s+(?:posted|updated|informed))",
    "other": r"(?:check|find\s+out|look\s+into|investigate|confirm|send|fix|resolve|arrange|"
    r"refund|ship|process|escalate|sort)",
}
EN = {kind: re.compile(_EN_SUBJECT + verbs + r"\b", re.I) for kind, verbs in _EN_VERBS.items()}
EN_ALSO = {
    "answer": re.compile(
        r"\byou(?:'|’)?ll\s+(?:hear|get\s+an?\s+(?:answer|reply))\s+(?:back\s+)?"
        r"from\s+(?:me|us)\b|\byou\s+will\s+(?:hear|get\s+an?\s+(?:answer|reply))"
        r"\s+(?:back\s+)?from\s+(?:me|us)\b",
        re.I,
    ),
}
EN_NEGATION = re.compile(r"\b(?:won(?:'|’)t|will\s+not|can(?:'|’)?t|cannot|unable)\b", re.I)

_RU_VERBS = {
    "callback": r"(?:пере)?звон(?:ю|им)|позвон(?:ю|им)|набер(?:у|ём|ем)",
    "answer": r"свяж(?:усь|емся|ёмся)|сообщ(?:у|им)|отвеч(?:у)|ответ(?:им)|напиш(?:у|ем)|"
    r"верн(?:усь|ёмся|емся)\s+с\s+ответом|дам\s+знать|дадим\s+знать|"
    r"проинформиру(?:ю|ем)|уведом(?:лю|им)|отпиш(?:усь|емся)|"
    r"(?:буду|будем)\s+держать\s+(?:вас\s+)?в\s+курсе",
    "other": r"провер(?:ю|им)|уточн(?:ю|им)|выясн(?:ю|им)|пришл(?:ю|ём|ем)|отправ(?:лю|им)|"
    r"исправ(?:лю|им)|разбер(?:усь|ёмся|емся)|оформ(?:лю|им)|вышл(?:ю|ем)",
}
RU = {
    kind: re.compile(r"(?<![\w-])(?<!не )(?:" + verbs + r")(?!\w)", re.I)
    for kind, verbs in _RU_VERBS.items()
}

_ZH_SUBJECT = r"(?:我们|我|本人|客服)(?![不没])[^，。！？；,.!?;不没]{0,16}?"
_ZH_VERBS = {
    "callback": r"(?:回电话?|回个电话|打电话|致电|回拨|电话联系)",
    "answer": r"(?:回复|答复|联系您|联系你|告知|通知您|通知你|反馈|给您消息|给你消息|给您答复)",
    "other": r"(?:核实|查询|查一下|处理|确认|安排|发送|寄出|退款)",
}
ZH = {kind: re.compile(_ZH_SUBJECT + verbs) for kind, verbs in _ZH_VERBS.items()}

_SENTENCE_RE = re.compile(r"[^.!?。！？；\n]+[.!?。！？；]*", re.S)

# --- numbers -------------------------------------------------------------------------------------

EN_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "twelve": 12,
    "couple": 2,
    "a couple of": 2,
    "few": 3,
    "a few": 3,
    "half an": 0.5,
    "half a": 0.5,
}
RU_NUMBERS = {
    "один": 1,
    "одного": 1,
    "одной": 1,
    "одну": 1,
    "два": 2,
    "две": 2,
    "двух": 2,
    "пару": 2,
    "пары": 2,
    "три": 3,
    "трёх": 3,
    "трех": 3,
    "четыре": 4,
    "четырёх": 4,
    "четырех": 4,
    "пять": 5,
    "пяти": 5,
    "шесть": 6,
    "шести": 6,
    "семь": 7,
    "семи": 7,
    "восемь": 8,
    "восьми": 8,
    "десять": 10,
    "десяти": 10,
    "нескольких": 3,
    "несколько": 3,
}
ZH_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def zh_number(text: str) -> int | None:
    """Chinese numerals up to 99 ("两", "十二", "二十四") or digits."""
    if text.isdigit():
        return int(text)
    if not text:
        return None
    if "十" in text:
        tens, _sep, ones = text.partition("十")
        return (ZH_DIGITS.get(tens, 1) if tens else 1) * 10 + (
            ZH_DIGITS.get(ones, 0) if ones else 0
        )
    return ZH_DIGITS.get(text)


def _number(word: str | None, table: dict) -> float:
    if not word:
        return 1
    word = word.strip().lower()
    if word.replace(".", "", 1).isdigit():
        return float(word)
    return table.get(word, 1)


# --- time phrases ---------------------------------------------------------------------------------

_EN_NUM = (
    r"(\d+(?:\.\d+)?|a\s+couple\s+of|a\s+few|half\s+an?|an?|one|two|three|four|five|six|"
    r"seven|eight|nine|ten|twelve|couple|few)"
)
EN_DURATION = re.compile(
    r"\b(?:within|in|during\s+the\s+next|in\s+the\s+next|over\s+the\s+next)\s+(?:the\s+next\s+)?"
    + _EN_NUM
    + r"\s*(minutes?|mins?|hours?|hrs?|h|business\s+days?|working\s+days?|days?|weeks?)"
    r"\b",
    re.I,
)
EN_WITHIN_THE_HOUR = re.compile(r"\bwithin\s+the\s+(hour|day)\b", re.I)
RU_DURATION = re.compile(
    r"(?:через|в\s+течение|в\s+ближайшие|за)\s+(?:(\d+(?:[.,]\d+)?|[а-яё]+)\s+)?"
    r"(минут[уы]?|мин|час(?:а|ов)?|полчаса|рабоч(?:его|их|ий|ие)\s+(?:дня|дней|день|дни)|"
    r"дн(?:я|ей)|день|суток|сутки|недел[юиь])(?!\w)",
    re.I,
)
ZH_DURATION = re.compile(
    r"(\d+|[一二两三四五六七八九十]+|半)\s*个?\s*(分钟|小时|钟头|工作日|天|日|星期|周)\s*(?:内|之内|以内|后|之后)"
)

EN_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
RU_WEEKDAYS = ["понедельник", "вторник", "сред", "четверг", "пятниц", "суббот", "воскресень"]
ZH_WEEKDAYS = "一二三四五六日"


def _first(patterns: list[tuple[re.Pattern, object]], text: str):
    for pattern, value in patterns:
        m = pattern.search(text)
        if m:
            return m, value
    return None, None


# Day words: (pattern, days from today). Checked in order: "day after tomorrow" before "tomorrow".
DAY_WORDS = [
    (re.compile(r"\bday\s+after\s+tomorrow\b", re.I), 2),
    (re.compile(r"\btomorrow\b", re.I), 1),
    (re.compile(r"\b(?:today|tonight|this\s+(?:morning|afternoon|evening))\b", re.I), 0),
    (re.compile(r"(?<!\w)послезавтра(?!\w)", re.I), 2),
    (re.compile(r"(?<!\w)завтра(?!\w)", re.I), 1),
    (re.compile(r"(?<!\w)сегодня(?!\w)", re.I), 0),
    (re.compile(r"后天"), 2),
    (re.compile(r"明天|明日|明早|明晚"), 1),
    (re.compile(r"今天|今日|今晚|今早"), 0),
]
EN_WEEKDAY_RE = re.compile(r"\b(next\s+)?(" + "|".join(EN_WEEKDAYS) + r")\b", re.I)
RU_WEEKDAY_RE = re.compile(r"(?<!\w)(следующ\w+\s+)?(" + "|".join(RU_WEEKDAYS) + r")\w*", re.I)
ZH_WEEKDAY_RE = re.compile(r"(下)?(?:周|星期|礼拜)([" + ZH_WEEKDAYS + "天])")
NEXT_WEEK_RE = re.compile(r"\bnext\s+week\b|(?<!\w)на\s+следующей\s+неделе(?!\w)|下周|下星期", re.I)
END_OF_DAY_RE = re.compile(
    r"\b(?:end\s+of\s+(?:the\s+)?(?:business\s+|working\s+)?day|eod|close\s+of\s+business|cob)\b|"
    r"(?<!\w)(?:до|к)\s+конц[ау]\s+(?:рабочего\s+)?дня(?!\w)|下班前|今天之内|当天",
    re.I,
)
# "Soon", "скоро", "尽快" name no time: such a promise gets the default due time.
# Parts of the day: the deadline they imply (end of the morning, of the afternoon, ...).
PARTS = [
    (re.compile(r"\b(?:morning)\b|(?<!\w)утр(?:ом|а)(?!\w)|上午|早上|明早|今早", re.I), time(12)),
    (
        re.compile(
            r"\b(?:noon|midday|lunch(?:time)?)\b|(?<!\w)(?:до\s+обеда|к\s+обеду|в\s+обед)"
            r"(?!\w)|中午",
            re.I,
        ),
        time(13),
    ),
    (re.compile(r"\bafternoon\b|(?<!\w)(?:днём|днем|после\s+обеда)(?!\w)|下午", re.I), time(18)),
    (
        re.compile(r"\b(?:evening|tonight)\b|(?<!\w)вечер(?:ом|а)?(?!\w)|晚上|今晚|明晚", re.I),
        time(21),
    ),
]

EN_CLOCK = re.compile(
    r"\b(?:at|by|before|until|till|around|no\s+later\s+than)\s+(\d{1,2})(?::(\d{2}))?\s*"
    r"(a\.?m\.?|p\.?m\.?|o(?:'|’)clock)?(?![\d:])|\b(\d{1,2})(?::(\d{2}))?\s*(a\.?m\.?|p\.?m\.?)"
    r"(?!\w)|\b(\d{1,2}):(\d{2})\b",
    re.I,
)
RU_CLOCK = re.compile(
    r"(?<!\w)(?:в|до|к|около|не\s+позднее)\s+(\d{1,2})(?:[:.](\d{2}))?(?:\s*(?:час(?:а|ов|ам)?|ч))?"
    r"(?:\s+(утра|дня|вечера|ночи))?(?![\d:\w])|(?<!\w)(\d{1,2}):(\d{2})(?!\d)",
    re.I,
)
ZH_CLOCK = re.compile(
    r"(\d{1,2}|[一二两三四五六七八九十]{1,3})\s*[点點时](?:\s*(半|\d{1,2}\s*分?|[一二三四五]十\S?分))?"
    r"|(\d{1,2}):(\d{2})"
)


@dataclass(frozen=True)
class PromiseFound:
    """One promise in a reply: the sentence, what kind, when it is due and why that time."""

    text: str
    kind: str
    due_at: datetime
    due_text: str  # the words that set the time; "" when the default applied
    language: str
    start: int
    end: int

    def as_dict(self) -> dict:
        return {
            "text": self.text,
            "kind": self.kind,
            "due_at": self.due_at.isoformat(),
            "due_text": self.due_text,
            "language": self.language,
            "span": [self.start, self.end],
        }


def next_business_day(day: date, business_days=BUSINESS_DAYS) -> date:
    day += timedelta(days=1)
    while day.weekday() not in business_days:
        day += timedelta(days=1)
    return day


def add_business_days(day: date, n: int, business_days=BUSINESS_DAYS) -> date:
    for _ in range(max(n, 1)):
        day = next_business_day(day, business_days)
    return day


def _at(day: date, at: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, at, tzinfo=tz)


def _kind_of(sentence: str) -> tuple[str, str] | None:
    """(kind, language) of the commitment in a sentence, or None. Callbacks win over answers."""
    for kind in KINDS:
        m = EN[kind].search(sentence) or (EN_ALSO.get(kind) and EN_ALSO[kind].search(sentence))
        if m and not EN_NEGATION.search(sentence[: m.start() + 12]):
            return kind, "en"
        if RU[kind].search(sentence):
            return kind, "ru"
        if ZH[kind].search(sentence):
            return kind, "zh"
    return None


def _duration(sentence: str) -> tuple[timedelta, str, int] | None:
    """(length, words, business days) of "within 2 hours" / "через час" / "2小时内"."""
    m = EN_DURATION.search(sentence)
    if m:
        n, unit = _number(re.sub(r"\s+", " ", m.group(1)), EN_NUMBERS), m.group(2).lower()
        if unit.startswith(("business", "working")):
            return timedelta(0), m.group(0), int(n)
        return _unit(n, unit[0] if not unit.startswith("mi") else "m"), m.group(0), 0
    m = EN_WITHIN_THE_HOUR.search(sentence)
    if m:
        return _unit(1, "h" if m.group(1).lower() == "hour" else "d"), m.group(0), 0
    m = RU_DURATION.search(sentence)
    if m:
        word, unit = m.group(1), m.group(2).lower()
        if (
            word
            and not word.replace(",", ".").replace(".", "", 1).isdigit()
            and word.lower() not in RU_NUMBERS
        ):
            word = None  # "в течение всего дня": not a number
        n = _number((word or "").replace(",", "."), RU_NUMBERS)
        if unit == "полчаса":
            return timedelta(minutes=30), m.group(0), 0
        if unit.startswith("рабоч"):
            return timedelta(0), m.group(0), int(n)
        key = {"м": "m", "ч": "h", "д": "d", "с": "d", "н": "w"}[unit[0]]
        return _unit(n, key), m.group(0), 0
    m = ZH_DURATION.search(sentence)
    if m:
        n = 0.5 if m.group(1) == "半" else (zh_number(m.group(1)) or 1)
        unit = m.group(2)
        if unit == "工作日":
            return timedelta(0), m.group(0), int(n)
        key = {"分钟": "m", "小时": "h", "钟头": "h", "天": "d", "日": "d", "星期": "w", "周": "w"}[
            unit
        ]
        return _unit(n, key), m.group(0), 0
    return None


def _unit(n: float, key: str) -> timedelta:
    return {
        "m": timedelta(minutes=n),
        "h": timedelta(hours=n),
        "d": timedelta(days=n),
        "w": timedelta(weeks=n),
    }[key]


def _clock(sentence: str) -> tuple[time, str] | None:
    """An explicit clock time: "by 3 pm", "at 15:30", "до 12", "в 3 часа дня", "下午3点半"."""
    m = EN_CLOCK.search(sentence)
    if m:
        groups = m.groups()
        hour, minute, suffix = next(
            (groups[i], groups[i + 1], groups[i + 2] if i < 6 else None)
            for i in (0, 3, 6)
            if groups[i] is not None
        )
        hour, minute = int(hour), int(minute or 0)
        suffix = (suffix or "").lower().replace(".", "")
        if suffix == "pm" and hour < 12:
            hour += 12
        elif suffix == "am" and hour == 12:
            hour = 0
        elif not suffix and 1 <= hour <= 7:
            hour += 12  # "by 3" in a reply means the afternoon
        if hour <= 23 and minute <= 59:
            return time(hour, minute), m.group(0).strip()
    m = RU_CLOCK.search(sentence)
    if m:
        if m.group(1) is not None:
            hour, minute, part = int(m.group(1)), int(m.group(2) or 0), (m.group(3) or "").lower()
        else:
            hour, minute, part = int(m.group(4)), int(m.group(5)), ""
        if part in ("дня", "вечера") and hour < 12:
            hour += 12
        elif not part and 1 <= hour <= 7:
            hour += 12
        if hour <= 23 and minute <= 59:
            return time(hour, minute), m.group(0).strip()
    m = ZH_CLOCK.search(sentence)
    if m:
        if m.group(4) is not None:
            hour, minute = int(m.group(4)), int(m.group(5))
        else:
            hour = zh_number(m.group(1)) or 0
            tail = (m.group(2) or "").strip()
            if tail == "半":
                minute = 30
            else:
                digits = re.sub(r"\D", "", tail)
                minute = int(digits) if digits else (zh_number(tail.rstrip("分")) or 0)
            before = sentence[: m.start()]
            if re.search(r"(下午|晚上|傍晚)\s*$", before) and hour < 12:
                hour += 12
            elif not re.search(r"(上午|早上|凌晨|中午)\s*$", before) and 1 <= hour <= 7:
                hour += 12
        if hour <= 23 and minute <= 59:
            return time(hour, minute), m.group(0).strip()
    return None


def _weekday(sentence: str, today: date) -> tuple[date, str] | None:
    m = EN_WEEKDAY_RE.search(sentence)
    if m:
        target, nxt = EN_WEEKDAYS.index(m.group(2).lower()), bool(m.group(1))
    else:
        m = RU_WEEKDAY_RE.search(sentence)
        if m:
            stem = next(s for s in RU_WEEKDAYS if m.group(2).lower().startswith(s))
            target, nxt = RU_WEEKDAYS.index(stem), bool(m.group(1))
        else:
            m = ZH_WEEKDAY_RE.search(sentence)
            if not m:
                return None
            day = m.group(2)
            target, nxt = (6 if day in "日天" else ZH_WEEKDAYS.index(day)), bool(m.group(1))
    if nxt:  # "next Friday", "в следующую пятницу", "下周五": that day of next week
        ahead = 7 - today.weekday() + target
    else:  # "on Monday" said on a Monday: next week's
        ahead = (target - today.weekday()) % 7 or 7
    return today + timedelta(days=ahead), m.group(0)


def due_time(
    sentence: str, *, now: datetime, tz: ZoneInfo, business_days=BUSINESS_DAYS
) -> tuple[datetime, str]:
    """When a promise made in ``sentence`` at ``now`` is due, and the words that say so."""
    local = now.astimezone(tz)
    today = local.date()
    duration = _duration(sentence)
    if duration is not None:
        length, words, business = duration
        if business:
            return _at(add_business_days(today, business, business_days), END_OF_DAY, tz), words
        return local + length, words

    words: list[str] = []
    day: date | None = None
    m, offset = _first(DAY_WORDS, sentence)
    if m:
        day, _ = today + timedelta(days=offset), words.append(m.group(0))
    else:
        found = _weekday(sentence, today)
        if found:
            day, word = found
            words.append(word)
        else:
            m = NEXT_WEEK_RE.search(sentence)
            if m:
                day = today + timedelta(days=7 - today.weekday())  # next week's Monday
                words.append(m.group(0))
    at: time | None = None
    clock = _clock(sentence)
    if clock:
        at, word = clock
        words.append(word)
    else:
        m, part = _first(PARTS, sentence)
        if m:
            at = part
            words.append(m.group(0))
        else:
            m = END_OF_DAY_RE.search(sentence)
            if m:
                at = END_OF_DAY
                words.append(m.group(0))
                day = day or today
    if day is None and at is None:
        # Nothing said, or only "soon": the end of the next business day.
        return _at(next_business_day(today, business_days), END_OF_DAY, tz), ""
    if day is None:
        day = today if at > local.time() else today + timedelta(days=1)
    if at is None:
        at = END_OF_DAY
    due = _at(day, at, tz)
    if due <= local:  # "today" said at 19:00: by the end of the day means midnight
        due = max(due, _at(today, time(23, 59), tz))
    words = list(dict.fromkeys(w.rstrip(".") for w in words))
    return due, " ".join(sorted(words, key=sentence.find))


def find_promises(
    text: str, *, now: datetime, tz: str | ZoneInfo = "UTC", business_days=BUSINESS_DAYS
) -> list[PromiseFound]:
    """Every promise the agent makes in ``text``; ``now`` is when the reply is sent (aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    zone = tz if isinstance(tz, ZoneInfo) else ZoneInfo(tz)
    found = []
    for m in _SENTENCE_RE.finditer(text or ""):
        sentence = m.group(0).strip()
        if not sentence:
            continue
        kind = _kind_of(sentence)
        if kind is None:
            continue
        due, words = due_time(sentence, now=now, tz=zone, business_days=business_days)
        start = m.start() + (len(m.group(0)) - len(m.group(0).lstrip()))
        found.append(
            PromiseFound(
                text=sentence,
                kind=kind[0],
                due_at=due,
                due_text=words,
                language=kind[1],
                start=start,
                end=start + len(sentence),
            )
        )
    return found


def find_promise(text: str, **kwargs) -> PromiseFound | None:
    """The first promise with a time named, else the first promise, else None."""
    promises = find_promises(text, **kwargs)
    return next((p for p in promises if p.due_text), promises[0] if promises else None)
