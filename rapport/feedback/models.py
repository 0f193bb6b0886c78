"""Satisfaction surveys on the four levels of service, resolution confirmations and churn
risk (FB1, FB2, FB6, TR5, CQ20). See docs/feedback.md.

Surveys are created by a periodic job over the tickets' status events (rapport.feedback.tasks),
never by a signal; answers come from signed one-click links, the web chat's rating, or an agent.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    """FB2: Brian Tracy's four levels of service above "not satisfied" (seed 003)."""

    NOT_SATISFIED = 1, _("Not satisfied")
    SATISFIED = 2, _("Satisfied")
    EXCEEDED = 3, _("Exceeded my expectations")
    DELIGHTED = 4, _("Delighted")
    AMAZED = 5, _("Amazed")


class SurveyState(models.TextChoices):
    SENT = "sent", _("Sent")  # a message went to the customer's channel
    PENDING = "pending", _("Waiting for the chat")  # web chat: the widget asks
    ANSWERED = "answered", _("Answered")
    THROTTLED = "throttled", _("Not asked: asked recently")
    UNAVAILABLE = "unavailable", _("Not asked: no channel to ask on")


class Source(models.TextChoices):
    LINK = "link", _("Link in a message")
    CHAT = "chat", _("Web chat")
    AGENT = "agent", _("Recorded by an agent")


class FeedbackSettings(models.Model):
    """Per-team survey policy (edited in the admin). A team without a row uses the defaults."""

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="feedback_settings"
    )
    surveys_enabled = models.BooleanField(_("send satisfaction surveys"), default=True)
    period_days = models.PositiveSmallIntegerField(
        _("at most one survey per customer every (days)"), default=14
    )
    bad_level = models.PositiveSmallIntegerField(
        _("a rating at or below this level is routed to the team"),
        choices=Level.choices,
        default=Level.NOT_SATISFIED,
    )

    class Meta:
        verbose_name = _("feedback settings")
        verbose_name_plural = _("feedback settings")

    def __str__(self) -> str:
        return str(self.team)


DEFAULTS = FeedbackSettings(surveys_enabled=True, period_days=14, bad_level=Level.NOT_SATISFIED)


class Survey(models.Model):
    """One satisfaction question about one solved ticket (FB1)."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="surveys")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="surveys"
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The agent the ticket was assigned to when it was solved: whose service was rated.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
    )
    channel = models.CharField(_("channel"), max_length=16)
    language = models.CharField(_("language"), max_length=10, default="en")
    state = models.CharField(_("state"), max_length=12, choices=SurveyState.choices)
    # The outbound message that asked (e-mail, Telegram): a real message on the ticket.
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The status event that solved the ticket: one survey per solving, however often the
    # job runs over it.
    solved_event_id = models.BigIntegerField(null=True, blank=True, unique=True)
    level = models.PositiveSmallIntegerField(
        _("level"), choices=Level.choices, null=True, blank=True
    )
    comment = models.TextField(_("comment"), blank=True, max_length=2000)
    source = models.CharField(_("answered by"), max_length=8, choices=Source.choices, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    created_at = models.DateTimeField(_("asked"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["customer", "created_at"], name="survey_customer_created"),
            # The service-level index reads answers by time (and team / agent).
            models.Index(
                fields=["answered_at", "team", "agent"],
                condition=Q(level__isnull=False),
                name="survey_answered",
            ),
        ]

    def __str__(self) -> str:
        return f"Survey #{self.pk} on ticket {self.ticket_id}"

    @property
    def is_bad(self) -> bool:
        return self.level is not None and self.level <= Level.NOT_SATISFIED


class Confirmation(models.Model):
    """TR5/CQ20: the customer said "yes, this suits me" — who, when, how."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="confirmations"
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="confirmations"
    )
    source = models.CharField(_("how"), max_length=8, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("The agent who recorded it (from a call); empty when the customer clicked."),
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), default=timezone.now)
    # Set when the ticket was reopened after this confirmation (shown as a badge).
    reopened_at = models.DateTimeField(_("reopened"), null=True, blank=True)

    class Meta:
        ordering = ["-confirmed_at", "-id"]
        indexes = [models.Index(fields=["customer", "confirmed_at"], name="confirm_customer")]

    def __str__(self) -> str:
        return f"Confirmation of ticket {self.ticket_id}"


class ChurnRisk(models.Model):
    """FB6: a customer's churn risk, computed by a periodic job (never per page view).
    `signals` is a list of {"code", "weight", "count", "since", …} explained on display."""

    customer = models.OneToOneField(
        "customers.Customer", on_delete=models.CASCADE, related_name="churn_risk"
    )
    score = models.PositiveSmallIntegerField(_("risk score"), default=0)
    signals = models.JSONField(default=list)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score", "customer_id"]
        indexes = [models.Index(fields=["-score", "customer"], name="churn_score")]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.score}"

    @property
    def level(self) -> str:
        if self.score >= 50:
            return "high"
        return "medium" if self.score >= 25 else "low"


class Cursor(models.Model):
    """How far a periodic job has read a table (by primary key)."""

    name = models.CharField(max_length=40, primary_key=True)
    position = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}: {self.position}"
