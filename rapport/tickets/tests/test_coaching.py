"""The coach in the workspace (issue 4; CQ3, CQ6, CQ9, CQ20, ES3, ES5)."""

from django.test import override_settings
from django.urls import reverse

from rapport.intake.actions import InboundMessage, do_receive
from rapport.test import BaseTestCase
from rapport.tickets import actions
from rapport.tickets.coaching import analyse
from rapport.tickets.models import Message

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


class CoachingTest(BaseTestCase):
    def angry_message(self):
        return do_receive(InboundMessage(
            channel="email", sender="carol@example.com", external_id="<angry@x>",
            in_reply_to=["<carol-1@example.com>"],
            body_text="Сколько можно ждать?! Позовите руководителя, иначе подам в суд. "
                      "Когда привезут заказ?")).raw.message

    @override_settings(TASKS=IMMEDIATE)
    def test_every_customer_message_is_analysed_after_it_is_stored(self):
        with self.captureOnCommitCallbacks(execute=True):
            message = self.angry_message()
        message.refresh_from_db()
        self.assertEqual(message.analysis["language"], "ru")
        self.assertEqual(message.analysis["mood"], "angry")
        self.assertIn("legal_threat", message.analysis["signals"])
        self.assertIn("supervisor_request", message.analysis["signals"])
        self.assertTrue(message.analysis["questions"])

    def test_the_ticket_page_shows_mood_signals_and_questions(self):
        analyse(self.angry_message())
        self.login(self.alice)
        with self.settings(LANGUAGE_CODE="en"):
            page = self.client.get(reverse("ticket", args=[self.carol_ticket.pk]))
        self.assertContains(page, "mood-angry")
        self.assertContains(page, "legal threat")
        self.assertContains(page, "asks for a manager")
        self.assertContains(page, "Когда привезут заказ?")

    def test_the_reply_box_gets_live_findings(self):
        analyse(self.angry_message())
        self.login(self.alice)
        response = self.client.post(reverse("ticket-coach", args=[self.carol_ticket.pk]),
                                    {"body": "Заказ отправлен."})
        self.assertEqual(response.status_code, 200)
        checks = {f["check"] for f in response.context["report"]["findings"]}
        self.assertTrue({"greeting", "empathy"} <= checks, checks)
        self.assertContains(response, "coach-insert")  # a one-click fix is offered
        self.assertContains(response, "CQ3")
        empty = self.client.post(reverse("ticket-coach", args=[self.carol_ticket.pk]),
                                 {"body": "  "})
        self.assertIsNone(empty.context["report"])

    def test_a_good_reply_scores_higher_than_a_curt_one(self):
        self.angry_message()
        self.login(self.alice)
        url = reverse("ticket-coach", args=[self.carol_ticket.pk])
        curt = self.client.post(url, {"body": "Не знаю."}).context["report"]
        good = self.client.post(url, {"body": (
            "Здравствуйте, Carol! Понимаю, как неприятно так долго ждать, и очень сожалею. "
            "Ваш заказ привезут завтра до 18:00, я лично прослежу за доставкой и напишу вам "
            "утром. Руководитель отдела в курсе. Такое решение вам подходит?")}).context["report"]
        self.assertGreater(good["score"], curt["score"])
        self.assertIn("dont_know", curt["violations"])
        self.assertIn("satisfaction_check", good["present"])

    def test_a_sent_reply_keeps_its_review(self):
        self.angry_message()
        reply = actions.do_reply(self.carol_ticket, author=self.alice, body_text="Ок.")
        stored = Message.objects.get(pk=reply.pk).analysis
        self.assertIsInstance(stored["score"], int)
        self.assertTrue(stored["findings"])

    def test_an_outsider_gets_no_coaching_on_someone_elses_ticket(self):
        self.login(self.charlie)
        response = self.client.post(reverse("ticket-coach", args=[self.carol_ticket.pk]),
                                    {"body": "hi"})
        self.assertEqual(response.status_code, 404)
