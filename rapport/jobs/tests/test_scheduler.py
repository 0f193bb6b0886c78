"""The scheduler: one leader, each slot enqueued once, state that survives restarts.

Schedulers here are separate ``Scheduler`` objects (as separate processes would be) and, in
the race tests, threads with their own database connections: on PostgreSQL (CI's second run)
the compare-and-set claims really race; on SQLite the writers queue.
"""

import threading
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from rapport.jobs.models import JobState, SchedulerLease
from rapport.jobs.periodic import REGISTRY, PeriodicJob, autodiscover
from rapport.jobs.scheduler import Scheduler, next_slot

from .processes import manage, wait_until
from .sample_tasks import tick_task
from .test_enqueue import DOWN

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
MINUTE = timedelta(minutes=1)


def jobs(every=MINUTE):
    return {"tick": PeriodicJob("tick", tick_task, every)}


def enqueued() -> int:
    return DBTaskResult.objects.filter(task_path=tick_task.module_path).count()


@override_settings(TASKS=DB_QUEUE)
class SchedulerTest(TransactionTestCase):
    def setUp(self):
        self.t0 = timezone.now().replace(microsecond=0)

    def test_only_one_scheduler_leads_and_another_takes_over_when_the_lease_expires(self):
        a = Scheduler(jobs(), holder="a")
        b = Scheduler(jobs(), holder="b")
        self.assertTrue(a.lead(self.t0))
        self.assertFalse(b.lead(self.t0 + timedelta(seconds=5)))
        self.assertIsNone(b.tick(self.t0 + timedelta(seconds=5)))
        # a stops renewing (crashed, paused): after the lease, b leads and a does not
        later = self.t0 + timedelta(seconds=31)
        self.assertTrue(b.lead(later))
        self.assertFalse(a.lead(later + timedelta(seconds=20)))
        self.assertEqual(SchedulerLease.objects.get().holder, "b")

    def test_a_clean_stop_hands_the_lease_over_at_once(self):
        a = Scheduler(jobs(), holder="a")
        b = Scheduler(jobs(), holder="b")
        a.lead(self.t0)
        a.release()
        self.assertTrue(b.lead(self.t0 + timedelta(seconds=1)))

    def test_a_new_job_runs_at_once_then_every_interval(self):
        s = Scheduler(jobs(), holder="a")
        self.assertEqual(s.tick(self.t0), ["tick"])
        self.assertEqual(s.tick(self.t0 + timedelta(seconds=30)), [])
        self.assertEqual(s.tick(self.t0 + MINUTE), ["tick"])
        self.assertEqual(enqueued(), 2)
        state = JobState.objects.get(name="tick")
        self.assertEqual(
            (state.runs, state.last_run_at, state.next_run_at),
            (2, self.t0 + MINUTE, self.t0 + 2 * MINUTE),
        )
        self.assertEqual(str(DBTaskResult.objects.latest("enqueued_at").id), state.last_task_id)

    def test_state_survives_a_restart_and_missed_slots_are_not_replayed(self):
        Scheduler(jobs(), holder="a").tick(self.t0)
        restarted = Scheduler(jobs(), holder="a2")  # a new process, an hour later
        self.assertEqual(restarted.tick(self.t0 + timedelta(seconds=1)), None)  # a's lease
        self.assertEqual(restarted.tick(self.t0 + timedelta(hours=1, seconds=1)), ["tick"])
        self.assertEqual(enqueued(), 2)  # one run for the hour missed, not sixty
        self.assertEqual(
            JobState.objects.get().next_run_at, self.t0 + timedelta(hours=1, minutes=1)
        )

    def test_a_leader_that_lost_the_lease_cannot_enqueue_a_slot_it_read_before(self):
        a = Scheduler(jobs(), holder="a")
        b = Scheduler(jobs(), holder="b")
        a.lead(self.t0)
        stale = a.due(self.t0)  # a reads the due slot … and pauses past its lease
        self.assertEqual([s.name for s in stale], ["tick"])
        later = self.t0 + timedelta(seconds=40)
        self.assertEqual(b.tick(later), ["tick"])  # b leads and enqueues the slot
        self.assertEqual(a.enqueue_due(later, due=stale), [])  # a wakes: its claim fails
        self.assertEqual(enqueued(), 1)

    def test_a_changed_interval_takes_effect_without_waiting_for_the_old_slot(self):
        Scheduler(jobs(every=timedelta(days=1)), holder="a").tick(self.t0)
        s = Scheduler(jobs(every=MINUTE), holder="a")
        self.assertEqual(s.tick(self.t0 + MINUTE), ["tick"])
        self.assertEqual(JobState.objects.get().every, MINUTE)

    def test_a_queue_that_is_down_keeps_the_slot_and_records_the_error(self):
        with override_settings(TASKS=DOWN):
            self.assertEqual(Scheduler(jobs(), holder="a").tick(self.t0), [])
        state = JobState.objects.get()
        self.assertEqual(state.runs, 0)
        self.assertIn("queue is down", state.last_error)
        self.assertGreater(state.next_run_at, self.t0)  # retried shortly, not every tick
        self.assertEqual(Scheduler(jobs(), holder="a").tick(self.t0 + MINUTE), ["tick"])
        self.assertEqual(JobState.objects.get().last_error, "")

    def test_next_slot_stays_on_the_grid(self):
        self.assertEqual(next_slot(self.t0, MINUTE, self.t0), self.t0 + MINUTE)
        self.assertEqual(
            next_slot(self.t0, MINUTE, self.t0 + timedelta(seconds=150)), self.t0 + 3 * MINUTE
        )

    def test_many_schedulers_ticking_at_once_enqueue_each_slot_exactly_once(self):
        """Eight schedulers, each believing it leads (the lease is bypassed, as after a
        leadership flip), tick through the same ten minutes at the same moments."""
        n, ticks = 8, 40
        barrier = threading.Barrier(n)
        errors = []

        def run(i):
            try:
                s = Scheduler(jobs(), holder=f"s{i}")
                for k in range(ticks):
                    barrier.wait()
                    s.enqueue_due(self.t0 + k * timedelta(seconds=15))
            except Exception as exc:  # noqa: BLE001 — asserted below
                errors.append(exc)
                barrier.abort()
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        self.assertEqual(errors, [])
        self.assertEqual(enqueued(), 10)  # slots t0, t0+1min, …, t0+9min
        self.assertEqual(JobState.objects.get().runs, 10)

    def test_of_many_schedulers_starting_at_once_exactly_one_leads(self):
        n = 8
        barrier = threading.Barrier(n)
        leaders, errors = [], []

        def run(i):
            try:
                s = Scheduler(jobs(), holder=f"s{i}")
                barrier.wait()
                if s.lead(self.t0):
                    leaders.append(i)
            except Exception as exc:  # noqa: BLE001 — asserted below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        self.assertEqual(errors, [])
        self.assertEqual(len(leaders), 1)
        self.assertEqual(SchedulerLease.objects.get().holder, f"s{leaders[0]}")


