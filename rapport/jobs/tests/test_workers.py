"""Real worker processes racing for the same queue: every task runs exactly once.

Two ``manage.py db_worker`` processes (the command ``make run`` starts) work through 200 tasks
on this test's database. Each task inserts a row keyed by its own number: a task run twice
would violate the primary key and fail, so the database itself checks "exactly once". The
workers claim with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL — real row-level racing,
which is what this test is for; on SQLite they would only take turns on the database lock.
"""

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.test import TransactionTestCase, override_settings
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from .processes import manage
from .sample_tasks import RUNS_TABLE, record_run_task

TASKS = 200


def start_worker(worker_id: str):
    return manage(
        "db_worker",
        "--batch",
        "--no-startup-delay",
        "--no-reload",
        "--interval",
        "0",
        "--worker-id",
        worker_id,
        "-v",
        "0",
    )


@pytest.mark.postgres_only
@pytest.mark.skipif(
    not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="row-level worker races need PostgreSQL (run with DATABASE_URL=postgres://…)",
)
@override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}})
class RacingWorkersTest(TransactionTestCase):
    def setUp(self):
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE {RUNS_TABLE} (task_key integer PRIMARY KEY, "
                "worker varchar(64) NOT NULL)"
            )

    def tearDown(self):
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {RUNS_TABLE}")

    def test_two_db_workers_run_every_task_exactly_once(self):
        ids = [str(record_run_task.enqueue(i).id) for i in range(TASKS)]
        workers = [start_worker("worker-a"), start_worker("worker-b")]
        outputs = [w.communicate(timeout=120)[0].decode() for w in workers]
        self.assertEqual([w.returncode for w in workers], [0, 0], outputs)

        results = DBTaskResult.objects.filter(id__in=ids)
        self.assertEqual(
            dict(results.values_list("status").annotate(n=Count("id"))),
            {TaskResultStatus.SUCCESSFUL: TASKS},
        )
        self.assertTrue(all(len(r.worker_ids) == 1 for r in results))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*), count(DISTINCT task_key) FROM {RUNS_TABLE}")  # noqa: S608
            self.assertEqual(cursor.fetchone(), (TASKS, TASKS))
            cursor.execute(f"SELECT worker, count(*) FROM {RUNS_TABLE} GROUP BY worker")  # noqa: S608
            share = dict(cursor.fetchall())
        print(f"\ntasks run by each worker: {share}")  # noqa: T201 — shows the race happened
        self.assertEqual(set(share), {"worker-a", "worker-b"})
