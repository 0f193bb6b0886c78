"""Content words and cheap similarity for suggestions and FAQ mining (docs/suggestions.md).

No Django: the tokens are rapport.search.normalise's (Russian lemmas, English stems, jieba's
Chinese words, folded case/ё/width), so "Как вернуть товар?" and "хочу вернуть товары" share
вернуть and товар, and 怎么退货 and 我想退货 share 退货. What carries no topic is dropped: the
coach's stop-word lists for the three languages (greetings, pronouns, question words), each
run through the same normaliser, and one-letter words.

Similarity is TF-IDF cosine over those tokens; the IDF comes from the set being compared (the
candidates of one suggestion request, or the questions mined so far), so it needs no corpus
statistics from the database and gives the same answer on SQLite and PostgreSQL.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import cache

from rapport.coach.langpack import pack_for
from rapport.search.normalise import fold, is_han, word_forms, words

# Beyond the coach's lists: words every support question has that say nothing of its topic.
EXTRA_STOP = {
    "en": "does did doing done i'm im ok okay hey dear regards hello help question problem "
    "issue way possible able someone anyone something anything try",
    "ru": "здравствуйте привет помочь помогите вопрос проблема подскажите скажите можно ли "
    "спасибо пожалуйста возможно кто-то что-то как-то",
    "zh": "您好 你好 请问 问一下 一下 谢谢 麻烦 帮 帮忙 问题 如何 怎样 怎么样 "
    "可不可以 能不能 是不是 办理 申请 操作 处理",
}


@cache
def stop_words() -> frozenset[str]:
    found: set[str] = set()
    for lang in ("en", "ru", "zh"):
        listed = set(pack_for(lang).words("stop_words")) | set(EXTRA_STOP[lang].split())
        for word in listed:
            found.add(fold(word))
            for w in words(word):
                if w.token:
                    found.add(w.token)
                    found.update(w.alternatives)
            for piece in fold(word).split():
                found.update(word_forms(piece))
    return frozenset(found)


def _topical(token: str, han: bool, stop: frozenset[str]) -> bool:
    return bool(token) and token not in stop and not token.isdigit() and (han or len(token) > 1)


def content_tokens(text: str) -> list[str]:
    """The topic words of `text`, normalised, in order (repeats kept)."""
    stop = stop_words()
    return [w.token for w in words(text or "") if _topical(w.token, w.han, stop)]


def content_words(text: str) -> list[tuple[str, str]]:
    """The topic words of `text` as (normalised token, the word as written, lower-cased): the
    token groups "deliveries" with "delivery", the written word is what a person reads."""
    stop = stop_words()
    return [
        (w.token, (text[w.start : w.end] if not w.han else w.token).lower())
        for w in words(text or "")
        if _topical(w.token, w.han, stop)
    ]


def stored_content_tokens(tokens: str) -> list[str]:
    """The same from a search document's stored `tokens` (normalised already: not again)."""
    stop = stop_words()
    return [t for t in tokens.split() if _topical(t, is_han(t[:1]), stop)]


def idf(document_frequencies: Mapping[str, int], documents: int) -> dict[str, float]:
    """Smoothed inverse document frequency: log(1 + N / df)."""
    return {t: math.log(1 + documents / df) for t, df in document_frequencies.items() if df}


def vector(counts: Mapping[str, float], weights: Mapping[str, float], default: float) -> dict:
    return {t: c * weights.get(t, default) for t, c in counts.items()}


def cosine(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    dot = sum(v * b.get(t, 0.0) for t, v in a.items())
    if not dot:
        return 0.0
    na = math.sqrt(sum(v * v for v in a.values()))
    nb = math.sqrt(sum(v * v for v in b.values()))
    return dot / (na * nb)


def rank(query: Iterable[str], documents: Mapping[object, Iterable[str]]) -> list[tuple]:
    """(key, cosine) of each document against `query`, best first: TF-IDF over the query and
    these documents only. Query words no document holds are left out of the query's vector:
    they change no ranking, only the scale, and the documents are candidates that share at
    least one word with the query, so the scale would depend on how chatty the message is."""
    bags = {key: Counter(tokens) for key, tokens in documents.items()}
    df: Counter[str] = Counter()
    for bag in bags.values():
        df.update(bag.keys())
    q = Counter(t for t in query if t in df)
    df.update(q.keys())
    weights = idf(df, len(bags) + 1)
    qv = vector(q, weights, 1.0)
    scored = [(key, cosine(qv, vector(bag, weights, 1.0))) for key, bag in bags.items()]
    return sorted(scored, key=lambda kv: (-kv[1], str(kv[0])))
