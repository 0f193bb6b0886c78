"""SQLite FTS5's bm25 computed here, for candidates FTS5 checks one rowid at a time.

When SQLite starts from the document rows (a `customer:` filter, a tag on few tickets:
`backends.candidates(from_documents=True)`), FTS5 is asked once per document whether it
matches (`rowid = ?`). Its `bm25()` then recomputes, for every matching row, each phrase's
document count from the phrase's whole doclist (FTS5 keeps that per cursor, and each rowid is
a new filter of the cursor): `refund customer:"Susan Smith"` at 100k tickets took 295 ms of
CPU with the rank and 35 ms without (176 matches x a count of `refund`'s doclist), and the
cost grows with the desk. Here each phrase is counted once (the same count FTS5 makes) and
the rest of the formula is FTS5's own (sqlite/ext/fts5/fts5_aux.c, fts5Bm25Function) over the
row's token strings and FTS5's stored sizes: the same scores (tests/test_plans.py compares
them with FTS5's on every query shape).

The token strings are split on spaces: the normaliser's tokens are runs of letters and digits,
which FTS5's unicode61 tokenizer keeps whole. Each row's token counts are checked against
FTS5's own (its docsize record); on any difference, or a query token FTS5 would split, the
caller falls back to FTS5's bm25 (`None`).
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

from django.db import connection

from .query import All, Any, Node, Phrase, Term

K1, B = 1.2, 0.75
WEIGHTS = (1.0, 0.4)  # tokens, alternatives: as backends._sqlite's bm25(search_fts, 1.0, 0.4)


@dataclass(frozen=True)
class _Phrase:
    tokens: tuple[str, ...]
    first_column_only: bool  # `{tokens} : "a b"`


# The query as FTS5 sees it: the same tree backends.fts5 writes, phrases numbered in the
# order they appear in the expression text.
@dataclass
class _Leaf:
    index: int


@dataclass
class _And:
    items: list


@dataclass
class _Or:
    items: list


def _tree(node: Node, phrases: list[_Phrase]):
    if isinstance(node, Term):
        groups = []
        for group in node.groups:
            leaves = []
            for token in group:
                phrases.append(_Phrase((token,), False))
                leaves.append(_Leaf(len(phrases) - 1))
            groups.append(leaves[0] if len(leaves) == 1 else _And(leaves))
        return groups[0] if len(groups) == 1 else _Or(groups)
    if isinstance(node, Phrase):
        phrases.append(_Phrase(tuple(" ".join(node.tokens).split(" ")), True))
        return _Leaf(len(phrases) - 1)
    if isinstance(node, All):
        return _And([_tree(n, phrases) for n in node.items])
    if isinstance(node, Any):
        return _Or([_tree(n, phrases) for n in node.items])
    raise TypeError(node)


def _whole(token: str) -> bool:
    """Whether unicode61 keeps `token` as one token (letters, digits, private use)."""
    return bool(token) and all(unicodedata.category(c)[0] in "LN" or c == "\ue000" for c in token)


def _instances(phrase: _Phrase, columns: tuple[list[str], list[str]]) -> tuple[int, int]:
    out = []
    n = len(phrase.tokens)
    for c, words in enumerate(columns):
        if c and phrase.first_column_only:
            out.append(0)
            continue
        if n == 1:
            out.append(words.count(phrase.tokens[0]))
        else:
            first = phrase.tokens[0]
            out.append(
                sum(
                    1
                    for i, w in enumerate(words)
                    if w == first and tuple(words[i : i + n]) == phrase.tokens
                )
            )
    return out[0], out[1]


def _evaluate(node, found: list[tuple[int, int]], counted: list[bool]) -> bool:
    """Whether `node` matches the row, marking the phrases FTS5 reports instances of: a
    phrase under an AND that fails is set to EOF with it (fts5ExprSetEof), so it counts
    nothing even where it occurs; under an OR each matching child keeps its own."""
    if isinstance(node, _Leaf):
        hit = sum(found[node.index]) > 0
        counted[node.index] = hit
        return hit
    if isinstance(node, _And):
        results = [_evaluate(n, found, counted) for n in node.items]
        if all(results):
            return True
        _unmark(node, counted)
        return False
    return any([_evaluate(n, found, counted) for n in node.items])  # noqa: C419 — all children


def _unmark(node, counted: list[bool]) -> None:
    if isinstance(node, _Leaf):
        counted[node.index] = False
    else:
        for n in node.items:
            _unmark(n, counted)


def _varints(blob: bytes) -> list[int]:
    """SQLite's varints (FTS5's sqlite3Fts5GetVarint)."""
    out, i = [], 0
    while i < len(blob):
        value = 0
        for j in range(9):
            byte = blob[i]
            i += 1
            if j == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if not byte & 0x80:
                break
        out.append(value)
    return out


def scores(must: list[Node], must_not: list[Node], ids: list[int]) -> dict[int, float] | None:
    """-bm25(search_fts, 1.0, 0.4) of each row in `ids` (rows that match the query), as FTS5
    computes it, or None when it cannot be reproduced here (the caller asks FTS5)."""
    if not ids:
        return {}
    phrases: list[_Phrase] = []
    tree = _And([_tree(n, phrases) for n in must]) if len(must) > 1 else _tree(must[0], phrases)
    excluded = _Or([_tree(n, phrases) for n in must_not]) if must_not else None
    if not all(_whole(t) for p in phrases for t in p.tokens):
        return None
    from .backends import _fts_quote  # the same quoting as the query

    with connection.cursor() as cursor:
        cursor.execute("SELECT block FROM search_fts_data WHERE id = 1")  # FTS5's averages
        row = cursor.fetchone()
        if row is None:
            return None
        averages = _varints(bytes(row[0]))
        n_rows, total_tokens = averages[0], sum(averages[1:3])
        if n_rows <= 0:
            return None
        avgdl = float(total_tokens) / float(n_rows)
        idf = []
        for p in phrases:
            text = _fts_quote(" ".join(p.tokens))
            cursor.execute(
                "SELECT count(*) FROM search_fts WHERE search_fts MATCH %s",
                ["{tokens} : " + text if p.first_column_only else text],
            )
            hits = cursor.fetchone()[0]
            value = math.log((n_rows - hits + 0.5) / (hits + 0.5))
            idf.append(value if value > 0.0 else 1e-6)
        marks = ", ".join(["%s"] * len(ids))
        cursor.execute(
            "SELECT d.id, d.tokens, d.alternatives, s.sz FROM search_searchdocument d "  # noqa: S608 — values are bound
            f"JOIN search_fts_docsize s ON s.id = d.id WHERE d.id IN ({marks})",
            ids,
        )
        rows = cursor.fetchall()
    if len(rows) != len(set(ids)):
        return None
    out: dict[int, float] = {}
    for doc_id, tokens, alternatives, size in rows:
        columns = (tokens.split(), alternatives.split())
        sizes = _varints(bytes(size))
        if sizes[:2] != [len(columns[0]), len(columns[1])]:
            return None  # FTS5 tokenized this row differently: let it rank
        found = [_instances(p, columns) for p in phrases]
        counted = [False] * len(phrases)
        _evaluate(tree, found, counted)
        if excluded is not None:
            _evaluate(excluded, found, [False] * len(phrases))  # absent: nothing to count
        d = float(sizes[0] + sizes[1])
        score = 0.0
        for i in range(len(phrases)):
            f = 0.0
            if counted[i]:  # one addition per instance, in FTS5's order: column 0, then 1
                for _ in range(found[i][0]):
                    f += WEIGHTS[0]
                for _ in range(found[i][1]):
                    f += WEIGHTS[1]
            score += idf[i] * ((f * (K1 + 1.0)) / (f + K1 * (1 - B + B * d / avgdl)))
        out[doc_id] = score  # bm25() returns -score; the query asks -bm25()
    return out
