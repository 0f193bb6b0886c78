"""Each action a rule can take, done through the owning app's real action (ES3, ES4, ES5, TR4)."""

from __future__ import annotations

from django.test import override_settings

from rapport.accounts.models import Role
from rapport.coach.langpack import pack_for
from rapport.customers.actions import do_update_customer
from rapport.mail.tests.servers import Sink
from rapport.notify.models import Kind, Notification
from rapport.outbox.models import Delivery
from rapport.rules.engine import evaluate
from rapport.rules.models import RuleFiring, Trigger
from rapport.rules.tasks import send_firing_mail_task
from rapport.test import make_agent, receive
from rapport.tickets import actions
from rapport.tickets.coaching import analyse
from rapport.tickets.models import Direction, EventKind, Message, Note, Ticket

from .base import IMMEDIATE, RulesTestCase

ALWAYS = [{"field": "ticket.channel", "op": "is", "value": "email"}]


class ActionsTest(RulesTestCase):
    def fire(self, message=None):
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        message = message or ticket.messages.first()
        return evaluate(ticket, trigger=Trigger.MESSAGE, message=message)

    def customer_says(self, text: str, n: int = 1) -> Message:
        message = receive(
            external_id=f"<says-{n}@x>", in_reply_to=["<carol-1@example.com>"], body_text=text
        )
        analyse(message)
        return message

    def test_it_assigns_a_team_and_an_agent(self):
        self.rule(ALWAYS, [{"type": "assign", "team": "Billing", "agent": "charlie"}])
        [firing] = self.fire()
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        self.assertEqual((ticket.team, ticket.assignee), (self.billing, self.charlie))
        self.assertEqual(firing.done[0]["status"], "done")
        event = ticket.events.filter(kind=EventKind.TEAM).get()
        self.assertIsNone(event.actor)  # done by the system, logged like any change (TR2)

    def test_moving_to_a_team_unassigns_an_agent_who_is_not_in_it(self):
        actions.do_assign(self.carol_ticket, team=None, assignee=self.alice, actor=self.alice)
        self.rule(ALWAYS, [{"type": "assign", "team": "Billing"}])
        self.fire()
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        self.assertEqual(ticket.team, self.billing)
        self.assertIsNone(ticket.assignee)

    def test_a_team_deleted_after_the_rule_was_saved_is_skipped_not_fatal(self):
        self.rule(
            ALWAYS, [{"type": "assign", "team": "Billing"}, {"type": "add_tag", "tag": "checked"}]
        )
        self.billing.delete()
        [firing] = self.fire()
        self.assertEqual(firing.done[0]["status"], "skipped")
        self.assertEqual(firing.done[1]["status"], "done")

    def test_it_sets_the_priority_and_adds_a_tag(self):
        actions.do_set_tags(self.carol_ticket, ["order"], actor=self.alice)
        self.rule(
            ALWAYS,
            [{"type": "set_priority", "priority": 4}, {"type": "add_tag", "tag": "Escalated"}],
        )
        self.fire()
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        self.assertEqual(ticket.priority, 4)
        self.assertEqual(sorted(ticket.tags.values_list("name", flat=True)), ["escalated", "order"])

    def test_it_flags_the_customer_quoting_what_they_wrote(self):
        message = self.customer_says("Я подам на вас в суд. Заказ так и не пришёл.")
        self.rule(
            [{"field": "message.signals", "op": "contains", "value": "legal_threat"}],
            [{"type": "flag_customer", "kind": "legal_threat"}],
        )
        self.fire(message)
        flag = self.carol.flags.get()
        self.assertEqual(flag.kind, "legal_threat")
        self.assertIn("Я подам на вас в суд.", flag.reason)
        self.assertIsNone(flag.set_by)

    def test_a_note_quotes_the_sentence_and_suggests_the_coachs_wording(self):
        do_update_customer(self.carol, actor=self.alice, language="ru")
        message = self.customer_says("Вы жулики! Верните деньги.")
        self.assertIn("insult", message.analysis["signals"])
        self.rule(
            [{"field": "message.signals", "op": "contains", "value": "insult"}],
            [
                {
                    "type": "add_note",
                    "text": "Be calm.",
                    "quote_signal": "insult",
                    "suggestion": "insult_response",
                }
            ],
        )
        self.fire(message)
        note = Note.objects.get(ticket=self.carol_ticket)
        self.assertIsNone(note.author)
        self.assertIn("Be calm.", note.body)
        self.assertIn("Вы жулики!", note.body)
        self.assertIn(pack_for("ru").text("suggestions", "insult_response"), note.body)

    def test_a_template_reply_goes_out_in_the_customers_language(self):
        do_update_customer(self.carol, actor=self.alice, language="ru")
        self.rule(
            ALWAYS,
            [
                {
                    "type": "send_template",
                    "texts": {"en": "We got it.", "ru": "Мы получили ваше письмо."},
                }
            ],
        )
        self.fire()
        reply = Message.objects.get(ticket=self.carol_ticket, direction=Direction.OUT)
        self.assertEqual(
            (reply.body_text, reply.auto, reply.author), ("Мы получили ваше письмо.", "rule", None)
        )
        self.assertTrue(Delivery.objects.filter(message=reply).exists())  # the one outbox
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        self.assertIsNone(ticket.first_response_at)  # not an agent's answer: the SLA runs on

    def test_a_template_falls_back_to_english(self):
        do_update_customer(self.carol, actor=self.alice, language="de")
        self.rule(
            ALWAYS, [{"type": "send_template", "texts": {"en": "We got it.", "zh": "收到。"}}]
        )
        self.fire()
        self.assertEqual(Message.objects.get(direction=Direction.OUT).body_text, "We got it.")

    def test_a_side_discussion_is_a_note_to_the_role_and_a_notification(self):
        lena = make_agent("lena", role=Role.LEGAL)
        self.rule(
            ALWAYS,
            [
                {
                    "type": "side_discussion",
                    "role": "legal",
                    "text": "Is this refund request a legal matter?",
                }
            ],
        )
        self.fire()
        note = Note.objects.get(ticket=self.carol_ticket)
        self.assertIn("legal", note.body)
        self.assertIn("Is this refund request a legal matter?", note.body)
        notification = Notification.objects.get(user=lena)
        self.assertEqual(
            (notification.kind, notification.ticket_id), (Kind.ESCALATION, self.carol_ticket.pk)
        )


