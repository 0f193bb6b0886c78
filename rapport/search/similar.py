"""Backend-level queries beyond the search page (docs/search.md, docs/suggestions.md):

- `matching_tickets(user, text)`: the tickets a search matches, as an SQL subquery the inbox
  filters on, so a saved search is an inbox view with keyset pages and capped counts (#7.5);
- `similar_documents(user, text, ...)`: solved tickets' documents that share words with a
  customer's message, for answer suggestions (KN6).

Both use the same parser, permission rule (service.visibility, in the SQL) and backends as
`service.search`; only the shape of the answer differs. Added by the suggestions work; the
search package's owner may fold it into backends/service.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models.expressions import RawSQL

from rapport.lib.channels import Channel

from . import backends, service
from .normalise import words
from .query import Any, Term, parse

# A saved view lists the tickets of the newest CAP matching documents (like the search page).
CAP = service.CAP


@dataclass
class TicketMatch:
    """`subquery` is None when nothing can match (or the query has errors)."""

    subquery: RawSQL | None = None
    errors: list[str] = field(default_factory=list)


def _sql(must, must_not, where, args, cap, *, from_documents: bool) -> tuple[str, list]:
    if backends.vendor() == "postgresql":
        sql, params = backends._pg(must, must_not, where, args, cap)
    else:
        sql, params = backends._sqlite(must, must_not, where, args, cap)
        if from_documents:  # as backends.candidates(from_documents=True): see its docstring
            sql = sql.replace(
                f"FROM search_fts JOIN {backends.DOC} d ON d.id = search_fts.rowid",
                f"FROM {backends.DOC} d CROSS JOIN search_fts ON search_fts.rowid = d.id",
            )
    return sql, params


def matching_tickets(user, text: str, *, cap: int = CAP) -> TicketMatch:
    """The ids of the tickets `user` may see that `text` finds, as `SELECT ticket_id …` over the
    newest `cap` matching documents (one ticket per group, as on the search page).

    A query of filters only (`status:open tag:vip`) reads the tickets' own documents (one per
    ticket), so the cap counts tickets; one that needs messages (words, `channel:`, dates)
    reads every kind of document."""
    q = parse(text, valid_channels=tuple(Channel.values))
    match = TicketMatch(errors=list(q.errors))
    if q.empty or q.errors:
        return match
    built = service._where(user, q, match.errors)
    if built is None or match.errors:
        return match
    where, args = built
    f = q.filters
    if not q.must and not (f.channels or f.after or f.before):
        where = [*where, "d.kind = 'ticket'"]
    else:
        where = [*where, "d.ticket_id IS NOT NULL"]
    sql, params = _sql(q.must, q.must_not, where, args, cap, from_documents=bool(f.customers))
    subquery = f"SELECT c.ticket_id FROM ({sql}) c"  # noqa: S608 — values are bound
    match.subquery = RawSQL(subquery, params)  # noqa: S611 — values are bound
    return match


def query_terms(text: str, *, stop: frozenset[str] = frozenset(), limit: int = 24) -> list[Term]:
    """The words of a text as query terms (each with its alternatives: other lemmas), without
    `stop` words, each once, at most `limit` of them."""
    terms: dict[str, Term] = {}
    for w in words(text):
        if not w.token or w.token in stop or w.token in terms:
            continue
        if not w.han and len(w.token) < 2:
            continue
        groups = tuple((t,) for t in (w.token, *w.alternatives))
        terms[w.token] = Term(groups)
        if len(terms) >= limit:
            break
    return list(terms.values())


def similar_documents(
    user,
    terms: list[Term],
    *,
    statuses=("solved", "closed"),
    exclude_ticket: int | None = None,
    cap: int = 300,
) -> list[tuple]:
    """Message and ticket documents of tickets in `statuses` that `user` may see and that hold
    any of `terms`: rows (id, kind, object_id, ticket_id, customer_id, score), newest first.
    The backend's rank comes with each; the caller re-ranks (docs/suggestions.md)."""
    if not terms:
        return []
    where, args = service.visibility(user)
    status_sql, status_args = service._in("d.status", statuses)
    where = [*where, status_sql, "d.kind IN ('message', 'ticket')"]
    args = [*args, *status_args]
    if exclude_ticket:
        where.append("d.ticket_id <> %s")
        args.append(exclude_ticket)
    return backends.candidates([Any(tuple(terms))], [], where, args, cap)
