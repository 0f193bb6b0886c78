"""Point a bot's webhook at this server: setWebhook (with the bot's secret token and the update
kinds Rapport reads), then getWebhookInfo to show what Telegram now has."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from rapport.telegram import api
from rapport.telegram.models import Bot
from rapport.telegram.transport import ALLOWED_UPDATES


class Command(BaseCommand):
    help = "Register a Telegram bot's webhook URL with the Bot API and show the webhook info."

    def add_arguments(self, parser):
        parser.add_argument("bot", help="the bot's id or name")
        parser.add_argument(
            "--url",
            help="the public HTTPS URL of this server's webhook, e.g. "
            "https://desk.example.com/telegram/1/webhook/ (or the site root: the path is added)",
        )
        parser.add_argument("--delete", action="store_true", help="remove the webhook instead")
        parser.add_argument(
            "--drop-pending", action="store_true", help="drop the updates Telegram holds"
        )
        parser.add_argument("--info", action="store_true", help="only show getWebhookInfo")

    def handle(self, *args, bot, url, delete, drop_pending, info, **options):
        found = Bot.objects.filter(pk=int(bot)) if bot.isdigit() else Bot.objects.filter(name=bot)
        the_bot = found.first()
        if the_bot is None:
            raise CommandError(f"No bot {bot!r}.")
        base, token = the_bot.api_base_url, the_bot.token
        try:
            if delete:
                api.call(base, token, "deleteWebhook", {"drop_pending_updates": drop_pending})
                self.stdout.write("Webhook removed.")
            elif not info:
                if not url or not url.startswith("https://"):
                    raise CommandError("--url must be an https:// URL (Telegram requires HTTPS).")
                path = f"/telegram/{the_bot.pk}/webhook/"
                if not url.rstrip("/").endswith(path.rstrip("/")):
                    url = url.rstrip("/") + path
                api.call(
                    base,
                    token,
                    "setWebhook",
                    {
                        "url": url,
                        "secret_token": the_bot.webhook_secret,
                        "allowed_updates": ALLOWED_UPDATES,
                        "drop_pending_updates": drop_pending,
                    },
                )
                self.stdout.write(f"Webhook set: {url}")
            state = api.call(base, token, "getWebhookInfo") or {}
        except api.ApiError as exc:
            raise CommandError(f"Telegram: {exc}") from None
        for key in ("url", "pending_update_count", "last_error_date", "last_error_message"):
            if key in state:
                self.stdout.write(f"  {key}: {state[key]}")
        if state.get("allowed_updates"):
            self.stdout.write(f"  allowed_updates: {', '.join(state['allowed_updates'])}")
