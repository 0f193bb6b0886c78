"""Telegram's redelivery racing its first delivery (TR1): the same update posted by several
connections at once is stored once and makes one message; two messages of a new user at once
make one customer, one ticket, one contact. Threads with their own database connections:
row locks and unique constraints for real on PostgreSQL, queued writers on SQLite."""

from __future__ import annotations

import json

from django.test import Client, TransactionTestCase

from rapport.accounts.models import Team
from rapport.customers.models import Customer
from rapport.intake.models import InboundRaw, RawState
from rapport.intake.tests.test_concurrency import run_concurrently
from rapport.telegram.models import Bot, Contact
from rapport.tickets.models import Message, Ticket

from .fakebot import update


class ConcurrentWebhookTest(TransactionTestCase):
    def setUp(self):
        team = Team.objects.create(name="Support", is_default=True)
        self.bot = Bot(name="Race bot", team=team, api_base_url="http://127.0.0.1:9")
        self.bot.token = "1:x"
        self.bot.save()

    def post(self, body):
        return Client().post(
            f"/telegram/{self.bot.pk}/webhook/",
            data=json.dumps(body),
            content_type="application/json",
            headers={"X-Telegram-Bot-Api-Secret-Token": self.bot.webhook_secret},
        )

    def test_one_update_delivered_on_many_connections_at_once_is_stored_once(self):
        body = update(900, text="Заказ LH-1001 не пришёл")
        results, errors = run_concurrently(lambda i: self.post(body).status_code, n=6)
        self.assertEqual(errors, [])
        self.assertEqual(results, [200] * 6)
        raw = InboundRaw.objects.get(channel="telegram")
        self.assertEqual(raw.state, RawState.PROCESSED)
        self.assertEqual(Message.objects.filter(channel="telegram").count(), 1)

    def test_a_new_users_messages_at_once_make_one_customer_ticket_and_contact(self):
        results, errors = run_concurrently(
            lambda i: self.post(update(910 + i, message_id=i + 1, text=f"part {i}")).status_code,
            n=6,
        )
        self.assertEqual(errors, [])
        self.assertEqual(results, [200] * 6)
        self.assertEqual(Message.objects.filter(channel="telegram").count(), 6)
        self.assertEqual(Ticket.objects.filter(channel="telegram").count(), 1)
        self.assertEqual(Customer.objects.count(), 1)
        self.assertEqual(Contact.objects.count(), 1)
