"""The query tree compiled for SQLite FTS5 or PostgreSQL full text, with one behaviour.

Both read the same document rows and the same normalised tokens; only the match expression
and the rank function differ:

| | SQLite | PostgreSQL |
|---|---|---|
| index | FTS5 table `search_fts` (external content, triggers) | `tsv` tsvector column, GIN |
| word | `("a" OR "b")` over both columns | `(a | b)` any weight |
| phrase | `{tokens} : "a b"` | `a:A <-> b:A` |
| exclude | `x NOT y` | `x & !y` |
| rank | `bm25(search_fts, 1.0, 0.4)` | `ts_rank(tsv, q)` (A 1.0, B 0.4) |

`candidates()` returns at most `cap` matching documents, newest first, each with its rank:
the database walks the match in document order and stops at the cap, so a word found in a
million messages costs what one found in a thousand costs. Ranking is then exact among those
candidates (all of them when there are fewer than the cap). docs/search.md explains why.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from .models import SearchDocument
from .query import All, Any, Node, Phrase, Term

DOC = SearchDocument._meta.db_table


@dataclass(frozen=True)
class Candidate:
    id: int
    kind: str
    object_id: int
    ticket_id: int | None
    customer_id: int | None
    score: float


def vendor() -> str:
    return "postgresql" if connection.vendor == "postgresql" else "sqlite"


# --- SQLite FTS5 ------------------------------------------------------------------------------


def _fts_quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def fts5(node: Node) -> str:
    if isinstance(node, Term):
        alts = [" AND ".join(_fts_quote(t) for t in group) for group in node.groups]
        return "(" + " OR ".join(f"({a})" if " " in a else a for a in alts) + ")"
    if isinstance(node, Phrase):
        return "{tokens} : " + _fts_quote(" ".join(node.tokens))
    if isinstance(node, All):
        return "(" + " AND ".join(fts5(n) for n in node.items) + ")"
    if isinstance(node, Any):
        return "(" + " OR ".join(fts5(n) for n in node.items) + ")"
    raise TypeError(node)


# --- PostgreSQL tsquery ---------------------------------------------------------------------


def _ts_quote(token: str, weight: str = "") -> str:
    return "'" + token.replace("'", "''").replace("\\", "\\\\") + "'" + weight


def tsquery(node: Node) -> str:
    if isinstance(node, Term):
        alts = [" & ".join(_ts_quote(t) for t in group) for group in node.groups]
        return "(" + " | ".join(f"({a})" if " " in a else a for a in alts) + ")"
    if isinstance(node, Phrase):
        return "(" + " <-> ".join(_ts_quote(t, ":A") for t in node.tokens) + ")"
    if isinstance(node, All):
        return "(" + " & ".join(tsquery(n) for n in node.items) + ")"
    if isinstance(node, Any):
        return "(" + " | ".join(tsquery(n) for n in node.items) + ")"
    raise TypeError(node)


# --- candidates -----------------------------------------------------------------------------


def candidates(
    must: list[Node],
    must_not: list[Node],
    where: list[str],
    params: list,
    cap: int,
    *,
    newest_first: bool = True,
    from_documents: bool = False,
    window: int | None = None,
) -> list[tuple]:
    """At most `cap` documents matching every `must` and no `must_not` and the SQL conditions
    `where` (on the document table aliased `d`), newest first: rows of the Candidate fields
    (plain tuples: a thousand of them per query).

    `newest_first=False`: the rows come in no particular order. `from_documents=True` (with
    it) when a condition on `d` is selective and indexed (a customer's documents): SQLite then
    starts from the document rows and lets FTS5 check each by rowid. Never for an unindexed
    condition (d.kind alone): that would read every document.

    `window`: ask for the matches a range of the newest document ids at a time (see
    `_windowed`); default WINDOW on PostgreSQL, 0 (one query) on SQLite."""
    if window is None:
        window = WINDOW if vendor() == "postgresql" else 0
    if window and must and newest_first and not from_documents:
        return _windowed(must, must_not, where, params, cap, window)
    if vendor() == "postgresql":
        sql, args = _pg(must, must_not, where, params, cap)
    else:
        sql, args = _sqlite(must, must_not, where, params, cap)
    if not newest_first:
        sql = sql.replace(" ORDER BY search_fts.rowid DESC LIMIT", " LIMIT").replace(
            " ORDER BY d.id DESC LIMIT", " LIMIT"
        )
    if from_documents:
        # SQLite: CROSS JOIN fixes the loop order — the document rows from their own index
        # first, then FTS5 checks each by rowid (a seek in the word's doclist).
        sql = sql.replace(
            f"FROM search_fts JOIN {DOC} d ON d.id = search_fts.rowid",
            f"FROM {DOC} d CROSS JOIN search_fts ON search_fts.rowid = d.id",
        )
    return fetch(sql, args)


# The first id range `_windowed` reads: about 1 % of a 1M-ticket desk's 4.5M documents.
WINDOW = 50_000


def _windowed(must, must_not, where, params, cap, window) -> list[tuple]:
    """The same rows as one query, newest first, asked for one range of document ids at a
    time from the newest down, until `cap` rows are found or the ids run out.

    Why (PostgreSQL): its GIN index yields a word's matches in no order, so "the newest 1000
    matches of refund" reads the row of every match to sort them — 140k rows for a common
    word at 1M tickets. With `d.id > lo AND d.id <= hi` the GIN bitmap is ANDed with the
    primary key's range and only the matches inside it are read. The first range is `window`
    ids; each next one is sized from the matches per id seen so far, 1.5 times what should
    give the rest (eight times the last range when none were found), so a common word takes
    one or two ranges and a rare one a few cheap ones (its GIN bitmap is small). Each range's
    rows come newest first and the ranges go downwards: the result is exactly the single
    query's."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(id) FROM {DOC}")  # noqa: S608 — no values
        (hi,) = cursor.fetchone()
    rows: list[tuple] = []
    hi, read = hi or 0, 0
    while hi > 0 and len(rows) < cap:
        lo = max(hi - window, 0)
        sql, args = (_pg if vendor() == "postgresql" else _sqlite)(
            must, must_not, [*where, "d.id > %s", "d.id <= %s"], [*params, lo, hi], cap - len(rows)
        )
        rows += fetch(sql, args)
        read += hi - lo
        hi = lo
        if rows:
            window = int((cap - len(rows)) * read / len(rows) * 1.5) + 1
        else:
            window *= 8
    return rows


def fetch(sql: str, args: list) -> list[tuple]:
    """Run a candidate query. On PostgreSQL without JIT compilation: a bitmap scan's estimated
    cost passes `jit_above_cost` at 100k documents, and compiling then cost 25–75 ms of a
    70–160 ms query that needs 2 ms of expressions (bench/README.md, "Search"). `SET LOCAL`
    lasts until the end of the transaction: the caller's, if there is one (JIT changes no
    result, only when a plan is compiled)."""
    if vendor() == "postgresql":
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(sql, args)
            return cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


_COLUMNS = "d.id, d.kind, d.object_id, d.ticket_id, d.customer_id"


def _sqlite(must, must_not, where, params, cap):
    conditions = list(where)
    args = list(params)
    if must:
        expression = " AND ".join(fts5(n) for n in must)
        if must_not:
            expression = f"({expression}) NOT ({' OR '.join(fts5(n) for n in must_not)})"
        sql = (
            f"SELECT {_COLUMNS}, -bm25(search_fts, 1.0, 0.4) FROM search_fts "  # noqa: S608 — values are bound
            f"JOIN {DOC} d ON d.id = search_fts.rowid WHERE search_fts MATCH %s"
            + "".join(f" AND {c}" for c in conditions)
            + " ORDER BY search_fts.rowid DESC LIMIT %s"
        )
        return sql, [expression, *args, cap]
    if must_not:
        conditions.append("d.id NOT IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)")
        args.append(" OR ".join(fts5(n) for n in must_not))
    sql = (
        f"SELECT {_COLUMNS}, 0.0 FROM {DOC} d"  # noqa: S608 — values are bound
        + (" WHERE " + " AND ".join(conditions) if conditions else "")
        + " ORDER BY d.id DESC LIMIT %s"
    )
    return sql, [*args, cap]


def _pg(must, must_not, where, params, cap):
    parts = [tsquery(n) for n in must] + [f"!{tsquery(n)}" for n in must_not]
    conditions = list(where)
    args = list(params)
    if must:
        conditions.insert(0, "d.tsv @@ to_tsquery('simple', %s)")
        args.insert(0, " & ".join(parts))
        # The rank is computed for the capped rows only, outside the inner LIMIT.
        sql = (
            f"SELECT id, kind, object_id, ticket_id, customer_id, "  # noqa: S608 — values are bound
            f"ts_rank('{{0, 0, 0.4, 1.0}}', tsv, to_tsquery('simple', %s)) FROM ("
            f"SELECT {_COLUMNS}, d.tsv FROM {DOC} d WHERE "
            + " AND ".join(conditions)
            + " ORDER BY d.id DESC LIMIT %s) AS c"
        )
        return sql, [" & ".join(parts), *args, cap]
    if must_not:
        conditions.append("NOT (d.tsv @@ to_tsquery('simple', %s))")
        args.append(" | ".join(tsquery(n) for n in must_not))
    sql = (
        f"SELECT {_COLUMNS}, 0.0 FROM {DOC} d"  # noqa: S608 — values are bound
        + (" WHERE " + " AND ".join(conditions) if conditions else "")
        + " ORDER BY d.id DESC LIMIT %s"
    )
    return sql, [*args, cap]
