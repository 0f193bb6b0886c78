"""Finding knowledge-base articles through the search index (docs/kb.md, docs/search.md).

Published translations are documents of kind `article` in rapport.search's index (status =
visibility, channel = language, team = owning team), normalised like everything else, so
"вернуть товар" finds "Как вернуть товар" and "退货" finds "如何退货".

- `search_articles(text, language, user=...)`: the stable API for answer suggestions (KN6) and
  FAQ mining: any of the words, ranked; public articles for everyone, internal ones for agents.
- `search_help(text, language)`: the help centre's box: every word (phrases too), falling back
  to any word when nothing has them all; public articles only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.db import connection
from django.utils.safestring import SafeString

from rapport.search import backends
from rapport.search.highlight import snippet
from rapport.search.indexing import article_markers
from rapport.search.models import Kind
from rapport.search.query import All, Any, Node, Phrase, Query, Term, _term_nodes, parse

from .access import is_agent
from .markup import to_text
from .models import ArticleTranslation, Status, Visibility, normalise_language

CAP = 200  # candidates: a knowledge base has hundreds of articles, not millions
MAX_WORDS = 40  # a customer's message can be long: its first words are enough to rank


def _where(language: str | None, user) -> tuple[list[str], list]:
    where = ["d.kind = %s"]
    args: list = [Kind.ARTICLE]
    code = normalise_language(language)
    if language and code:
        where.append("d.channel = %s")
        args.append(code)
    if not is_agent(user):
        where.append("d.status = %s")
        args.append(Visibility.PUBLIC)
    elif not user.sees_all_teams:
        teams = list(user.team_ids)
        team_sql = f"d.team_id IN ({', '.join(['%s'] * len(teams))})" if teams else "1 = 0"
        # A team-less article is company-wide: not for partner-team agents (MG5).
        unowned = "" if user.is_partner else "d.team_id IS NULL OR "
        where.append(f"(d.status = %s OR {unowned}{team_sql})")
        args += [Visibility.PUBLIC, *teams]
    return where, args


def _marker(language: str | None, user) -> Term:
    """The index's marker token for the articles this query may find (indexing.article_markers):
    public ones in a language for the public; every article in a language for agents (the SQL
    conditions then narrow internal ones by team)."""
    code = normalise_language(language) if language else None
    visibility = None if is_agent(user) else Visibility.PUBLIC
    return Term(((article_markers(visibility, code),),))


def _matches(must: list[Node], must_not: list[Node], where: list[str], args: list):
    """(translation id, tokens, alternatives) of the article documents matching, at most CAP.

    No bm25 / ts_rank in SQL: FTS5's bm25 counts, for every query word, all the documents
    holding it in the whole index (messages included) — a walk of a common word's million
    rows. The few candidates are ranked in Python instead (`_rank`), the same on both
    databases."""
    if backends.vendor() == "postgresql":
        parts = [backends.tsquery(n) for n in must] + [f"!{backends.tsquery(n)}" for n in must_not]
        sql = (
            f"SELECT d.object_id, d.tokens, d.alternatives FROM {backends.DOC} d "  # noqa: S608 — values are bound
            "WHERE d.tsv @@ to_tsquery('simple', %s) AND " + " AND ".join(where) + " LIMIT %s"
        )
        params = [" & ".join(parts), *args, CAP]
    else:
        expression = " AND ".join(backends.fts5(n) for n in must)
        if must_not:
            expression = f"({expression}) NOT ({' OR '.join(backends.fts5(n) for n in must_not)})"
        sql = (
            f"SELECT d.object_id, d.tokens, d.alternatives FROM search_fts "  # noqa: S608 — values are bound
            f"JOIN {backends.DOC} d ON d.id = search_fts.rowid WHERE search_fts MATCH %s AND "
            + " AND ".join(where)
            + " LIMIT %s"
        )
        params = [expression, *args, CAP]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _leaves(nodes) -> list[Term | Phrase]:
    out: list[Term | Phrase] = []
    for node in nodes:
        if isinstance(node, All | Any):
            out += _leaves(node.items)
        else:
            out.append(node)
    return list(dict.fromkeys(out))


def _rank(rows, must: list[Node]) -> list[tuple[float, int]]:
    """BM25 (k1 1.2, b 0.75) among the candidates: a word found in every candidate weighs
    little, a word in one weighs much; alternatives (other lemmas, Chinese sub-words) count
    0.4 of a token, as in the agents' search."""
    leaves = _leaves(must)
    docs = []
    for object_id, tokens, alternatives in rows:
        words = tokens.split()
        counts: dict[str, int] = {}
        for w in words:
            counts[w] = counts.get(w, 0) + 1
        docs.append((object_id, words, counts, set(alternatives.split()), f" {tokens} "))
    if not docs:
        return []
    n_docs = len(docs)
    average = sum(len(d[1]) for d in docs) / n_docs or 1.0

    def frequency(leaf, doc) -> float:
        _id, _words, counts, alternatives, joined = doc
        if isinstance(leaf, Phrase):
            return float(joined.count(f" {' '.join(leaf.tokens)} "))
        best = 0.0
        for group in leaf.groups:
            tf = min(counts.get(t, 0) for t in group)
            if not tf and all(t in alternatives or t in counts for t in group):
                tf = 0.4
            best = max(best, float(tf))
        return best

    table = [[frequency(leaf, doc) for leaf in leaves] for doc in docs]
    held = [sum(1 for row in table if row[i]) for i in range(len(leaves))]
    idf = [math.log(1 + (n_docs - n + 0.5) / (n + 0.5)) for n in held]
    scored = []
    for doc, row in zip(docs, table, strict=True):
        norm = 1.2 * (1 - 0.75 + 0.75 * len(doc[1]) / average)
        score = sum(idf[i] * tf * 2.2 / (tf + norm) for i, tf in enumerate(row) if tf)
        scored.append((score, doc[0]))
    return sorted(scored, key=lambda s: (-s[0], -s[1]))


