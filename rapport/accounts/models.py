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
