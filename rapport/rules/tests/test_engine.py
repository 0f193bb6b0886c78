"""Order, stop-processing and idempotence of rule evaluation."""

from __future__ import annotations

from django.test import override_settings
from django.utils import timezone

from rapport.rules.actions import do_move_rule, do_set_enabled
from rapport.rules.engine import evaluate
from rapport.rules.models import Rule, RuleFiring, Trigger
from rapport.rules.tasks import evaluate_message_rules_task
from rapport.test import receive
from rapport.tickets.models import Ticket

from .base import IMMEDIATE, RulesTestCase

ALWAYS = [{"field": "ticket.channel", "op": "is", "value": "email"}]


class EngineTest(RulesTestCase):
    def fire(self):
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        return evaluate(ticket, trigger=Trigger.MESSAGE, message=ticket.messages.first())

    def test_rules_run_in_order_and_a_later_rule_sees_an_earlier_rules_change(self):
        second = self.rule(
            [{"field": "ticket.tags", "op": "contains", "value": "first"}],
            [{"type": "add_tag", "tag": "second"}],
            name="Second",
        )
        first = self.rule(ALWAYS, [{"type": "add_tag", "tag": "first"}], name="First")
        do_move_rule(first, up=True, actor=self.sam)
        fired = self.fire()
        self.assertEqual([f.rule for f in fired], [first, second])
        self.assertEqual(fired[1].why[0]["actual"], ["first"])

    def test_stop_processing_skips_the_rules_after_it(self):
        self.rule(ALWAYS, [{"type": "add_tag", "tag": "a"}], name="A", stop_processing=True)
        self.rule(ALWAYS, [{"type": "add_tag", "tag": "b"}], name="B")
        self.assertEqual([f.rule.name for f in self.fire()], ["A"])
        self.assertEqual([f.rule.name for f in self.fire()], [])  # still stops on a re-run
        self.assertEqual(set(self.carol_ticket.tags.values_list("name", flat=True)), {"a"})

    def test_a_rule_that_does_not_match_does_not_stop_the_others(self):
        self.rule(
            [{"field": "ticket.priority", "op": "is", "value": 4}],
            [{"type": "add_tag", "tag": "a"}],
            stop_processing=True,
        )
        self.rule(ALWAYS, [{"type": "add_tag", "tag": "b"}])
        self.assertEqual(len(self.fire()), 1)

    def test_disabled_and_timer_only_rules_do_not_run_on_a_message(self):
        rule = self.rule(ALWAYS, [{"type": "add_tag", "tag": "a"}])
        do_set_enabled(rule, False, actor=self.sam)
        self.rule(ALWAYS, [{"type": "add_tag", "tag": "t"}], trigger=Trigger.TIMER)
        self.assertEqual(self.fire(), [])
        do_set_enabled(rule, True, actor=self.sam)
        self.assertEqual(len(self.fire()), 1)

    def test_a_rule_fires_once_per_message_however_often_it_is_evaluated(self):
        rule = self.rule(ALWAYS, [{"type": "set_priority", "priority": 3}])
        message = receive(external_id="<twice@x>", in_reply_to=["<carol-1@example.com>"])
        with override_settings(TASKS=IMMEDIATE):
            self.assertEqual(evaluate_message_rules_task.call(message.pk), 1)
            self.assertEqual(evaluate_message_rules_task.call(message.pk), 0)
            other = receive(external_id="<next@x>", in_reply_to=["<carol-1@example.com>"])
            self.assertEqual(evaluate_message_rules_task.call(other.pk), 1)
        self.assertEqual(RuleFiring.objects.filter(rule=rule).count(), 2)
        self.assertEqual(
            set(RuleFiring.objects.values_list("key", flat=True)),
            {f"m{message.pk}", f"m{other.pk}"},
        )

    def test_a_second_evaluation_of_a_message_does_not_react_to_the_first_ones_actions(self):
        self.rule(
            [{"field": "ticket.tags", "op": "contains", "value": "a"}],
            [{"type": "add_tag", "tag": "b"}],
            name="B",
        )
        self.rule(ALWAYS, [{"type": "add_tag", "tag": "a"}], name="A")
        self.assertEqual([f.rule.name for f in self.fire()], ["A"])  # B was before A
        self.assertEqual(self.fire(), [])  # a retried task: B does not fire now
        self.assertEqual(set(self.carol_ticket.tags.values_list("name", flat=True)), {"a"})

    def test_an_edited_rule_applies_at_once(self):
        rule = self.rule(
            [{"field": "ticket.priority", "op": "is", "value": 4}],
            [{"type": "add_tag", "tag": "a"}],
        )
        self.assertEqual(self.fire(), [])
        rule.conditions = ALWAYS
        rule.save()
        self.assertEqual(len(self.fire()), 1)

    def test_messages_of_agents_and_automatic_messages_are_not_evaluated(self):
        self.rule(ALWAYS, [{"type": "add_tag", "tag": "a"}])
        auto = receive(
            external_id="<ooo@x>", in_reply_to=["<carol-1@example.com>"], auto="auto-reply"
        )
        self.assertEqual(evaluate_message_rules_task.call(auto.pk), 0)

    def test_repeated_contacts_are_counted_in_the_same_query_as_the_other_facts(self):
        self.rule(
            [
                {"field": "customer.recent_tickets", "op": "gte", "value": {"days": 7, "count": 2}},
                {
                    "field": "customer.recent_messages",
                    "op": "gte",
                    "value": {"days": 30, "count": 2},
                },
            ],
            [{"type": "add_tag", "tag": "repeat"}],
        )
        self.assertEqual(self.fire(), [])  # one ticket, one message: compiles the windows
        receive(external_id="<second@x>", subject="Second problem")
        [firing] = self.fire()
        self.assertEqual([w["actual"] for w in firing.why], [2, 2])

    def test_rules_are_compiled_once_until_they_change(self):
        from rapport.rules import engine

        self.rule(ALWAYS, [{"type": "add_tag", "tag": "a"}])
        compiled = engine.active_rules()
        self.fire()  # the evaluation reads the version in its own query: the same key
        self.assertIs(engine.active_rules(), compiled)
        Rule.objects.update(enabled=False, updated_at=timezone.now())
        self.assertEqual(engine.active_rules(), [])
