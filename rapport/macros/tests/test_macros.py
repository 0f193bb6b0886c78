"""Reply templates (issue 11 part 1, CQ16): variables, refused placeholders, actions applied
through the ticket actions, language order in the picker, and the coach's CQ16 finding."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.urls import reverse

from rapport.macros.actions import check_template_text, filled, picker
from rapport.macros.models import Macro, MacroUse
from rapport.test import BaseTestCase, receive
from rapport.tickets.models import Event, EventKind, Message, Status


class MacroTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.asking = receive(
            external_id="<carol-2@example.com>",
            subject="Order 4471902",
            sender_name="Carol",
            body_text="Hello, where is my order 4471902? Can you tell me when it will arrive?",
        ).ticket

    def use(self, macro, ticket):
        return self.client.post(reverse("macro-use", args=[macro.pk, ticket.pk]))


class TestVariables(MacroTestCase):
    def test_it_fills_the_customer_the_order_the_ticket_and_the_agent(self):
        macro = Macro.objects.create(
            name="Where",
            language="en",
            body="Hi {customer_name}, order {order_number} (ticket {ticket_number}). {agent_name}",
        )
        text = filled(macro, self.asking, self.alice)
        self.assertEqual(text, f"Hi Carol, order 4471902 (ticket {self.asking.pk}). Alice")

    def test_a_placeholder_without_a_value_stays_visible(self):
        macro = Macro.objects.create(name="Due", body="We answer by {expected_time}.")
        self.assertIn("{expected_time}", filled(macro, self.carol_ticket, self.alice))
        self.carol_ticket.refresh_from_db()

    def test_unknown_placeholders_and_template_tags_are_refused_on_save(self):
        check_template_text("Hi {customer_name}, see {ticket_number}.")
        for bad in ("Hi {name}", "{{ customer.secret }}", "{% if x %}y{% endif %}", "a } b"):
            with self.subTest(bad=bad), self.assertRaises(ValidationError):
                check_template_text(bad)

    def test_the_editor_refuses_an_unknown_placeholder(self):
        self.login(self.sam)
        response = self.client.post(
            reverse("macro-new"), {"name": "Bad", "body": "Dear {firstname}", "language": "en"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "{firstname}", status_code=400)
        self.assertFalse(Macro.objects.exists())


class TestUse(MacroTestCase):
    def test_inserting_applies_the_actions_through_ticket_actions_and_counts(self):
        macro = Macro.objects.create(
            name="Pending",
            team=self.support,
            body="Thanks {customer_name}, we are checking.",
            set_status=Status.PENDING,
            add_tags="shipping, Delay",
            assign_to_me=True,
        )
        self.login(self.bob)
        response = self.use(macro, self.asking)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["text"], "Thanks Carol, we are checking.")
        self.asking.refresh_from_db()
        self.assertEqual(self.asking.status, Status.PENDING)
        self.assertEqual(self.asking.assignee, self.bob)
        self.assertEqual(
            sorted(self.asking.tags.values_list("name", flat=True)), ["delay", "shipping"]
        )
        kinds = set(
            Event.objects.filter(ticket=self.asking, actor=self.bob).values_list("kind", flat=True)
        )
        self.assertTrue({EventKind.STATUS, EventKind.TAGS, EventKind.ASSIGNEE} <= kinds)
        macro.refresh_from_db()
        self.assertEqual(macro.usage_count, 1)

    def test_a_supervisor_outside_the_team_does_not_unassign_the_agent(self):
        from rapport.tickets.actions import do_assign

        do_assign(self.asking, team=None, assignee=self.alice, actor=None)
        macro = Macro.objects.create(name="Take", body="On it.", assign_to_me=True)
        self.login(self.sam)
        self.assertEqual(self.use(macro, self.asking).status_code, 200)
        self.asking.refresh_from_db()
        self.assertEqual((self.asking.assignee, self.asking.team), (self.alice, self.support))

    def test_charlie_cannot_use_a_template_on_a_support_ticket_nor_a_support_template(self):
        macro = Macro.objects.create(name="S", team=self.support, body="x")
        self.login(self.charlie)
        self.assertEqual(self.use(macro, self.asking).status_code, 404)
        self.assertEqual(self.client.get(reverse("macro-edit", args=[macro.pk])).status_code, 404)
        self.assertFalse(MacroUse.objects.exists())

    def test_the_picker_lists_the_tickets_language_first_and_searches(self):
        ru = Macro.objects.create(name="Доставка", language="ru", body="Здравствуйте!")
        en = Macro.objects.create(name="Delivery", language="en", body="Hello {customer_name}")
        anyl = Macro.objects.create(name="Sign-off", body="{agent_name}")
        other_team = Macro.objects.create(name="Billing one", team=self.billing, body="x")
        self.assertEqual(picker(self.alice, self.asking), [en, anyl, ru])
        self.assertEqual(picker(self.alice, self.asking, "здравств"), [ru])
        self.assertNotIn(other_team, picker(self.sam, self.asking))
        self.login(self.alice)
        response = self.client.get(reverse("macro-picker", args=[self.asking.pk]), {"q": "deliv"})
        self.assertContains(response, "Hello Carol")
        self.assertContains(response, 'data-asked="1"')
        self.assertNotContains(response, "Доставка")


class TestCoachCQ16(MacroTestCase):
    def reply(self, ticket, body):
        self.client.post(
            reverse("ticket-reply", args=[ticket.pk]), {"body": body, "status_after": ""}
        )
        return Message.objects.filter(ticket=ticket, direction="out").latest("id")

    def test_a_template_sent_unchanged_to_a_question_is_flagged_cq16(self):
        macro = Macro.objects.create(
            name="Generic",
            language="en",
            body="Hello {customer_name}, thank you for your message. We are looking into it.",
        )
        self.login(self.alice)
        text = self.use(macro, self.asking).json()["text"]
        sent = self.reply(self.asking, text)
        self.assertIn("template", sent.analysis["violations"])
        self.assertIn("CQ16", [f["principle"] for f in sent.analysis["findings"]])
        use = MacroUse.objects.get()
        self.assertEqual(use.message, sent)
        self.assertTrue(use.sent_unchanged)

    def test_a_tailored_template_is_not_flagged(self):
        macro = Macro.objects.create(
            name="Generic", language="en", body="Hello {customer_name}, thank you."
        )
        self.login(self.alice)
        text = self.use(macro, self.asking).json()["text"]
        sent = self.reply(
            self.asking,
            text + " Order 4471902 left our warehouse on Monday and arrives on Thursday; "
            "here is the tracking link so you can follow it.",
        )
        self.assertNotIn("template", sent.analysis["violations"])
        self.assertFalse(MacroUse.objects.get().sent_unchanged)

    def test_a_template_sent_unchanged_without_a_question_is_not_flagged(self):
        receive(
            external_id="<carol-3@example.com>",
            subject="Thanks",
            sender_name="Carol",
            body_text="Thank you, the parcel arrived today.",
        )
        ticket = Message.objects.get(external_id="<carol-3@example.com>").ticket
        macro = Macro.objects.create(name="Welcome", body="Glad to hear it, {customer_name}!")
        self.login(self.alice)
        text = self.use(macro, ticket).json()["text"]
        sent = self.reply(ticket, text)
        self.assertNotIn("template", sent.analysis["violations"])
