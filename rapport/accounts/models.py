"""Agents (the desk's users), their roles and teams."""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

TIME_ZONE_CHOICES = [(tz, tz) for tz in sorted(zoneinfo.available_timezones())]


class Role(models.TextChoices):
    AGENT = "agent", _("Agent")
    SUPERVISOR = "supervisor", _("Supervisor")
    ADMIN = "admin", _("Administrator")
    LEGAL = "legal", _("Legal")
    # An agent of an outside contractor (MG5): sees only the tickets of their own teams and the
    # customers on them, nothing company-wide (docs/permissions.md).
    PARTNER = "partner", _("Partner-team agent")


class User(AbstractUser):
    """An agent of the desk. Customers are not users; they are `customers.Customer`."""

    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.AGENT)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="UTC"
    )

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username

    @property
    def sees_all_teams(self) -> bool:
        """Supervisors and admins oversee every team; agents and legal see their own teams."""
        return self.role in (Role.SUPERVISOR, Role.ADMIN) or self.is_superuser

    @property
    def is_partner(self) -> bool:
        """An outside contractor's agent (MG5): see rapport.accounts.visibility."""
        return self.role == Role.PARTNER and not self.is_superuser

    @property
    def sees_company_wide(self) -> bool:
        """Company-wide material that belongs to no team (internal KB articles without a team,
        team-less ideas, unrouted reviews, the company's FAQ candidates) is for the company's
        own staff; a partner-team agent sees only what belongs to their teams."""
        return not self.is_partner

    @cached_property
    def team_ids(self) -> list[int]:
        return list(self.teams.values_list("id", flat=True))

    def __str__(self) -> str:
        return self.display_name


class Team(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    members = models.ManyToManyField(User, related_name="teams", blank=True)
    is_default = models.BooleanField(
        _("default intake team"),
        default=False,
        help_text=_(
            "New tickets from every channel land in this team unless a rule says otherwise."
        ),
    )

    # An external contractor (MG5, seed 001: "outsourced providers are closely monitored"):
    # its members are usually partner-team agents (Role.PARTNER), and the contracting company
    # gets a quality and SLA report per partner (rapport.accounts.partners).
    is_partner = models.BooleanField(
        _("external partner"),
        default=False,
        help_text=_("The team is an outside contractor; it gets its own quality and SLA report."),
    )
    partner_company = models.CharField(_("partner company"), max_length=200, blank=True)
    contract_notes = models.TextField(
        _("contract notes"),
        blank=True,
        help_text=_("Service levels agreed with the partner, contacts, contract dates."),
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=models.Q(is_default=True),
                name="one_default_team",
            )
        ]

    def __str__(self) -> str:
        return self.name
