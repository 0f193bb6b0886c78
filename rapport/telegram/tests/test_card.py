"""The customer card's Telegram line (TR6, TR7): the username kept per bot, and a warning when
the customer blocked the bot, so the agent knows a reply there will not arrive."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import timezone, translation

from rapport.telegram.models import Contact

from .base import TelegramTestCase
from .fakebot import update, user

CARD = Template("{% load telegram %}{% telegram_contacts customer %}")


class CardTests(TelegramTestCase):
    def render(self, customer) -> str:
        return CARD.render(Context({"customer": customer}))

    def test_it_shows_the_username_and_the_bot(self):
        self.post(update(1, text="hi"))
        contact = Contact.objects.get()
        html = self.render(contact.customer)
        self.assertIn("@irina_p", html)
        self.assertIn("via Shop bot", html)
        self.assertNotIn("Blocked", html)

    def test_it_warns_when_the_customer_blocked_the_bot_in_the_agents_language(self):
        self.post(update(2, sender=user(9, username=""), text="hi"))
        contact = Contact.objects.get()
        Contact.objects.filter(pk=contact.pk).update(blocked_at=timezone.now())
        html = self.render(contact.customer)
        self.assertIn("Telegram: 9 <span", html)
        self.assertIn("Blocked the bot on", html)
        with translation.override("ru"):
            self.assertIn("Telegram", self.render(contact.customer))

    def test_a_customer_without_telegram_renders_nothing(self):
        self.assertEqual(self.render(self.carol).strip(), "")
