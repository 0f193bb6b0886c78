"""Sending exactly once through the real outbox and a real SMTP server (FB3); tasks for agents;
a crash half-way sends nothing and the next run sends once."""

from __future__ import annotations

import threading
from datetime import time, timedelta
from unittest import mock

from django.db import connection
from django.test import TransactionTestCase, override_settings
from django.utils import timezone

from rapport.followups import actions
from rapport.followups.models import (
    FollowUp,
    FollowUpRule,
    Kind,
    MessageTemplate,
    Outreach,
    Purpose,
    State,
    Trigger,
)
from rapport.mail.models import Mailbox, Security
from rapport.mail.tests.servers import Sink
from rapport.outbox.actions import flush_due
from rapport.outbox.models import Delivery, DeliveryState
from rapport.promises.models import Promise
from rapport.test import Personas
from rapport.tickets.actions import do_change_status
from rapport.tickets.models import Message, Status, Ticket

from .base import IMMEDIATE, FollowupsTestCase


def _mailbox(team, port) -> Mailbox:
    return Mailbox.objects.create(
        name="Support",
        address="help@shop.test",
        from_name="Shop support",
        team=team,
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security=Security.NONE,
    )


class SendingTests(FollowupsTestCase):
    def setUp(self):
        super().setUp()
        self.sink = Sink().start()
        self.addCleanup(self.sink.stop)
        _mailbox(self.support, self.sink.port)
        # 12:00 in Moscow: outside the quiet hours.
        self.now = timezone.now().replace(hour=9, minute=0, second=0, microsecond=0)

    def _solve_and_plan(self):
        do_change_status(
            self.carol_ticket, Status.SOLVED, actor=self.alice, at=self.now - timedelta(days=7)
        )
        actions.do_plan_after_solved(now=self.now)
        return FollowUp.objects.get()

    def test_a_due_check_in_goes_out_once_by_email_with_an_opt_out_link(self):
        item = self._solve_and_plan()
        with override_settings(TASKS=IMMEDIATE), self.captureOnCommitCallbacks(execute=True):
            first = actions.do_send_due(self.now + timedelta(minutes=1))
            again = actions.do_send_due(self.now + timedelta(minutes=2))  # the next tick
            self.assertIsNone(actions.do_send(item.pk, now=self.now + timedelta(minutes=3)))
        self.assertEqual([r.state for r in first], [State.DONE])
        self.assertEqual(again, [])
        flush_due()  # the mail worker's sweep: already sent, nothing more goes out
        self.assertEqual(len(self.sink.messages), 1)
        mail = self.sink.parsed()
        self.assertEqual(mail["To"], "carol@example.com")
        body = mail.get_body(("plain",)).get_content()
        self.assertIn("Hello Carol", body)
        self.assertIn("/followups/optout/", body)
        item.refresh_from_db()
        self.assertEqual(item.state, State.DONE)
        self.assertEqual(item.message.ticket_id, self.carol_ticket.pk)  # same channel: same thread
        self.assertEqual(item.message.delivery.state, DeliveryState.SENT)
        self.assertEqual(Ticket.objects.get(pk=self.carol_ticket.pk).status, Status.SOLVED)

    def test_an_anniversary_greeting_goes_out_by_email_on_a_ticket_of_its_own(self):

        from rapport.customers.models import Anniversary, Customer

        Outreach.objects.filter(team=self.support).update(anniversary_template=self.check_in)
        MessageTemplate.objects.filter(pk=self.check_in.pk).update(
            purpose=Purpose.GREETING,
            subject_en="{years} years: {occasion}",
            body_en="Dear {first_name}, {years} years ago: {occasion}. Thank you!",
        )
        today = self.now.astimezone(actions.zone_for(self.carol.pk, self.outreach)).date()
        Anniversary.objects.create(
            customer=self.carol, label="your first order", date=today.replace(year=2021)
        )
        actions.do_record_consent(self.carol, Purpose.GREETING, granted=True, source="agent")
        self.assertEqual(actions.do_plan_greetings(self.now), 1)
        item = FollowUp.objects.get()
        self.assertEqual(item.subject, f"{today.year - 2021} years: your first order")
        with override_settings(TASKS=IMMEDIATE), self.captureOnCommitCallbacks(execute=True):
            [result] = actions.do_send_due(item.due_at)
        self.assertEqual(result.state, State.DONE)
        self.assertEqual(len(self.sink.messages), 1)
        mail = self.sink.parsed()
        self.assertIn("your first order", mail["Subject"])
        self.assertIn("Dear Carol", mail.get_body(("plain",)).get_content())
        item.refresh_from_db()
        self.assertNotEqual(item.message.ticket_id, self.carol_ticket.pk)
        self.assertEqual(item.message.ticket.status, Status.SOLVED)
        # An opt-out under another profile of the same person holds after a merge.
        other = Customer.objects.create(name="Carol (old address)")
        actions.do_record_consent(other, Purpose.GREETING, granted=False, source="link")
        Customer.objects.filter(pk=other.pk).update(merged_into=self.carol)
        self.assertFalse(actions.may_contact(self.carol.pk, Purpose.GREETING)[0])

    def test_a_crash_half_way_sends_nothing_and_the_next_run_sends_once(self):
        item = self._solve_and_plan()
        with (
            mock.patch("rapport.tickets.actions.do_review_sent", side_effect=RuntimeError("boom")),
            self.assertLogs("rapport.followups.actions", "ERROR"),
        ):
            actions.do_send_due(self.now)
        item.refresh_from_db()
        self.assertEqual((item.state, item.reason), (State.SCHEDULED, "RuntimeError: boom"))
        self.assertEqual(item.due_at, self.now + actions.RETRY_AFTER)
        self.assertFalse(Delivery.objects.exists())
        self.assertFalse(Message.objects.filter(body_text__contains="Hello Carol").exists())
        with override_settings(TASKS=IMMEDIATE), self.captureOnCommitCallbacks(execute=True):
            actions.do_send_due(self.now + actions.RETRY_AFTER)
        self.assertEqual(len(self.sink.messages), 1)
        self.assertEqual(Delivery.objects.count(), 1)

    def test_no_check_in_on_a_reopened_ticket(self):
        item = self._solve_and_plan()
        do_change_status(self.carol_ticket, Status.OPEN, actor=self.alice)
        [result] = actions.do_send_due(self.now + timedelta(minutes=1))
        self.assertEqual(result.state, State.SKIPPED)
        item.refresh_from_db()
        self.assertIn("reopened", item.reason)
        self.assertFalse(Delivery.objects.exists())

    def test_an_item_edited_into_the_quiet_hours_waits_for_the_morning(self):
        item = self._solve_and_plan()
        night = self.now.replace(hour=20)  # 23:00 in Moscow
        FollowUp.objects.filter(pk=item.pk).update(due_at=night)
        [result] = actions.do_send_due(night + timedelta(minutes=1))
        self.assertEqual(result.state, State.SCHEDULED)
        item.refresh_from_db()
        self.assertEqual(item.due_at, self.now.replace(hour=6) + timedelta(days=1))
        self.assertFalse(Message.objects.filter(pk__in=[]).exists())
        self.assertFalse(Delivery.objects.exists())

    def test_a_task_rule_gives_the_agent_a_callback_promise(self):
        FollowUpRule.objects.update(is_active=False)
        FollowUpRule.objects.create(
            team=self.support,
            name="Call",
            trigger=Trigger.TICKET_SOLVED,
            delay_days=3,
            kind=Kind.TASK,
            task_text="Call {name} to see how it went",
            agent=self.bob,
        )
        do_change_status(
            self.carol_ticket, Status.SOLVED, actor=self.alice, at=self.now - timedelta(days=3)
        )
        actions.do_plan_after_solved(now=self.now)
        [result] = actions.do_send_due(self.now + timedelta(minutes=1))
        self.assertEqual(result.state, State.DONE)
        promise = Promise.objects.get()
        self.assertEqual(
            (promise.ticket_id, promise.agent_id, promise.text),
            (self.carol_ticket.pk, self.bob.pk, "Call Carol to see how it went"),
        )
        self.assertFalse(Delivery.objects.exists())

    def test_a_customer_we_cannot_reach_is_skipped_with_the_reason(self):
        self.carol.identities.all().delete()
        item = self._solve_and_plan()
        actions.do_send_due(self.now + timedelta(minutes=1))
        item.refresh_from_db()
        self.assertEqual(item.state, State.SKIPPED)
        self.assertIn("no e-mail address", item.reason)

    def test_a_thank_you_note_on_another_channel_opens_its_own_ticket(self):
        from rapport.customers.models import Customer
        from rapport.telegram.models import Bot, Contact

        bot = Bot(name="Shop bot", username="shop_bot", team=self.support)
        bot.token = "123:abc"
        bot.save()
        Contact.objects.create(bot=bot, user_id=42, chat_id=42, customer=self.carol)
        Customer.objects.filter(pk=self.carol.pk).update(preferred_channel="telegram")
        self.carol.refresh_from_db()
        item = actions.check_thank_you(
            self.carol,
            actor=self.alice,
            team=self.support,
            text="Thank you, {first_name}!",
            due_at=self.now,
        )
        with mock.patch("rapport.outbox.actions._enqueue"):
            [result] = actions.do_send_due(self.now + timedelta(minutes=1))
        self.assertEqual(result.state, State.DONE)
        item.refresh_from_db()
        ticket = item.message.ticket
        self.assertEqual((ticket.channel, ticket.status), ("telegram", Status.SOLVED))
        self.assertNotEqual(ticket.pk, self.carol_ticket.pk)
        self.assertTrue(item.message.body_text.startswith("Thank you, Carol!"))
        delivery = item.message.delivery
        self.assertEqual(delivery.payload["chat_id"], 42)
        self.assertEqual(item.purpose, Purpose.THANK_YOU)


