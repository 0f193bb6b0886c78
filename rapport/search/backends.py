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

import datetime as dt
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
    ids: tuple[int, int] | None = None,
) -> list[tuple]:
    """At most `cap` documents matching every `must` and no `must_not` and the SQL conditions
    `where` (on the document table aliased `d`), newest first: rows of the Candidate fields
    (plain tuples: a thousand of them per query).

    `newest_first=False`: the rows come in no particular order. `from_documents=True` (with
    it) when a condition on `d` is selective and indexed (a customer's documents): SQLite then
    starts from the document rows and lets FTS5 check each by rowid. Never for an unindexed
    condition (d.kind alone): that would read every document.

    `window`: None (default) lets `planned` choose the shape on PostgreSQL (one query on
    SQLite); 0 asks one query; N > 0 asks ranges of the newest document ids starting with N
    (`_ranges`). All give the same rows (tests/test_plans.py).

    `ids`: (lowest, highest) document id the conditions can match, from `date_ids` (SQLite):
    FTS5 seeks there instead of walking every newer match."""
    if window is None:
        if vendor() == "postgresql" and must and newest_first and not from_documents:
            return planned(must, must_not, where, params, cap)
        window = 0
    if window and must and newest_first and not from_documents:
        return _ranges(must, must_not, where, params, cap, _top(), window, ids)
    if vendor() == "postgresql":
        sql, args = _pg(must, must_not, where, params, cap)
    else:
        sql, args = _sqlite(must, must_not, where, params, cap, ids)
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
        if must and vendor() == "sqlite" and RANK_HERE:
            return _ranked_here(sql, args, must, must_not)
    return fetch(sql, args)


RANK_HERE = True  # SQLite, rows checked one rowid at a time: bm25 computed by bm25.py


def _ranked_here(sql: str, args: list, must, must_not) -> list[tuple]:
    """The rows without FTS5's bm25() (which re-counts each phrase's doclist for every row
    checked by rowid, see bm25.py), then the same scores computed once; FTS5's if bm25.py
    cannot reproduce them."""
    from . import bm25

    unranked = sql.replace(_RANK, "0.0", 1)
    rows = fetch(unranked, args)
    scores = bm25.scores(must, must_not, [r[0] for r in rows])
    if scores is None:
        return fetch(sql, args)
    return [(*r[:5], scores[r[0]]) for r in rows]


# --- PostgreSQL: the shape of the candidate query, per query ------------------------------------
#
# GIN yields a word's matches in no order, so "the newest 1000 matches" has two cheap shapes
# and each is ruinous where the other is cheap (bench/README.md, "Search"):
#
# - the WALK: the primary key backwards, each row's tsvector checked, stopping at the cap.
#   Costs the ids walked: cheap for a common word (1000 matches of `order`, 13 % of the
#   documents, are within the newest ~8,000 ids), every document for a word that is rare
#   or matches nothing (`заказ 订单`: 4.3M rows, 2 s).
# - the RANGES: the words' GIN bitmap ANDed with a range of ids, the rows inside it read.
#   Costs the posting lists (read again for every range: 40-100 ms for `order` at 1M
#   tickets) plus the matches in the range: cheap for phrases, rare words and selective
#   filters, dear for a common word.
#
# `planned` asks the planner how many rows match (EXPLAIN: its statistics of the tsvector's
# lexemes and of the filters), walks when that promises the cap within fewer ids than the
# ranges would cost (the costs below) — but never further than twice the promise, so a wrong
# estimate costs a bounded walk — and asks what is left by ranges, the first at most
# FIRST_RANGE ids (the planner's estimate for a phrase or correlated words is far too low),
# then sized from the matches found per id.

# The costs that choose the shape, in microseconds of CPU, measured at 100k tickets (430k
# documents) on this machine: a walk reads about 0.7 µs per id; ranges cost about 1 µs per
# entry of the words' posting lists (read again per range) plus ~10 ms for the rows read.
WALK_COST = 0.7  # per id walked
POSTING_COST = 1.0  # per match in the whole table (the planner's estimate)
RANGE_ROWS_COST = 10_000.0
WALK_SLACK = 2.0  # how much further than the estimate's promise a walk goes before ranges
PROBE = 4_000  # ids walked first when the estimate says ranges (~3 ms)
FIRST_RANGE = 50_000  # the first range at most: an estimate too low (a phrase) would read all


