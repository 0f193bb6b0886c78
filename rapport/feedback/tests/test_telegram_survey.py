"""FB1 on Telegram: the survey is a real message through the Telegram outbox (the fake Bot
API of rapport/telegram tests), with the same signed links."""

from __future__ import annotations

from rapport.feedback.models import Survey, SurveyState
from rapport.outbox.actions import do_deliver
from rapport.outbox.models import Delivery, DeliveryState
from rapport.telegram.tests.base import TelegramTestCase
from rapport.telegram.tests.fakebot import update
from rapport.tickets.models import Ticket

from .base import links, run_job, solve


class TelegramSurveyTests(TelegramTestCase):
    def test_a_solved_telegram_ticket_is_asked_in_the_chat(self):
        self.post(update(100, text="Где мой заказ?"))
        ticket = Ticket.objects.get(channel="telegram")
        solve(ticket, self.alice)
        run_job()
        survey = Survey.objects.get(ticket=ticket)
        self.assertEqual((survey.state, survey.language), (SurveyState.SENT, "ru"))
        delivery = do_deliver(Delivery.objects.get(message=survey.message).pk)
        self.assertEqual(delivery.state, DeliveryState.SENT)
        (call,) = self.fake.calls_to("sendMessage")
        self.assertEqual(call["params"]["chat_id"], 5550001)
        found = links(call["params"]["text"])
        self.assertEqual(set(found), {"1", "2", "3", "4", "5", "ok"})
        self.client.get(found["3"])
        survey.refresh_from_db()
        self.assertEqual(survey.level, 3)
