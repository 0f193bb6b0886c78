"""Periodic housekeeping of the task queue itself."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task, task_backends

from .periodic import periodic

KEEP_RESULTS = timedelta(days=14)


@periodic(every=timedelta(days=1))
@task()
def prune_task_results_task() -> int:
    """Delete finished task results older than two weeks (database queue only: each task
    leaves a row, and the scheduler alone adds a few thousand a day). Idempotent."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    if not isinstance(backend, DatabaseBackend):
        return 0  # RQ expires its own results
    old = DBTaskResult.objects.finished().filter(
        backend_name=backend.alias, finished_at__lt=timezone.now() - KEEP_RESULTS
    )
    deleted = 0
    while ids := list(old.values_list("pk", flat=True)[:1000]):  # short write transactions
        deleted += DBTaskResult.objects.filter(pk__in=ids).delete()[0]
    return deleted