def planned(must, must_not, where, params, cap, *, estimate: float | None = None) -> list[tuple]:
    """The newest `cap` matching rows (exactly the single query's) by the cheaper shape for
    this query; `estimate` (the matching rows expected in the whole table) is the planner's
    unless given (tests)."""
    top = _top()
    if not top:
        return []
    if estimate is None:
        estimate = _estimate(must, must_not, where, params)
    promised = cap * top / max(estimate, 1.0)  # ids to walk for `cap` matches
    rows: list[tuple] = []
    walked = 0
    if not _mixed_scripts(must):
        walk = promised * WALK_COST <= estimate * POSTING_COST + RANGE_ROWS_COST
        if not walk:
            # The estimate says ranges; it is often far too low (a phrase, correlated words
            # or filters): a short walk of the newest ids shows the real density first.
            walked = min(top, PROBE)
            sql, args = _shape(must, must_not, where, params, cap, top - walked, top)
            rows = fetch(sql, args, walk=True)
            if len(rows) >= cap or walked >= top:
                return rows
            seen = len(rows) * top / walked
            if seen > estimate:
                estimate = seen
                promised = (cap - len(rows)) * top / seen
                walk = promised * WALK_COST <= estimate * POSTING_COST + RANGE_ROWS_COST
        if walk:
            more = min(top - walked, int(promised * WALK_SLACK) + 100)
            sql, args = _shape(
                must, must_not, where, params, cap - len(rows), top - walked - more, top - walked
            )
            rows += fetch(sql, args, walk=True)
            walked += more
            if len(rows) >= cap or walked >= top:
                return rows
    # The rest by ranges: the first sized from what was found on the walk, or the estimate.
    if rows:
        window = int((cap - len(rows)) * walked / len(rows) * 1.5) + 1
    elif walked and estimate * walked / top >= 3:
        window = top  # a walk found nothing where the estimate promised some: the rest
    else:
        window = min(int(promised * 1.5) + 1, FIRST_RANGE)
    return rows + _ranges(must, must_not, where, params, cap - len(rows), top - walked, window)


def _ranges(must, must_not, where, params, cap, hi, window, ids=None) -> list[tuple]:
    """The same rows as one query, newest first, asked for one range of document ids at a
    time from `hi` down, until `cap` rows are found or the ids run out.

    With `d.id > lo AND d.id <= hi` PostgreSQL ANDs the words' GIN bitmap with the primary
    key's range and reads only the matches inside it. The first range is `window` ids; each
    next one is sized from the matches per id seen so far, 1.5 times what should give the
    rest. A range that finds nothing is followed by all the ids that are left at once: the
    estimate that sized it was wrong (two common words that never meet, `заказ 订单`), and
    a bitmap over the whole rest costs the posting lists once, not once per ever larger
    range. Each range's rows come newest first and the ranges go downwards: the result is
    exactly the single query's."""
    rows: list[tuple] = []
    read = 0
    while hi > 0 and len(rows) < cap:
        lo = max(hi - window, 0)
        sql, args = _shape(must, must_not, where, params, cap - len(rows), lo, hi, ids)
        rows += fetch(sql, args, walk=False)
        read += hi - lo
        hi = lo
        window = int((cap - len(rows)) * read / len(rows) * 1.5) + 1 if rows else hi
    return rows


def _shape(must, must_not, where, params, cap, lo, hi, ids=None) -> tuple[str, list]:
    """The candidate query over the ids in (lo, hi] (no lower bound from the first id: a
    bitmap of the primary key's whole range would be ANDed in for nothing)."""
    if lo > 0:
        where, params = [*where, "d.id > %s", "d.id <= %s"], [*params, lo, hi]
    else:
        where, params = [*where, "d.id <= %s"], [*params, hi]
    if vendor() == "postgresql":
        return _pg(must, must_not, where, params, cap)
    return _sqlite(must, must_not, where, params, cap, ids)


def _top() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(id) FROM {DOC}")  # noqa: S608 — no values
        (top,) = cursor.fetchone()
    return top or 0


def _estimate(must, must_not, where, params) -> float:
    """The rows the planner expects to match in the whole table (its statistics of the
    tsvector's lexemes, of the status and the date; independence assumed between them)."""
    sql, args = _pg(must, must_not, where, params, 1)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, args)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        import json

        plan = json.loads(plan)
    node = plan[0]["Plan"]
    # Limit → Subquery Scan → Limit → the scan (or a Sort over it): the first node below the
    # inner limit carries the unlimited estimate.
    while node.get("Node Type") in ("Limit", "Subquery Scan", "Sort") and node.get("Plans"):
        node = node["Plans"][0]
    return float(node.get("Plan Rows", 0))


