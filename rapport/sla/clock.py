"""Business-hours calendars and SLA clock arithmetic (plain Python, no Django).

The rules, in short (docs/sla-clock.md has the long version):

* Business hours are **wall-clock** hours in the calendar's IANA zone: "09:00-18:00" means from
  the moment the office clock shows 09:00 until it shows 18:00, whatever the UTC offset.
* Durations are **real elapsed business time**: an SLA of 8 h is 8 hours of the clock running
  inside business hours. On a DST day a 01:00-05:00 shift is 3 or 5 real hours long, and
  counts as such.
* A wall-clock boundary the clock never shows (spring-forward gap) or shows twice (fall-back
  fold) maps to the *first instant the clock shows that time or later*: 02:30 on a
  spring-forward day is the jump itself; 02:30 on a fall-back day is its first occurrence.
* Intervals are half-open ``[opening, closing)``; overlapping intervals (an overnight shift
  running into the next morning's shift) are merged, never counted twice.
* ``add_business_time(s, d)`` is the *first* instant ``t >= s`` with
  ``business_time_between(s, t) == d``: a target reached exactly at closing time is due at
  closing time, not at the next opening.

Internally every instant is an integer count of microseconds since the Unix epoch, so the
arithmetic is exact, and each calendar year is turned once into a sorted table of open
intervals with running totals: a due time is two binary searches, whatever the duration.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

__all__ = [
    "Calendar",
    "Clock",
    "ClockEvent",
    "ClockState",
    "ClockStatus",
    "EventKind",
    "add_business_time",
    "business_intervals",
    "business_time_between",
    "evaluate",
    "is_open",
    "next_closing",
    "next_opening",
    "parse_hours",
]

DAY = 86_400  # seconds
_ONE_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAIVE_EPOCH = datetime(1970, 1, 1)  # noqa: DTZ001 - the naive twin of _EPOCH, by design
_MIN_YEAR, _MAX_YEAR = 2, 9998  # every table needs the year before and after it
_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")
_RANGE_RE = re.compile(r"\s*[-\u2013\u2014]\s*")

Interval = tuple[int, int]
"""Wall-clock seconds after the local midnight of the day the interval belongs to.

