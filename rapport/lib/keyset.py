"""Keyset ("seek") pagination: page 50 costs what page 1 costs, at any table size.

A cursor is the sort key of the last row shown, encoded opaquely in the URL.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet


@dataclass
class Page:
    rows: list
    next_cursor: str | None


def encode_cursor(value, pk: int) -> str:
    if isinstance(value, datetime):
        value = {"dt": value.isoformat()}
    raw = json.dumps([value, pk], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str):
    """(value, pk) from a cursor, or None when it is malformed (then the first page is shown)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, pk = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if isinstance(value, dict):
            value = datetime.fromisoformat(value["dt"])
        if not isinstance(pk, int):
            return None
        return value, pk
    except (ValueError, TypeError, KeyError):
        return None


def paginate(qs: QuerySet, field: str, descending: bool, cursor: str | None, size: int) -> Page:
    """One page of `qs` ordered by (field, pk), starting after `cursor`."""
    order = [f"-{field}", "-pk"] if descending else [field, "pk"]
    qs = qs.order_by(*order)
    decoded = decode_cursor(cursor) if cursor else None
    if decoded is not None:
        value, pk = decoded
        op = "lt" if descending else "gt"
        # The leading inclusive range keeps the (field, pk) index usable for the seek;
        # the OR then drops the rows already shown.
        qs = qs.filter(
            Q(**{f"{field}__{op}e": value}),
            Q(**{f"{field}__{op}": value}) | Q(**{f"pk__{op}": pk}),
        )
    rows = list(qs[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        last = rows[-1]
        next_cursor = encode_cursor(getattr(last, field), last.pk)
    return Page(rows=rows, next_cursor=next_cursor)
