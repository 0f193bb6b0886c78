"""A rule fires once even when several workers evaluate the same message at the same moment
(a retried task, two workers): the unique (rule, ticket, key) decides, on PostgreSQL for real."""

from __future__ import annotations

from django.test import TransactionTestCase

from rapport.accounts.models import Team
from rapport.intake.tests.test_concurrency import THREADS, run_concurrently
from rapport.rules.actions import do_save_rule
from rapport.rules.models import Rule, RuleFiring
from rapport.rules.tasks import evaluate_message_rules_task
from rapport.test import receive
from rapport.tickets.models import EventKind, Note


class ConcurrentEvaluationTest(TransactionTestCase):
    def setUp(self):
        Team.objects.create(name="Support", is_default=True)
        Rule.objects.update(enabled=False)
        do_save_rule(
            Rule(
                name="Tag and note",
                conditions=[],
                actions=[
                    {"type": "add_tag", "tag": "seen"},
                    {"type": "add_note", "text": "Seen by the rules."},
                ],
            ),
            actor=None,
        )

    def test_many_workers_evaluating_one_message_fire_each_rule_once(self):
        message = receive(external_id="<race@x>")
        results, errors = run_concurrently(lambda i: evaluate_message_rules_task.call(message.pk))
        self.assertEqual(errors, [])
        self.assertEqual(sorted(results), [0] * (THREADS - 1) + [1])
        self.assertEqual(RuleFiring.objects.count(), 1)
        self.assertEqual(Note.objects.count(), 1)
        self.assertEqual(message.ticket.events.filter(kind=EventKind.TAGS).count(), 1)
