"""The chat widget's configuration, its visitors and their chats (CH1, CH3, FB1).

See docs/webchat.md. A visitor is known by a random token kept in the browser's localStorage;
only its SHA-256 (the visitor id) is stored, as the customer's identity of kind "webchat".
"""

from __future__ import annotations

import hashlib
import secrets
from urllib.parse import urlsplit

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_key() -> str:
    return secrets.token_urlsafe(12)


def visitor_id(token: str) -> str:
    """The stored form of a visitor token: the token itself (a bearer secret) is never kept."""
    return "v" + hashlib.sha256(token.encode()).hexdigest()[:32]


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL or an Origin header, lower-cased; "" when it has none."""
    parts = urlsplit((url or "").strip())
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}"


class Widget(models.Model):
    """One embeddable chat: `<script src=".../static/webchat/widget.js" data-widget="KEY">`."""

    name = models.CharField(_("name"), max_length=100)
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="chat_widgets",
        verbose_name=_("team"),
        help_text=_("New chats go to this team (the default team when empty)."),
    )
    key = models.CharField(
        _("public key"),
        max_length=40,
        unique=True,
        default=new_key,
        help_text=_("Goes into the script tag; not a secret."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    allowed_origins = models.TextField(
        _("allowed origins"),
        blank=True,
        help_text=_(
            "One per line, e.g. https://shop.example.com or https://*.example.com. Pages on "
            "other sites cannot use this widget. Rapport's own pages are always allowed."
        ),
    )
    greetings = models.JSONField(
        _("greetings"),
        default=dict,
        blank=True,
        help_text=_('Per language, e.g. {"en": "Hello!", "ru": "Здравствуйте!", "zh": "您好！"}'),
    )
    calendar = models.ForeignKey(
        "sla.BusinessCalendar",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("business hours"),
        help_text=_("When empty, the team's calendar (or the default one)."),
    )
    max_upload_mb = models.PositiveSmallIntegerField(
        _("largest upload (MB)"),
        default=10,
        validators=[MinValueValidator(0), MaxValueValidator(25)],
        help_text=_("0 turns file uploads off."),
    )
    ip_limit_per_minute = models.PositiveIntegerField(
        _("messages and connections per minute from one address"),
        default=300,
        help_text=_("Beyond it, messages are dropped and counted (0: no limit)."),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("chat widget")
        verbose_name_plural = _("chat widgets")

    def __str__(self) -> str:
        return self.name

    def origins(self) -> list[str]:
        return [
            line.strip().lower().rstrip("/")
            for line in self.allowed_origins.splitlines()
            if line.strip()
        ]

    def allows(self, origin: str, *, host: str = "") -> bool:
        """Whether a page at `origin` may use this widget. `host` is the Host the request was
        made to: Rapport's own pages (the demo page) are always allowed."""
        origin = origin_of(origin)
        if not origin:
            return False
        if host and urlsplit(origin).netloc == host.lower():
            return True
        for allowed in self.origins():
            if allowed == "*" or allowed == origin:
                return True
            scheme, _sep, rest = allowed.partition("://")
            if rest.startswith("*.") and origin.startswith(f"{scheme}://"):
                netloc = origin.split("://", 1)[1]
                if netloc.endswith(rest[1:]) and netloc != rest[2:]:
                    return True
        return False

    def greeting(self, language: str) -> str:
        greetings = self.greetings if isinstance(self.greetings, dict) else {}
        lang = (language or "").lower()
        for key in (lang, lang.split("-")[0], "zh" if lang.startswith("zh") else "", "en"):
            if key and isinstance(greetings.get(key), str):
                return greetings[key]
        return ""


class Visitor(models.Model):
    """A browser that chatted (created on its first message or when it leaves its e-mail)."""

    widget = models.ForeignKey(Widget, on_delete=models.CASCADE, related_name="visitors")
    vid = models.CharField(_("visitor id"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    # Open WebSocket connections (all servers) and the last sign of life: a reply goes by
    # e-mail when the visitor is not connected (a crashed server leaves `connections` stale,
    # hence the last_seen horizon in `is_online`).
    connections = models.IntegerField(default=0)
    last_seen = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("chat visitor")
        verbose_name_plural = _("chat visitors")

    def __str__(self) -> str:
        return self.name or self.email or self.vid

    def is_online(self, now=None) -> bool:
        from .limits import ONLINE_HORIZON

        now = now or timezone.now()
        return self.connections > 0 and now - self.last_seen < ONLINE_HORIZON


class ChatTicket(models.Model):
    """A ticket a visitor chatted on, and since when: the widget's history shows only the
    messages from then on (an unverified e-mail may put a visitor on someone's profile; it
    must not show them that person's earlier conversation)."""

    visitor = models.ForeignKey(Visitor, on_delete=models.CASCADE, related_name="chats")
    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="chat_visits"
    )
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["visitor", "ticket"], name="webchat_one_link")
        ]
        indexes = [models.Index(fields=["visitor", "-since"], name="webchat_chat_latest")]

    def __str__(self) -> str:
        return f"{self.visitor_id} → #{self.ticket_id}"


class Rating(models.IntegerChoices):
    """FB1's five levels of satisfaction."""

    NOT_SATISFIED = 1, _("Not satisfied")
    SATISFIED = 2, _("Satisfied")
    EXCEEDED = 3, _("Exceeded expectations")
    DELIGHTED = 4, _("Delighted")
    AMAZED = 5, _("Amazed")


class ChatRating(models.Model):
    """The visitor's answer to the satisfaction prompt at the end of a chat (FB1). Issue #8's
    survey system will take these over."""

    ticket = models.OneToOneField(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="chat_rating"
    )
    visitor = models.ForeignKey(Visitor, null=True, on_delete=models.SET_NULL)
    score = models.PositiveSmallIntegerField(_("rating"), choices=Rating.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("chat rating")
        verbose_name_plural = _("chat ratings")

    def __str__(self) -> str:
        return f"#{self.ticket_id}: {self.score}"