@override_settings(TASKS=DB_QUEUE)
class SchedulerCommandAndAdminTest(TransactionTestCase):
    def test_the_command_runs_one_tick_with_once_for_every_registered_job(self):
        from io import StringIO

        out = StringIO()
        call_command("scheduler", "--once", stdout=out)
        registered = autodiscover()
        self.assertIn("rapport.jobs.tasks.prune_task_results_task", registered)
        self.assertIn(f"enqueued {len(registered)} job(s)", out.getvalue())
        self.assertEqual(set(JobState.objects.values_list("name", flat=True)), set(registered))
        self.assertFalse(SchedulerLease.objects.get().is_live)  # --once lets go
        out = StringIO()
        call_command("scheduler", "--once", stdout=out)
        self.assertIn("nothing due", out.getvalue())

    def test_the_admin_shows_last_and_next_run_and_the_leader_and_can_run_a_job_now(self):
        s = Scheduler(jobs(), holder="web-1:42:abc")
        s.tick()
        admin = get_user_model().objects.create_superuser("root", "root@rapport.test", "pw")
        self.client.force_login(admin)
        page = self.client.get(reverse("admin:jobs_jobstate_changelist"))
        self.assertContains(page, "web-1:42:abc")
        self.assertContains(page, "tick")
        self.assertContains(page, "READY")  # the enqueued task, waiting for a worker
        state = JobState.objects.get()
        self.client.post(
            reverse("admin:jobs_jobstate_changelist"),
            {"action": "run_now", "_selected_action": [state.pk]},
        )
        self.assertEqual(s.tick(), ["tick"])
        s.release()
        page = self.client.get(reverse("admin:jobs_jobstate_changelist"))
        self.assertContains(page, "No scheduler is leading")

    def test_registering_keeps_the_task_and_rejects_sub_second_intervals(self):
        from rapport.jobs.periodic import periodic

        self.assertIs(periodic(every=MINUTE, name="test.tick")(tick_task), tick_task)
        REGISTRY.pop("test.tick")
        with self.assertRaises(ValueError):
            periodic(every=timedelta(milliseconds=10))


@override_settings(TASKS=DB_QUEUE)
class SchedulerProcessesTest(TransactionTestCase):
    """Two real ``manage.py scheduler`` processes: one leads, the other stands by and takes
    over when the leader is killed without a chance to let go (SIGKILL)."""

    def test_a_standby_scheduler_takes_over_from_a_killed_leader_and_no_slot_runs_twice(self):
        def holder():
            lease = SchedulerLease.objects.first()
            return lease.holder if lease and lease.is_live else ""

        def all_ran(times):
            return sum(JobState.objects.values_list("runs", flat=True)) == times * len(registry)

        registry = autodiscover()
        first = manage("scheduler", "--lease", "2", "--interval", "0.1")
        try:
            self.assertTrue(wait_until(lambda: f":{first.pid}:" in holder() and all_ran(1)))
            second = manage("scheduler", "--lease", "2", "--interval", "0.1")
            try:
                self.assertTrue(wait_until(lambda: JobState.objects.exists()))
                first.kill()  # no clean release: the lease must expire
                first.wait(timeout=30)
                JobState.objects.update(next_run_at=timezone.now())  # due again
                self.assertTrue(wait_until(lambda: f":{second.pid}:" in holder() and all_ran(2)))
            finally:
                second.terminate()
                second.wait(timeout=30)
        finally:
            first.kill()
            first.wait(timeout=30)
        results = DBTaskResult.objects.filter(
            task_path__in=[j.task.module_path for j in registry.values()]
        )
        self.assertEqual(results.count(), 2 * len(registry))  # each job once per slot
        takers = set(JobState.objects.values_list("last_enqueued_by", flat=True))
        self.assertEqual(len(takers), 1)
        self.assertIn(f":{second.pid}:", takers.pop())
