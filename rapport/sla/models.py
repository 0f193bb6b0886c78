"""Calendars, SLA policies and the clocks of each ticket (RS1, RS3, RS5). See docs/sla.md.

The arithmetic lives in rapport.sla.clock (plain Python); these models store what a supervisor
configures and each ticket's clock histories, and turn them into clock objects.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from rapport.accounts.models import TIME_ZONE_CHOICES
from rapport.customers.models import CustomerKind, FlagKind
from rapport.lib.channels import Channel

from . import clock

WEEKDAY_NAMES = (
    _("Monday"),
    _("Tuesday"),
    _("Wednesday"),
    _("Thursday"),
    _("Friday"),
    _("Saturday"),
    _("Sunday"),
)


def default_week() -> list[str]:
    return ["09:00-18:00"] * 5 + ["", ""]


class BusinessCalendar(models.Model):
    """When a team is at work: weekly hours in a time zone, public holidays, manual dates.

    A team uses its own calendar, else the default one, else "always open, UTC".
    """

    name = models.CharField(_("name"), max_length=100)
    team = models.OneToOneField(
        "accounts.Team",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_calendar",
        verbose_name=_("team"),
    )
    is_default = models.BooleanField(
        _("default calendar"),
        default=False,
        help_text=_("Used by every team that has no calendar of its own."),
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, choices=TIME_ZONE_CHOICES, default="UTC"
    )
    # Seven day specs, Monday first, as rapport.sla.clock.parse_hours reads them:
    # "09:00-13:00, 14:00-18:00", "22:00-06:00", "00:00-24:00", "" (closed).
    week = models.JSONField(_("weekly hours"), default=default_week)
    holiday_country = models.CharField(
        _("public holidays of"),
        max_length=3,
        blank=True,
        help_text=_(
            "Country code (RU, CN, DE, US, ...): holidays imported from the holidays "
            "package, with transferred working weekend days."
        ),
    )
    holiday_subdiv = models.CharField(_("region"), max_length=10, blank=True)
    shorten_pre_holiday_minutes = models.PositiveSmallIntegerField(
        _("pre-holiday days shorter by (minutes)"),
        default=0,
        validators=[MaxValueValidator(600)],
        help_text=_("Russia: 60 (Labour Code art. 95)."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="sla_one_default_calendar"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def to_clock(self, years: range, days: list[CalendarDay] | None = None) -> clock.Calendar:
        """The clock library's calendar: the week, imported holidays of `years`, then the
        manual dates (they win: applied last)."""
        cal = clock.Calendar(self.time_zone, list(self.week))
        if self.holiday_country:
            cal = cal.with_country_holidays(
                self.holiday_country,
                years,
                subdiv=self.holiday_subdiv or None,
                shorten_pre_holiday=(
                    timedelta(minutes=self.shorten_pre_holiday_minutes)
                    if self.shorten_pre_holiday_minutes
                    else None
                ),
            )
        for day in days if days is not None else self.days.all():
            cal = day.apply(cal)
        return cal


class DayKind(models.TextChoices):
    OFF = "off", _("Day off")
    WORKING = "working", _("Working day")
    SHORTENED = "shortened", _("Shortened day")


class CalendarDay(models.Model):
    """A manual date: an extra day off, a working weekend day, a shortened day."""

    calendar = models.ForeignKey(BusinessCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=DayKind.choices)
    hours = models.CharField(
        _("hours"), max_length=100, blank=True, help_text=_("Working day: e.g. 10:00-15:00.")
    )
    shorten_minutes = models.PositiveSmallIntegerField(_("shorter by (minutes)"), default=60)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["calendar", "date"], name="sla_calendar_day_once")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"

    def apply(self, cal: clock.Calendar) -> clock.Calendar:
        d: date = self.date
        if self.kind == DayKind.OFF:
            return cal.with_days_off([d])
        if self.kind == DayKind.WORKING:
            return cal.with_working_days([d], self.hours or None)
        return cal.with_shortened([d], timedelta(minutes=self.shorten_minutes))


class Segment(models.TextChoices):
    EXTERNAL = CustomerKind.EXTERNAL.value, CustomerKind.EXTERNAL.label
    INTERNAL = CustomerKind.INTERNAL.value, CustomerKind.INTERNAL.label


ANY_FLAG = "any"


class SlaPolicy(models.Model):
    """Targets for the tickets it matches; policies are tried by `order`, the first match wins.
    An empty condition matches everything."""

    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveIntegerField(_("order"), default=100)
    is_active = models.BooleanField(_("active"), default=True)
    # Conditions
    priority = models.PositiveSmallIntegerField(
        _("priority"),
        null=True,
        blank=True,
        choices=[(1, _("Low")), (2, _("Normal")), (3, _("High")), (4, _("Urgent"))],
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)
    customer_kind = models.CharField(
        _("customer segment"), max_length=10, choices=Segment.choices, blank=True
    )
    customer_flag = models.CharField(
        _("customer flag"),
        max_length=20,
        blank=True,
        choices=[(ANY_FLAG, _("Any active flag")), *FlagKind.choices],
    )
    organisation = models.ForeignKey(
        "customers.Organisation",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        verbose_name=_("organisation"),
    )
    team = models.ForeignKey(
        "accounts.Team", null=True, blank=True, on_delete=models.CASCADE, verbose_name=_("team")
    )
    # Targets, in business minutes of the ticket's team calendar; empty: no target.
    first_response_minutes = models.PositiveIntegerField(
        _("first response (business minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    next_response_minutes = models.PositiveIntegerField(
        _("next response (business minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolution (business minutes)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
    )
    warn_share = models.FloatField(
        _("warn when this share of the time is used"),
        default=0.8,
        validators=[MinValueValidator(0.05), MaxValueValidator(0.99)],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")

    def __str__(self) -> str:
        return self.name

    def target(self, kind: str) -> timedelta | None:
        minutes = {
            ClockKind.FIRST_RESPONSE: self.first_response_minutes,
            ClockKind.NEXT_RESPONSE: self.next_response_minutes,
            ClockKind.RESOLUTION: self.resolution_minutes,
        }[kind]
        return timedelta(minutes=minutes) if minutes else None


class ClockKind(models.TextChoices):
    FIRST_RESPONSE = "first_response", _("First response")
    NEXT_RESPONSE = "next_response", _("Next response")
    RESOLUTION = "resolution", _("Resolution")


class ClockStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    PAUSED = "paused", _("Paused")
    STOPPED = "stopped", _("Stopped")


class SlaClock(models.Model):
    """One SLA target of one ticket: its event history (rapport.sla.clock.ClockEvent) and the
    state last computed from it. A ticket has one first-response and one resolution clock and
    a next-response clock per customer message that waited for an answer."""

    ticket = models.ForeignKey(
        "tickets.Ticket", on_delete=models.CASCADE, related_name="sla_clocks"
    )
    kind = models.CharField(max_length=16, choices=ClockKind.choices)
    policy = models.ForeignKey(SlaPolicy, null=True, on_delete=models.SET_NULL, related_name="+")
    # The ticket's team while the clock runs (its calendar); for the promise statistics.
    team = models.ForeignKey(
        "accounts.Team", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # 0 = Monday 00:00-01:00 in the calendar's zone, ..., 167 = Sunday 23:00 (RS3 statistics).
    hour_of_week = models.PositiveSmallIntegerField(default=0)
    events = models.JSONField(default=list)
    status = models.CharField(max_length=10, choices=ClockStatus.choices)
    target_seconds = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)
    elapsed_seconds = models.FloatField(null=True, blank=True)  # set when stopped
    due = models.DateTimeField(null=True, blank=True)  # running only
    warn_at = models.DateTimeField(null=True, blank=True)  # running only
    breached_at = models.DateTimeField(null=True, blank=True)
    # Raised once each (the scan flips them with a conditional UPDATE; see actions.do_scan).
    warned = models.BooleanField(default=False)
    breach_notified = models.BooleanField(default=False)

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [
            models.Index(fields=["ticket", "status"], name="slaclock_ticket_status"),
            # RS3: recent first responses of a team at an hour of the week.
            models.Index(
                fields=["team", "kind", "hour_of_week", "started_at"], name="slaclock_promise"
            ),
            # Attainment report over a period.
            models.Index(fields=["kind", "stopped_at"], name="slaclock_kind_stopped"),
            # Recomputation walks the clocks still running or paused.
            models.Index(
                fields=["id"], condition=Q(status__in=["running", "paused"]), name="slaclock_live"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} of #{self.ticket_id}"

    @property
    def met(self) -> bool | None:
        if self.status != ClockStatus.STOPPED:
            return None
        return self.breached_at is None

    def clock_events(self) -> list[clock.ClockEvent]:
        return [
            clock.ClockEvent(
                kind,
                datetime.fromisoformat(at),
                timedelta(seconds=target) if target is not None else None,
            )
            for kind, at, target in self.events
        ]

    def add_event(self, kind: str, at, target: timedelta | None = None) -> None:
        self.events = [
            *self.events,
            [str(kind), at.isoformat(), int(target.total_seconds()) if target else None],
        ]
