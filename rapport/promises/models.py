"""A promise made to a customer (RS2) or a callback to make (RS6), with its due time."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PromiseKind(models.TextChoices):
    CALLBACK = "callback", _("Callback")
    ANSWER = "answer", _("Answer")
    OTHER = "other", _("Other")


class PromiseState(models.TextChoices):
    OPEN = "open", _("Open")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Broken")
    CANCELLED = "cancelled", _("Cancelled")


class Promise(models.Model):
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="promises")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="promises"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="promises",
        help_text=_("Who keeps it."),
    )
    text = models.CharField(_("promise"), max_length=500)
    kind = models.CharField(
        _("kind"), max_length=10, choices=PromiseKind.choices, default=PromiseKind.ANSWER
    )
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(
        _("state"), max_length=10, choices=PromiseState.choices, default=PromiseState.OPEN
    )
    kept_at = models.DateTimeField(_("kept"), null=True, blank=True)
    outcome = models.TextField(_("outcome"), blank=True, max_length=2000)
    # The reply it was said in (the coach found it there), if it came from one.
    source_message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)  # kept, broken or cancelled
    # Reminders, each sent once (the periodic scan claims them with a conditional UPDATE).
    reminded_at = models.DateTimeField(null=True, blank=True, editable=False)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # The reminder scan and the supervisors' view read open promises by due time only.
            models.Index(
                fields=["due_at", "id"], condition=Q(state="open"), name="promise_open_due"
            ),
            models.Index(fields=["ticket", "due_at"], name="promise_ticket_due"),
            models.Index(fields=["customer", "state", "due_at"], name="promise_customer"),
            models.Index(fields=["due_at"], name="promise_due"),
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def is_open(self) -> bool:
        return self.state == PromiseState.OPEN

    @property
    def is_overdue(self) -> bool:
        return self.state == PromiseState.OPEN and self.due_at <= timezone.now()

    @property
    def kept_on_time(self) -> bool:
        return (
            self.state == PromiseState.KEPT
            and self.kept_at is not None
            and (self.kept_at <= self.due_at)
        )
