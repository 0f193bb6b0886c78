"""/rules/ for supervisors (list, create, edit, reorder, enable/disable, validation), nothing for
agents; the admin validates the same way; "why did this happen?" on the ticket page."""

from __future__ import annotations

import json

from django.urls import reverse

from rapport.accounts.models import Role
from rapport.rules.engine import evaluate
from rapport.rules.models import Rule, Trigger
from rapport.test import make_agent
from rapport.tickets.models import Ticket

from .base import RulesTestCase, ensure_shipped_rules

ALWAYS = [{"field": "ticket.channel", "op": "is", "value": "email"}]
TAG = [{"type": "add_tag", "tag": "x"}]


def form(conditions=ALWAYS, actions=TAG, **extra):
    return {
        "name": "My rule",
        "enabled": "on",
        "trigger": "message",
        "conditions": conditions if isinstance(conditions, str) else json.dumps(conditions),
        "actions": actions if isinstance(actions, str) else json.dumps(actions),
        **extra,
    }


class RuleViewsTest(RulesTestCase):
    def test_agents_cannot_see_or_change_rules(self):
        rule = self.rule(ALWAYS, TAG)
        count = Rule.objects.count()
        lena = make_agent("lena", role=Role.LEGAL)
        for user in (self.alice, self.charlie, lena):
            self.login(user)
            self.assertEqual(self.client.get(reverse("rules")).status_code, 403)
            self.assertEqual(self.client.get(reverse("rule-new")).status_code, 403)
            self.assertEqual(self.client.post(reverse("rule-new"), form()).status_code, 403)
            for name in ("rule-move", "rule-toggle", "rule-delete"):
                self.assertEqual(self.client.post(reverse(name, args=[rule.pk])).status_code, 403)
        self.assertEqual(Rule.objects.count(), count)
        self.assertNotContains(self.client.get(reverse("inbox")), reverse("rules"))

    def test_a_supervisor_creates_a_rule_that_goes_last(self):
        ensure_shipped_rules()
        self.login(self.sam)
        page = self.client.get(reverse("rules"))
        self.assertContains(page, "Customer asks for a manager: supervisor queue")
        self.assertContains(self.client.get(reverse("inbox")), reverse("rules"))
        response = self.client.post(reverse("rule-new"), form())
        self.assertRedirects(response, reverse("rules"))
        rule = Rule.objects.get(name="My rule")
        self.assertEqual((rule.conditions, rule.actions, rule.updated_by), (ALWAYS, TAG, self.sam))
        self.assertEqual(list(Rule.objects.all())[-1], rule)

    def test_a_supervisor_edits_a_rule(self):
        rule = self.rule(ALWAYS, TAG)
        self.login(self.sam)
        self.assertContains(self.client.get(reverse("rule-edit", args=[rule.pk])), "ticket.channel")
        self.client.post(
            reverse("rule-edit", args=[rule.pk]),
            form(actions=[{"type": "set_priority", "priority": 4}], trigger="both"),
        )
        rule.refresh_from_db()
        self.assertEqual((rule.actions[0]["type"], rule.trigger), ("set_priority", Trigger.BOTH))

    def errors(self, **kw) -> str:
        self.login(self.sam)
        response = self.client.post(reverse("rule-new"), form(**kw))
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Rule.objects.filter(name="My rule").exists())
        return " ".join(e for errs in response.context["form"].errors.values() for e in errs)

    def test_validation_names_each_mistake(self):
        self.assertIn(
            "unknown field “ticket.colour”",
            self.errors(conditions=[{"field": "ticket.colour", "op": "is", "value": "red"}]),
        )
        self.assertIn(
            "“gte” is not an operator of message.signals",
            self.errors(conditions=[{"field": "message.signals", "op": "gte", "value": 1}]),
        )
        self.assertIn(
            "the value must be a whole number",
            self.errors(conditions=[{"field": "ticket.priority", "op": "gte", "value": "high"}]),
        )
        self.assertIn(
            "“rude” is not one of",
            self.errors(
                conditions=[{"field": "message.signals", "op": "contains", "value": "rude"}]
            ),
        )
        self.assertIn(
            "the value must be {",
            self.errors(conditions=[{"field": "customer.recent_tickets", "op": "gte", "value": 3}]),
        )
        self.assertIn("not valid JSON", self.errors(conditions="[{field: 1}"))

    def test_validation_of_actions(self):
        self.assertIn("name a team, an agent or both", self.errors(actions=[{"type": "assign"}]))
        self.assertIn(
            "no team is called “Sales”", self.errors(actions=[{"type": "assign", "team": "Sales"}])
        )
        self.assertIn(
            "no active agent has the login “zoe”",
            self.errors(actions=[{"type": "assign", "agent": "zoe"}]),
        )
        self.assertIn(
            "charlie is not a member of Support",
            self.errors(actions=[{"type": "assign", "team": "Support", "agent": "charlie"}]),
        )
        self.assertIn("unknown action “explode”", self.errors(actions=[{"type": "explode"}]))
        self.assertIn("“role” is required", self.errors(actions=[{"type": "notify_role"}]))
        self.assertIn("at least one action", self.errors(actions=[]))
        self.assertIn(
            "unknown language “de”",
            self.errors(actions=[{"type": "send_template", "texts": {"de": "Hallo"}}]),
        )

    def test_reorder_and_enable_disable(self):
        first, second = self.rule(ALWAYS, TAG, name="A"), self.rule(ALWAYS, TAG, name="B")
        self.login(self.sam)
        self.client.post(reverse("rule-move", args=[second.pk]), {"direction": "up"})
        ordered = [r.name for r in Rule.objects.filter(name__in=["A", "B"])]
        self.assertEqual(ordered, ["B", "A"])
        self.client.post(reverse("rule-toggle", args=[first.pk]), {"enabled": "0"})
        first.refresh_from_db()
        self.assertFalse(first.enabled)
        self.client.post(reverse("rule-delete", args=[first.pk]))
        self.assertFalse(Rule.objects.filter(pk=first.pk).exists())

    def test_the_admin_validates_rules_too(self):
        admin = make_agent("root", is_staff=True, is_superuser=True)
        self.login(admin)
        response = self.client.post(
            reverse("admin:rules_rule_add"),
            {**form(conditions=[{"field": "nope", "op": "is", "value": 1}]), "order": 5},
        )
        self.assertContains(response, "unknown field “nope”")
        response = self.client.post(reverse("admin:rules_rule_add"), {**form(), "order": 5})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Rule.objects.get(name="My rule").updated_by, admin)


class WhyOnTheTicketTest(RulesTestCase):
    def test_the_ticket_page_says_which_rule_fired_why_and_what_it_did(self):
        self.rule(
            [{"field": "ticket.priority", "op": "lte", "value": 3}],
            [{"type": "add_tag", "tag": "checked"}],
            name="Low priority check",
        )
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        evaluate(ticket, trigger=Trigger.MESSAGE, message=ticket.messages.first())
        self.login(self.alice)
        with self.settings(LANGUAGE_CODE="en"):
            page = self.client.get(reverse("ticket", args=[ticket.pk]))
        self.assertContains(page, "Why did this happen?")
        self.assertContains(page, "Low priority check")
        self.assertContains(
            page, "Ticket priority (1 low … 4 urgent) at most <code>3</code>", html=False
        )
        self.assertContains(page, "actual: <code>2</code>", html=False)
        self.assertContains(page, "tag=checked")
        self.assertNotContains(page, reverse("rule-edit", args=[1]))  # agents don't edit

    def test_an_outsider_sees_nothing_of_it(self):
        self.login(self.charlie)
        response = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertIn(response.status_code, (403, 404))
