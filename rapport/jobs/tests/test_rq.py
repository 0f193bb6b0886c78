"""The Redis queue (REDIS_URL): a task enqueued through the Django tasks API is run by a real
RQ worker — the command ``make run`` starts with Redis — and its result read back."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.test import TestCase
from django_tasks import TaskResultStatus

from rapport.jobs.models import JobState
from rapport.jobs.periodic import PeriodicJob
from rapport.jobs.scheduler import Scheduler

from .sample_tasks import add_task, tick_task

ROOT = Path(settings.BASE_DIR).parent


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (a real Redis)")
class RQQueueTest(TestCase):
    def setUp(self):
        import django_rq

        django_rq.get_queue("default").empty()

    def test_a_burst_rq_worker_runs_a_task_enqueued_through_the_django_api(self):
        self.assertEqual(settings.TASKS["default"]["BACKEND"], "django_tasks_rq.backend.RQBackend")
        result = add_task.enqueue(2, 3)
        self.assertEqual(result.status, TaskResultStatus.READY)
        self.burst()
        result.refresh()
        self.assertEqual(result.status, TaskResultStatus.SUCCESSFUL)
        self.assertEqual(result.return_value, 5)

    def test_the_scheduler_enqueues_a_periodic_job_onto_redis(self):
        scheduler = Scheduler({"tick": PeriodicJob("tick", tick_task, timedelta(minutes=1))})
        self.assertEqual(scheduler.tick(), ["tick"])
        self.assertEqual(scheduler.tick(), [])  # the slot is taken
        self.burst()
        [state] = JobState.objects.all()
        result = tick_task.get_result(state.last_task_id)
        self.assertEqual(
            (result.status, result.return_value), (TaskResultStatus.SUCCESSFUL, "tick")
        )

    def burst(self):
        """The worker `make run` starts with Redis, in burst mode (exit when the queue is empty)."""
        worker = subprocess.run(  # noqa: S603 — our own manage.py
            [sys.executable, "manage.py", "rqworker", "--burst", "default"],
            cwd=ROOT,
            env=os.environ.copy(),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        self.assertEqual(worker.returncode, 0, worker.stderr)
