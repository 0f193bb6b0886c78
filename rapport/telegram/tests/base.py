"""The Telegram test base: the personas, a bot of the Support team, the fake Bot API."""

from __future__ import annotations

import json

from rapport.telegram.models import Bot
from rapport.test import BaseTestCase

from .fakebot import FakeBotApi


class TelegramTestCase(BaseTestCase):
    fake: FakeBotApi

    @classmethod
    def setUpClass(cls) -> None:
        cls.fake = FakeBotApi().start()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls.fake.stop()

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.bot = Bot(name="Shop bot", username="shop_bot", team=cls.support)
        cls.bot.token = cls.fake.token
        cls.bot.api_base_url = cls.fake.base_url
        cls.bot.save()

    def setUp(self) -> None:
        super().setUp()
        for store in (
            self.fake.calls,
            self.fake.files,
            self.fake.failures,
            self.fake.file_failures,
            self.fake.blocked,
        ):
            store.clear()

    def post(self, update, *, secret: str | None = None, bot: Bot | None = None):
        bot = bot or self.bot
        body = update if isinstance(update, bytes | str) else json.dumps(update)
        headers = {}
        secret = bot.webhook_secret if secret is None else secret
        if secret:
            headers["X-Telegram-Bot-Api-Secret-Token"] = secret
        return self.client.post(
            f"/telegram/{bot.pk}/webhook/",
            data=body,
            content_type="application/json",
            headers=headers,
        )
