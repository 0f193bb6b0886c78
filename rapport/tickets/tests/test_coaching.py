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
        return do_receive(
            InboundMessage(
                channel="email",
                sender="carol@example.com",
                external_id="<angry@x>",
                in_reply_to=["<carol-1@example.com>"],
                body_text="Сколько можно ждать?! Позовите руководителя, иначе подам в суд. "
                "Когда привезут заказ?",
            )
        ).raw.message

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
        response = self.client.post(
            reverse("ticket-coach", args=[self.carol_ticket.pk]), {"body": "Заказ отправлен."}
        )
        self.assertEqual(response.status_code, 200)
        checks = {f["check"] for f in response.context["report"]["findings"]}
        self.assertTrue({"greeting", "empathy"} <= checks, checks)
        self.assertContains(response, "coach-insert")  # a one-click fix is offered
        self.assertContains(response, "CQ3")
        empty = self.client.post(
            reverse("ticket-coach", args=[self.carol_ticket.pk]), {"body": "  "}
        )
        self.assertIsNone(empty.context["report"])

    def test_a_good_reply_scores_higher_than_a_curt_one(self):
        self.angry_message()
        self.login(self.alice)
        url = reverse("ticket-coach", args=[self.carol_ticket.pk])
        curt = self.client.post(url, {"body": "Не знаю."}).context["report"]
        good = self.client.post(
            url,
            {
                "body": (
                    "Здравствуйте, Carol! Понимаю, как неприятно так долго ждать, и очень сожалею. "
                    "Ваш заказ привезут завтра до 18:00, я лично прослежу за доставкой "
                    "и напишу вам утром. Руководитель отдела в курсе. Такое решение вам подходит?"
                )
            },
        ).context["report"]
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
        response = self.client.post(
            reverse("ticket-coach", args=[self.carol_ticket.pk]), {"body": "hi"}
        )
        self.assertEqual(response.status_code, 404)


class CoachRulesTest(BaseTestCase):
    def post_rules(self, **changes):
        from rapport.coach import CHECKS

        data = {
            "jargon": "",
            "allowed_abbreviations": "",
            "forbidden_phrases": "",
            "required_phrases": "",
        }
        for name, (_principle, weight, severity) in CHECKS.items():
            data.update(
                {f"{name}__enabled": "on", f"{name}__weight": weight, f"{name}__severity": severity}
            )
        data.update(changes)
        return self.client.post(
            reverse("coach-rules"), {k: v for k, v in data.items() if v is not None}
        )

    def test_a_supervisor_switches_a_check_off_and_adds_a_forbidden_phrase(self):
        self.login(self.sam)
        response = self.post_rules(
            **{
                "greeting__enabled": None,
                "forbidden_phrases": "ничем не могу помочь | Давайте я узнаю, кто может помочь",
                "jargon": "бэклог",
            }
        )
        self.assertEqual(response.status_code, 302)
        self.login(self.alice)
        url = reverse("ticket-coach", args=[self.carol_ticket.pk])
        report = self.client.post(url, {"body": "Ничем не могу помочь, это в бэклоге."}).context[
            "report"
        ]
        checks = {f["check"] for f in report["findings"]}
        self.assertNotIn("greeting", checks)
        self.assertIn("forbidden_phrases", checks)
        self.assertIn("Давайте я узнаю", " ".join(f["suggestion"] for f in report["findings"]))

    def test_a_bad_weight_is_a_form_error(self):
        self.login(self.sam)
        self.assertEqual(self.post_rules(empathy__weight="-3").status_code, 400)
        self.assertEqual(self.post_rules(empathy__weight="lots").status_code, 400)

    def test_agents_cannot_edit_the_rules(self):
        self.login(self.alice)
        self.assertEqual(self.client.get(reverse("coach-rules")).status_code, 403)
        self.assertEqual(self.post_rules().status_code, 403)

    def test_the_rules_page_shows_every_check(self):
        from rapport.coach import CHECKS

        self.login(self.sam)
        page = self.client.get(reverse("coach-rules"))
        self.assertEqual(page.status_code, 200)
        for name, (principle, _w, _s) in CHECKS.items():
            self.assertContains(page, f"{principle} · {name}")
