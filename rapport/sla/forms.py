"""Supervisors' forms for calendars and SLA policies, validated with the clock library."""

from __future__ import annotations

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import clock
from .actions import _years
from .models import WEEKDAY_NAMES, BusinessCalendar, CalendarDay, DayKind, SlaPolicy

DAY_KINDS = {"off": DayKind.OFF, "working": DayKind.WORKING, "shortened": DayKind.SHORTENED}


def parse_days(text: str) -> list[CalendarDay]:
    """Manual dates, one per line: `2025-12-31 off [note]`, `2025-12-27 working 10:00-15:00`,
    `2025-12-30 shortened 60` (minutes)."""
    days: list[CalendarDay] = []
    seen: set[date] = set()
    for n, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        bits = line.split(None, 2)
        try:
            when = date.fromisoformat(bits[0])
        except ValueError:
            raise ValidationError(
                _("Line %(n)s: a date is written YYYY-MM-DD."), params={"n": n}
            ) from None
        if len(bits) < 2 or bits[1].lower() not in DAY_KINDS:
            raise ValidationError(
                _("Line %(n)s: after the date write off, working or shortened."), params={"n": n}
            )
        if when in seen:
            raise ValidationError(
                _("Line %(n)s: %(date)s is listed twice."), params={"n": n, "date": when}
            )
        seen.add(when)
        kind = DAY_KINDS[bits[1].lower()]
        rest = bits[2].strip() if len(bits) > 2 else ""
        day = CalendarDay(date=when, kind=kind)
        if kind == DayKind.WORKING and rest:
            try:
                clock.parse_hours(rest)
            except ValueError as e:
                raise ValidationError(
                    _("Line %(n)s: %(error)s"), params={"n": n, "error": e}
                ) from None
            day.hours = rest
        elif kind == DayKind.SHORTENED:
            try:
                day.shorten_minutes = int(rest or 60)
            except ValueError:
                raise ValidationError(
                    _("Line %(n)s: shortened by how many minutes?"), params={"n": n}
                ) from None
            if not 1 <= day.shorten_minutes <= 1440:
                raise ValidationError(_("Line %(n)s: between 1 and 1440 minutes."), params={"n": n})
        else:
            day.note = rest[:200]
        days.append(day)
    return days


def format_days(days) -> str:
    lines = []
    for d in days:
        extra = {
            DayKind.WORKING: d.hours,
            DayKind.SHORTENED: str(d.shorten_minutes),
            DayKind.OFF: d.note,
        }[d.kind]
        lines.append(f"{d.date.isoformat()} {d.kind} {extra}".rstrip())
    return "\n".join(lines)


class CalendarForm(forms.ModelForm):
    days_text = forms.CharField(
        label=_("Manual dates"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "cols": 50}),
        help_text=_(
            "One per line: 2025-12-31 off · 2025-12-27 working 10:00-15:00 · "
            "2025-12-30 shortened 60. Applied after the imported holidays."
        ),
    )

    class Meta:
        model = BusinessCalendar
        fields = [
            "name",
            "team",
            "is_default",
            "time_zone",
            "holiday_country",
            "holiday_subdiv",
            "shorten_pre_holiday_minutes",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        week = list(self.instance.week or []) + [""] * 7
        for i, name in enumerate(WEEKDAY_NAMES):
            self.fields[f"day_{i}"] = forms.CharField(
                label=name,
                required=False,
                max_length=100,
                initial=week[i],
                help_text=_("e.g. 09:00-13:00, 14:00-18:00; empty: closed") if i == 0 else "",
            )
        if self.instance.pk:
            self.fields["days_text"].initial = format_days(self.instance.days.all())

    def clean_holiday_country(self) -> str:
        import holidays

        code = self.cleaned_data["holiday_country"].strip().upper()
        if code and code not in holidays.list_supported_countries():
            raise ValidationError(
                _("The holidays package does not know country %(code)s."), params={"code": code}
            )
        return code

    def clean(self):
        data = super().clean()
        week = []
        for i in range(7):
            spec = (data.get(f"day_{i}") or "").strip()
            try:
                clock.parse_hours(spec)
            except ValueError as e:
                self.add_error(f"day_{i}", str(e))
            week.append(spec)
        self.week = week
        try:
            self.days = parse_days(data.get("days_text") or "")
        except ValidationError as e:
            self.add_error("days_text", e)
            self.days = []
        if self.errors:
            return data
        # Build the calendar once: an unknown region or a date both off and working fails here.
        probe = BusinessCalendar(
            time_zone=data.get("time_zone") or "UTC",
            week=week,
            holiday_country=data.get("holiday_country") or "",
            holiday_subdiv=data.get("holiday_subdiv") or "",
            shorten_pre_holiday_minutes=data.get("shorten_pre_holiday_minutes") or 0,
        )
        try:
            cal = probe.to_clock(_years(timezone.now()), self.days)
            if not any(cal.week) and not cal.working_days:
                raise ValueError(_("The calendar has no working hours at all."))
        except (ValueError, KeyError, NotImplementedError) as e:
            raise ValidationError(str(e)) from None
        return data


class PolicyForm(forms.ModelForm):
    class Meta:
        model = SlaPolicy
        fields = [
            "name",
            "order",
            "is_active",
            "priority",
            "channel",
            "customer_kind",
            "customer_flag",
            "organisation",
            "team",
            "first_response_minutes",
            "next_response_minutes",
            "resolution_minutes",
            "warn_share",
        ]

    def clean(self):
        data = super().clean()
        if not any(
            data.get(f)
            for f in ("first_response_minutes", "next_response_minutes", "resolution_minutes")
        ):
            raise ValidationError(_("Give at least one target."))
        return data
