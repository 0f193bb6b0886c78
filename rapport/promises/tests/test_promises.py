"""Promises and callbacks (RS2, RS6): tracked from the coach's offer or by hand, kept or
cancelled, reminded once before due and once when overdue, shown where the customer appears,
and only to those who may see the ticket."""

from __future__ import annotations

import threading
import unittest
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.test import TransactionTestCase
from django.urls import reverse
from freezegun import freeze_time

from rapport.notify.models import Kind, Notification
from rapport.promises import actions
from rapport.promises.models import Promise, PromiseKind, PromiseState
from rapport.test import BaseTestCase, Personas, receive
from rapport.tickets import actions as ticket_actions
from rapport.tickets.models import Note

# Wednesday 25 November 2026, 10:00 UTC (Alice's zone is UTC)
T0 = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


class PromiseTestCase(BaseTestCase):
    def promise(self, *, due=None, kind=PromiseKind.CALLBACK, agent=None, ticket=None):
        return actions.check_add_promise(
            ticket or self.carol_ticket,
            actor=agent or self.alice,
            text="Call Carol back about the parcel",
            kind=kind,
            due_at=due or T0 + timedelta(days=1),
        )


class TrackingTest(PromiseTestCase):
    @freeze_time(T0)
    def test_a_promise_in_a_reply_is_offered_and_tracked_in_one_click(self):
        reply = ticket_actions.check_reply(
            self.carol_ticket,
            author=self.alice,
            body_text="Hello Carol, sorry for the wait. I'll call you back tomorrow before 12.",
        )
        self.login(self.alice)
        page = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertContains(page, "Track this promise")
        self.assertContains(page, "I&#x27;ll call you back tomorrow before 12.")
        response = self.client.post(
            reverse("promise-add", args=[self.carol_ticket.pk]),
            {
                "text": "I'll call you back tomorrow before 12.",
                "kind": "callback",
                "due_at": "2026-11-26T12:00",
                "source_message": reply.pk,
            },
            HTTP_HX_REQUEST="true",
        )
        self.assertEqual(response.status_code, 200)
        promise = Promise.objects.get()
        self.assertEqual(
            (promise.kind, promise.due_at, promise.agent, promise.customer, promise.source_message),
            ("callback", datetime(2026, 11, 26, 12, tzinfo=UTC), self.alice, self.carol, reply),
        )
        self.assertNotContains(response, "Track this promise")  # tracked: no longer offered
        self.assertContains(response, "Log callback done")

    @freeze_time(T0)
    def test_tracking_the_same_sentence_twice_keeps_one_promise(self):
        reply = ticket_actions.check_reply(
            self.carol_ticket, author=self.alice, body_text="Перезвоню вам завтра до 12."
        )
        for _ in range(2):
            actions.check_add_promise(
                self.carol_ticket,
                actor=self.alice,
                text=reply.body_text,
                kind="callback",
                due_at=T0 + timedelta(days=1),
                source_message=reply,
            )
        self.assertEqual(Promise.objects.count(), 1)

    @freeze_time(T0)
    def test_the_offer_can_be_dismissed(self):
        reply = ticket_actions.check_reply(
            self.carol_ticket, author=self.alice, body_text="我们明天下午给您回电。"
        )
        self.login(self.alice)
        self.client.post(
            reverse("promise-dismiss", args=[self.carol_ticket.pk]), {"message": reply.pk}
        )
        page = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertNotContains(page, "Track this promise")

    @freeze_time(T0)
    def test_a_reply_without_a_promise_offers_nothing(self):
        ticket_actions.check_reply(
            self.carol_ticket,
            author=self.alice,
            body_text="Thank you, your parcel was delivered today.",
        )
        self.assertIsNone(actions.offer_for(self.carol_ticket, self.alice))

    @freeze_time(T0)
    def test_a_promise_can_be_added_by_hand(self):
        self.login(self.alice)
        response = self.client.post(
            reverse("promise-add", args=[self.carol_ticket.pk]),
            {"text": "Call about the refund", "kind": "callback", "due_at": "2026-11-25T15:30"},
        )
        self.assertRedirects(response, reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertEqual(Promise.objects.get().due_at, datetime(2026, 11, 25, 15, 30, tzinfo=UTC))

    @freeze_time(T0)
    def test_a_due_time_in_the_past_is_refused(self):
        self.login(self.alice)
        response = self.client.post(
            reverse("promise-add", args=[self.carol_ticket.pk]),
            {"text": "Call", "kind": "callback", "due_at": "2026-11-24T15:30"},
            HTTP_HX_REQUEST="true",
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "in the past", status_code=400)
        self.assertFalse(Promise.objects.exists())


class KeepingTest(PromiseTestCase):
    @freeze_time(T0)
    def test_a_callback_is_kept_when_the_agent_logs_it_done(self):
        promise = self.promise()
        self.login(self.alice)
        self.client.post(
            reverse("promise-close", args=[promise.pk]),
            {"state": "kept", "outcome": "Carol agreed to a refund."},
        )
        promise.refresh_from_db()
        self.assertEqual((promise.state, promise.kept_at), (PromiseState.KEPT, T0))
        self.assertTrue(promise.kept_on_time)
        note = Note.objects.get(ticket=self.carol_ticket)
        self.assertIn("Callback done", note.body)
        self.assertIn("Carol agreed to a refund.", note.body)

    @freeze_time(T0)
    def test_a_promise_can_be_cancelled_once(self):
        promise = self.promise(kind=PromiseKind.ANSWER)
        self.login(self.bob)  # a teammate may close it too
        self.client.post(reverse("promise-close", args=[promise.pk]), {"state": "cancelled"})
        promise.refresh_from_db()
        self.assertEqual(promise.state, PromiseState.CANCELLED)
        response = self.client.post(
            reverse("promise-close", args=[promise.pk]), {"state": "kept"}, follow=True
        )
        self.assertContains(response, "already cancelled")

    @freeze_time(T0)
    def test_only_its_agent_or_a_supervisor_marks_it_broken(self):
        promise = self.promise()
        self.login(self.bob)
        self.client.post(reverse("promise-close", args=[promise.pk]), {"state": "broken"})
        promise.refresh_from_db()
        self.assertEqual(promise.state, PromiseState.OPEN)
        self.login(self.sam)
        self.client.post(reverse("promise-close", args=[promise.pk]), {"state": "broken"})
        promise.refresh_from_db()
        self.assertEqual(promise.state, PromiseState.BROKEN)


class ReminderTest(PromiseTestCase):
    def test_the_agent_is_reminded_once_before_due_and_once_when_overdue(self):
        with freeze_time(T0):
            promise = self.promise(due=T0 + timedelta(hours=2))
            self.assertEqual(actions.do_remind(), (0, 0))  # two hours ahead: not yet
        with freeze_time(T0 + timedelta(hours=1, minutes=45)):
            self.assertEqual(actions.do_remind(), (1, 0))
            self.assertEqual(actions.do_remind(), (0, 0))  # the next tick: nothing again
        with freeze_time(T0 + timedelta(hours=2, minutes=1)):
            self.assertEqual(actions.do_remind(), (0, 1))
            self.assertEqual(actions.do_remind(), (0, 0))
        notes = Notification.objects.filter(user=self.alice, kind=Kind.PROMISE).order_by("id")
        self.assertEqual(
            [n.dedupe_key for n in notes],
            [f"promise:{promise.pk}:reminded", f"promise:{promise.pk}:overdue"],
        )
        self.assertIn("overdue", notes[1].text)
        self.assertEqual(notes[1].ticket, self.carol_ticket)

    def test_a_kept_promise_is_not_reminded(self):
        with freeze_time(T0):
            promise = self.promise(due=T0 + timedelta(minutes=10))
            actions.check_close(promise, PromiseState.KEPT, actor=self.alice)
        with freeze_time(T0 + timedelta(hours=1)):
            self.assertEqual(actions.do_remind(), (0, 0))

    def test_the_periodic_task_is_registered_and_idempotent(self):
        from rapport.jobs.periodic import autodiscover
        from rapport.promises.tasks import remind_promises_task

        self.assertIn(remind_promises_task, [job.task for job in autodiscover().values()])
        with freeze_time(T0):
            self.promise(due=T0 + timedelta(minutes=1))
        with freeze_time(T0 + timedelta(minutes=5)):
            self.assertEqual(remind_promises_task.call(), [0, 1])
            self.assertEqual(remind_promises_task.call(), [0, 0])


class WhereTheyShowTest(PromiseTestCase):
    def test_an_overdue_promise_shows_on_the_ticket_the_customer_card_and_promises(self):
        with freeze_time(T0):
            self.promise(due=T0 + timedelta(hours=1))
            second = receive(
                subject="Another question",
                external_id="<carol-2@example.com>",
                body_text="And the invoice?",
            ).ticket
        with freeze_time(T0 + timedelta(hours=3)):
            self.login(self.alice)
            page = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
            self.assertContains(page, "Overdue")
            other = self.client.get(reverse("ticket", args=[second.pk]))  # customer card
            self.assertContains(other, "Open promises")
            self.assertContains(other, "Overdue")
            card = self.client.get(reverse("customer", args=[self.carol.pk]))
            self.assertContains(card, "Call Carol back about the parcel")
            listing = self.client.get(reverse("promises"), {"state": "overdue"})
            self.assertContains(listing, f"#{self.carol_ticket.pk}")
            self.assertContains(listing, "1 open promise is overdue.")

    @freeze_time(T0)
    def test_the_promises_page_filters_by_state_team_and_agent(self):
        promise = self.promise()
        self.login(self.sam)
        url = reverse("promises")
        self.assertContains(self.client.get(url, {"team": self.support.pk}), promise.text[:20])
        self.assertNotContains(self.client.get(url, {"team": self.billing.pk}), promise.text[:20])
        self.assertNotContains(self.client.get(url, {"agent": self.bob.pk}), promise.text[:20])
        self.assertNotContains(self.client.get(url, {"state": "kept"}), promise.text[:20])


class PermissionTest(PromiseTestCase):
    @freeze_time(T0)
    def test_charlie_sees_nothing_of_supports_promises(self):
        promise = self.promise()
        self.login(self.charlie)
        self.assertNotContains(
            self.client.get(reverse("promises"), {"state": "all"}), promise.text[:20]
        )
        self.assertEqual(
            self.client.post(
                reverse("promise-close", args=[promise.pk]), {"state": "kept"}
            ).status_code,
            404,
        )
        self.assertEqual(
            self.client.post(
                reverse("promise-add", args=[self.carol_ticket.pk]),
                {"text": "x", "kind": "other", "due_at": "2026-11-26T10:00"},
            ).status_code,
            404,
        )
        promise.refresh_from_db()
        self.assertEqual((promise.state, Promise.objects.count()), (PromiseState.OPEN, 1))

    @freeze_time(T0)
    def test_a_promise_cannot_be_given_to_an_outsider(self):
        from django.core.exceptions import ValidationError

        with self.assertRaises(ValidationError):
            actions.check_add_promise(
                self.carol_ticket,
                actor=self.alice,
                agent=self.charlie,
                text="x",
                kind="other",
                due_at=T0 + timedelta(hours=1),
            )

    def test_pages_need_a_login(self):
        response = self.client.get(reverse("promises"))
        self.assertEqual(response.status_code, 302)


class KeptRateTest(PromiseTestCase):
    def test_the_kept_rate_counts_on_time_late_broken_and_overdue(self):
        with freeze_time(T0):
            on_time = self.promise(due=T0 + timedelta(hours=1))
            late = self.promise(due=T0 + timedelta(hours=1))
            broken = self.promise(due=T0 + timedelta(hours=1))
            self.promise(due=T0 + timedelta(hours=1))  # left open: overdue
            cancelled = self.promise(due=T0 + timedelta(hours=1))
            self.promise(due=T0 + timedelta(days=5))  # not due yet: not counted
            actions.check_close(on_time, PromiseState.KEPT, actor=self.alice)
            actions.check_close(cancelled, PromiseState.CANCELLED, actor=self.alice)
        with freeze_time(T0 + timedelta(hours=2)):
            actions.check_close(late, PromiseState.KEPT, actor=self.alice)
            actions.check_close(broken, PromiseState.BROKEN, actor=self.alice)
            figures = actions.kept_rate(Promise.objects.all(), since=T0 - timedelta(days=30))
        self.assertEqual(
            figures,
            {
                "kept_on_time": 1,
                "kept_late": 1,
                "broken": 1,
                "overdue": 1,
                "came_due": 4,
                "rate": 0.25,
            },
        )

    def test_nothing_due_has_no_rate(self):
        self.assertIsNone(actions.kept_rate(Promise.objects.all())["rate"])


@unittest.skipUnless(connection.vendor == "postgresql", "real concurrency needs PostgreSQL")
class ReminderRaceTest(TransactionTestCase):
    def test_scans_racing_remind_each_promise_once(self):
        Personas.create_personas()
        with freeze_time(T0):
            for i in range(5):
                actions.check_add_promise(
                    Personas.carol_ticket,
                    actor=Personas.alice,
                    text=f"Promise {i}",
                    kind="answer",
                    due_at=T0 + timedelta(minutes=1),
                )
        barrier = threading.Barrier(4)
        results, errors = [], []

        def scan():
            try:
                barrier.wait()
                results.append(actions.do_remind(now=T0 + timedelta(minutes=5)))
            except Exception as exc:  # noqa: BLE001 — asserted below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=scan) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        self.assertEqual(errors, [])
        self.assertEqual(sum(overdue for _reminded, overdue in results), 5)
        self.assertEqual(Notification.objects.filter(kind=Kind.PROMISE).count(), 5)
