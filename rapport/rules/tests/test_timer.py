"""Timer rules (RS1): evaluated when a time condition may have become true, once per ticket
state, reading only new messages and due watches on each tick — never every open ticket."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapport.rules.models import RuleFiring, RuleWatch, Trigger
from rapport.rules.timer import run_tick
from rapport.test import receive
from rapport.tickets import actions
from rapport.tickets.models import Ticket

from .base import IMMEDIATE, RulesTestCase

WAITING_AN_HOUR = [{"field": "time.customer_waiting", "op": "gte", "value": 60}]


class TimerTest(RulesTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.t0 = Ticket.objects.get(pk=self.carol_ticket.pk).messages.get().created_at

    def waiting_rule(self):
        return self.rule(
            WAITING_AN_HOUR,
            [{"type": "add_tag", "tag": "waiting"}],
            trigger=Trigger.TIMER,
            name="Waiting an hour",
        )

    def tag_names(self):
        return set(self.carol_ticket.tags.values_list("name", flat=True))

    def test_a_rule_fires_when_the_customer_has_waited_long_enough_and_only_once(self):
        self.waiting_rule()
        self.assertEqual(run_tick(self.t0 + timedelta(minutes=5)), 0)
        watch = RuleWatch.objects.get(ticket=self.carol_ticket)
        self.assertEqual(watch.due, self.t0 + timedelta(minutes=60))  # the next look
        self.assertEqual(run_tick(self.t0 + timedelta(minutes=30)), 0)
        self.assertEqual(run_tick(self.t0 + timedelta(minutes=61)), 1)
        self.assertEqual(self.tag_names(), {"waiting"})
        self.assertEqual(run_tick(self.t0 + timedelta(minutes=62)), 0)
        firing = RuleFiring.objects.get()
        self.assertGreaterEqual(firing.why[0]["actual"], 60)
        self.assertEqual(firing.trigger, Trigger.TIMER)

    def test_a_new_customer_message_is_a_new_state_and_starts_the_wait_again(self):
        self.waiting_rule()
        run_tick(self.t0 + timedelta(minutes=61))
        later = self.t0 + timedelta(minutes=70)
        receive(external_id="<again@x>", in_reply_to=["<carol-1@example.com>"], received_at=later)
        self.assertEqual(run_tick(later + timedelta(minutes=1)), 0)
        self.assertEqual(RuleWatch.objects.get().due, later + timedelta(minutes=60))
        self.assertEqual(run_tick(later + timedelta(minutes=61)), 1)
        self.assertEqual(RuleFiring.objects.count(), 2)

    def test_an_answered_customer_is_not_waiting(self):
        self.waiting_rule()
        run_tick(self.t0 + timedelta(minutes=1))
        actions.do_reply(
            self.carol_ticket,
            author=self.alice,
            body_text="On its way.",
            at=self.t0 + timedelta(minutes=20),
        )
        self.assertEqual(run_tick(self.t0 + timedelta(minutes=61)), 0)
        self.assertFalse(RuleWatch.objects.exists())  # nothing can become true: not watched

    def test_a_tick_with_nothing_due_reads_no_ticket(self):
        self.waiting_rule()
        for n in range(5):
            receive(sender=f"c{n}@example.com", external_id=f"<c{n}@x>")
        run_tick(self.t0 + timedelta(minutes=1))
        with CaptureQueriesContext(connection) as queries:
            run_tick(self.t0 + timedelta(minutes=2))
        self.assertFalse(
            [q for q in queries if '"tickets_ticket"' in q["sql"]], [q["sql"] for q in queries]
        )

    def test_solved_tickets_are_not_evaluated(self):
        self.waiting_rule()
        run_tick(self.t0 + timedelta(minutes=1))
        actions.do_change_status(self.carol_ticket, "solved", actor=self.alice)
        self.assertEqual(run_tick(self.t0 + timedelta(minutes=61)), 0)
        self.assertFalse(RuleWatch.objects.exists())

    def test_saving_a_timer_rule_watches_every_open_ticket(self):
        run_tick(timezone.now())  # the timer has run before: the state exists
        RuleWatch.objects.all().delete()
        with override_settings(TASKS=IMMEDIATE), self.captureOnCommitCallbacks(execute=True):
            self.waiting_rule()
        self.assertEqual(
            list(RuleWatch.objects.values_list("ticket_id", flat=True)), [self.carol_ticket.pk]
        )

    def test_without_timer_rules_a_tick_only_moves_its_cursor(self):
        self.assertEqual(run_tick(self.t0), 0)
        receive(external_id="<more@x>", in_reply_to=["<carol-1@example.com>"])
        with CaptureQueriesContext(connection) as queries:
            self.assertEqual(run_tick(self.t0 + timedelta(minutes=1)), 0)
        self.assertFalse([q for q in queries if '"tickets_ticket"' in q["sql"]])
        self.assertFalse(RuleWatch.objects.exists())
