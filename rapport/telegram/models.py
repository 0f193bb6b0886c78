"""Telegram bots and the people who write to them (CH1, CH6). See docs/telegram.md.

The channel's configuration lives here, never on teams or tickets. The bot token is encrypted
at rest (rapport.lib.crypto) and never shown, logged or put in an error message.
"""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.lib import crypto

DEFAULT_API_BASE = "https://api.telegram.org"
# Bots can download files of up to 20 MB through getFile (Bot API limit).
DEFAULT_MAX_FILE_BYTES = 20 * 1024 * 1024

DEFAULT_GREETINGS = {
    "en": "Hello! Write your question here and our team will answer in this chat.",
    "ru": "Здравствуйте! Напишите здесь свой вопрос, и наша команда ответит в этом чате.",
    "zh": "您好！请在这里写下您的问题，我们的团队会在此对话中回复您。",
}


def _secret() -> str:
    # setWebhook's secret_token: 1-256 characters of A-Z, a-z, 0-9, "_" and "-".
    return secrets.token_urlsafe(32)


class Bot(models.Model):
    name = models.CharField(_("name"), max_length=100)
    username = models.CharField(
        _("bot username"), max_length=64, blank=True, help_text=_("Without the @; for display.")
    )
    team = models.ForeignKey(
        "accounts.Team",
        on_delete=models.PROTECT,
        related_name="telegram_bots",
        verbose_name=_("team"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    token_encrypted = models.TextField(blank=True, editable=False)
    webhook_secret = models.CharField(
        _("webhook secret token"), max_length=256, default=_secret, editable=False
    )
    api_base_url = models.URLField(
        _("Bot API base URL"),
        default=DEFAULT_API_BASE,
        help_text=_("Change only for a self-hosted Bot API server (or a test double)."),
    )
    max_file_bytes = models.PositiveIntegerField(
        _("largest file downloaded (bytes)"), default=DEFAULT_MAX_FILE_BYTES
    )
    greetings = models.JSONField(
        _("greeting per language"),
        default=dict,
        blank=True,
        help_text=_('Answer to /start: {"ru": "...", "zh": "...", "en": "..."}. Empty: built-in.'),
    )
    # Webhook requests refused (forged secret, not an Update, too large): dropped and counted.
    rejected = models.PositiveIntegerField(_("requests refused"), default=0, editable=False)
    last_rejection = models.CharField(_("last refusal"), max_length=300, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("Telegram bot")
        verbose_name_plural = _("Telegram bots")

    def __str__(self) -> str:
        return f"{self.name} (@{self.username})" if self.username else self.name

    def __repr__(self) -> str:  # never the token
        return f"<Bot {self.pk} {self.name!r}>"

    @property
    def token(self) -> str:
        return crypto.decrypt(self.token_encrypted)

    @token.setter
    def token(self, value: str) -> None:
        self.token_encrypted = crypto.encrypt((value or "").strip())

    def greeting(self, language: str) -> str:
        lang = (language or "en").split("-")[0].lower()
        texts = {**DEFAULT_GREETINGS, **(self.greetings or {})}
        return texts.get(lang) or texts["en"]


class Contact(models.Model):
    """A Telegram user as one bot knows them: the chat to answer in, the username (the
    customer profile keeps the name; the identity keeps the user id), whether they blocked
    the bot. Written after intake has stored the update, never instead of it."""

    bot = models.ForeignKey(Bot, on_delete=models.CASCADE, related_name="contacts")
    user_id = models.BigIntegerField(_("Telegram user id"))
    chat_id = models.BigIntegerField(_("chat id"))
    customer = models.ForeignKey(
        "customers.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="telegram_contacts",
    )
    username = models.CharField(_("username"), max_length=64, blank=True)
    first_name = models.CharField(_("first name"), max_length=255, blank=True)
    last_name = models.CharField(_("last name"), max_length=255, blank=True)
    language_code = models.CharField(_("language"), max_length=35, blank=True)
    blocked_at = models.DateTimeField(_("blocked the bot at"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last message"), null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at", "id"]
        verbose_name = _("Telegram contact")
        constraints = [
            models.UniqueConstraint(fields=["bot", "user_id"], name="telegram_contact_once")
        ]
        indexes = [models.Index(fields=["customer", "last_seen_at"], name="tg_contact_customer")]

    def __str__(self) -> str:
        name = " ".join(p for p in (self.first_name, self.last_name) if p) or str(self.user_id)
        return f"{name} (@{self.username})" if self.username else name
