"""Writing a unit of work's search documents together (issue #3's intake drain, docs/search.md).

Processing one inbound message writes up to four documents one by one through the hooks: the
new customer (twice: the profile, then its identity), the ticket, the message. Each write is an
`update_or_create` (a savepoint, a select, an insert or update). Inside `collected()` the
documents are kept instead, the last version of each (kind, object) wins, and on the way out
they are written with one DELETE and one bulk INSERT — in the same transaction, so the index
is still never ahead of or behind the data. A document may be kept as a function that builds
it only then: a customer's is read once, after both saves.

Anything else that touches documents while collecting (a `sync_*` re-labelling rows, an
`unindex`) first writes what was collected, so it sees every row it should.

    with transaction.atomic(), collected():   # the savepoint: a failure discards both
        ...                                   # hooks fire as usual
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from functools import reduce
from operator import or_

from django.db.models import Q

from .models import SearchDocument

_state = threading.local()


def pending() -> dict | None:
    """The documents being collected in this thread, or None when not collecting."""
    return getattr(_state, "docs", None)


@contextmanager
def collected():
    if pending() is not None:  # nested: the outer block writes
        yield
        return
    _state.docs = {}
    try:
        yield
    except BaseException:
        _state.docs = None  # rolled back with the caller's savepoint: nothing to write
        raise
    else:
        flush()
    finally:
        _state.docs = None


def flush() -> None:
    """Write what was collected so far (and keep collecting)."""
    docs = pending()
    if not docs:
        return
    _state.docs = {}
    by_kind: dict[str, list[int]] = {}
    for kind, object_id in docs:
        by_kind.setdefault(kind, []).append(object_id)
    SearchDocument.objects.filter(
        reduce(or_, (Q(kind=kind, object_id__in=ids) for kind, ids in by_kind.items()))
    ).delete()
    # A value may be a function that builds the document only now (None: no document).
    built = (doc() if callable(doc) else doc for doc in docs.values())
    SearchDocument.objects.bulk_create([doc for doc in built if doc is not None])
