"""Outgoing webhooks (docs/webhooks.md): endpoints subscribed to event types, a durable outbox
of deliveries written in the same transaction as the event, and the log of every attempt."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


class WebhookEventType(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("Ticket created")
    MESSAGE_RECEIVED = "message.received", _("Message received")
    MESSAGE_SENT = "message.sent", _("Reply sent")
    NOTE_ADDED = "note.added", _("Note added")
    STATUS_CHANGED = "ticket.status_changed", _("Status changed")
    PRIORITY_CHANGED = "ticket.priority_changed", _("Priority changed")
    ASSIGNEE_CHANGED = "ticket.assignee_changed", _("Assignee changed")
    TEAM_CHANGED = "ticket.team_changed", _("Team changed")
    TAGS_CHANGED = "ticket.tags_changed", _("Tags changed")
    MERGED = "ticket.merged", _("Ticket merged")
    SLA_WARNING = "sla.warning", _("SLA nearly due")
    SLA_BREACH = "sla.breach", _("SLA breached")
    DELIVERY_FAILED = "delivery.failed", _("Delivery failed")
    CUSTOMER_CREATED = "customer.created", _("Customer created")
    CUSTOMER_UPDATED = "customer.updated", _("Customer updated")
    CUSTOMER_FLAGGED = "customer.flagged", _("Customer flagged")
    CUSTOMER_MERGED = "customer.merged", _("Customer profiles merged")
    SURVEY_ANSWERED = "survey.answered", _("Satisfaction survey answered")
    RESOLUTION_CONFIRMED = "resolution.confirmed", _("Resolution confirmed")
    RESOLUTION_REOPENED = "resolution.reopened", _("Reopened after resolution")


class Endpoint(models.Model):
    url = models.URLField(_("URL"), max_length=1000)
    description = models.CharField(_("description"), max_length=200, blank=True)
    event_types = models.JSONField(_("events"), default=list)
    # Every event of these teams' tickets (and of customers); empty: every team.
    teams = models.ManyToManyField("accounts.Team", blank=True, related_name="+")
    secret = models.CharField(max_length=100, default=new_secret)
    is_active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook endpoint")

    def __str__(self) -> str:
        return self.url


class DeliveryState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class Delivery(models.Model):
    """One event for one endpoint. `event_id` is stable (the Event row's id): a receiver that
    sees it twice — a retry, a manual redelivery — knows it is the same event."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=40)
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    state = models.CharField(
        max_length=10, choices=DeliveryState.choices, default=DeliveryState.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        constraints = [
            # Exactly one delivery per event and endpoint, however often it is enqueued.
            models.UniqueConstraint(fields=["endpoint", "event_id"], name="webhook_event_once")
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(state="pending"),
                name="webhook_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_id} → {self.endpoint_id}"


class Attempt(models.Model):
    """The delivery log: each try with its response code, a body excerpt and its duration."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField(default=timezone.now)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)
    error = models.CharField(max_length=500, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    manual = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.delivery_id} at {self.at}: {self.status_code or self.error}"