class ConcurrentSendingTests(Personas, TransactionTestCase):
    """Two workers take the same due follow-up at the same moment: one message, once."""

    def test_two_workers_racing_send_one_message(self):
        self.create_personas()
        sink = Sink().start()
        self.addCleanup(sink.stop)
        _mailbox(self.support, sink.port)
        item = actions.check_thank_you(
            self.carol, actor=self.alice, team=self.support, text="Thank you!"
        )
        FollowUp.objects.filter(pk=item.pk).update(due_at=timezone.now() - timedelta(minutes=1))
        barrier = threading.Barrier(2)
        results, errors = [], []

        def worker():
            try:
                barrier.wait(5)
                # No quiet hours for this race (the defaults would depend on the clock).
                with mock.patch.object(actions, "out_of_quiet_hours", lambda at, *_: at):
                    results.append(actions.do_send(item.pk))
            except Exception as exc:  # noqa: BLE001 — reported below
                errors.append(exc)
            finally:
                connection.close()

        with override_settings(TASKS=IMMEDIATE):
            threads = [threading.Thread(target=worker) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
        # SQLite may refuse the loser's write outright ("database is locked"): also not a send.
        self.assertEqual(len([r for r in results if r is not None]), 1, (results, errors))
        self.assertEqual(Message.objects.filter(author=self.alice).count(), 1)
        flush_due()
        self.assertEqual(len(sink.messages), 1)


class PeriodicJobTests(FollowupsTestCase):
    def test_the_scheduler_knows_both_jobs_and_they_plan_and_send(self):
        from rapport.followups.tasks import plan_followups_task, send_followups_task
        from rapport.jobs.periodic import REGISTRY

        self.assertTrue(
            {plan_followups_task, send_followups_task} <= {j.task for j in REGISTRY.values()}
        )
        Outreach.objects.update(quiet_start=time(0, 0), quiet_end=time(0, 0))
        do_change_status(
            self.carol_ticket,
            Status.CLOSED,
            actor=self.alice,
            at=timezone.now() - timedelta(days=7, hours=1),
        )
        with override_settings(TASKS=IMMEDIATE), mock.patch("rapport.outbox.actions._enqueue"):
            self.assertEqual(plan_followups_task.enqueue().return_value, [1, 0])
            self.assertEqual(send_followups_task.enqueue().return_value, 1)
            self.assertEqual(send_followups_task.enqueue().return_value, 0)
        self.assertEqual(Delivery.objects.count(), 1)
