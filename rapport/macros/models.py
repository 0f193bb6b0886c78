"""Reply templates ("macros"): a text in one language, for one team or every team, with
`{placeholder}` variables and optional actions (docs/macros.md, CQ16)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapport.tickets.models import Status


class Macro(models.Model):
    name = models.CharField(_("name"), max_length=200)
    # One of settings.LANGUAGES (en, ru, zh-hans); empty: any language.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )
    team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="macros",
        verbose_name=_("team"),
        help_text=_("Empty: every team may use it."),
    )
    body = models.TextField(_("text"), max_length=10000)
    # Actions, applied through rapport.tickets.actions when the template is inserted.
    set_status = models.CharField(
        _("set status"), max_length=16, choices=Status.choices, blank=True
    )
    add_tags = models.CharField(
        _("add tags"), max_length=200, blank=True, help_text=_("Comma-separated.")
    )
    assign_to_me = models.BooleanField(_("assign to me"), default=False)
    assign_team = models.ForeignKey(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("move to team"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    usage_count = models.PositiveIntegerField(_("times used"), default=0)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["team", "language"], name="macro_team_language")]

    def __str__(self) -> str:
        return self.name

    @property
    def tag_list(self) -> list[str]:
        return [t.strip().lower() for t in self.add_tags.split(",") if t.strip()]

    @property
    def has_actions(self) -> bool:
        return bool(self.set_status or self.tag_list or self.assign_to_me or self.assign_team_id)


def usable_macros(user):
    """Templates `user` may use: global ones and those of the user's teams (every team's for
    supervisors)."""
    qs = Macro.objects.filter(is_active=True)
    if user.sees_all_teams:
        return qs
    return qs.filter(Q(team=None) | Q(team_id__in=user.team_ids))


class MacroUse(models.Model):
    """One insertion of a template into a reply box: counts usage, and lets the coach tell a
    template sent unchanged (CQ16) when the reply is sent (`message` is set then)."""

    macro = models.ForeignKey(Macro, on_delete=models.CASCADE, related_name="uses")
    ticket = models.ForeignKey("tickets.Ticket", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    filled_text = models.TextField()
    message = models.ForeignKey(
        "tickets.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_unchanged = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(
                fields=["ticket", "author"], condition=Q(message=None), name="macro_use_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.macro_id} on #{self.ticket_id}"
