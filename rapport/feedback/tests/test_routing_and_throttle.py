"""FB1: at most one survey per customer per period (per team); a bad rating is routed to the
team by the shipped rule; web chat gets a pending survey that the chat's own rating answers."""

from __future__ import annotations

from rapport.feedback.actions import BAD_RATING_TAG, do_answer_survey
from rapport.feedback.models import FeedbackSettings, Source, Survey, SurveyState
from rapport.feedback.tasks import fold_chat_ratings, route_survey_answer_task
from rapport.notify.models import Notification
from rapport.rules.models import RuleFiring
from rapport.test import BaseTestCase, receive
from rapport.tickets.actions import do_reply
from rapport.tickets.models import Ticket

from .base import run_job, solve


class ThrottleTests(BaseTestCase):
    def second_ticket(self) -> Ticket:
        return receive(
            external_id="<carol-2@example.com>", subject="Another question", sender_name="Carol"
        ).ticket

    def test_a_customer_is_asked_at_most_once_per_period(self):
        solve(self.carol_ticket, self.alice)
        run_job()
        second = self.second_ticket()
        self.assertNotEqual(second, self.carol_ticket)
        solve(second, self.bob)
        run_job()
        throttled = Survey.objects.get(ticket=second)
        self.assertEqual(throttled.state, SurveyState.THROTTLED)
        self.assertIsNone(throttled.message)
        self.assertEqual(second.messages.filter(auto="survey").count(), 0)

    def test_the_period_is_a_team_setting(self):
        FeedbackSettings.objects.create(team=self.support, period_days=0)
        solve(self.carol_ticket, self.alice)
        run_job()
        second = self.second_ticket()
        solve(second, self.bob)
        run_job()
        self.assertEqual(Survey.objects.get(ticket=second).state, SurveyState.SENT)

    def test_a_team_can_switch_surveys_off(self):
        FeedbackSettings.objects.create(team=self.support, surveys_enabled=False)
        solve(self.carol_ticket, self.alice)
        run_job()
        self.assertFalse(Survey.objects.exists())

    def test_a_ticket_reopened_before_the_job_ran_is_not_asked(self):
        solve(self.carol_ticket, self.alice)
        receive(
            external_id="<carol-3@example.com>",
            subject="Re: Where is my order?",
            sender_name="Carol",
            ticket_id=self.carol_ticket.pk,
        )
        self.carol_ticket.refresh_from_db()
        self.assertTrue(self.carol_ticket.is_open)
        run_job()
        self.assertFalse(Survey.objects.exists())


class RoutingTests(BaseTestCase):
    def answered(self, level: int, comment: str | None = None) -> Survey:
        do_reply(
            self.carol_ticket, author=self.alice, body_text="Sent today.", status_after="solved"
        )
        run_job()
        survey, _before = do_answer_survey(
            Survey.objects.get(), level=level, comment=comment, source=Source.LINK
        )
        route_survey_answer_task.call(survey.pk)  # what the worker runs after the commit
        return survey

    def test_a_bad_rating_is_tagged_and_the_shipped_rule_notifies_the_supervisors(self):
        self.answered(1, "Nobody called me back")
        self.carol_ticket.refresh_from_db()
        self.assertIn(BAD_RATING_TAG, self.carol_ticket.tags.values_list("name", flat=True))
        firing = RuleFiring.objects.get(ticket=self.carol_ticket)
        self.assertEqual(firing.rule.key, "fb1-bad-rating")
        self.assertTrue(Notification.objects.filter(user=self.sam, ticket=self.carol_ticket))
        self.assertFalse(Notification.objects.filter(user=self.charlie).exists())
        # The rated agent hears it too, with the comment; the team sees it as a note.
        self.assertIn("Nobody called me back", Notification.objects.get(user=self.alice).text)
        self.assertTrue(self.carol_ticket.notes.filter(body__contains="Nobody called").exists())
        # Running the routing again (a retried task) fires and notifies nothing new.
        route_survey_answer_task.call(Survey.objects.get().pk)
        self.assertEqual(RuleFiring.objects.count(), 1)
        self.assertEqual(Notification.objects.filter(user=self.alice).count(), 1)

    def test_a_good_rating_without_comment_routes_nothing(self):
        self.answered(4)
        self.carol_ticket.refresh_from_db()
        self.assertNotIn(BAD_RATING_TAG, self.carol_ticket.tags.values_list("name", flat=True))
        self.assertFalse(RuleFiring.objects.exists())
        self.assertFalse(Notification.objects.filter(kind="rule").exists())
        self.assertFalse(Notification.objects.filter(user=self.sam).exists())


class ChatTests(BaseTestCase):
    def test_a_chat_gets_a_pending_survey_that_the_chats_rating_answers(self):
        from rapport.webchat.models import ChatRating

        chat = receive(channel="webchat", sender="visitor-1", body_text="Hi, a question").ticket
        solve(chat, self.alice)
        run_job()
        survey = Survey.objects.get(ticket=chat)
        self.assertEqual(survey.state, SurveyState.PENDING)
        self.assertIsNone(survey.message)
        ChatRating.objects.create(ticket=chat, score=5, comment="Lovely")  # the widget's row
        self.assertEqual(fold_chat_ratings(), 1)
        survey.refresh_from_db()
        self.assertEqual((survey.level, survey.comment, survey.source), (5, "Lovely", "chat"))
        self.assertEqual(fold_chat_ratings(), 0)

    def test_a_chat_rated_before_the_job_saw_the_solving_is_not_asked_again(self):
        from rapport.webchat.models import ChatRating

        chat = receive(channel="webchat", sender="visitor-2", body_text="Hi").ticket
        solve(chat, self.alice)
        ChatRating.objects.create(ticket=chat, score=2)
        fold_chat_ratings()
        run_job()
        survey = Survey.objects.get(ticket=chat)
        self.assertEqual((survey.level, survey.state), (2, SurveyState.ANSWERED))
        self.assertIsNotNone(survey.solved_event_id)
