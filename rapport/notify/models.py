"""A notification for one agent, shown in the header and on the notifications page."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned to you")
    RULE = "rule", _("Rule fired")
    SLA_WARNING = "sla_warning", _("SLA warning")
    SLA_BREACH = "sla_breach", _("SLA breached")
    PROMISE = "promise", _("Promise due")
    ESCALATION = "escalation", _("Escalation")
    INFO = "info", _("Information")


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INFO)
    text = models.CharField(_("text"), max_length=500)
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Several notifications about the same thing (a rule firing twice for one ticket, the same
    # promise reminded by two scheduler ticks) are stored once per user: the key says "same".
    dedupe_key = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "created_at"], condition=Q(read_at=None), name="notify_unread"
            ),
            models.Index(fields=["user", "created_at", "id"], name="notify_user_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], condition=~Q(dedupe_key=""), name="notify_once"
            )
        ]

    def __str__(self) -> str:
        return self.text
