"""Each kind of condition, read from real tickets, messages and customers (ES3, ES4, ES5, RS1)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from rapport.customers.actions import do_flag_customer, do_update_customer
from rapport.rules.engine import Facts, match
from rapport.test import receive
from rapport.tickets import actions
from rapport.tickets.coaching import analyse
from rapport.tickets.models import Message, Ticket

from .base import RulesTestCase


def c(field, op, value=None):
    return {"field": field, "op": op, "value": value}


class ConditionsTest(RulesTestCase):
    def facts(self, message=None, now=None):
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        return Facts(ticket, message, now)

    def holds(self, *conditions, message=None, now=None) -> bool:
        return match(list(conditions), self.facts(message, now)) is not None

    def angry(self):
        message = receive(
            external_id="<angry@x>",
            in_reply_to=["<carol-1@example.com>"],
            body_text="Позовите руководителя! Иначе подам в суд.",
        )
        analyse(message)
        return message

    def test_signals_mood_and_language_of_the_customer_message(self):
        message = self.angry()
        self.assertTrue(
            self.holds(c("message.signals", "contains", "legal_threat"), message=message)
        )
        self.assertTrue(self.holds(c("message.signals", "not_contains", "insult"), message=message))
        self.assertFalse(self.holds(c("message.signals", "contains", "insult"), message=message))
        self.assertTrue(self.holds(c("message.language", "is", "ru"), message=message))
        self.assertTrue(self.holds(c("message.mood", "in", ["angry", "negative"]), message=message))

    def test_the_timer_reads_the_latest_customer_message(self):
        self.angry()
        self.assertTrue(self.holds(c("message.signals", "contains", "supervisor_request")))

    def test_ticket_fields(self):
        t = self.carol_ticket
        actions.do_set_priority(t, 3, actor=self.alice)
        actions.do_set_tags(t, ["refund"], actor=self.alice)
        self.assertTrue(
            self.holds(c("ticket.status", "is", "new"), c("ticket.channel", "is", "email"))
        )
        self.assertTrue(self.holds(c("ticket.priority", "gte", 3)))
        self.assertFalse(self.holds(c("ticket.priority", "lte", 2)))
        self.assertTrue(self.holds(c("ticket.team", "is", "Support")))
        self.assertTrue(self.holds(c("ticket.team", "not_in", ["Billing"])))
        self.assertTrue(self.holds(c("ticket.tags", "contains", "refund")))
        self.assertTrue(self.holds(c("ticket.tags", "contains", "Refund ")))
        self.assertTrue(self.holds(c("ticket.tags", "not_contains", "vip")))
        self.assertTrue(self.holds(c("ticket.assignee", "is_not_set")))
        actions.do_assign(t, team=None, assignee=self.alice, actor=self.alice)
        self.assertTrue(self.holds(c("ticket.assignee", "is_set")))

    def test_sla_state_is_read_when_the_field_exists(self):
        self.assertTrue(self.holds(c("ticket.sla_state", "in", ["", "ok"])))
        if hasattr(Ticket, "sla_state"):
            Ticket.objects.filter(pk=self.carol_ticket.pk).update(sla_state="breached")
            self.assertTrue(self.holds(c("ticket.sla_state", "is", "breached")))

    def test_customer_kind_and_active_flags(self):
        self.assertTrue(self.holds(c("customer.kind", "is", "external")))
        do_update_customer(self.carol, actor=self.alice, kind="internal")
        self.assertTrue(self.holds(c("customer.kind", "is", "internal")))
        self.assertTrue(self.holds(c("customer.flags", "not_contains", "vip")))
        do_flag_customer(self.carol, kind="vip", reason="Key account", actor=self.alice)
        self.assertTrue(self.holds(c("customer.flags", "contains", "vip")))

    def test_time_since_the_last_unanswered_customer_message_and_the_last_reply(self):
        now = timezone.now()
        later = now + timedelta(minutes=90)
        self.assertTrue(self.holds(c("time.customer_waiting", "gte", 60), now=later))
        self.assertFalse(self.holds(c("time.customer_waiting", "gte", 120), now=later))
        self.assertFalse(self.holds(c("time.since_agent_reply", "gte", 0), now=later))
        actions.do_reply(
            self.carol_ticket,
            author=self.alice,
            body_text="On its way.",
            at=now + timedelta(minutes=30),
        )
        # answered: the customer is no longer waiting
        self.assertFalse(self.holds(c("time.customer_waiting", "gte", 0), now=later))
        self.assertTrue(self.holds(c("time.since_agent_reply", "gte", 60), now=later))
        self.assertTrue(self.holds(c("time.since_agent_reply", "lte", 60), now=later))

    def test_repeated_contacts(self):
        for n in range(3):
            receive(external_id=f"<again-{n}@x>", subject=f"Again {n}")
        window = {"days": 7, "count": 4}
        self.assertTrue(self.holds(c("customer.recent_tickets", "gte", window)))
        self.assertTrue(self.holds(c("customer.recent_messages", "gte", window)))
        self.assertFalse(self.holds(c("customer.recent_tickets", "gte", {"days": 7, "count": 5})))
        Message.objects.filter(customer=self.carol).update(
            created_at=timezone.now() - timedelta(days=10)
        )
        self.assertTrue(self.holds(c("customer.recent_messages", "lte", {"days": 7, "count": 0})))

    def test_an_any_group_holds_when_one_of_its_conditions_does(self):
        group = {"any": [c("ticket.priority", "is", 4), c("ticket.channel", "is", "email")]}
        why = match([group, c("ticket.status", "is", "new")], self.facts())
        self.assertEqual(
            why[0],
            {"any": [{"field": "ticket.channel", "op": "is", "value": "email", "actual": "email"}]},
        )
        self.assertIsNone(match([{"any": [c("ticket.priority", "is", 4)]}], self.facts()))

    def test_why_records_each_actual_value(self):
        why = match([c("ticket.priority", "lte", 3)], self.facts())
        self.assertEqual(why, [{"field": "ticket.priority", "op": "lte", "value": 3, "actual": 2}])
