"""Reports (MG3, MG4, MG1): per-day rollups, each ticket's contributions to them, the
worker's watermark and measurable goals. See docs/reports.md.

The rollup is a long table: one row per (day, team, agent, channel, customer kind, measure,
key) holding a number. A ticket's contributions (rows it adds to the rollup) are kept on
TicketFacts, so the worker can fold a changed ticket in again by applying only the
difference between its old and new contributions — idempotent by construction: folding a
ticket in twice changes nothing the second time.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RollupState(models.Model):
    """One row (pk=1): how far the worker has read."""

    last_event_id = models.BigIntegerField(default=0)
    last_run_at = models.DateTimeField(null=True, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    tickets_folded = models.BigIntegerField(default=0)
    # When the tag levels (TAG_LEVEL + level) and the open tickets' creation days (measure
    # open_now) became complete: set by a full rebuild, or by migration 0005 on a desk with
    # nothing folded yet. Until then a tag filter reads the tagged tickets' stored
    # contributions and the open backlog's ages are counted from the tickets.
    complete_at = models.DateTimeField(null=True, blank=True)
    # The FAQ mining's questions (rapport.suggest.FaqQuestion, measures faq_q / faq_t: the
    # problems page's recurring problems) are folded from here on: the last question id read
    # (they log no ticket event), and when their cells became complete (a full rebuild, or
    # migration 0006 on a desk with nothing folded yet). Until then the problems page reads
    # the questions themselves.
    last_faq_id = models.BigIntegerField(default=0)
    problems_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"rollup state: event {self.last_event_id}"


class TicketFacts(models.Model):
    """What one ticket contributes to the rollup right now (rows as in Rollup, as lists)."""

    ticket_id = models.BigIntegerField(primary_key=True)
    rows = models.JSONField(default=list)
    # The ticket's tag ids when its rows were folded in: its rows were also added to each of
    # these tags' levels, so a change of tags is folded as a difference like any other.
    tags = models.JSONField(default=list)
    computed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"facts of #{self.ticket_id}"


# Levels of the rollup (a small data cube): level 0 holds every dimension; each coarser level
# holds the same cells summed over the dimensions it drops (stored as 0 / ""), so a report that
# neither filters nor groups by those dimensions reads far fewer rows. Ordered smallest first:
# a query reads the first level that keeps every dimension it needs (queries.level_for).
LEVELS: dict[int, tuple[str, ...]] = {
    3: (),  # the whole desk: supervisors' unfiltered figures and day series
    4: ("team_id",),  # by team: a team filter, the team table, an agent's teams
    1: ("team_id", "agent_id"),  # by team and agent: agents' scope, the agent and team tables
    2: ("team_id", "channel", "kind"),  # by team, channel and customer kind
    0: ("team_id", "agent_id", "channel", "kind"),  # every dimension
}
# The same five levels once more per tag (level TAG_LEVEL + l, tag_id = the tag): a ticket's
# contributions are added to the tag levels of each tag it has, so a tag filter reads the
# tag's cells like any other filter (bounded by the cell space, not by the tag's tickets).
# Level l < TAG_LEVEL is stored with tag_id 0.
TAG_LEVEL = 10
CELL_DIMS = ("team_id", "agent_id", "channel", "kind")
_NONE = {"team_id": 0, "agent_id": 0, "channel": "", "kind": ""}


def project(level: int, team: int, agent: int, channel: str, kind: str) -> tuple:
    """A level-0 cell's dimensions as stored at `level` (dropped ones as 0 / "")."""
    keep = LEVELS[level % TAG_LEVEL]
    values = {"team_id": team, "agent_id": agent, "channel": channel, "kind": kind}
    return tuple(values[d] if d in keep else _NONE[d] for d in CELL_DIMS)


