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

from dataclasses import dataclass

from django.utils.safestring import SafeString

from rapport.search import backends
from rapport.search.highlight import snippet
from rapport.search.indexing import article_markers
from rapport.search.models import Kind
from rapport.search.query import Any, Node, Query, Term, _term_nodes, parse

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
        where.append(f"(d.status = %s OR d.team_id IS NULL OR {team_sql})")
        args += [Visibility.PUBLIC, *teams]
    return where, args


def _marker(language: str | None, user) -> Term:
    """The index's marker token for the articles this query may find (indexing.article_markers):
    public ones in a language for the public; every article in a language for agents (the SQL
    conditions then narrow internal ones by team)."""
    code = normalise_language(language) if language else None
    visibility = None if is_agent(user) else Visibility.PUBLIC
    return Term(((article_markers(visibility, code),),))


def _run(must: list[Node], must_not: list[Node], language, user, limit: int):
    if not must:
        return []
    where, args = _where(language, user)
    # The marker makes FTS5 / the GIN index walk the article documents only: a word common in
    # a million messages costs what the few hundred articles cost (docs/kb.md).
    rows = backends.candidates(
        [*must, _marker(language, user)], must_not, where, args, CAP, newest_first=False
    )
    best = sorted(((score, object_id) for _i, _k, object_id, _t, _c, score in rows), reverse=True)
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
    if not found and len(q.must) > 1:
        found = _run([Any(tuple(q.must))], q.must_not, language, None, limit)
    return [
        HelpHit(t, score, snippet(f"{t.title}\n{to_text(t.body)}", q.marks, q.han))
        for t, score in found
    ]
