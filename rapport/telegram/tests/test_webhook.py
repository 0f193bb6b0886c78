"""Inbound Telegram updates by webhook (CH6, TR1): authenticated, stored first, exactly once,
bad input refused or quarantined — never a crash, never a lost update."""

from __future__ import annotations

from rapport.customers.models import Identity
from rapport.intake.models import InboundRaw, RawState
from rapport.lib.channels import Channel
from rapport.telegram.models import Contact
from rapport.tickets.models import Message, Ticket

from .base import TelegramTestCase
from .fakebot import message, update, user


class WebhookAuthTests(TelegramTestCase):
    def test_it_refuses_a_missing_or_forged_secret_token(self):
        for secret in ("", "forged", self.bot.webhook_secret + "x", "ключ"):
            response = self.post(update(1, text="hello"), secret=secret or "")
            self.assertEqual(response.status_code, 403, secret)
        self.assertIn("X-Telegram-Bot-Api-Secret-Token", response.json()["error"])
        self.assertFalse(InboundRaw.objects.filter(channel=Channel.TELEGRAM).exists())
        self.bot.refresh_from_db()
        self.assertEqual(self.bot.rejected, 4)  # dropped and counted
        self.assertIn("403", self.bot.last_rejection)

    def test_it_refuses_an_unknown_or_inactive_bot_the_same_way(self):
        response = self.client.post(
            "/telegram/999/webhook/",
            data="{}",
            content_type="application/json",
            headers={"X-Telegram-Bot-Api-Secret-Token": self.bot.webhook_secret},
        )
        self.assertEqual(response.status_code, 403)
        self.bot.is_active = False
        self.bot.save()
        self.assertEqual(self.post(update(1, text="hi")).status_code, 403)

    def test_it_answers_only_post(self):
        self.assertEqual(self.client.get(f"/telegram/{self.bot.pk}/webhook/").status_code, 405)


class BadBodyTests(TelegramTestCase):
    def test_a_body_that_is_not_json_is_a_400(self):
        response = self.post(b"not json {")
        self.assertEqual(response.status_code, 400)
        self.assertIn("JSON", response.json()["error"])

    def test_json_that_is_not_an_update_is_a_400(self):
        for body in ("[1, 2]", '{"message": {}}', '{"update_id": "7"}', '{"update_id": true}'):
            self.assertEqual(self.post(body).status_code, 400, body)
        self.assertFalse(InboundRaw.objects.filter(channel=Channel.TELEGRAM).exists())

    def test_absurdly_deep_json_is_a_400_not_a_crash(self):
        self.assertEqual(self.post("[" * 100_000 + "]" * 100_000).status_code, 400)

    def test_an_oversized_body_is_a_413(self):
        big = update(1, text="x" * (1024 * 1024 + 10))
        response = self.post(big)
        self.assertEqual(response.status_code, 413)
        self.assertFalse(InboundRaw.objects.filter(channel=Channel.TELEGRAM).exists())

    def test_a_malformed_update_is_quarantined_with_its_reason_and_answered_200(self):
        broken = {
            "update_id": 40,
            "message": {
                "message_id": 1,
                "chat": {"id": 5, "type": "private"},
                "date": 1,
                "text": "hi",
            },
        }
        response = self.post(broken)
        self.assertEqual(response.status_code, 200)  # Telegram must not send it again
        raw = InboundRaw.objects.get(channel=Channel.TELEGRAM, external_id=f"{self.bot.pk}:40")
        self.assertEqual(raw.state, RawState.QUARANTINED)
        self.assertIn("no sender (from.id)", raw.error)
        self.assertEqual(bytes(raw.raw), response.wsgi_request.body)  # kept exactly as sent


class TextMessageTests(TelegramTestCase):
    def test_a_text_message_opens_a_ticket_for_the_telegram_user(self):
        response = self.post(
            update(10, text="Здравствуйте! Где мой заказ LH-1001?", date=1_795_000_000)
        )
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {})
        raw = InboundRaw.objects.get(channel=Channel.TELEGRAM)
        self.assertEqual(raw.external_id, f"{self.bot.pk}:10")
        self.assertEqual(raw.state, RawState.PROCESSED)
        msg = raw.message
        self.assertEqual(msg.body_text, "Здравствуйте! Где мой заказ LH-1001?")
        self.assertEqual(msg.channel, Channel.TELEGRAM)
        ticket = msg.ticket
        self.assertEqual(ticket.channel, Channel.TELEGRAM)
        self.assertEqual(ticket.team, self.support)  # the bot's team
        customer = ticket.customer
        self.assertEqual(customer.name, "Ирина Петрова")
        self.assertEqual(customer.language, "ru")
        identity = Identity.objects.get(customer=customer)
        self.assertEqual((identity.kind, identity.value), ("telegram", "5550001"))
        contact = Contact.objects.get(bot=self.bot, user_id=5550001)
        self.assertEqual(contact.username, "irina_p")
        self.assertEqual(contact.chat_id, 5550001)
        self.assertEqual(contact.customer, customer)
        self.assertEqual(msg.created_at.timestamp(), 1_795_000_000)  # the message's own date

    def test_a_redelivered_update_is_stored_and_threaded_once(self):
        first = self.post(update(11, text="Where is my order?"))
        again = self.post(update(11, text="Where is my order?"))
        self.assertEqual((first.status_code, again.status_code), (200, 200))
        self.assertEqual(InboundRaw.objects.filter(channel=Channel.TELEGRAM).count(), 1)
        self.assertEqual(Message.objects.filter(channel=Channel.TELEGRAM).count(), 1)

    def test_the_next_message_continues_the_open_conversation(self):
        self.post(update(12, text="Where is my order?"))
        self.post(update(13, message_id=2, text="It was LH-1001."))
        self.assertEqual(Ticket.objects.filter(channel=Channel.TELEGRAM).count(), 1)
        self.assertEqual(Message.objects.filter(channel=Channel.TELEGRAM).count(), 2)

    def test_the_same_user_id_is_one_customer_whatever_their_name_becomes(self):
        self.post(update(14, text="Hello"))
        renamed = user(first="Irina", last="", username="irina_new", lang="en")
        self.post(update(15, message_id=2, sender=renamed, text="Me again"))
        self.assertEqual(Identity.objects.filter(kind="telegram").count(), 1)
        self.assertEqual(Contact.objects.get().username, "irina_new")  # kept up to date

    def test_a_user_without_a_name_is_named_by_username(self):
        self.post(update(16, sender=user(7, first="", last="", username="nick"), text="hi"))
        self.assertEqual(Message.objects.get(channel="telegram").customer.name, "@nick")