class Rollup(models.Model):
    # Plain integers (0 = none), not foreign keys: NULLs are distinct in unique constraints.
    level = models.SmallIntegerField(default=0)  # LEVELS, TAG_LEVEL + LEVELS
    tag_id = models.IntegerField(default=0, db_default=0)  # a tag level's tag, else 0
    day = models.DateField()
    team_id = models.IntegerField(default=0)
    agent_id = models.IntegerField(default=0)
    channel = models.CharField(max_length=16, default="")
    kind = models.CharField(max_length=10, default="")  # CH8: the customer's kind
    measure = models.CharField(max_length=16)
    key = models.CharField(max_length=16, default="", blank=True)
    value = models.FloatField(default=0)

    class Meta:
        constraints = [
            # Leading with level, tag, measure and day: every report query reads one level's
            # (one tag's) measures over a range of days, so this is also the index they walk.
            models.UniqueConstraint(
                fields=[
                    "level",
                    "tag_id",
                    "measure",
                    "day",
                    "team_id",
                    "agent_id",
                    "channel",
                    "kind",
                    "key",
                ],
                name="reports_rollup_cell",
            )
        ]
        # An agent's own rows (their scope outside their teams; the agent filter).
        indexes = [
            models.Index(
                fields=["level", "agent_id", "measure", "day"], name="reports_rollup_agent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.measure}[{self.key}]={self.value}"


class RollupMonth(models.Model):
    """The same cells summed by calendar month (day = the 1st): a 12-month report reads
    twelve months of these plus the days of the partial months at its edges."""

    level = models.SmallIntegerField(default=0)  # LEVELS, TAG_LEVEL + LEVELS
    tag_id = models.IntegerField(default=0, db_default=0)  # a tag level's tag, else 0
    day = models.DateField()
    team_id = models.IntegerField(default=0)
    agent_id = models.IntegerField(default=0)
    channel = models.CharField(max_length=16, default="")
    kind = models.CharField(max_length=10, default="")
    measure = models.CharField(max_length=16)
    key = models.CharField(max_length=16, default="", blank=True)
    value = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "level",
                    "tag_id",
                    "measure",
                    "day",
                    "team_id",
                    "agent_id",
                    "channel",
                    "kind",
                    "key",
                ],
                name="reports_rollupmonth_cell",
            )
        ]
        # An agent's own rows (their scope outside their teams; the agent filter).
        indexes = [
            models.Index(
                fields=["level", "agent_id", "measure", "day"], name="reports_rollupmonth_agent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m} {self.measure}[{self.key}]={self.value}"


class Metric(models.TextChoices):
    FRT_P90 = "frt_p90", _("First response p90 (business hours)")
    FRT_MEDIAN = "frt_median", _("First response median (business hours)")
    RES_P90 = "res_p90", _("Resolution p90 (business hours)")
    SLA = "sla", _("SLA attainment (%)")
    SATISFACTION = "satisfaction", _("Satisfaction (mean level, 1–5)")
    QUALITY = "quality", _("Reply quality (coach score, 0–100)")
    SOLVED = "solved", _("Tickets solved")
    PROMISES = "promises", _("Promises kept on time (%)")


class Comparator(models.TextChoices):
    AT_MOST = "le", "≤"
    AT_LEAST = "ge", "≥"


class GoalPeriod(models.TextChoices):
    WEEK = "week", _("This week")
    MONTH = "month", _("This month")
    QUARTER = "quarter", _("This quarter")


class Goal(models.Model):
    """MG1: a measurable goal of one agent or one team, its progress read from the rollup."""

    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("team")
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="goals",
        verbose_name=_("agent"),
    )
    metric = models.CharField(_("metric"), max_length=16, choices=Metric.choices)
    comparator = models.CharField(_("comparator"), max_length=2, choices=Comparator.choices)
    target = models.FloatField(_("target"))
    period = models.CharField(
        _("period"), max_length=8, choices=GoalPeriod.choices, default=GoalPeriod.MONTH
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(team__isnull=False) | models.Q(agent__isnull=False),
                name="reports_goal_has_owner",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.get_comparator_display()} {self.target:g}"
