"""Every inbound message, stored raw before anything else happens (TR1). See docs/intake.md."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.lib.channels import Channel


class RawState(models.TextChoices):
    RECEIVED = "received", _("Received, not yet processed")
    PROCESSED = "processed", _("Processed")
    QUARANTINED = "quarantined", _("Quarantined")
    IGNORED = "ignored", _("Kept, no ticket needed")  # e.g. a bounce, recorded on its message


class InboundRaw(models.Model):
    channel = models.CharField(max_length=16, choices=Channel.choices)
    # Unique per channel: a transport that delivers the same message twice stores it once.
    external_id = models.CharField(max_length=255)
    sender = models.CharField(max_length=500, blank=True)
    # The normalised message as the transport gave it (attachments point at stored files).
    payload = models.JSONField(default=dict)
    # The original bytes on the wire (MIME, JSON, ...), exactly as received.
    raw = models.BinaryField(blank=True, default=b"")
    received_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(max_length=12, choices=RawState.choices, default=RawState.RECEIVED)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    opened_ticket = models.BooleanField(default=False)  # this message started its ticket
    message = models.OneToOneField(
        "tickets.Message",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="inbound_raw",
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("inbound message (raw)")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="inbound_unique_per_channel"
            )
        ]
        indexes = [
            # What the intake worker has still to process, in arrival order (do_drain).
            models.Index(
                fields=["id"], condition=models.Q(state="received"), name="inbound_to_process"
            ),
            # A sender's messages not processed yet: the chat widget's history shows them
            # (rapport/webchat/actions.pending) while the intake worker is behind.
            models.Index(
                fields=["channel", "sender"],
                condition=~models.Q(state="processed"),
                name="inbound_pending_by_sender",
            ),
            models.Index(
                fields=["received_at"],
                condition=~models.Q(state="processed"),
                name="inbound_unprocessed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.external_id} ({self.state})"
