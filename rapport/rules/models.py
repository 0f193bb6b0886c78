"""Rules: "when these conditions hold, do these actions" (ES3, ES4, ES5, TR4, RS1).

See docs/rules.md. Conditions and actions are JSON validated by rapport.rules.schema; the
engine (rapport.rules.engine) evaluates them on message arrival and on a timer, and logs every
firing with the values that made it fire (RuleFiring.why).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Trigger(models.TextChoices):
    MESSAGE = "message", _("When a customer message arrives")
    TIMER = "timer", _("On a timer (time passed, SLA state)")
    BOTH = "both", _("Both")


class Rule(models.Model):
    name = models.CharField(_("name"), max_length=200)
    enabled = models.BooleanField(_("enabled"), default=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    trigger = models.CharField(
        _("evaluated"), max_length=10, choices=Trigger.choices, default=Trigger.MESSAGE
    )
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    actions = models.JSONField(_("actions"), default=list, blank=True)
    stop_processing = models.BooleanField(
        _("stop processing"),
        default=False,
        help_text=_("When this rule fires, the rules after it are not evaluated."),
    )
    # Shipped rules carry a key ("es3-supervisor-request") so that a migration finds them again.
    key = models.CharField(max_length=50, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=~models.Q(key=""), name="rule_key")
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        # Shipped rules have English names that are in the catalogues; others pass through.
        return gettext(self.name) if self.name else ""

    @property
    def on_message(self) -> bool:
        return self.trigger in (Trigger.MESSAGE, Trigger.BOTH)

    @property
    def on_timer(self) -> bool:
        return self.trigger in (Trigger.TIMER, Trigger.BOTH)


class RuleFiring(models.Model):
    """One rule firing on one ticket: why (each condition with its actual value) and what it
    did. Unique per (rule, ticket, key): a rule fires once per message ("m<id>") and, on the
    timer, once per ticket state ("t<last in>.<last out>.<sla state>.<status>")."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="firings")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    key = models.CharField(max_length=100)
    trigger = models.CharField(max_length=10, choices=Trigger.choices)
    why = models.JSONField(default=list)
    done = models.JSONField(default=list)
    at = models.DateTimeField(default=timezone.now)
    # Set when the e-mails of its notify actions were sent (the task is safe to run twice).
    mailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "ticket", "key"], name="rule_fires_once")
        ]
        indexes = [models.Index(fields=["ticket", "at"], name="firing_ticket_at")]

    def __str__(self) -> str:
        return f"{self.rule_id} on #{self.ticket_id} ({self.key})"


class RuleWatch(models.Model):
    """A ticket the timer must look at again at `due` (a time condition may become true then).

    The timer reads only due rows (an index range), never every open ticket: see docs/rules.md.
    """

    ticket = models.OneToOneField(
        "tickets.Ticket", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    due = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"#{self.ticket_id} at {self.due}"


class TimerState(models.Model):
    """One row: how far the timer has read the message stream (by primary key) and when it
    last ran, so each tick looks only at what is new."""

    last_message_id = models.BigIntegerField(default=0)
    last_tick_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"timer at message {self.last_message_id}"
