"""Configuring a bot: the token is encrypted at rest and never shown again; the
`telegram_webhook` command registers the webhook (setWebhook with the secret token and the
update kinds Rapport reads) and shows getWebhookInfo."""

from __future__ import annotations

from io import StringIO

from django.core.management import CommandError, call_command

from rapport.accounts.models import User
from rapport.telegram.models import Bot
from rapport.telegram.transport import ALLOWED_UPDATES

from .base import TelegramTestCase

TOKEN = "987654:AAE-new_secret_token_value"  # noqa: S105 — a test value


class AdminTests(TelegramTestCase):
    def setUp(self) -> None:
        super().setUp()
        admin = User.objects.create_superuser("root", "root@rapport.test", "x")
        self.client.force_login(admin)

    def test_a_bot_is_added_with_its_token_encrypted_and_never_shown(self):
        response = self.client.post(
            "/admin/telegram/bot/add/",
            {
                "name": "Support bot",
                "username": "support_bot",
                "team": self.support.pk,
                "is_active": "on",
                "api_base_url": "https://api.telegram.org",
                "max_file_bytes": 20 * 1024 * 1024,
                "greetings": "{}",
                "token": TOKEN,
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])
        bot = Bot.objects.get(name="Support bot")
        self.assertEqual(bot.token, TOKEN)
        self.assertNotIn(TOKEN, bot.token_encrypted)
        self.assertNotIn("AAE-new", repr(bot) + str(bot))
        page = self.client.get(f"/admin/telegram/bot/{bot.pk}/change/")
        self.assertNotContains(page, TOKEN)
        self.assertContains(page, f"/telegram/{bot.pk}/webhook/")
        self.assertEqual(len(bot.webhook_secret), 43)  # generated, 256 bits

    def test_saving_without_a_token_keeps_the_current_one(self):
        response = self.client.post(
            f"/admin/telegram/bot/{self.bot.pk}/change/",
            {
                "name": "Renamed",
                "username": "shop_bot",
                "team": self.support.pk,
                "is_active": "on",
                "api_base_url": self.fake.base_url,
                "max_file_bytes": 1000,
                "greetings": "{}",
                "token": "",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.bot.refresh_from_db()
        self.assertEqual((self.bot.name, self.bot.token), ("Renamed", self.fake.token))

    def test_a_new_bot_needs_a_token(self):
        response = self.client.post(
            "/admin/telegram/bot/add/",
            {
                "name": "B",
                "team": self.support.pk,
                "api_base_url": "https://api.telegram.org",
                "max_file_bytes": 1,
                "greetings": "{}",
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertFalse(Bot.objects.filter(name="B").exists())

    def test_contacts_are_listed(self):
        from .fakebot import update

        self.post(update(1, text="hi"))
        page = self.client.get("/admin/telegram/contact/")
        self.assertContains(page, "@irina_p")


class WebhookCommandTests(TelegramTestCase):
    def test_it_sets_the_webhook_with_the_secret_and_shows_the_info(self):
        out = StringIO()
        call_command(
            "telegram_webhook", str(self.bot.pk), url="https://desk.example.com", stdout=out
        )
        (call,) = self.fake.calls_to("setWebhook")
        url = f"https://desk.example.com/telegram/{self.bot.pk}/webhook/"
        self.assertEqual(call["params"]["url"], url)
        self.assertEqual(call["params"]["secret_token"], self.bot.webhook_secret)
        self.assertEqual(call["params"]["allowed_updates"], ALLOWED_UPDATES)
        self.assertEqual(len(self.fake.calls_to("getWebhookInfo")), 1)
        self.assertIn(f"url: {url}", out.getvalue())
        self.assertIn("allowed_updates: message, edited_message, my_chat_member", out.getvalue())
        self.assertNotIn(self.fake.token, out.getvalue())

    def test_it_finds_the_bot_by_name_and_can_delete_the_webhook(self):
        call_command("telegram_webhook", "Shop bot", delete=True, stdout=StringIO())
        self.assertEqual(
            [c["method"] for c in self.fake.calls], ["deleteWebhook", "getWebhookInfo"]
        )

    def test_it_refuses_a_plain_http_url_and_reports_telegram_errors(self):
        with self.assertRaisesMessage(CommandError, "https://"):
            call_command(
                "telegram_webhook", str(self.bot.pk), url="http://x.test", stdout=StringIO()
            )
        self.fake.fail("setWebhook", 400, "Bad Request: bad webhook: HTTPS url must be provided")
        with self.assertRaisesMessage(CommandError, "bad webhook"):
            call_command(
                "telegram_webhook", str(self.bot.pk), url="https://x.test", stdout=StringIO()
            )
        with self.assertRaisesMessage(CommandError, "No bot"):
            call_command("telegram_webhook", "nope", info=True, stdout=StringIO())

    def test_a_wrong_token_is_reported_without_the_token(self):
        self.bot.token = "1:wrong"
        self.bot.save()
        with self.assertRaises(CommandError) as caught:
            call_command("telegram_webhook", str(self.bot.pk), info=True, stdout=StringIO())
        self.assertIn("401 Unauthorized", str(caught.exception))
        self.assertNotIn("1:wrong", str(caught.exception))