def _scripts(node: Node) -> set[str]:
    if isinstance(node, Term):
        return {_script(t) for group in node.groups for t in group} - {""}
    if isinstance(node, Phrase):
        return {_script(t) for t in node.tokens} - {""}
    out: set[str] = set()
    for item in node.items:
        out |= _scripts(item)
    return out


def _script(token: str) -> str:
    for ch in token:
        if "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf":
            return "han"
        if "\u0400" <= ch <= "\u04ff":
            return "cyrillic"
        if ch.isalpha():
            return "latin"
    return ""


def _mixed_scripts(must: list[Node]) -> bool:
    """An AND of words in different scripts (`заказ 订单`): the planner multiplies their
    frequencies as if independent, but they rarely meet — a walk would read the whole table
    looking for a row that has both. (An OR is one item of `must`: any script mix is fine.)"""
    seen: list[set[str]] = [_scripts(n) for n in must]
    if len(seen) < 2:
        return False
    return any(a.isdisjoint(b) for i, a in enumerate(seen) for b in seen[i + 1 :] if a and b)


def date_ids(after: dt.datetime | None, before: dt.datetime | None) -> tuple[int, int] | None:
    """SQLite: the lowest and highest document id that can be dated on or after `after` and
    before `before`, from the days' ids (migration 0004): every document's id lies within
    its day's (UTC) first and last id. (1, 0) when no document can be; None on PostgreSQL
    (its date btree serves) or without dates."""
    if vendor() != "sqlite" or (after is None and before is None):
        return None
    low, high = 1, 2**63 - 1
    with connection.cursor() as cursor:
        if after is not None:
            cursor.execute(
                "SELECT min(first_id) FROM search_day WHERE day >= %s", [_utc_day(after)]
            )
            low = cursor.fetchone()[0] or high
        if before is not None:
            cursor.execute(
                "SELECT max(last_id) FROM search_day WHERE day <= %s", [_utc_day(before)]
            )
            high = cursor.fetchone()[0] or 0
    return (low, high) if low <= high else (1, 0)


def _utc_day(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).date().isoformat()


def fetch(sql: str, args: list, *, walk: bool | None = None) -> list[tuple]:
    """Run a candidate query. On PostgreSQL without JIT compilation: a bitmap scan's estimated
    cost passes `jit_above_cost` at 100k documents, and compiling then cost 25–75 ms of a
    70–160 ms query that needs 2 ms of expressions (bench/README.md, "Search").

    `walk=True`: no bitmap scans (an index walked in id order: the primary key, or the
    status's); False: no plain index scans (the words' GIN bitmap); None: the planner's choice.
    `SET LOCAL` lasts until the end of the transaction: the caller's, if there is one, so
    each setting is put back after the query (none changes a result, only the plan)."""
    if vendor() == "postgresql":
        with transaction.atomic(savepoint=False), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            if walk is not None:
                setting = "enable_bitmapscan" if walk else "enable_indexscan"
                cursor.execute(f"SET LOCAL {setting} = off")
            cursor.execute(sql, args)
            rows = cursor.fetchall()
            if walk is not None:
                cursor.execute(f"SET LOCAL {setting} TO DEFAULT")
            return rows
    with connection.cursor() as cursor:
        cursor.execute(sql, args)
        return cursor.fetchall()


_COLUMNS = "d.id, d.kind, d.object_id, d.ticket_id, d.customer_id"
_RANK = "-bm25(search_fts, 1.0, 0.4)"


def _sqlite(must, must_not, where, params, cap, ids=None):
    conditions = list(where)
    args = list(params)
    if ids is not None:
        # On FTS5's rowid when it drives (SQLite does not carry a bound on d.id over the
        # join to it), on the primary key otherwise.
        column = "search_fts.rowid" if must else "d.id"
        conditions += [f"{column} >= %s", f"{column} <= %s"]
        args += list(ids)
    if must:
        expression = " AND ".join(fts5(n) for n in must)
        if must_not:
            expression = f"({expression}) NOT ({' OR '.join(fts5(n) for n in must_not)})"
        sql = (
            f"SELECT {_COLUMNS}, {_RANK} FROM search_fts "  # noqa: S608 — values are bound
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
