"""The scheduler: enqueues each periodic job (rapport.jobs.periodic) when it is due — the SLA
scan and the rules timer (RS1, RS2, ES3) must run every minute, once, whatever fails.

Two guarantees, each held by the database so that they survive restarts and hold across
machines (see docs/background.md):

- **One leader at a time.** Any number of ``manage.py scheduler`` processes may run; only the
  holder of the lease row enqueues. The lease is taken and renewed by one conditional UPDATE
  (``WHERE holder = me OR expires_at < now``); a leader that dies stops renewing and another
  takes over once the lease expires (``LEASE``), or at once if it shut down cleanly.
- **No double runs.** Leadership can still flip while a leader is between reading a slot and
  enqueuing it (a long pause, a clock jump). So the lease is not what protects a slot: each
  job's slot is claimed with a compare-and-set UPDATE ``SET next_run_at = <next> WHERE
  next_run_at = <the slot read>``; of any number of schedulers, exactly one UPDATE matches.
  The claim and the enqueue share one transaction: with the database queue (the default) a job
  is enqueued if and only if its slot was claimed; with Redis, an enqueue that fails rolls the
  claim back, and the slot is tried again shortly.

Missed slots are not replayed: a scheduler that was down for an hour enqueues one run of a
minutely job, not sixty (jobs are idempotent scans: one run covers the backlog).
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from datetime import UTC, datetime, timedelta

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from .models import JobState, SchedulerLease
from .periodic import PeriodicJob, autodiscover

log = logging.getLogger("rapport.jobs")

LEASE_NAME = "scheduler"
LEASE = timedelta(seconds=30)  # a dead leader is replaced after at most this long
RETRY_AFTER = timedelta(seconds=10)  # an enqueue that failed (queue down) is retried after this
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)  # "expired long ago"


def next_slot(slot: datetime, every: timedelta, now: datetime) -> datetime:
    """The first slot after ``now`` on the grid ``slot + k·every`` (missed slots are skipped)."""
    if slot > now:
        return slot
    return slot + every * ((now - slot) // every + 1)


def default_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"


class Scheduler:
    def __init__(
        self,
        jobs: dict[str, PeriodicJob] | None = None,
        *,
        holder: str | None = None,
        lease: timedelta = LEASE,
    ) -> None:
        self.jobs = autodiscover() if jobs is None else jobs
        self.holder = holder or default_holder()
        self.lease = lease
        self._lease_until: datetime | None = None  # as far as this process knows

    # --- leadership ---------------------------------------------------------------------------
    def lead(self, now: datetime | None = None) -> bool:
        """Take or renew the lease; True while this scheduler is the leader."""
        now = now or timezone.now()
        if self._lease_until is not None and now < self._lease_until - self.lease / 2:
            return True  # renewed recently: spare the database a write every tick
        SchedulerLease.objects.bulk_create(
            [SchedulerLease(name=LEASE_NAME, expires_at=EPOCH)], ignore_conflicts=True
        )
        until = now + self.lease
        taken = SchedulerLease.objects.filter(
            Q(holder=self.holder) | Q(expires_at__lt=now),
            name=LEASE_NAME,
        ).update(
            holder=self.holder,
            expires_at=until,
            # a new term starts when someone else (or nobody) held it
            acquired_at=_keep_if_mine(self.holder, now),
        )
        if taken:
            if self._lease_until is None:
                log.info("scheduler %s: leading", self.holder)
            self._lease_until = until
            return True
        if self._lease_until is not None:
            log.warning("scheduler %s: lost the lease", self.holder)
        self._lease_until = None
        return False

    def release(self) -> None:
        """Give up leadership now (clean shutdown), so another scheduler takes over at once."""
        SchedulerLease.objects.filter(name=LEASE_NAME, holder=self.holder).update(expires_at=EPOCH)
        self._lease_until = None

    # --- slots --------------------------------------------------------------------------------
    def tick(self, now: datetime | None = None) -> list[str] | None:
        """One round: if leader, enqueue what is due and return the job names enqueued;
        None when another scheduler leads."""
        now = now or timezone.now()
        if not self.lead(now):
            return None
        return self.enqueue_due(now)

    def states(self, now: datetime) -> list[JobState]:
        """The state rows of the registered jobs, created (due at once) for new jobs."""
        states = {s.name: s for s in JobState.objects.filter(name__in=list(self.jobs))}
        missing = [
            JobState(name=job.name, every=job.every, next_run_at=now)
            for job in self.jobs.values()
            if job.name not in states
        ]
        if missing:
            JobState.objects.bulk_create(missing, ignore_conflicts=True)
            states = {s.name: s for s in JobState.objects.filter(name__in=list(self.jobs))}
        for state in states.values():
            every = self.jobs[state.name].every
            if state.every != every:  # the code changed the interval: follow it (CAS, too)
                sooner = min(state.next_run_at, (state.last_run_at or now) + every)
                JobState.objects.filter(pk=state.pk, next_run_at=state.next_run_at).update(
                    every=every, next_run_at=sooner
                )
                state.every, state.next_run_at = every, sooner
        return list(states.values())

    def due(self, now: datetime) -> list[JobState]:
        return [s for s in self.states(now) if s.next_run_at <= now]

    def enqueue_due(
        self, now: datetime | None = None, due: list[JobState] | None = None
    ) -> list[str]:
        """Claim and enqueue each due slot. ``due`` may be a snapshot read earlier (even by a
        leader that has since lost the lease): a stale slot simply fails its claim."""
        now = now or timezone.now()
        done = []
        for state in self.due(now) if due is None else due:
            if self.claim_and_enqueue(state, now):
                done.append(state.name)
        return done

    def claim_and_enqueue(self, state: JobState, now: datetime) -> bool:
        job = self.jobs[state.name]
        slot = state.next_run_at
        try:
            with transaction.atomic():
                claimed = JobState.objects.filter(pk=state.pk, next_run_at=slot).update(
                    next_run_at=next_slot(slot, job.every, now),
                    last_run_at=now,
                    runs=F("runs") + 1,
                    last_enqueued_by=self.holder,
                    last_error="",
                )
                if not claimed:
                    return False  # another scheduler took this slot
                result = job.task.enqueue()
                JobState.objects.filter(pk=state.pk).update(last_task_id=str(result.id))
        except Exception as exc:  # noqa: BLE001 — queue down: keep the slot, retry it shortly
            log.warning("scheduler: could not enqueue %s: %s", job.name, exc)
            JobState.objects.filter(pk=state.pk, next_run_at=slot).update(
                next_run_at=max(slot, now + RETRY_AFTER),
                last_error=f"{type(exc).__name__}: {exc}"[:2000],
            )
            return False
        log.info("scheduler: enqueued %s (slot %s)", job.name, slot.isoformat())
        return True

    def seconds_to_next(self, now: datetime, cap: float) -> float:
        """How long the loop may sleep: until the next slot or ``cap``, whichever is sooner."""
        upcoming = (
            JobState.objects.filter(name__in=list(self.jobs))
            .order_by("next_run_at")
            .values_list("next_run_at", flat=True)
            .first()
        )
        if upcoming is None:
            return cap
        return max(0.0, min(cap, (upcoming - now).total_seconds()))


def _keep_if_mine(holder: str, now: datetime):
    return Case(When(holder=holder, then=F("acquired_at")), default=Value(now))