def _run(must: list[Node], must_not: list[Node], language, user, limit: int):
    if not must:
        return []
    where, args = _where(language, user)
    # The marker makes FTS5 / the GIN index walk the article documents only: a word common in
    # a million messages costs what the few hundred articles cost (docs/kb.md).
    rows = _matches([*must, _marker(language, user)], must_not, where, args)
    best = _rank(rows, must)
    ids = [object_id for _s, object_id in best[: limit * 2]]
    found = ArticleTranslation.objects.select_related("article", "article__category").in_bulk(ids)
    out = []
    for score, object_id in best:
        translation = found.get(object_id)
        # The index holds published articles only; the check guards a stale document.
        if translation is None or translation.article.status != Status.PUBLISHED:
            continue
        out.append((translation, float(score)))
        if len(out) >= limit:
            break
    return out


def search_articles(
    text: str, language: str | None, *, user=None, limit: int = 5
) -> list[tuple[ArticleTranslation, float]]:
    """Published translations relevant to `text` (any of its words), best first, with their
    scores. `language` None: every language. `user` an agent: internal articles too (a team's
    internal ones for its members and supervisors); None or anonymous: public ones only."""
    q = Query()
    nodes = _term_nodes((text or "")[:4000], q, positive=True)
    unique = list(dict.fromkeys(nodes))[:MAX_WORDS]
    return _run([Any(tuple(unique))] if unique else [], [], language, user, limit)


@dataclass
class HelpHit:
    translation: ArticleTranslation
    score: float
    snippet: SafeString | str


def search_help(text: str, language: str, *, limit: int = 20) -> list[HelpHit]:
    """The help centre's search: public published articles in `language` having every word
    of `text` (or, when none has them all, any of them), with highlighted snippets."""
    q = parse((text or "")[:500])
    found = _run(q.must, q.must_not, language, None, limit)
    leaves = _leaves(q.must)
    if not found and len(leaves) > 1:  # none has every word: any of them
        found = _run([Any(tuple(leaves))], q.must_not, language, None, limit)
    return [
        HelpHit(t, score, snippet(f"{t.title}\n{to_text(t.body)}", q.marks, q.han))
        for t, score in found
    ]