class NotifyByMailTest(RulesTestCase):
    """Notifications by e-mail go through a real SMTP server (aiosmtpd), after commit."""

    def setUp(self) -> None:
        super().setUp()
        self.sink = Sink().start()
        self.addCleanup(self.sink.stop)
        self.lena = make_agent("lena", role=Role.LEGAL, language="ru")
        self.nobody = make_agent("nomail", role=Role.LEGAL)
        self.nobody.email = ""
        self.nobody.save()

    def test_the_roles_members_are_notified_in_app_and_by_email_once(self):
        self.rule(
            ALWAYS, [{"type": "notify_role", "role": "legal", "email": True}], name="Legal watch"
        )
        mail = {
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": self.sink.port,
        }
        with (
            override_settings(TASKS=IMMEDIATE, **mail),
            self.captureOnCommitCallbacks(execute=True),
        ):
            [firing] = evaluate(
                Ticket.objects.get(pk=self.carol_ticket.pk),
                trigger=Trigger.MESSAGE,
                message=self.carol_ticket.messages.first(),
            )
        self.assertEqual(
            {n.user for n in Notification.objects.filter(kind=Kind.RULE)}, {self.lena, self.nobody}
        )
        self.assertEqual(len(self.sink.messages), 1)  # the member without an address is skipped
        sent = self.sink.parsed(0)
        self.assertEqual(sent["To"], "lena@rapport.test")
        self.assertIn("Legal watch", sent["Subject"])
        self.assertIn(f"/tickets/{self.carol_ticket.pk}/", sent.get_content())
        firing.refresh_from_db()
        self.assertIsNotNone(firing.mailed_at)
        with override_settings(**mail):
            self.assertEqual(send_firing_mail_task.call(firing.pk), 0)  # a retry sends nothing
        self.assertEqual(len(self.sink.messages), 1)
        self.assertEqual(RuleFiring.objects.count(), 1)
