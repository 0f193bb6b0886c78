"""Agent replies reach the widget live, or go on by e-mail (CH1, CH3); identity; FB1 rating;
business hours; the settings page; the widget's size."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from freezegun import freeze_time

from rapport.accounts.models import Role
from rapport.customers.models import Identity
from rapport.mail.models import Mailbox, Security
from rapport.mail.tests.servers import Sink
from rapport.outbox.actions import flush_due
from rapport.outbox.models import Delivery, DeliveryState
from rapport.realtime.publish import chat_group
from rapport.sla.models import BusinessCalendar
from rapport.test import BaseTestCase, make_agent
from rapport.tickets.actions import do_change_status, do_reply
from rapport.webchat import actions
from rapport.webchat.models import ChatRating, Visitor, Widget, visitor_id

TOKEN = "outbound-visitor-eeeeeeeeeeee"


class ChatTestCase(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.widget = Widget.objects.create(
            name="Shop",
            team=cls.support,
            allowed_origins="https://shop.example.com",
            greetings={"en": "Hello!", "ru": "Здравствуйте!", "zh": "您好！"},
        )

    def say(self, text: str, client_id: str = "c-1", token: str = TOKEN):
        return actions.do_visitor_message(self.widget, token, client_id, text).message


class OutboundTest(ChatTestCase):
    def listen(self, ticket_id: int) -> str:
        layer = get_channel_layer()
        channel = async_to_sync(layer.new_channel)()
        async_to_sync(layer.group_add)(chat_group(ticket_id), channel)
        return channel

    def receive(self, channel: str) -> dict:
        return async_to_sync(get_channel_layer().receive)(channel)

    def test_an_agent_reply_is_pushed_to_the_visitor_s_widget(self):
        message = self.say("Where is my lamp?")
        Visitor.objects.filter(vid=visitor_id(TOKEN)).update(connections=1)
        channel = self.listen(message.ticket_id)
        reply = do_reply(message.ticket, author=self.alice, body_text="It ships today.")
        self.assertEqual(flush_due(), 1)
        delivery = Delivery.objects.get(message=reply)
        self.assertEqual(delivery.state, DeliveryState.SENT)
        event = self.receive(channel)
        self.assertEqual(event["type"], "chat.message")
        self.assertEqual(event["message"]["text"], "It ships today.")
        self.assertEqual(event["message"]["from"], "agent")
        self.assertEqual(event["message"]["name"], "Alice")
        self.assertFalse(event["ended"])

    def test_solving_the_chat_asks_the_visitor_for_a_rating(self):
        message = self.say("Thanks, that is all")
        channel = self.listen(message.ticket_id)
        with self.captureOnCommitCallbacks(execute=True):
            do_change_status(message.ticket, "solved", actor=self.alice)
        event = self.receive(channel)
        self.assertEqual((event["type"], event["rate"]), ("chat.ended", True))
        welcome = actions.welcome(self.widget, TOKEN)
        self.assertEqual(
            welcome["chat"], {"ticket": message.ticket_id, "ended": True, "rate": True}
        )

    def test_a_reply_to_a_visitor_who_left_goes_on_by_e_mail(self):
        sink = Sink().start()
        self.addCleanup(sink.stop)
        Mailbox.objects.create(
            name="Support",
            address="help@shop.test",
            team=self.support,
            smtp_host="127.0.0.1",
            smtp_port=sink.port,
            smtp_security=Security.NONE,
        )
        actions.do_identify(self.widget, TOKEN, name="Ира", email="ira@example.com")
        message = self.say("Please write to me")
        reply = do_reply(message.ticket, author=self.alice, body_text="Here is the answer.")
        flush_due()
        delivery = Delivery.objects.get(message=reply)
        self.assertEqual(delivery.state, DeliveryState.SENT)
        self.assertIn("e-mail to ira@example.com", delivery.last_error)
        self.assertEqual(len(sink.messages), 1)
        email = sink.parsed(0)
        self.assertEqual(email["To"], "ira@example.com")
        self.assertIn(f"[Ticket#{message.ticket_id}]", email["Subject"])
        self.assertIn("Here is the answer.", email.get_body(("plain",)).get_content())

    def test_a_reply_to_a_visitor_who_left_no_e_mail_waits_in_the_widget(self):
        message = self.say("Hello?")
        reply = do_reply(message.ticket, author=self.alice, body_text="Hello!")
        flush_due()
        delivery = Delivery.objects.get(message=reply)
        self.assertEqual(delivery.state, DeliveryState.SENT)
        self.assertIn("next visit", delivery.last_error)
        welcome = actions.welcome(self.widget, TOKEN)
        self.assertEqual([m["text"] for m in welcome["history"]], ["Hello?", "Hello!"])


class IdentityTest(ChatTestCase):
    def test_the_same_browser_is_the_same_customer(self):
        first = self.say("One", "a")
        second = self.say("Two", "b")
        self.assertEqual(first.customer_id, second.customer_id)
        self.assertEqual(first.ticket_id, second.ticket_id)

    def test_an_e_mail_of_a_known_customer_links_the_chat_to_them(self):
        message = self.say("Hi, it is Carol")
        actions.do_identify(self.widget, TOKEN, name="Carol", email="CAROL@example.com")
        message.refresh_from_db()
        self.assertEqual(message.customer_id, self.carol.pk)
        identity = Identity.objects.get(kind="webchat", value=visitor_id(TOKEN))
        self.assertEqual(identity.customer_id, self.carol.pk)
        # Her next chat message lands on her profile; the widget still shows only this chat.
        later = self.say("Still me", "c-2")
        self.assertEqual(later.customer_id, self.carol.pk)
        welcome = actions.welcome(self.widget, TOKEN)
        self.assertEqual([m["text"] for m in welcome["history"]], ["Hi, it is Carol", "Still me"])

    def test_a_new_e_mail_joins_the_visitor_s_profile(self):
        message = self.say("Hello")
        visitor = actions.do_identify(self.widget, TOKEN, email="new@example.com")
        self.assertEqual(visitor.email, "new@example.com")
        self.assertTrue(
            Identity.objects.filter(
                kind="email", value="new@example.com", customer=message.customer
            ).exists()
        )

    def test_a_malformed_e_mail_is_refused(self):
        with self.assertRaises(actions.ChatError) as caught:
            actions.do_identify(self.widget, TOKEN, email="not an address")
        self.assertEqual(caught.exception.code, "bad_email")


class RatingTest(ChatTestCase):
    def test_the_visitor_rates_an_ended_chat_once(self):
        message = self.say("Help")
        with self.assertRaises(actions.ChatError) as caught:
            actions.do_rate(self.widget, TOKEN, 5)
        self.assertEqual(caught.exception.code, "no_chat")
        do_reply(message.ticket, author=self.alice, body_text="Done.", status_after="solved")
        for bad in (0, 6, "5", True, None):
            with self.assertRaises(actions.ChatError):
                actions.do_rate(self.widget, TOKEN, bad)
        rating = actions.do_rate(self.widget, TOKEN, 4, "Quick and kind")
        self.assertEqual((rating.ticket_id, rating.score), (message.ticket_id, 4))
        self.assertEqual(rating.get_score_display(), "Delighted")
        actions.do_rate(self.widget, TOKEN, 1)
        self.assertEqual(ChatRating.objects.get().score, 4)
        self.assertFalse(actions.welcome(self.widget, TOKEN)["chat"]["rate"])

    def test_a_message_after_the_chat_ended_starts_a_new_chat(self):
        message = self.say("Help")
        do_reply(message.ticket, author=self.alice, body_text="Done.", status_after="closed")
        again = self.say("One more thing", "c-2")
        self.assertNotEqual(again.ticket_id, message.ticket_id)
        welcome = actions.welcome(self.widget, TOKEN)
        self.assertEqual([m["text"] for m in welcome["history"]], ["One more thing"])


class HoursTest(ChatTestCase):
    def test_outside_hours_the_widget_says_when_and_asks_for_an_e_mail(self):
        calendar = BusinessCalendar.objects.create(
            name="Shop", time_zone="Europe/Moscow", week=["09:00-18:00"] * 5 + ["", ""]
        )
        Widget.objects.filter(pk=self.widget.pk).update(calendar=calendar)
        self.widget.refresh_from_db()
        with freeze_time(datetime(2026, 11, 28, 12, 0, tzinfo=UTC)):  # a Saturday
            welcome = actions.welcome(self.widget, TOKEN, "ru")
        self.assertFalse(welcome["open"])
        self.assertTrue(welcome["ask_email"])
        self.assertEqual(welcome["next_opening"], "2026-11-30T09:00:00+03:00")
        self.assertEqual(welcome["greeting"], "Здравствуйте!")
        with freeze_time(datetime(2026, 11, 30, 8, 0, tzinfo=UTC)):  # Monday 11:00 in Moscow
            welcome = actions.welcome(self.widget, TOKEN, "zh-Hans")
        self.assertTrue(welcome["open"] and welcome["agents_online"])
        self.assertFalse(welcome["ask_email"])
        self.assertEqual(welcome["greeting"], "您好！")

    def test_with_nobody_available_it_asks_for_an_e_mail(self):
        from rapport.agents.models import AgentSettings

        for agent in (self.alice, self.bob):
            AgentSettings.objects.create(user=agent, availability="away")
        welcome = actions.welcome(self.widget, TOKEN)
        self.assertFalse(welcome["agents_online"])
        self.assertTrue(welcome["ask_email"])


class SettingsPageTest(ChatTestCase):
    def test_administrators_manage_widgets_and_agents_cannot(self):
        admin = make_agent("ada", role=Role.ADMIN)
        self.login(self.alice)
        self.assertEqual(self.client.get("/chat/widgets/").status_code, 403)
        self.login(admin)
        self.assertContains(self.client.get("/chat/widgets/"), self.widget.key)
        response = self.client.post(
            "/chat/widgets/new/",
            {
                "name": "Blog",
                "team": self.billing.pk,
                "is_active": "on",
                "allowed_origins": "https://blog.example.com/\nhttps://*.example.net",
                "max_upload_mb": 5,
                "ip_limit_per_minute": 100,
                "greeting_ru": "Привет!",
            },
        )
        self.assertEqual(response.status_code, 302)
        blog = Widget.objects.get(name="Blog")
        self.assertEqual(blog.origins(), ["https://blog.example.com", "https://*.example.net"])
        self.assertEqual(blog.greetings, {"ru": "Привет!"})
        page = self.client.get(f"/chat/widgets/{blog.pk}/")
        self.assertContains(page, f'data-widget="{blog.key}"')
        bad = self.client.post(
            "/chat/widgets/new/",
            {
                "name": "X",
                "allowed_origins": "not a url",
                "max_upload_mb": 1,
                "ip_limit_per_minute": 1,
            },
        )
        self.assertEqual(bad.status_code, 200)
        self.assertFalse(Widget.objects.filter(name="X").exists())

    def test_the_demo_page_embeds_the_widget_with_one_script_tag(self):
        page = self.client.get("/chat/demo/?lang=ru")
        self.assertContains(page, f'data-widget="{self.widget.key}" async></script>')
        self.assertContains(page, '<html lang="ru">')


def test_the_widget_is_at_most_40_kb_gzipped():
    path = Path(settings.BASE_DIR) / "static" / "webchat" / "widget.js"
    size = len(gzip.compress(path.read_bytes(), compresslevel=9))
    assert size <= 40 * 1024, size