``end`` may exceed 86 400: "22:00-06:00" is ``(79200, 108000)`` and ends at 06:00 the next day.
"""
Hours = tuple[Interval, ...]


# --------------------------------------------------------------------------------------------
# Parsing weekly hours
# --------------------------------------------------------------------------------------------


def _seconds(value: str | time | int, *, end: bool) -> int:
    if isinstance(value, bool):
        raise TypeError("a time of day cannot be a bool")
    if isinstance(value, int):
        return value
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError("business hours are wall-clock times: pass naive times")
        if value.microsecond:
            raise ValueError("business hours have a resolution of one second")
        return value.hour * 3600 + value.minute * 60 + value.second
    m = _TIME_RE.match(value)
    if not m:
        raise ValueError(f"not a time of day: {value!r} (expected HH:MM)")
    h, mi, s = int(m[1]), int(m[2]), int(m[3] or 0)
    if mi > 59 or s > 59 or h > 24 or (h == 24 and (mi or s)):
        raise ValueError(f"not a time of day: {value!r}")
    if h == 24 and not end:
        raise ValueError("24:00 can only end an interval")
    return h * 3600 + mi * 60 + s


def parse_hours(spec: str | Iterable | None) -> Hours:
    """One day's opening hours, normalised and validated.

    Accepts ``"09:00-13:00, 14:00-18:00"``, ``"22:00-06:00"`` (overnight, ends the next day),
    ``"00:00-24:00"`` (the whole day), ``""``/``None``/``[]`` (closed) or a sequence of
    ``(start, end)`` pairs of ``"HH:MM"`` strings, :class:`datetime.time` or seconds.
    Intervals of one day must not overlap; an interval is longer than zero and at most 24 h.
    """
    if spec is None:
        return ()
    if isinstance(spec, str):
        pairs = []
        for part in re.split(r"[,;]", spec):
            if not part.strip():
                continue
            bits = _RANGE_RE.split(part.strip())
            if len(bits) != 2:
                raise ValueError(f"not an interval: {part.strip()!r} (expected HH:MM-HH:MM)")
            pairs.append((bits[0], bits[1]))
    else:
        pairs = list(spec)
    out: list[Interval] = []
    for pair in pairs:
        start_raw, end_raw = pair
        start, end = _seconds(start_raw, end=False), _seconds(end_raw, end=True)
        if not 0 <= start < DAY:
            raise ValueError(f"an interval must start within the day: {pair!r}")
        if end == start:
            raise ValueError(f"empty or ambiguous interval {pair!r}: write 00:00-24:00 for all day")
        if end < start:
            end += DAY  # overnight: ends on the next day
        if end - start > DAY:
            raise ValueError(f"an interval is at most 24 hours long: {pair!r}")
        out.append((start, end))
    out.sort()
    for (_, e1), (s2, _) in zip(out, out[1:], strict=False):
        if s2 < e1:
            raise ValueError(f"overlapping intervals in one day: {spec!r}")
    return tuple(out)


def _weekday_keys(key: int | str) -> list[int]:
    if isinstance(key, int) and not isinstance(key, bool):
        if not 0 <= key <= 6:
            raise ValueError(f"weekday must be 0 (Monday) to 6 (Sunday): {key}")
        return [key]
    if isinstance(key, str):
        bits = _RANGE_RE.split(key.strip().lower())
        try:
            idx = [_WEEKDAYS.index(b[:3]) for b in bits]
        except ValueError:
            raise ValueError(f"not a weekday: {key!r}") from None
        if len(idx) == 1:
            return idx
        if len(idx) == 2 and idx[0] <= idx[1]:
            return list(range(idx[0], idx[1] + 1))
    raise ValueError(f"not a weekday or weekday range: {key!r}")


def _normalize_week(week) -> tuple[Hours, ...]:
    if isinstance(week, Mapping):
        days: list[Hours] = [()] * 7
        for key, spec in week.items():
            for i in _weekday_keys(key):
                days[i] = parse_hours(spec)
        return tuple(days)
    if isinstance(week, str):
        raise TypeError("week: pass 7 day specs (Monday first) or a mapping {'mon-fri': '...'}")
    days = [parse_hours(spec) for spec in week]
    if not days:
        return ((),) * 7
    if len(days) != 7:
        raise ValueError("week: 7 day specs, Monday first")
    return tuple(days)


def _as_date(value: date | str) -> date:
    if isinstance(value, datetime):
        raise TypeError(f"expected a date, got a datetime: {value!r}")
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


# --------------------------------------------------------------------------------------------
# Calendar
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Calendar:
    """When a team is at work: weekly wall-clock hours in a time zone, with dated exceptions.

    ``week``: 7 day specs (Monday first) or a mapping ``{"mon-fri": "09:00-18:00", "sat": ...}``
    (days not named are closed); see :func:`parse_hours`. An interval belongs to the day it
    starts on: a Friday 22:00-06:00 shift runs into Saturday even when Saturday is a holiday,
    and a holiday Friday cancels the whole shift.

    ``days_off``: dates closed all day (public holidays, manual extra days off).

    ``working_days``: dates open with the given hours although the week says closed (Russian
    and Chinese transferred working Saturdays). A mapping ``{date: hours}``, or just dates, which
    then get the calendar's *standard day* (the hours of the first weekday, from Monday, that
    has any). A date cannot be both a day off and a working day.

    ``shortened``: ``{date: timedelta}``: that day closes earlier by this much (Russian
    pre-holiday days: one hour). Cut from the end of the day's last interval(s).

    Calendars are immutable and hashable by content; the ``with_*`` methods return changed
    copies, the later call winning for a date. Equal calendars share the interval tables.
    """

    tz: str = "UTC"
    week: tuple[Hours, ...] = ()
    days_off: frozenset[date] = frozenset()
    working_days: Mapping[date, Hours] = field(default_factory=dict)
    shortened: Mapping[date, timedelta] = field(default_factory=dict)

    _zone: ZoneInfo = field(init=False, repr=False)
    _key: tuple = field(init=False, repr=False)
    _hash: int = field(init=False, repr=False)
    always_open: bool = field(init=False, repr=False)
    _open_until_year: int | None = field(init=False, repr=False)

    def __post_init__(self):
        zone = self.tz if isinstance(self.tz, ZoneInfo) else ZoneInfo(self.tz)
        week = _normalize_week(self.week)
        days_off = frozenset(_as_date(d) for d in self.days_off)
        standard = next((h for h in week if h), ())
        working: dict[date, Hours] = {}
        if isinstance(self.working_days, Mapping):
            items = self.working_days.items()
        else:
            items = ((d, None) for d in self.working_days)
        for d, spec in items:
            hours = parse_hours(spec) if spec is not None else standard
            if not hours:
                raise ValueError(f"working day {d} has no hours (and the week has none either)")
            working[_as_date(d)] = hours
        clash = days_off & working.keys()
        if clash:
            raise ValueError(f"dates both off and working: {sorted(clash)}")
        shortened: dict[date, timedelta] = {}
        for d, cut in self.shortened.items():
            if not isinstance(cut, timedelta) or cut < timedelta(0) or cut.microseconds:
                raise ValueError(f"shortening of {d} must be a whole-second timedelta >= 0")
            if cut:
                shortened[_as_date(d)] = cut
        s = object.__setattr__
        s(self, "tz", zone.key)
        s(self, "week", week)
        s(self, "days_off", days_off)
        s(self, "working_days", MappingProxyType(dict(sorted(working.items()))))
        s(self, "shortened", MappingProxyType(dict(sorted(shortened.items()))))
        s(self, "_zone", zone)
        key = (
            zone.key,
            week,
            days_off,
            tuple(self.working_days.items()),
            tuple(self.shortened.items()),
        )
        s(self, "_key", key)
        s(self, "_hash", hash(key))
        s(
            self,
            "always_open",
            all(h == ((0, DAY),) for h in week) and not days_off and not working and not shortened,
        )
        # With no weekly hours, nothing is open after the last working day: adding time
        # beyond it must fail rather than loop to the end of time.
        s(
            self,
            "_open_until_year",
            None if any(week) else max((d.year for d in working), default=_MIN_YEAR - 1),
        )

    def __eq__(self, other):
        if self is other:
            return True
        if not isinstance(other, Calendar):
            return NotImplemented
        return self._key == other._key

    def __hash__(self):
        return self._hash

    @property
    def zone(self) -> ZoneInfo:
        return self._zone

    # -- constructors ------------------------------------------------------------------------

    @classmethod
    def open_24_7(cls, tz: str = "UTC") -> Calendar:
        """Always open: business time is real time."""
        return cls(tz, [((0, DAY),)] * 7)

    @classmethod
    def workweek(cls, tz: str, hours: str | Iterable = "09:00-18:00", days: str = "mon-fri"):
        """The same hours on a range of weekdays (``"mon-fri"``, ``"mon-sat"``, ``"sun-thu"``)."""
        return cls(tz, {days: hours})

    # -- dated exceptions --------------------------------------------------------------------

    def hours_on(self, day: date) -> Hours:
        """The wall-clock intervals of one date, exceptions applied."""
        hours = self.working_days.get(day)
        if hours is None:
            hours = () if day in self.days_off else self.week[day.weekday()]
        cut = self.shortened.get(day)
        if cut and hours:
            hours = _trim(hours, int(cut.total_seconds()))
        return hours

    def with_days_off(self, days: Iterable[date | str]) -> Calendar:
        days = {_as_date(d) for d in days}
        working = {d: h for d, h in self.working_days.items() if d not in days}
        return replace(self, days_off=self.days_off | days, working_days=working)

    def with_working_days(self, days: Iterable[date | str] | Mapping, hours=None) -> Calendar:
        """Open these dates: with ``hours`` (one spec for all), per-date hours (a mapping),
        or the standard day."""
        if isinstance(days, Mapping):
            new = {_as_date(d): h for d, h in days.items()}
        else:
            new = {_as_date(d): hours for d in days}
        standard = next((h for h in self.week if h), None)
        new = {d: (parse_hours(h) if h is not None else standard) for d, h in new.items()}
        working = {**self.working_days, **new}
        return replace(self, days_off=self.days_off - new.keys(), working_days=working)

    def with_shortened(
        self, days: Iterable[date | str] | Mapping, by: timedelta = timedelta(hours=1)
    ) -> Calendar:
        """Close these dates earlier by ``by`` (or per-date amounts, a mapping)."""
        if isinstance(days, Mapping):
            new = {_as_date(d): cut for d, cut in days.items()}
        else:
            new = {_as_date(d): by for d in days}
        return replace(self, shortened={**self.shortened, **new})

    def with_country_holidays(
        self,
        country: str,
        years: int | Iterable[int],
        *,
        subdiv: str | None = None,
        categories: Iterable[str] | None = None,
        working_weekends: bool = True,
        shorten_pre_holiday: timedelta | None = None,
        working_day_hours=None,
    ) -> Calendar:
        """Import public holidays from the ``holidays`` package (offline data).

        * every holiday date (including substituted days off, e.g. Russia's 30 April 2024)
          becomes a day off;
        * ``working_weekends``: dates the package knows as working weekend days (RU, CN
          transfers) become working days, if the week leaves them closed, with
          ``working_day_hours`` or the standard day;
        * ``shorten_pre_holiday`` (Russia: ``timedelta(hours=1)``, Labour Code art. 95): a working
          day is shortened when the next day is a public holiday proper (not a substituted or
          "observed" day off), and a transferred working weekend day is shortened when the
          closed days after it include a public holiday proper. This reproduces the official
          production calendars (2023: 22 Feb, 7 Mar, 3 Nov; 2024: 22 Feb, 7 Mar, 27 Apr,
          8 May, 11 Jun, 2 Nov, 28 Dec); explicit :meth:`with_shortened` calls win when later.

        Only the given ``years`` are imported: a calendar knows nothing of other years' holidays.
        """
        import holidays as holidays_pkg  # lazy: only this method needs the data tables

        years = [years] if isinstance(years, int) else sorted(set(years))
        cls = holidays_pkg.country_holidays(country, subdiv=subdiv)
        language = "en_US" if "en_US" in getattr(cls, "supported_languages", ()) else None
        kwargs = {"subdiv": subdiv, "years": years, "language": language}
        if categories is not None:
            kwargs["categories"] = tuple(categories)
        found = holidays_pkg.country_holidays(country, **kwargs)
        cal = self.with_days_off(found.keys())
        if working_weekends:
            extra = sorted(
                d for d in found.weekend_workdays if d.year in years and not cal.week[d.weekday()]
            )
            cal = cal.with_working_days(extra, working_day_hours)
        if shorten_pre_holiday:
            proper = {d for d, name in found.items() if _is_proper_holiday(found, name)}
            workdays = set(found.weekend_workdays)
            pre = []
            day = date(years[0], 1, 1) - timedelta(days=1)
            last = date(years[-1], 12, 31)
            while day <= last:
                nxt = day + timedelta(days=1)
                if cal.hours_on(day):
                    if nxt in proper:
                        pre.append(day)
                    elif day in workdays:
                        while nxt not in proper and not cal.hours_on(nxt) and nxt <= last:
                            nxt += timedelta(days=1)
                        if nxt in proper:
                            pre.append(day)
                day += timedelta(days=1)
            cal = cal.with_shortened(pre, shorten_pre_holiday)
        return cal


def _is_proper_holiday(found, name: str) -> bool:
    """False for substituted days off and "(observed)" days, whose names the package builds
    from labels; True if any of the (``;``-joined) names of the date is a holiday proper."""
    labels = []
    for attr in ("substituted_label", "observed_label"):
        label = getattr(found, attr, None)
        if label:
            prefix, _, suffix = found.tr(label).partition("%s")
            labels.append((prefix, suffix))
    for part in name.split("; "):
        if not any(part.startswith(p) and part.endswith(s) for p, s in labels):
            return True
    return False


def _trim(hours: Hours, cut: int) -> Hours:
    out = list(hours)
    while out and cut > 0:
        s, e = out.pop()
        if e - s > cut:
            out.append((s, e - cut))
            break
        cut -= e - s
    return tuple(out)


# --------------------------------------------------------------------------------------------
# Time conversion: wall clock <-> integer microseconds since the epoch
# --------------------------------------------------------------------------------------------


def _us(dt: datetime) -> int:
    if dt.tzinfo is None or dt.utcoffset() is None:
        raise ValueError(f"an aware datetime is required, got {dt!r}")
    return (dt - _EPOCH) // _ONE_US


def _dt(us: int, zone: ZoneInfo) -> datetime:
    return (_EPOCH + timedelta(microseconds=us)).astimezone(zone)


def _offset_at(us: int, zone: ZoneInfo) -> timedelta:
    return _dt(us, zone).utcoffset()


def _local_to_us(naive: datetime, zone: ZoneInfo) -> int:
    """The first instant at which the wall clock in ``zone`` shows ``naive`` or later."""
    aware = naive.replace(tzinfo=zone)
    off0 = aware.utcoffset()
    off1 = aware.replace(fold=1).utcoffset()
    if off0 >= off1:  # unambiguous, or a fold (clock set back): fold=0 is the first occurrence
        return (naive - off0 - _NAIVE_EPOCH) // _ONE_US
    # A gap (clock set forward over `naive`): the answer is the instant of the jump, somewhere in
    # (lo, hi]: lo reads naive - (off1 - off0) on the old offset, hi reads past naive.
    lo = (naive - off1 - _NAIVE_EPOCH) // _ONE_US
    hi = (naive - off0 - _NAIVE_EPOCH) // _ONE_US
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _offset_at(mid, zone) == off0:
            lo = mid
        else:
            hi = mid
    return hi


@functools.lru_cache(maxsize=4096)
def _year_start(zone: ZoneInfo, year: int) -> int:
    return _local_to_us(datetime(year, 1, 1), zone)  # noqa: DTZ001 - wall time, zone applied


# --------------------------------------------------------------------------------------------
# Year tables
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Table:
    """The open intervals of one calendar year, clipped to [lo, hi) and merged.

    ``cum[i]`` is the business time before interval i, ``cum_end[i]`` the business time at its
    end; ``total`` the business time of the year. All in microseconds.
    """

    lo: int
    hi: int
    starts: list[int]
    ends: list[int]
    cum: list[int]
    cum_end: list[int]
    total: int


@functools.lru_cache(maxsize=512)
def _table(cal: Calendar, year: int) -> _Table:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise OverflowError(f"year {year} is out of the supported range")
    zone = cal._zone
    lo, hi = _year_start(zone, year), _year_start(zone, year + 1)
    starts: list[int] = []
    ends: list[int] = []
    day = date(year, 1, 1) - timedelta(days=1)  # its overnight shift may spill into Jan 1
    last = date(year, 12, 31)
    one_day = timedelta(days=1)
    while day <= last:
        hours = cal.hours_on(day)
        if hours:
            midnight = datetime(day.year, day.month, day.day)  # noqa: DTZ001 - wall time
            for s, e in hours:
                a = max(_local_to_us(midnight + timedelta(seconds=s), zone), lo)
                b = min(_local_to_us(midnight + timedelta(seconds=e), zone), hi)
                if a >= b:
                    continue
                if ends and a <= ends[-1]:  # touching or overlapping: one interval
                    if b > ends[-1]:
                        ends[-1] = b
                else:
                    starts.append(a)
                    ends.append(b)
        day += one_day
    cum, cum_end, total = [], [], 0
    for a, b in zip(starts, ends, strict=True):
        cum.append(total)
        total += b - a
        cum_end.append(total)
    return _Table(lo, hi, starts, ends, cum, cum_end, total)


def _year_of(cal: Calendar, us: int) -> int:
    year = _dt(us, cal._zone).year
    if us < _year_start(cal._zone, year):
        year -= 1
    elif us >= _year_start(cal._zone, year + 1):
        year += 1
    return year


def _pos(tb: _Table, us: int) -> int:
    """Business time from the start of the table's year to ``us`` (inside the year)."""
    i = bisect_right(tb.starts, us) - 1
    if i < 0:
        return 0
    return tb.cum[i] + min(us, tb.ends[i]) - tb.starts[i]


def _check_open_after(cal: Calendar, year: int) -> None:
    if cal._open_until_year is not None and year > cal._open_until_year:
        raise ValueError("the calendar has no business hours after this point")


def _between_us(cal: Calendar, a: int, b: int) -> int:
    """Business microseconds in [a, b), a <= b."""
    if cal.always_open:
        return b - a
    ya, yb = _year_of(cal, a), _year_of(cal, b)
    ta = _table(cal, ya)
    if ya == yb:
        return _pos(ta, b) - _pos(ta, a)
    total = ta.total - _pos(ta, a)
    for y in range(ya + 1, yb):
        total += _table(cal, y).total
    return total + _pos(_table(cal, yb), b)


def _add_us(cal: Calendar, start: int, need: int) -> int:
    """The first instant t >= start with business time need in [start, t)."""
    if need <= 0:
        return start
    if cal.always_open:
        return start + need
    year = _year_of(cal, start)
    tb = _table(cal, year)
    p = _pos(tb, start)
    while True:
        avail = tb.total - p
        if need <= avail:
            q = p + need
            i = bisect_left(tb.cum_end, q)
            return tb.starts[i] + q - tb.cum[i]
        need -= avail
        year += 1
        _check_open_after(cal, year)
        tb = _table(cal, year)
        p = 0


# --------------------------------------------------------------------------------------------
# Public arithmetic
# --------------------------------------------------------------------------------------------


def add_business_time(start: datetime, duration: timedelta, calendar: Calendar) -> datetime:
    """The due time: ``duration`` of business time counted from ``start``.

    Counting begins at ``start`` or, outside business hours, at the next opening; closed time
    (nights, lunch, weekends, holidays) is skipped. The result is the *first* instant at which
    the business time is used up, so a target met at closing time is due at closing time.
    A zero duration returns ``start``. Returned in the calendar's zone.
    """
    if duration < timedelta(0):
        raise ValueError("duration must not be negative")
    return _dt(_add_us(calendar, _us(start), duration // _ONE_US), calendar._zone)


def business_time_between(a: datetime, b: datetime, calendar: Calendar) -> timedelta:
    """Business time elapsed in ``[a, b)``; negative when ``b`` is before ``a``."""
    ua, ub = _us(a), _us(b)
    if ub < ua:
        return -timedelta(microseconds=_between_us(calendar, ub, ua))
    return timedelta(microseconds=_between_us(calendar, ua, ub))


def _locate(cal: Calendar, us: int) -> tuple[int, _Table, int]:
    year = _year_of(cal, us)
    tb = _table(cal, year)
    return year, tb, bisect_right(tb.starts, us) - 1


def is_open(at: datetime, calendar: Calendar) -> bool:
    """Whether ``at`` lies in business hours (opening instant included, closing excluded)."""
    if calendar.always_open:
        _us(at)
        return True
    us = _us(at)
    _, tb, i = _locate(calendar, us)
    return i >= 0 and us < tb.ends[i]


def next_opening(at: datetime, calendar: Calendar) -> datetime:
    """``at`` itself when open, else the next instant business hours begin."""
    us = _us(at)
    if calendar.always_open:
        return _dt(us, calendar._zone)
    year, tb, i = _locate(calendar, us)
    if i >= 0 and us < tb.ends[i]:
        return _dt(us, calendar._zone)
    i += 1
    while i >= len(tb.starts):
        year += 1
        _check_open_after(calendar, year)
        tb, i = _table(calendar, year), 0
    return _dt(tb.starts[i], calendar._zone)


def next_closing(at: datetime, calendar: Calendar) -> datetime | None:
    """When the business hours that are running at (or next after) ``at`` end.

    ``None`` for an always-open calendar. An interval that runs over New Year is followed into
    the next year's table.
    """
    if calendar.always_open:
        _us(at)
        return None
    start = next_opening(at, calendar)
    us = _us(start)
    year, tb, i = _locate(calendar, us)
    end = tb.ends[i]
    while end == tb.hi:  # clipped at the year's end: does the next year open right away?
        year += 1
        if calendar._open_until_year is not None and year > calendar._open_until_year:
            break
        tb = _table(calendar, year)
        if not tb.starts or tb.starts[0] != end:
            break
        end = tb.ends[0]
    return _dt(end, calendar._zone)


def business_intervals(a: datetime, b: datetime, calendar: Calendar):
    """Yield the open intervals ``(start, end)`` intersecting ``[a, b)``, clipped to it."""
    ua, ub = _us(a), _us(b)
    zone = calendar._zone
    if ua >= ub:
        return
    if calendar.always_open:
        yield _dt(ua, zone), _dt(ub, zone)
        return
    year, tb, i = _locate(calendar, ua)
    i = max(i, 0)
    pending: tuple[int, int] | None = None
    while True:
        for s, e in zip(tb.starts[i:], tb.ends[i:], strict=True):
            if s >= ub:
                break
            s, e = max(s, ua), min(e, ub)
            if s >= e:
                continue
            if pending and pending[1] == s:  # the same interval, split at New Year
                pending = (pending[0], e)
                continue
            if pending:
                yield _dt(pending[0], zone), _dt(pending[1], zone)
            pending = (s, e)
        if tb.hi >= ub:
            break
        year += 1
        tb, i = _table(calendar, year), 0
    if pending:
        yield _dt(pending[0], zone), _dt(pending[1], zone)


# --------------------------------------------------------------------------------------------
# SLA clock
# --------------------------------------------------------------------------------------------


class EventKind(StrEnum):
    START = "start"  # with the target
    PAUSE = "pause"  # waiting for the customer
    RESUME = "resume"  # the customer answered
    STOP = "stop"  # target fulfilled (answered, solved)
    REOPEN = "reopen"  # a stopped clock runs again
    RETARGET = "retarget"  # priority/policy changed: a new target


class ClockStatus(StrEnum):
    NOT_STARTED = "not_started"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


@dataclass(frozen=True)
class ClockEvent:
    kind: EventKind
    at: datetime
    target: timedelta | None = None

    def __post_init__(self):
        object.__setattr__(self, "kind", EventKind(self.kind))
        _us(self.at)
        needs_target = self.kind in (EventKind.START, EventKind.RETARGET)
        if needs_target and (self.target is None or self.target <= timedelta(0)):
            raise ValueError(f"{self.kind} needs a positive target")
        if not needs_target and self.target is not None:
            raise ValueError(f"{self.kind} takes no target")


@dataclass(frozen=True)
class ClockState:
    """An SLA clock as of ``now``.

    ``due`` is set only while running; it may be in the past (overdue). ``breached`` means the
    clock ran past its due time (answering exactly at the due instant is in time).
    ``breached_at`` is when that happened, never earlier than the last re-target.
    """

    status: ClockStatus
    target: timedelta | None
    elapsed: timedelta
    remaining: timedelta | None
    due: datetime | None
    breached: bool
    breached_at: datetime | None
    share_used: float
    warn_at: datetime | None = None

    @property
    def met(self) -> bool:
        """Stopped in time."""
        return self.status is ClockStatus.STOPPED and not self.breached

    def warning(self, threshold: float = 0.8) -> bool:
        """At least ``threshold`` of the target is used (and not yet stopped)."""
        return self.status in (ClockStatus.RUNNING, ClockStatus.PAUSED) and (
            self.share_used >= threshold
        )


def evaluate(
    events: Iterable[ClockEvent],
    calendar: Calendar,
    now: datetime,
    warn_share: float | None = None,
) -> ClockState:
    """Fold an SLA clock's event history into its state at ``now``.

    Events are taken in time order (ties keep their given order); events after ``now`` are
    ignored. Redundant events are no-ops: pausing a paused clock, resuming a running one,
    reopening one that is not stopped. Rules:

    * elapsed time is business time while running; time paused or stopped does not count;
    * REOPEN continues a stopped clock from the elapsed time it had (the ticket's total time to
      resolution); for a fresh budget add a RETARGET at the reopen or start a new clock;
    * RETARGET replaces the target for the clock's whole life: time already elapsed counts
      against the new target (remaining = new target - elapsed), so a stricter target can make
      the clock overdue at once; a laxer one can lift a breach. A RETARGET while stopped is
      kept for a later REOPEN and does not change the stopped outcome.
    """
    now_us = _us(now)
    evs = sorted((e for e in events if _us(e.at) <= now_us), key=lambda e: _us(e.at))
    status = ClockStatus.NOT_STARTED
    target: int | None = None
    pending_target: int | None = None
    retarget_at: int | None = None
    segments: list[tuple[int, int]] = []
    run_from = 0
    for ev in evs:
        at = _us(ev.at)
        kind = ev.kind
        if kind is EventKind.START:
            if status is not ClockStatus.NOT_STARTED:
                raise ValueError("the clock was started twice")
            status, target, run_from = ClockStatus.RUNNING, ev.target // _ONE_US, at
        elif status is ClockStatus.NOT_STARTED:
            raise ValueError(f"{kind} before the clock started")
        elif kind is EventKind.PAUSE:
            if status is ClockStatus.RUNNING:
                segments.append((run_from, at))
                status = ClockStatus.PAUSED
        elif kind is EventKind.RESUME:
            if status is ClockStatus.PAUSED:
                status, run_from = ClockStatus.RUNNING, at
        elif kind is EventKind.STOP:
            if status is ClockStatus.RUNNING:
                segments.append((run_from, at))
            status = ClockStatus.STOPPED
        elif kind is EventKind.REOPEN:
            if status is ClockStatus.STOPPED:
                status, run_from = ClockStatus.RUNNING, at
                if pending_target is not None:
                    target, retarget_at, pending_target = pending_target, at, None
        elif kind is EventKind.RETARGET:
            if status is ClockStatus.STOPPED:
                pending_target = ev.target // _ONE_US
            else:
                target, retarget_at = ev.target // _ONE_US, at
    zone = calendar._zone
    if status is ClockStatus.NOT_STARTED:
        return ClockState(status, None, timedelta(0), None, None, False, None, 0.0)
    running = status is ClockStatus.RUNNING
    if running:
        segments.append((run_from, now_us))
    lengths = [_between_us(calendar, s, e) for s, e in segments]
    elapsed = sum(lengths)

    def crossing(need: int) -> tuple[int, int] | None:
        """(instant, segment index) at which the elapsed time reaches ``need``, following the
        running segment past ``now`` when the clock runs; None if it never did."""
        cum = 0
        for k, ((s, _), length) in enumerate(zip(segments, lengths, strict=True)):
            if cum + length >= need or (running and k == len(segments) - 1):
                return _add_us(calendar, s, need - cum), k
            cum += length
        return None

    cross = crossing(target)
    breached_at = None
    if cross is not None:
        c, k = cross
        for s, e in segments[k:]:
            if e > c and e > s:  # the clock was running after the due instant
                breached_at = max(s, c)
                break
        if breached_at is not None and retarget_at is not None:
            breached_at = max(breached_at, retarget_at)
    warn_at = None
    if running and warn_share is not None:
        warn_at = _dt(crossing(round(target * warn_share))[0], zone)
    return ClockState(
        status=status,
        target=timedelta(microseconds=target),
        elapsed=timedelta(microseconds=elapsed),
        remaining=timedelta(microseconds=target - elapsed),
        due=_dt(cross[0], zone) if running else None,
        breached=breached_at is not None,
        breached_at=_dt(breached_at, zone) if breached_at is not None else None,
        share_used=elapsed / target,
        warn_at=warn_at,
    )


@dataclass
class Clock:
    """One SLA target of one ticket: a calendar and an append-only event history.

    >>> clock = Clock(cal).start(created, timedelta(hours=4))
    >>> clock.pause(asked_customer).resume(customer_answered)
    >>> clock.state(now).due
    """

    calendar: Calendar
    events: list[ClockEvent] = field(default_factory=list)

    def _add(self, kind: EventKind, at: datetime, target: timedelta | None = None) -> Clock:
        self.events.append(ClockEvent(kind, at, target))
        return self

    def start(self, at: datetime, target: timedelta) -> Clock:
        return self._add(EventKind.START, at, target)

    def pause(self, at: datetime) -> Clock:
        return self._add(EventKind.PAUSE, at)

    def resume(self, at: datetime) -> Clock:
        return self._add(EventKind.RESUME, at)

    def stop(self, at: datetime) -> Clock:
        return self._add(EventKind.STOP, at)

    def reopen(self, at: datetime) -> Clock:
        return self._add(EventKind.REOPEN, at)

    def retarget(self, at: datetime, target: timedelta) -> Clock:
        return self._add(EventKind.RETARGET, at, target)

    def state(self, now: datetime, warn_share: float | None = None) -> ClockState:
        return evaluate(self.events, self.calendar, now, warn_share)
