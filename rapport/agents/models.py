"""Per-agent limits and availability (ES2, ES6) and per-team assignment (issue 5, item 8).

Kept beside accounts.User and accounts.Team (one-to-one rows) so that the accounts tables and
migrations stay as they are. An agent without a row has the defaults.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Availability(models.TextChoices):
    AVAILABLE = "available", _("Available")
    AWAY = "away", _("Away")


class AgentSettings(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="agent_settings"
    )
    # ES2: the agent's personal limits. Past either, the ticket page suggests escalating.
    hostility_limit = models.PositiveSmallIntegerField(
        _("hostility limit"),
        default=3,
        help_text=_(
            "Angry or insulting customer messages in one conversation before escalation is "
            "suggested (0: no limit)."
        ),
    )
    conversation_minutes = models.PositiveSmallIntegerField(
        _("minutes on one conversation"),
        default=45,
        help_text=_(
            "Minutes since the agent first worked on a ticket before escalation is suggested "
            "(0: no limit)."
        ),
    )
    # ES6: a short pause from auto-assignment after a hard conversation.
    break_minutes = models.PositiveSmallIntegerField(_("break length (minutes)"), default=10)
    availability = models.CharField(
        _("availability"),
        max_length=10,
        choices=Availability.choices,
        default=Availability.AVAILABLE,
    )
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("agent settings")
        verbose_name_plural = _("agent settings")

    def __str__(self) -> str:
        return str(self.user)

    def is_paused(self, now=None) -> bool:
        return self.paused_until is not None and self.paused_until > (now or timezone.now())

    def takes_tickets(self, now=None) -> bool:
        """Auto-assignment skips agents who are away or on a break."""
        return self.availability == Availability.AVAILABLE and not self.is_paused(now)


class AssignmentMode(models.TextChoices):
    NONE = "none", _("No automatic assignment")
    ROUND_ROBIN = "round_robin", _("Round-robin")
    LEAST_LOADED = "least_loaded", _("Least loaded")


class TeamAssignment(models.Model):
    """How new tickets of a team are assigned; also the round-robin pointer (locked per team)."""

    team = models.OneToOneField(
        "accounts.Team", on_delete=models.CASCADE, related_name="assignment"
    )
    mode = models.CharField(
        _("assignment"),
        max_length=16,
        choices=AssignmentMode.choices,
        default=AssignmentMode.NONE,
    )
    last_assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("team assignment")

    def __str__(self) -> str:
        return f"{self.team}: {self.get_mode_display()}"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        from .assignment import forget_assigning_teams

        forget_assigning_teams()
