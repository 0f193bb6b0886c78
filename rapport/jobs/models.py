"""The scheduler's state, kept in the database so that it survives restarts and is shared by
every scheduler process (see docs/background.md)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobState(models.Model):
    """One periodic job: its next slot and what happened at the last one.

    ``next_run_at`` is the slot the scheduler claims: the claim is a compare-and-set UPDATE
    ``… WHERE next_run_at = <the slot read>``, so two schedulers never both enqueue it.
    """

    name = models.CharField(_("job"), max_length=200, unique=True)
    every = models.DurationField(_("every"))
    next_run_at = models.DateTimeField(_("next run"))
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    last_task_id = models.CharField(_("last task id"), max_length=64, blank=True)
    last_enqueued_by = models.CharField(_("enqueued by"), max_length=200, blank=True)
    runs = models.PositiveIntegerField(_("runs"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name


class SchedulerLease(models.Model):
    """Who leads: the one scheduler allowed to enqueue, until ``expires_at`` unless renewed.

    Taken and renewed with one conditional UPDATE (``WHERE holder = me OR expires_at < now``),
    which is atomic on SQLite and PostgreSQL alike.
    """

    name = models.CharField(max_length=50, primary_key=True)
    holder = models.CharField(_("leader"), max_length=200, blank=True)
    acquired_at = models.DateTimeField(_("leading since"), null=True, blank=True)
    expires_at = models.DateTimeField(_("lease expires"))

    class Meta:
        verbose_name = _("scheduler lease")
        verbose_name_plural = _("scheduler lease")

    def __str__(self) -> str:
        return self.holder or "—"

    @property
    def is_live(self) -> bool:
        return bool(self.holder) and self.expires_at > timezone.now()
