"""Scans racing on PostgreSQL (several workers, a retried task): each warning and breach is
raised once, every notification given once."""

from __future__ import annotations

import threading
import unittest
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.test import TransactionTestCase
from freezegun import freeze_time

from rapport.notify.models import Notification
from rapport.sla.actions import do_scan
from rapport.sla.models import SlaPolicy
from rapport.sla.tasks import scan_sla_task
from rapport.test import Personas, receive
from rapport.tickets.models import Event, EventKind

T0 = datetime(2025, 3, 3, 7, 0, tzinfo=UTC)


def race(n: int, fn) -> list:
    barrier = threading.Barrier(n)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(fn())
        except Exception as exc:  # noqa: BLE001 — asserted by the caller
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    return results


@unittest.skipUnless(connection.vendor == "postgresql", "real concurrency needs PostgreSQL")
class ScanRaceTest(TransactionTestCase):
    def setUp(self):
        Personas.create_personas()
        SlaPolicy.objects.create(name="Fast", first_response_minutes=60, warn_share=0.5)
        with freeze_time(T0):
            for i in range(20):
                receive(sender=f"c{i}@example.com", external_id=f"<race-{i}@x>")

    def test_four_scans_at_once_raise_each_warning_and_breach_once(self):
        warned = race(4, lambda: do_scan(now=T0 + timedelta(minutes=31)))
        self.assertEqual(sum(warned), 20)
        breached = race(4, lambda: do_scan(now=T0 + timedelta(minutes=61)))
        self.assertEqual(sum(breached), 20)
        self.assertEqual(Event.objects.filter(kind=EventKind.SLA_WARNING).count(), 20)
        self.assertEqual(Event.objects.filter(kind=EventKind.SLA_BREACH).count(), 20)
        # Support's Alice and Bob for each warning; they and Sam for each breach.
        self.assertEqual(Notification.objects.count(), 20 * 2 + 20 * 3)

    def test_the_periodic_task_run_twice_raises_once(self):
        with freeze_time(T0 + timedelta(minutes=31)):
            self.assertEqual(scan_sla_task.call(), 20)
            self.assertEqual(scan_sla_task.call(), 0)
