"""FB1 on e-mail: a solved ticket gets a survey through the real outbox and a real SMTP server
(aiosmtpd, as in rapport/mail tests); one-click signed links per level, a comment form with
CSRF, tampered / expired / repeated links, and the confirmation link (TR5)."""

from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from unittest import mock

from django.core import signing
from django.test import Client

from rapport.feedback.links import make_token
from rapport.feedback.models import Confirmation, Source, Survey, SurveyState
from rapport.mail.models import Mailbox, Security
from rapport.mail.tests.servers import Sink
from rapport.outbox.actions import flush_due
from rapport.outbox.models import Delivery, DeliveryState
from rapport.test import BaseTestCase

from .base import links, run_job, solve


class EmailSurveyTests(BaseTestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.sink = Sink().start()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls.sink.stop()

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        Mailbox.objects.create(
            name="Support",
            address="help@shop.test",
            team=cls.support,
            smtp_host="127.0.0.1",
            smtp_port=cls.sink.port,
            smtp_security=Security.NONE,
        )

    def setUp(self) -> None:
        super().setUp()
        self.sink.messages.clear()
        self.carol_ticket.refresh_from_db()

    def survey_by_mail(self) -> tuple[Survey, dict]:
        solve(self.carol_ticket, self.alice)
        self.assertEqual(run_job()["surveyed"], 1)
        survey = Survey.objects.get()
        self.assertEqual(survey.state, SurveyState.SENT)
        flush_due()
        self.assertEqual(Delivery.objects.get(message=survey.message).state, DeliveryState.SENT)
        (sent,) = self.sink.messages
        self.assertEqual(sent["to"], ["carol@example.com"])
        mail = message_from_bytes(sent["raw"], policy=policy.default)
        self.assertEqual(mail["Auto-Submitted"], "auto-replied")
        return survey, links(mail.get_body(("plain",)).get_content())

    def test_a_solved_ticket_gets_one_click_links_by_email_and_a_click_records_the_level(self):
        survey, found = self.survey_by_mail()
        self.assertEqual(set(found), {"1", "2", "3", "4", "5", "ok"})
        self.assertEqual(run_job()["surveyed"], 0)  # the job again: the solving is asked once

        page = self.client.get(found["4"])
        self.assertContains(page, "Thank you for your answer!")
        survey.refresh_from_db()
        self.assertEqual((survey.level, survey.source), (4, Source.LINK))
        self.assertEqual(survey.agent, self.carol_ticket.assignee)

        again = self.client.get(found["4"])  # a double click records nothing new
        self.assertContains(again, "We already have your answer")
        changed = self.client.get(found["5"])  # another level: the answer is changed, said so
        self.assertContains(changed, "Your answer was changed")
        survey.refresh_from_db()
        self.assertEqual(survey.level, 5)

    def test_the_comment_form_needs_its_csrf_token_and_a_second_comment_replaces_the_first(self):
        survey, found = self.survey_by_mail()
        strict = Client(enforce_csrf_checks=True)
        page = strict.get(found["2"])
        self.assertEqual(strict.post(f"{found['2']}comment/", {"comment": "x"}).status_code, 403)
        token = page.context["csrf_token"]
        ok = strict.post(
            f"{found['2']}comment/", {"comment": "Fast, thanks", "csrfmiddlewaretoken": str(token)}
        )
        self.assertContains(ok, "Thank you for your comment!")
        replaced = self.client.post(f"{found['2']}comment/", {"comment": "Fast and kind"})
        self.assertContains(replaced, "Your comment was updated")
        survey.refresh_from_db()
        self.assertEqual((survey.level, survey.comment), (2, "Fast and kind"))
        # The comment reached the team: an internal note on the ticket.
        self.assertTrue(self.carol_ticket.notes.filter(body__contains="Fast, thanks").exists())

    def test_a_tampered_link_and_an_expired_link_get_a_clear_page_and_record_nothing(self):
        survey, found = self.survey_by_mail()
        tampered = found["5"][:-3] + ("A" if found["5"][-3] != "A" else "B") + found["5"][-2:]
        page = self.client.get(tampered)
        self.assertContains(page, "This link is not valid", status_code=400)
        forged = self.client.get(f"/feedback/s/{signing.dumps([survey.pk, '5'])}/")  # no salt
        self.assertEqual(forged.status_code, 400)

        with mock.patch("django.core.signing.time.time", return_value=0):
            old = make_token(survey.pk, "1")
        expired = self.client.get(f"/feedback/s/{old}/")
        self.assertContains(expired, "This link has expired", status_code=410)
        survey.refresh_from_db()
        self.assertIsNone(survey.level)

    def test_the_public_page_speaks_the_customers_language(self):
        self.carol.language = "ru"
        self.carol.save()
        survey, found = self.survey_by_mail()
        self.assertEqual(survey.language, "ru")
        page = self.client.get(found["3"])
        self.assertEqual(page["Content-Language"], "ru")
        self.assertContains(page, 'lang="ru"')
        chinese = self.client.get(found["3"] + "?lang=zh-hans")
        self.assertEqual(chinese["Content-Language"], "zh-hans")

    def test_the_customer_confirms_the_solution_by_the_link_once(self):
        survey, found = self.survey_by_mail()
        self.assertContains(self.client.get(found["ok"]), "Thank you!")
        self.client.get(found["ok"])
        confirmation = Confirmation.objects.get()
        self.assertEqual(
            (confirmation.ticket, confirmation.customer, confirmation.source),
            (self.carol_ticket, self.carol, Source.LINK),
        )
        self.assertIsNone(confirmation.recorded_by)
        self.assertLess(confirmation.confirmed_at - survey.created_at, timedelta(minutes=5))

    def test_an_agent_opening_the_customers_link_records_nothing(self):
        survey, found = self.survey_by_mail()
        self.login(self.alice)
        page = self.client.get(found["1"])
        self.assertContains(page, "This is the customer's link", status_code=403)
        self.client.get(found["ok"])
        comment = self.client.post(f"{found['1']}comment/", {"comment": "typed by an agent"})
        self.assertEqual(comment.status_code, 403)
        survey.refresh_from_db()
        self.assertEqual((survey.level, survey.comment), (None, ""))
        self.assertFalse(Confirmation.objects.exists())

    def test_the_level_page_offers_the_confirmation(self):
        survey, found = self.survey_by_mail()
        page = self.client.get(found["3"])
        self.assertContains(page, "Yes, this suits me")
        hrefs = [h.split('"')[0] for h in page.content.decode().split('href="')[1:]]
        url = next(h for h in hrefs if h.startswith("/feedback/s/"))
        self.client.get(url.replace("&amp;", "&"))
        self.assertEqual(Confirmation.objects.get().source, Source.LINK)

    def test_a_satisfied_customer_is_invited_to_leave_a_review_when_the_team_has_a_link(self):
        from rapport.reviews.models import ReviewPolicy

        ReviewPolicy.objects.create(
            team=self.support, invitation_url="https://reviews.example/shop?hl={lang}"
        )
        survey, found = self.survey_by_mail()
        self.assertNotContains(self.client.get(found["2"]), "Leave a review")
        page = self.client.get(found["4"])
        self.assertContains(page, 'href="https://reviews.example/shop?hl=en"')
