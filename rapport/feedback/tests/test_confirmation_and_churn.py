"""TR5/CQ20: resolution confirmations (agent's button, reopen badge and event); FB6: churn
signals computed by the job and shown on the customer card and the supervisors' list;
permissions (Charlie sees nothing of Support)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from rapport.feedback.actions import RESOLUTION_REOPENED, do_answer_survey
from rapport.feedback.churn import do_compute_churn_risk
from rapport.feedback.models import ChurnRisk, Confirmation, Source, Survey
from rapport.promises.actions import do_add_promise, do_break
from rapport.test import BaseTestCase, receive
from rapport.tickets.coaching import analyse_message_task
from rapport.tickets.models import Event

from .base import run_job, solve


class ConfirmationTests(BaseTestCase):
    def test_an_agent_records_a_confirmation_from_a_call_and_a_reopen_is_shown(self):
        self.login(self.alice)
        solve(self.carol_ticket, self.alice)
        response = self.client.post(
            f"/feedback/ticket/{self.carol_ticket.pk}/confirm/", {"note": "on the phone"}
        )
        self.assertRedirects(response, f"/tickets/{self.carol_ticket.pk}/")
        confirmation = Confirmation.objects.get()
        self.assertEqual(
            (confirmation.source, confirmation.recorded_by, confirmation.customer),
            (Source.AGENT, self.alice, self.carol),
        )
        page = self.client.get(f"/tickets/{self.carol_ticket.pk}/")
        self.assertContains(page, "The customer confirmed the solution suits them")
        self.assertContains(page, "on the phone")

        receive(
            external_id="<carol-9@example.com>",
            subject="Re: Where is my order?",
            sender_name="Carol",
            ticket_id=self.carol_ticket.pk,
            body_text="It broke again.",
        )
        self.assertEqual(run_job()["reopened"], 1)
        confirmation.refresh_from_db()
        self.assertIsNotNone(confirmation.reopened_at)
        self.assertTrue(
            Event.objects.filter(ticket=self.carol_ticket, kind=RESOLUTION_REOPENED).exists()
        )
        page = self.client.get(f"/tickets/{self.carol_ticket.pk}/")
        self.assertContains(page, "Reopened after the customer confirmed the solution")
        customer = self.client.get(f"/customers/{self.carol.pk}/")
        self.assertContains(customer, "reopened later")

    def test_charlie_can_neither_confirm_nor_see_support_feedback(self):
        self.login(self.charlie)
        response = self.client.post(f"/feedback/ticket/{self.carol_ticket.pk}/confirm/")
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Confirmation.objects.exists())
        solve(self.carol_ticket, self.alice)
        run_job()
        do_answer_survey(Survey.objects.get(), level=5, comment="Great", source=Source.LINK)
        index = self.client.get("/feedback/")
        self.assertEqual(index.context["answered"], 0)
        self.assertEqual(self.client.get("/feedback/churn/").status_code, 403)
        self.login(self.sam)
        index = self.client.get("/feedback/")
        self.assertEqual(index.context["answered"], 1)
        self.assertEqual(index.context["overall"]["levels"][4]["share"], 100)
        self.assertEqual(len(index.context["trend"]), 1)
        self.assertEqual(index.context["agents"][0]["total"], 1)


class ChurnTests(BaseTestCase):
    def test_churn_signals_are_computed_explained_and_listed_for_supervisors(self):
        now = timezone.now()
        for n, text in enumerate(
            (
                "This is terrible, I am very angry, the order is late again!",
                "Awful service, nobody answers, I am furious!",
                "I am extremely disappointed and angry, this is unacceptable!",
            )
        ):
            message = receive(
                external_id=f"<angry-{n}@example.com>",
                subject=f"Complaint {n}",
                sender_name="Carol",
                body_text=text,
            )
            analyse_message_task.call(message.pk)
        moods = [m.analysis["mood"] for m in self.carol.messages.exclude(analysis=None)]
        self.assertGreaterEqual(sum(m in ("negative", "angry") for m in moods), 3, moods)
        promise = do_add_promise(
            self.carol_ticket,
            agent=self.alice,
            text="I will call you back today",
            kind="callback",
            due_at=now - timedelta(hours=2),
            actor=self.alice,
        )
        do_break(promise, actor=self.alice)
        solve(self.carol_ticket, self.alice)
        run_job()
        survey = Survey.objects.get()
        do_answer_survey(survey, level=3, source=Source.LINK, now=now - timedelta(days=40))
        Survey.objects.create(
            ticket=self.carol_ticket,
            customer=self.carol,
            channel="email",
            state="answered",
            level=1,
            answered_at=now - timedelta(days=30),
            created_at=now - timedelta(days=31),
        )

        self.assertEqual(do_compute_churn_risk(now), 1)
        risk = ChurnRisk.objects.get(customer=self.carol)
        codes = {s["code"] for s in risk.signals}
        self.assertEqual(codes, {"complaints", "broken_promises", "falling_satisfaction"})
        self.assertGreaterEqual(risk.score, 50)
        self.assertEqual(risk.level, "high")

        self.login(self.sam)
        listed = self.client.get("/feedback/churn/")
        self.assertContains(listed, "negative or angry messages in the last 30 days")
        self.assertContains(listed, "Satisfaction fell")
        self.login(self.alice)
        self.assertEqual(self.client.get("/feedback/churn/").status_code, 403)
        card = self.client.get(f"/customers/{self.carol.pk}/")
        self.assertContains(card, "Churn risk")
        self.assertContains(card, "promise broken or overdue")

    def test_long_silence_after_a_bad_experience_is_a_signal_and_speaking_clears_it(self):
        now = timezone.now()
        solve(self.carol_ticket, self.alice)
        run_job()
        do_answer_survey(
            Survey.objects.get(), level=1, source=Source.LINK, now=now - timedelta(days=25)
        )
        Survey.objects.update(created_at=now - timedelta(days=26))
        self.carol.messages.update(created_at=now - timedelta(days=27))
        do_compute_churn_risk(now)
        codes = {s["code"] for s in ChurnRisk.objects.get(customer=self.carol).signals}
        self.assertEqual(codes, {"falling_satisfaction", "silence"})

        receive(external_id="<carol-back@example.com>", subject="Hello again", sender_name="Carol")
        do_compute_churn_risk()
        codes = {s["code"] for s in ChurnRisk.objects.get(customer=self.carol).signals}
        self.assertEqual(codes, {"falling_satisfaction"})
