"""Grouping ideas that say the same thing (KN5, docs/ideas.md): by their normalised content
words (the search normaliser's lemmas/stems/jieba words without stop words, shared with FAQ
mining: rapport.suggest.text), or by the category a supervisor chose."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from rapport.suggest.text import content_tokens

# Two ideas are one group when they share at least half of the shorter one's words.
OVERLAP = 0.5


# How suggestions are phrased, not what they are about ("customers keep asking …"): left out,
# normalised the same way as the ideas' words.
_PHRASING = """
customers client clients keep keeps asking ask asks often always again please add need needs
should could would maybe suggest suggestion idea improve improvement better people users
клиенты клиент постоянно часто всегда снова опять спрашивают спрашивать просят просить
предлагаю предложение добавить нужно надо можно улучшить лучше пользователи люди
客户 顾客 用户 一直 总是 经常 老是 问 询问 总问 建议 希望 增加 添加 需要 应该 改进 改善 更好
"""


@lru_cache(maxsize=1)
def phrasing_words() -> frozenset[str]:
    return frozenset(content_tokens(_PHRASING))


def keywords(text: str) -> list[str]:
    """The normalised topic words of a suggestion (search lemmas and stems, jieba words)."""
    skip = phrasing_words()
    return [w for w in dict.fromkeys(content_tokens(text)) if w not in skip][:40]


def similar(a: set[str], b: set[str]) -> bool:
    if not a or not b:
        return False
    shared = len(a & b)
    return shared >= 1 and shared / min(len(a), len(b)) >= OVERLAP


@dataclass
class Group:
    label: str
    ideas: list = field(default_factory=list)

    @property
    def votes(self) -> int:
        return sum(i.vote_count for i in self.ideas)


def by_keywords(ideas: list) -> list[Group]:
    """Single-link groups (union-find) of ideas with similar keywords; the label is the
    group's most shared words. Largest groups first, then most votes."""
    parent = list(range(len(ideas)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    sets = [set(i.keywords or ()) for i in ideas]
    for i in range(len(ideas)):
        for j in range(i + 1, len(ideas)):
            if similar(sets[i], sets[j]):
                parent[root(j)] = root(i)
    members: dict[int, list] = {}
    for i, idea in enumerate(ideas):
        members.setdefault(root(i), []).append(idea)
    groups = []
    for items in members.values():
        counts = Counter(w for idea in items for w in set(idea.keywords or ()))
        if len(items) > 1:
            top = [w for w, n in counts.most_common(3) if n > 1] or [counts.most_common(1)[0][0]]
        else:
            top = [w for w, _n in counts.most_common(3)]
        groups.append(Group(" · ".join(top) or "—", items))
    groups.sort(key=lambda g: (-len(g.ideas), -g.votes, g.label))
    return groups


def by_category(ideas: list, labels: dict[str, str], none_label: str) -> list[Group]:
    groups: dict[str, Group] = {}
    for idea in ideas:
        key = idea.category or ""
        groups.setdefault(key, Group(labels.get(key, none_label))).ideas.append(idea)
    return sorted(groups.values(), key=lambda g: (-len(g.ideas), g.label))


def best_problem(idea, clusters) -> object | None:
    """The FAQ cluster (rapport.suggest) whose words overlap the idea's most, if any does."""
    words = set(idea.keywords or ())
    best, score = None, 0.0
    for cluster in clusters:
        tokens = set((cluster.tokens or {}).keys())
        if not tokens or not words:
            continue
        s = len(words & tokens) / len(words)
        if s > score:
            best, score = cluster, s
    return best if score >= OVERLAP else None
