"""enqueue_on_commit: after commit only, and a queue that is down never fails the caller."""

from django.db import transaction
from django.test import TestCase, override_settings
from django_tasks.backends.base import BaseTaskBackend

from rapport.jobs import enqueue_on_commit, try_enqueue

from .sample_tasks import add_task


class DownBackend(BaseTaskBackend):
    """Stands for Redis or the database queue being unreachable (nothing else can simulate
    that without taking down the database the test itself uses)."""

    def enqueue(self, task, args, kwargs):
        raise ConnectionError("the queue is down")


DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DOWN = {"default": {"BACKEND": "rapport.jobs.tests.test_enqueue.DownBackend"}}


@override_settings(TASKS=DUMMY)
class EnqueueOnCommitTest(TestCase):
    def results(self):
        from django_tasks import default_task_backend

        return default_task_backend.results

    def test_it_enqueues_only_once_the_transaction_commits(self):
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            enqueue_on_commit(add_task, 2, b=3)
            self.assertEqual(self.results(), [])
        self.assertEqual(len(callbacks), 1)
        [result] = self.results()
        self.assertEqual((result.args, result.kwargs), ([2], {"b": 3}))

    def test_a_rolled_back_change_enqueues_nothing(self):
        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            with self.assertRaises(RuntimeError), transaction.atomic():
                enqueue_on_commit(add_task, 1, 1)
                raise RuntimeError("rolled back")
        self.assertEqual(callbacks, [])
        self.assertEqual(self.results(), [])

    def test_a_queue_that_is_down_is_logged_not_raised(self):
        with override_settings(TASKS=DOWN), self.assertLogs("rapport.jobs", "WARNING") as logs:
            with self.captureOnCommitCallbacks(execute=True):
                enqueue_on_commit(add_task, 1, 2)
            self.assertIsNone(try_enqueue(add_task, 1, 2))
        self.assertIn("could not enqueue", logs.output[0])


DATABASE_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@override_settings(TASKS=DATABASE_QUEUE)
class EnqueueWithCommitTest(TestCase):
    def rows(self):
        from django_tasks_db.models import DBTaskResult

        return DBTaskResult.objects.filter(task_path=add_task.module_path)

    def test_on_the_database_queue_the_task_row_commits_with_the_data(self):
        from rapport.jobs.enqueue import enqueue_with_commit

        with self.captureOnCommitCallbacks() as callbacks:
            with transaction.atomic():
                enqueue_with_commit(add_task, 1, b=2)
                self.assertEqual(self.rows().count(), 1)  # written in the transaction
        self.assertEqual(callbacks, [])  # nothing left for after the commit

    def test_a_rolled_back_transaction_takes_its_task_row_with_it(self):
        from rapport.jobs.enqueue import enqueue_with_commit

        with self.assertRaises(RuntimeError), transaction.atomic():
            enqueue_with_commit(add_task, 1, b=2)
            raise RuntimeError
        self.assertEqual(self.rows().count(), 0)

    @override_settings(TASKS=DUMMY)
    def test_another_backend_is_enqueued_after_the_commit(self):
        from django_tasks import default_task_backend

        from rapport.jobs.enqueue import enqueue_with_commit

        with self.captureOnCommitCallbacks(execute=True) as callbacks:
            with transaction.atomic():
                enqueue_with_commit(add_task, 1, b=2)
                self.assertEqual(default_task_backend.results, [])
        self.assertEqual(len(callbacks), 1)
        self.assertEqual(len(default_task_backend.results), 1)
