"""Mailboxes: where customers write to, how Rapport fetches and sends (CH2). The channel's
configuration lives here, never on teams or tickets. Passwords are encrypted at rest."""

from __future__ import annotations

import secrets

from django.core.cache import cache
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.lib import crypto


class Security(models.TextChoices):
    SSL = "ssl", _("SSL/TLS")
    STARTTLS = "starttls", _("STARTTLS")
    NONE = "none", _("None (local servers only)")


DEFAULT_ACKS = {
    "en": (
        "Hello,\n\nthank you for writing to us. We have received your message and registered it "
        "as ticket {ticket}. We will answer {promised}.\n\nAnswers to common questions are in our "
        "help centre: {help}\n\n{signature}"
    ),
    "ru": (
        "Здравствуйте!\n\nСпасибо, что написали нам. Мы получили ваше письмо и зарегистрировали "
        "его под номером {ticket}. Мы ответим {promised}.\n\nОтветы на частые вопросы — в нашем "
        "справочном центре: {help}\n\n{signature}"
    ),
    "zh": (
        "您好！\n\n感谢您的来信。我们已收到您的邮件，工单编号为 {ticket}。"
        "我们将{promised}回复您。\n\n常见问题的解答请见我们的帮助中心：{help}\n\n{signature}"
    ),
}


# {promised} without a computed promise (rapport.sla, RS3): the old fixed wording.
DEFAULT_PROMISES = {
    "en": "within one business day",
    "ru": "в течение одного рабочего дня",
    "zh": "在一个工作日内",
}


ADDRESSES_CACHE_KEY = "mail:our-addresses"


def _token() -> str:
    return secrets.token_urlsafe(32)


class Mailbox(models.Model):
    name = models.CharField(_("name"), max_length=100)
    address = models.EmailField(_("address customers write to"), unique=True)
    from_name = models.CharField(_("sender name"), max_length=100, blank=True)
    team = models.ForeignKey(
        "accounts.Team", on_delete=models.PROTECT, related_name="mailboxes", verbose_name=_("team")
    )
    is_active = models.BooleanField(_("active"), default=True)

    imap_host = models.CharField(_("IMAP host"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=10, choices=Security.choices, default=Security.SSL
    )
    imap_username = models.CharField(_("IMAP user"), max_length=255, blank=True)
    imap_password_encrypted = models.TextField(blank=True, editable=False)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    imap_archive_folder = models.CharField(
        _("move fetched mail to"),
        max_length=255,
        blank=True,
        help_text=_("Leave empty to only mark fetched mail as read."),
    )

    smtp_host = models.CharField(_("SMTP host"), max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587)
    smtp_security = models.CharField(
        _("SMTP security"), max_length=10, choices=Security.choices, default=Security.STARTTLS
    )
    smtp_username = models.CharField(_("SMTP user"), max_length=255, blank=True)
    smtp_password_encrypted = models.TextField(blank=True, editable=False)

    signature = models.TextField(_("signature"), blank=True)
    ack_enabled = models.BooleanField(_("acknowledge new tickets"), default=True)
    ack_templates = models.JSONField(
        _("acknowledgement per language"),
        default=dict,
        blank=True,
        help_text=_(
            '{"ru": "...", "zh": "...", "en": "..."}; {ticket} and {signature} are '
            "filled in. Empty: the built-in texts."
        ),
    )
    max_attachment_bytes = models.PositiveIntegerField(
        _("largest attachment kept (bytes)"), default=25 * 1024 * 1024
    )
    inbound_token = models.CharField(
        _("token for the raw-MIME endpoint"), max_length=64, default=_token, editable=False
    )

    # IMAP position: only messages after last_uid are fetched, while uidvalidity holds.
    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    last_polled_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("mailboxes")

    def __str__(self) -> str:
        return f"{self.name} <{self.address}>"

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        cache.delete(ADDRESSES_CACHE_KEY)  # intake recognises our own addresses from it

    @property
    def imap_password(self) -> str:
        return crypto.decrypt(self.imap_password_encrypted)

    @imap_password.setter
    def imap_password(self, value: str) -> None:
        self.imap_password_encrypted = crypto.encrypt(value)

    @property
    def smtp_password(self) -> str:
        return crypto.decrypt(self.smtp_password_encrypted)

    @smtp_password.setter
    def smtp_password(self, value: str) -> None:
        self.smtp_password_encrypted = crypto.encrypt(value)

    @property
    def domain(self) -> str:
        return self.address.rsplit("@", 1)[-1]

    def ack_text(self, language: str, ticket_ref: str, promised: str = "") -> str:
        lang = (language or "en").split("-")[0].lower()
        templates = {**DEFAULT_ACKS, **(self.ack_templates or {})}
        template = templates.get(lang) or templates["en"]
        promised = promised or DEFAULT_PROMISES.get(lang, DEFAULT_PROMISES["en"])
        if "{help}" in template:  # the help centre in the customer's language (docs/kb.md)
            from rapport.kb.links import help_centre_has_articles, help_centre_url

            if help_centre_has_articles():
                template = template.replace("{help}", help_centre_url(language))
            else:  # nothing to read there yet: the paragraph that links it goes
                template = "\n\n".join(p for p in template.split("\n\n") if "{help}" not in p)
        return (
            template.replace("{ticket}", ticket_ref)
            .replace("{promised}", promised)
            .replace("{signature}", self.signature or self.from_name or self.name)
            .strip()
        )
