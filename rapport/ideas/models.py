"""The suggestion box (KN5): an agent proposes an improvement from a ticket; supervisors see
the ideas grouped, link them to a problem (a FAQ cluster), and give each a status."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdeaStatus(models.TextChoices):
    NEW = "new", _("New")
    PLANNED = "planned", _("Planned")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")


class IdeaCategory(models.TextChoices):
    PRODUCT = "product", _("Product")
    PROCESS = "process", _("How we work")
    KNOWLEDGE = "knowledge", _("Help articles and FAQ")
    POLICY = "policy", _("Policy")
    OTHER = "other", _("Other")


class Idea(models.Model):
    text = models.CharField(_("suggestion"), max_length=500)
    details = models.TextField(_("details"), max_length=4000, blank=True)
    category = models.CharField(
        _("category"), max_length=16, choices=IdeaCategory.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=IdeaStatus.choices, default=IdeaStatus.NEW
    )
    ticket = models.ForeignKey(
        "tickets.Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="ideas"
    )
    # The ticket's team when proposed: who may see the idea (supervisors see every team's).
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # Normalised content words (rapport.suggest.text.content_tokens): the grouping key.
    keywords = models.JSONField(default=list)
    problem = models.ForeignKey(
        "suggest.FaqCluster",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="ideas",
        verbose_name=_("problem"),
    )
    status_note = models.CharField(_("answer to the agents"), max_length=500, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    vote_count = models.PositiveIntegerField(_("votes"), default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="idea_status")]

    def __str__(self) -> str:
        return self.text


def visible_ideas(user):
    """Supervisors see every idea; agents those of their teams' tickets and team-less ones;
    partner-team agents those of their teams only (rapport.accounts.visibility)."""
    from rapport.accounts.visibility import team_q

    return Idea.objects.filter(team_q(user))


class IdeaVote(models.Model):
    idea = models.ForeignKey(Idea, on_delete=models.CASCADE, related_name="votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["idea", "user"], name="one_vote_per_idea")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.idea_id}"
