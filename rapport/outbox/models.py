"""The one outbox every channel sends through (durable, retried, never twice). See
docs/outbox.md."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DeliveryState(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One outgoing message to one channel. Built once (`raw`), so a retry sends the same
    bytes with the same Message-ID."""

    message = models.OneToOneField(
        "tickets.Message", on_delete=models.CASCADE, related_name="delivery"
    )
    channel = models.CharField(max_length=16)
    state = models.CharField(
        max_length=8, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Channel-specific routing (for e-mail: mailbox id, envelope sender and recipients).
    payload = models.JSONField(default=dict)
    raw = models.BinaryField(blank=True, default=b"")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["next_attempt_at", "id"]
        verbose_name_plural = _("deliveries")
        indexes = [
            models.Index(
                fields=["next_attempt_at"], condition=models.Q(state="queued"), name="delivery_due"
            ),
            models.Index(
                fields=["started_at"], condition=models.Q(state="sending"), name="delivery_sending"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} delivery of message {self.message_id} ({self.state})"
