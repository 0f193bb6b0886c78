"""One profile per customer, reachable by many identities (TR6, TR7), flagged when needed (TR4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from rapport.lib.channels import Channel, IdentityKind


class CustomerKind(models.TextChoices):
    EXTERNAL = "external", _("External")
    INTERNAL = "internal", _("Internal (colleague or department)")  # CH8


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Customer(models.Model):
    name = models.CharField(_("name"), max_length=200, blank=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=CustomerKind.choices, default=CustomerKind.EXTERNAL
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=16, choices=Channel.choices, blank=True
    )
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged_from"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self) -> str:
        return self.name or f"#{self.pk}"

    @property
    def display_name(self) -> str:
        return self.name or _("Customer #%(id)s") % {"id": self.pk}


class Anniversary(models.Model):
    """A date that matters to the customer relationship (TR6): a wedding, a first purchase."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="anniversaries")
    label = models.CharField(_("label"), max_length=100)
    date = models.DateField(_("date"))

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.label} ({self.date})"


class Identity(models.Model):
    """An address the customer is reached at. One value belongs to one customer per kind."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="identities")
    kind = models.CharField(_("kind"), max_length=16, choices=IdentityKind.choices)
    value = models.CharField(_("value"), max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="identity_unique_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class FlagKind(models.TextChoices):
    ABUSIVE = "abusive", _("Abusive")
    LEGAL_THREAT = "legal_threat", _("Threatened legal action")
    PHYSICAL_THREAT = "physical_threat", _("Threatened physical harm")
    VIP = "vip", _("VIP")
    OTHER = "other", _("Other")


class CustomerFlag(models.Model):
    """A warning for the next agent (TR4): who set it, why, and whether it still holds."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(_("kind"), max_length=20, choices=FlagKind.choices)
    reason = models.CharField(_("reason"), max_length=500)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["customer"], condition=models.Q(cleared_at=None), name="flag_active"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason}"

    @property
    def is_active(self) -> bool:
        return self.cleared_at is None
