"""The shipped rules end to end: a customer's message through the one intake path, the coach's
analysis, then the rules (ES3, ES4, ES5, TR4); the SLA breach rule on the timer (RS1)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from rapport.accounts.models import Role
from rapport.coach.langpack import pack_for
from rapport.intake.actions import InboundMessage, do_receive
from rapport.notify.models import Kind, Notification
from rapport.rules.models import Rule, RuleFiring
from rapport.rules.timer import run_tick
from rapport.test import make_agent, receive
from rapport.tickets.models import Note, Ticket

from .base import IMMEDIATE, RulesTestCase, ensure_shipped_rules


@override_settings(TASKS=IMMEDIATE)
class ShippedRulesTest(RulesTestCase):
    keep_shipped_rules = True

    @classmethod
    def setUpTestData(cls) -> None:
        ensure_shipped_rules()
        super().setUpTestData()

    def setUp(self) -> None:
        super().setUp()
        self.lena = make_agent("lena", role=Role.LEGAL, first_name="Lena")

    def customer_writes(self, text: str, n: int = 1):
        with self.captureOnCommitCallbacks(execute=True):
            receipt = do_receive(
                InboundMessage(
                    channel="email",
                    sender="carol@example.com",
                    external_id=f"<m{n}@x>",
                    in_reply_to=["<carol-1@example.com>"],
                    body_text=text,
                )
            )
        return receipt.raw.message

    def test_they_are_shipped_in_order(self):
        self.assertEqual(
            list(Rule.objects.exclude(key="").values_list("key", flat=True)),
            [
                "es5-legal-threat",
                "es5-physical-threat",
                "es3-hostility",
                "es4-insult",
                "es3-supervisor-request",
                "es3-repeated-contact",
                "rs1-sla-breach",
                "fb1-bad-rating",  # rapport.feedback migration 0002 (FB1)
            ],
        )

    def test_a_legal_threat_notifies_legal_flags_the_customer_and_records_the_threat(self):
        self.customer_writes("Заказ не пришёл. Если не вернёте деньги, я подам в суд!")
        self.assertTrue(
            Notification.objects.filter(
                user=self.lena, kind=Kind.RULE, ticket=self.carol_ticket
            ).exists()
        )
        flag = self.carol.flags.get(cleared_at=None)
        self.assertEqual(flag.kind, "legal_threat")
        note = Note.objects.get(ticket=self.carol_ticket)
        self.assertIn("Если не вернёте деньги, я подам в суд!", note.body)
        self.assertNotIn("Заказ не пришёл", note.body)  # the sentence, not the whole message
        self.assertEqual([m.to for m in mail.outbox], [["lena@rapport.test"]])

    def test_an_insult_flags_the_customer_and_suggests_wording_in_their_language(self):
        self.customer_writes("Вы жулики! Где мой заказ?")
        self.assertEqual(self.carol.flags.get().kind, "abusive")
        note = Note.objects.get(ticket=self.carol_ticket)
        self.assertIn(pack_for("ru").text("suggestions", "insult_response"), note.body)
        self.assertNotIn(pack_for("en").text("suggestions", "insult_response"), note.body)

    def test_a_request_for_a_manager_goes_to_the_supervisor_queue(self):
        self.customer_writes("I want to speak to your manager right now.")
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        self.assertIn("supervisor", ticket.tags.values_list("name", flat=True))
        self.assertTrue(Notification.objects.filter(user=self.sam, ticket=ticket).exists())
        self.assertEqual(ticket.team, self.support)  # its agents keep seeing it
        # the queue: the inbox filtered by the tag
        self.login(self.sam)
        inbox = self.client.get(reverse("inbox"), {"view": "open", "tag": "supervisor"})
        self.assertContains(inbox, ticket.subject)
        # and the ticket says why it is there
        with self.settings(LANGUAGE_CODE="en"):
            page = self.client.get(reverse("ticket", args=[ticket.pk]))
        self.assertContains(page, "Customer asks for a manager: supervisor queue")
        self.assertContains(page, "contains <code>asks for a manager</code>", html=False)

    def test_hostility_goes_to_the_supervisor_queue_after_the_customer_was_flagged(self):
        self.customer_writes("Вы жулики! Где мой заказ?!", n=1)
        ticket = Ticket.objects.get(pk=self.carol_ticket.pk)
        self.assertNotIn("supervisor", ticket.tags.values_list("name", flat=True))
        self.customer_writes("Вы жулики и воры! Верните деньги немедленно!", n=2)
        self.assertIn("supervisor", ticket.tags.values_list("name", flat=True))
        self.assertTrue(Notification.objects.filter(user=self.sam, ticket=ticket).exists())
        self.customer_writes("Вы жулики!!! Я жду!", n=3)
        hostility = RuleFiring.objects.filter(rule__key="es3-hostility")
        self.assertEqual(hostility.count(), 1)  # in the queue already: not again

    def test_a_third_ticket_in_a_week_goes_to_the_supervisor_queue(self):
        for n in (1, 2):
            with self.captureOnCommitCallbacks(execute=True):
                do_receive(
                    InboundMessage(
                        channel="email",
                        sender="carol@example.com",
                        external_id=f"<new-{n}@x>",
                        subject=f"Problem {n}",
                        body_text="Hello, another problem with my order.",
                    )
                )
        third = Ticket.objects.filter(customer=self.carol).order_by("-pk").first()
        self.assertIn("supervisor", third.tags.values_list("name", flat=True))
        firing = RuleFiring.objects.get(rule__key="es3-repeated-contact")
        self.assertEqual(firing.why[0]["actual"], 3)

    def test_a_calm_message_fires_nothing(self):
        self.customer_writes("Thank you, that helps a lot!")
        self.assertFalse(RuleFiring.objects.exists())

    def test_an_sla_breach_emails_the_team_lead_on_the_timer(self):
        now = timezone.now()
        Ticket.objects.filter(pk=self.carol_ticket.pk).update(
            sla_state="breached", sla_due=now - timedelta(minutes=1)
        )
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(run_tick(now), 1)
        # in the app the SLA scanner notifies (rapport.sla); the rule adds the e-mail
        self.assertEqual([m.to for m in mail.outbox], [["sam@rapport.test"]])
        firing = RuleFiring.objects.get()
        self.assertEqual(firing.rule.key, "rs1-sla-breach")
        self.assertEqual(firing.why[0]["actual"], "breached")
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(run_tick(now + timedelta(minutes=1)), 0)  # once per ticket state
        self.assertEqual(len(mail.outbox), 1)


@override_settings(TASKS=IMMEDIATE)
class SlaBreachThroughTheScannerTest(RulesTestCase):
    """The SLA rule on top of the real SLA clock and breach scan (rapport.sla)."""

    keep_shipped_rules = True

    @classmethod
    def setUpTestData(cls) -> None:
        ensure_shipped_rules()
        super().setUpTestData()

    def test_a_breach_raised_by_the_scanner_emails_the_team_lead_once(self):
        from freezegun import freeze_time

        from rapport.sla.actions import do_scan
        from rapport.sla.models import BusinessCalendar, SlaPolicy

        BusinessCalendar.objects.create(
            name="Moscow",
            team=self.support,
            time_zone="Europe/Moscow",
            week=["09:00-18:00"] * 5 + ["", ""],
        )
        SlaPolicy.objects.create(
            name="Fast",
            order=1,
            first_response_minutes=60,
            next_response_minutes=60,
            resolution_minutes=600,
        )
        opened = datetime(2026, 11, 30, 10, 0, tzinfo=ZoneInfo("Europe/Moscow"))  # a Monday
        with freeze_time(opened):
            message = receive(
                sender="dave@example.com",
                subject="Help",
                external_id="<sla-rule@x>",
                body_text="Where is my parcel?",
            )
        ticket = Ticket.objects.get(pk=message.ticket_id)
        run_tick(opened)  # the timer's first tick: watches open tickets
        later = opened + timedelta(minutes=61)
        with freeze_time(later):
            do_scan()
        ticket.refresh_from_db()
        self.assertEqual(ticket.sla_state, "breached")
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(run_tick(later + timedelta(minutes=1)), 1)
        self.assertEqual([m.to for m in mail.outbox], [["sam@rapport.test"]])
        with self.captureOnCommitCallbacks(execute=True):
            self.assertEqual(run_tick(later + timedelta(minutes=2)), 0)
        self.assertEqual(RuleFiring.objects.get().ticket, ticket)
