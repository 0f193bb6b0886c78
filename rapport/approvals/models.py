"""What an agent may grant a customer on the spot (RS7), and the approval requests above it
(docs/approvals.md)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import Role


class GrantKind(models.TextChoices):
    REFUND = "refund", _("Refund")
    GIFT = "gift", _("Goodwill gift")
    DISCOUNT = "discount", _("Discount")


class LimitRole(models.TextChoices):
    AGENT = Role.AGENT.value, Role.AGENT.label
    SUPERVISOR = Role.SUPERVISOR.value, Role.SUPERVISOR.label


class EmpowermentLimit(models.Model):
    """Up to `max_amount` of `currency`, an agent of `role` grants a `kind` without asking."""

    role = models.CharField(_("role"), max_length=16, choices=LimitRole.choices)
    kind = models.CharField(_("kind"), max_length=16, choices=GrantKind.choices)
    max_amount = models.DecimalField(
        _("up to"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3)

    class Meta:
        ordering = ["role", "kind", "currency"]
        constraints = [
            models.UniqueConstraint(fields=["role", "kind", "currency"], name="one_limit_per_kind")
        ]

    def __str__(self) -> str:
        kind = self.get_kind_display()
        return f"{self.get_role_display()}: {kind} ≤ {self.max_amount} {self.currency}"


class GrantStatus(models.TextChoices):
    GRANTED = "granted", _("Granted within the limit")
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved")
    DENIED = "denied", _("Denied")


class Grant(models.Model):
    """A refund, gift or discount given on a ticket: at once within the agent's limit, or
    as an approval request answered by a supervisor of the ticket's team."""

    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="grants")
    kind = models.CharField(_("kind"), max_length=16, choices=GrantKind.choices)
    amount = models.DecimalField(
        _("amount"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    currency = models.CharField(_("currency"), max_length=3)
    reason = models.CharField(_("reason"), max_length=500)
    status = models.CharField(_("status"), max_length=16, choices=GrantStatus.choices)
    limit = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decision_note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="grant_status")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"

    @property
    def is_pending(self) -> bool:
        return self.status == GrantStatus.PENDING