class NotForTicketTests(TelegramTestCase):
    def test_start_greets_in_the_users_language_and_opens_no_ticket(self):
        response = self.post(update(20, text="/start"))
        self.assertEqual(response.status_code, 200)
        answer = response.json()
        self.assertEqual(answer["method"], "sendMessage")
        self.assertEqual(answer["chat_id"], 5550001)
        self.assertIn("Здравствуйте", answer["text"])
        raw = InboundRaw.objects.get(channel=Channel.TELEGRAM)
        self.assertEqual(raw.state, RawState.IGNORED)
        self.assertIn("/start", raw.error)
        self.assertFalse(Ticket.objects.filter(channel=Channel.TELEGRAM).exists())
        self.assertEqual(Contact.objects.get().username, "irina_p")  # known before they write

    def test_start_with_a_deep_link_parameter_keeps_the_parameter(self):
        english = user(8, first="Ann", last="", username="", lang="en")
        response = self.post(update(21, sender=english, text="/start order-42"))
        self.assertIn("Hello", response.json()["text"])
        self.assertIn("order-42", InboundRaw.objects.get(channel="telegram").error)

    def test_a_redelivered_start_is_not_greeted_twice(self):
        self.post(update(22, text="/start"))
        self.assertEqual(self.post(update(22, text="/start")).json(), {})

    def test_an_unknown_update_type_is_kept_with_the_reason(self):
        callback = {"update_id": 30, "callback_query": {"id": "1", "from": user(), "data": "x"}}
        self.assertEqual(self.post(callback).status_code, 200)
        raw = InboundRaw.objects.get(channel=Channel.TELEGRAM)
        self.assertEqual(raw.state, RawState.IGNORED)
        self.assertIn("'callback_query'", raw.error)

    def test_a_group_message_is_kept_but_makes_no_ticket(self):
        self.post(update(31, text="hello all", chat_type="group"))
        raw = InboundRaw.objects.get(channel=Channel.TELEGRAM)
        self.assertEqual(raw.state, RawState.IGNORED)
        self.assertIn("only private chats", raw.error)

    def test_blocking_and_unblocking_the_bot_is_recorded_on_the_contact(self):
        self.post(update(32, text="Hello"))
        change = {
            "update_id": 33,
            "my_chat_member": {
                "chat": {"id": 5550001, "type": "private"},
                "from": user(),
                "date": 1_795_000_100,
                "old_chat_member": {
                    "user": {"id": 1, "is_bot": True, "first_name": "B"},
                    "status": "member",
                },
                "new_chat_member": {
                    "user": {"id": 1, "is_bot": True, "first_name": "B"},
                    "status": "kicked",
                },
            },
        }
        self.post(change)
        self.assertIsNotNone(Contact.objects.get().blocked_at)
        self.assertIn("blocked", InboundRaw.objects.get(external_id=f"{self.bot.pk}:33").error)
        self.post(update(34, message_id=3, text="Sorry, unblocked you"))
        self.assertIsNone(Contact.objects.get().blocked_at)


class EditedMessageTests(TelegramTestCase):
    def test_an_edit_arrives_as_a_new_marked_message_on_the_same_ticket(self):
        self.post(update(50, text="My order LH-1001 is late", date=1_795_000_000))
        edited = {
            "update_id": 51,
            "edited_message": message(
                1, text="My order LH-1002 is late", date=1_795_000_000, edit_date=1_795_000_300
            ),
        }
        self.assertEqual(self.post(edited).status_code, 200)
        first, second = Message.objects.filter(channel="telegram").order_by("created_at")
        self.assertEqual(first.body_text, "My order LH-1001 is late")  # the original stays
        self.assertEqual(second.body_text, "[edited] My order LH-1002 is late")
        self.assertEqual(second.ticket, first.ticket)
        self.assertEqual(second.created_at.timestamp(), 1_795_000_300)
