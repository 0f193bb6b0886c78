"""The agents' query language, parsed once into a small tree both backends compile.

    refund "not arrived" status:open channel:email customer:carol@example.com tag:vip
    team:Support after:2026-01-01 before:2026-02-01 -spam заказ OR 订单

- A word matches any of its normal forms (rapport.search.normalise): заказов finds заказ,
  refunded finds refund, 退款 finds 我要退款了.
- "…" is a phrase: its tokens next to each other, in order.
- `-word` / `-"phrase"` excludes; `a OR b` (or `a | b`) matches either.
- Filters: status:, channel: (comma lists allowed), customer: (a name or an identity: e-mail,
  phone…), kind: (internal or external: the customer's, CH8), tag:, team: (name or id),
  before: / after: (YYYY-MM-DD, on the message's date; after: includes that day, before:
  excludes it). An unknown `key:` is read as words, so pasted URLs and times still search.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .normalise import bigrams, fold, words


@dataclass(frozen=True)
class Term:
    """One query word: found if the document holds every token of any one group."""

    groups: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Phrase:
    tokens: tuple[str, ...]


@dataclass(frozen=True)
class All:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Any:
    items: tuple[Node, ...]


Node = Term | Phrase | All | Any

STATUSES = ("new", "open", "pending", "solved", "closed")


@dataclass
class Filters:
    statuses: list[str] = field(default_factory=list)
    channels: list[str] = field(default_factory=list)
    customers: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)  # the customer's kind (CH8)
    before: dt.date | None = None
    after: dt.date | None = None

    def __bool__(self) -> bool:
        return any(
            (
                self.statuses,
                self.channels,
                self.customers,
                self.tags,
                self.teams,
                self.kinds,
                self.before,
                self.after,
            )
        )


@dataclass
class Query:
    must: list[Node] = field(default_factory=list)
    must_not: list[Node] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)
    errors: list[str] = field(default_factory=list)
    # For highlighting: every token a positive part looks for, and the Chinese words.
    marks: set[str] = field(default_factory=set)
    han: set[str] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not (self.must or self.must_not or self.filters)


_QUOTES = str.maketrans({c: '"' for c in "“”„«»「」『』＂"})
_ITEM = re.compile(r'(?P<neg>-)?(?:(?P<key>[A-Za-z]+):)?(?:"(?P<quoted>[^"]*)"?|(?P<bare>[^\s"]+))')
FILTER_KEYS = ("status", "channel", "customer", "kind", "tag", "team", "before", "after")
KINDS = ("internal", "external")
MAX_ITEMS = 32


def _term_nodes(text: str, q: Query, positive: bool) -> list[Node]:
    nodes: list[Node] = []
    for w in words(text):
        if not w.token:
            continue  # a Chinese run's recall alternatives: the index side only
        if w.han:
            groups: tuple[tuple[str, ...], ...] = ((w.token,),)
            if len(w.token) >= 3:
                groups += (bigrams(w.token),)
            if positive:
                q.han.add(w.token)
        else:
            groups = tuple((t,) for t in (w.token, *w.alternatives))
        nodes.append(Term(groups))
        if positive:
            q.marks.update(t for g in groups for t in g)
    return nodes


def _phrase_node(text: str, q: Query, positive: bool) -> Node | None:
    tokens = tuple(w.token for w in words(text) if w.token)
    if not tokens:
        return None
    if positive:
        q.marks.update(tokens)
        q.han.update(w.token for w in words(text) if w.han and w.token)
    return Phrase(tokens) if len(tokens) > 1 else _term_nodes(text, q, positive)[0]


def _date(value: str, q: Query) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%Y-%m", "%Y"):
        try:
            return dt.datetime.strptime(value, fmt).date()  # noqa: DTZ007 — a date only
        except ValueError:
            continue
    q.errors.append(_("“%(value)s” is not a date: write it as YYYY-MM-DD.") % {"value": value})
    return None


def _filter(key: str, value: str, q: Query, valid_channels) -> None:
    f = q.filters
    values = [v.strip() for v in value.split(",") if v.strip()]
    if key == "status":
        for v in values:
            if v.lower() in STATUSES:
                f.statuses.append(v.lower())
            else:
                q.errors.append(
                    _("Unknown status “%(value)s”: use one of %(choices)s.")
                    % {"value": v, "choices": ", ".join(STATUSES)}
                )
    elif key == "channel":
        for v in values:
            if v.lower() in valid_channels:
                f.channels.append(v.lower())
            else:
                q.errors.append(
                    _("Unknown channel “%(value)s”: use one of %(choices)s.")
                    % {"value": v, "choices": ", ".join(valid_channels)}
                )
    elif key == "customer":
        f.customers.append(value.strip())
    elif key == "kind":
        for v in values:
            if v.lower() in KINDS:
                f.kinds.append(v.lower())
            else:
                q.errors.append(
                    _("Unknown kind “%(value)s”: use one of %(choices)s.")
                    % {"value": v, "choices": ", ".join(KINDS)}
                )
    elif key == "tag":
        f.tags.extend(v.lower() for v in values)
    elif key == "team":
        f.teams.extend(values)
    elif key == "before":
        f.before = _date(value.strip(), q) or f.before
    elif key == "after":
        f.after = _date(value.strip(), q) or f.after


def parse(text: str, *, valid_channels=()) -> Query:
    """The query tree of an agent's search text. Never raises: problems go to `errors`."""
    q = Query()
    text = (text or "").translate(_QUOTES)[:1000]
    pending_or = False
    for n, m in enumerate(_ITEM.finditer(text)):
        if n >= MAX_ITEMS:
            q.errors.append(_("Too many search words: only the first %(n)s were used.") % {"n": n})
            break
        neg, key, quoted, bare = m.group("neg"), m.group("key"), m.group("quoted"), m.group("bare")
        value = quoted if quoted is not None else bare
        if key and key.lower() in FILTER_KEYS and not neg:
            if value:
                _filter(key.lower(), value, q, valid_channels)
            continue
        if key:  # not a filter: read "key:value" as words
            value = f"{key}:{value or ''}"
        if not neg and quoted is None and value in ("OR", "|"):
            pending_or = bool(q.must)
            continue
        if quoted is not None:
            node = _phrase_node(value, q, positive=not neg)
            nodes = [node] if node else []
        else:
            nodes = _term_nodes(value, q, positive=not neg)
        if not nodes:
            continue
        node = nodes[0] if len(nodes) == 1 else All(tuple(nodes))
        if neg:
            q.must_not.append(node)
        elif pending_or:
            prev = q.must.pop()
            items = prev.items if isinstance(prev, Any) else (prev,)
            q.must.append(Any((*items, node)))
        else:
            q.must.append(node)
        pending_or = False
    return q


def folded_customer(value: str) -> str:
    return fold(value).strip()
