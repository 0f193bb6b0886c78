"""Tasks the tests enqueue (importable by the worker processes they start)."""

from django.db import connection, transaction
from django_tasks import task

RUNS_TABLE = "jobs_test_task_runs"


@task()
def tick_task() -> str:
    return "tick"


@task()
def add_task(a: int, b: int) -> int:
    return a + b


@task(takes_context=True)
def record_run_task(context, key: int) -> int:
    """Write one row keyed by ``key``: a second run of the same task would hit the primary key
    and fail, so "every task ran exactly once" is checked by the database itself."""
    worker = context.task_result.worker_ids[-1] if context.task_result.worker_ids else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {RUNS_TABLE} (task_key, worker) VALUES (%s, %s)",  # noqa: S608
            [key, worker],
        )
    return key
