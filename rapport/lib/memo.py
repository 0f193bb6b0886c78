"""Lookups shared by every message of one intake batch (TR1, docs/intake.md).

A batch of the intake worker holds the write transaction for at most a tenth of a second and
processes dozens of messages; settings-like rows that every message consults (the active
webhook endpoints, the SLA policies) are read once per batch instead of once per message, and
an edit applies from the next batch — as the mailbox and the team already did.

Outside a batch (a web request, a test calling an action) `memoised()` simply computes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")

_batch: ContextVar[dict | None] = ContextVar("rapport_batch_memo", default=None)


@contextmanager
def batch_memo() -> Iterator[dict]:
    """Share lookups until the block ends (nested blocks share the outer one's memo)."""
    current = _batch.get()
    if current is not None:
        yield current
        return
    memo: dict = {}
    token = _batch.set(memo)
    try:
        yield memo
    finally:
        _batch.reset(token)


def memoised(key: Hashable, compute: Callable[[], T]) -> T:
    """`compute()`, once per batch for `key` when a batch is running."""
    memo = _batch.get()
    if memo is None:
        return compute()
    try:
        return memo[key]
    except KeyError:
        value = memo[key] = compute()
        return value
