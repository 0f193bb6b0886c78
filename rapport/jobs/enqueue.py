"""Enqueue a task after the current transaction commits, without failing the caller."""

from __future__ import annotations

import logging

from django.db import transaction

log = logging.getLogger("rapport.jobs")


def try_enqueue(task, *args, **kwargs):
    """Enqueue now; if the queue backend is down, log and return None instead of raising.

    Callers rely on a sweep or the next periodic run to catch up, which is why a task takes ids
    and is idempotent (STYLE: tasks are safe to run twice or late)."""
    try:
        return task.enqueue(*args, **kwargs)
    except Exception:  # noqa: BLE001 — the backend is down: the work is not lost, only late
        log.warning(
            "could not enqueue %s%r", getattr(task, "module_path", task), args, exc_info=True
        )
        return None


def enqueue_on_commit(task, *args, **kwargs) -> None:
    """Enqueue ``task(*args, **kwargs)`` once the current transaction commits (at once outside
    one): a worker never sees ids of rows that are not committed yet, and a rolled-back change
    enqueues nothing."""
    transaction.on_commit(lambda: try_enqueue(task, *args, **kwargs))


def enqueue_with_commit(task, *args, **kwargs) -> None:
    """Enqueue ``task`` as part of the current transaction when the queue lives in the database
    (django-tasks-db): the task row commits with the data it is about, or not at all — no
    message is ever stored without its follow-up, and it costs no commit of its own. With any
    other backend (RQ, the immediate backend of tests), or outside a transaction, this is
    ``enqueue_on_commit``."""
    from django_tasks_db import DatabaseBackend

    if not transaction.get_connection().in_atomic_block or not isinstance(
        task.get_backend(), DatabaseBackend
    ):
        enqueue_on_commit(task, *args, **kwargs)
        return
    try:
        with transaction.atomic():
            task.enqueue(*args, **kwargs)
    except Exception:  # noqa: BLE001 — keep the caller's work; try again after its commit
        log.warning("could not enqueue %s%r in the transaction", task.module_path, args)
        enqueue_on_commit(task, *args, **kwargs)
