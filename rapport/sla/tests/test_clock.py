"""Business-hours calendar and SLA clock arithmetic: no database, no sleeping, explicit instants."""

import time as wallclock
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.sla.clock import (
    DAY,
    Calendar,
    Clock,
    ClockEvent,
    ClockStatus,
    EventKind,
    add_business_time,
    business_intervals,
    business_time_between,
    evaluate,
    is_open,
    next_closing,
    next_opening,
    parse_hours,
)

MSK = ZoneInfo("Europe/Moscow")
SHA = ZoneInfo("Asia/Shanghai")
BER = ZoneInfo("Europe/Berlin")
NYC = ZoneInfo("America/New_York")
H = timedelta(hours=1)
M = timedelta(minutes=1)
US = timedelta(microseconds=1)


def at(zone, y, mo, d, h=0, mi=0, s=0, fold=0):
    return datetime(y, mo, d, h, mi, s, tzinfo=zone, fold=fold)


def utc(dt):
    """Compare instants: == between datetimes of one zone ignores the fold."""
    return dt.astimezone(UTC)


# Monday 4 March 2024 .. Sunday 10 March 2024 (no holidays imported in these calendars)
LUNCH = Calendar("Europe/Moscow", {"mon-fri": "09:00-13:00, 14:00-18:00"})  # 8 h a day
OFFICE = Calendar.workweek("Europe/Moscow", "09:00-18:00")  # 9 h a day


@pytest.fixture(scope="module")
def ru():
    """Moscow office with Russian holidays, transfers and pre-holiday days 2023-2025."""
    return OFFICE.with_country_holidays(
        "RU", range(2023, 2026), shorten_pre_holiday=timedelta(hours=1)
    )


@pytest.fixture(scope="module")
def cn():
    return Calendar.workweek("Asia/Shanghai", "09:00-18:00").with_country_holidays("CN", 2024)


# --------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------


def test_parse_hours_forms():
    assert parse_hours("09:00-13:00, 14:00-18:00") == (
        (9 * 3600, 13 * 3600),
        (14 * 3600, 18 * 3600),
    )
    assert parse_hours("14:00-18:00; 09:00–13:00") == parse_hours("09:00-13:00,14:00-18:00")
    assert parse_hours("00:00-24:00") == ((0, DAY),)
    assert parse_hours("22:00-06:00") == ((22 * 3600, 30 * 3600),)
    assert parse_hours([(time(9), time(17, 30))]) == ((9 * 3600, 17 * 3600 + 1800),)
    assert parse_hours("") == parse_hours(None) == parse_hours([]) == ()
    assert parse_hours(parse_hours("22:00-06:00")) == parse_hours("22:00-06:00")  # idempotent


@pytest.mark.parametrize(
    "spec",
    [
        "09:00-13:00, 12:00-18:00",
        "24:00-06:00",
        "09:00-09:00",
        "9-17",
        "09:60-10:00",
        "24:30-01:00",
        "10:00-24:01",
        "22:00-06:00, 23:00-23:30",
    ],
)
def test_parse_hours_rejects(spec):
    with pytest.raises(ValueError):
        parse_hours(spec)


def test_week_mapping_with_ranges_and_names():
    cal = Calendar("UTC", {"mon-thu": "09:00-17:00", "Friday": "09:00-15:00", 6: "10:00-12:00"})
    assert cal.week[0] == cal.week[3] == ((9 * 3600, 17 * 3600),)
    assert cal.week[4] == ((9 * 3600, 15 * 3600),)
    assert cal.week[5] == ()
    assert cal.week[6] == ((10 * 3600, 12 * 3600),)
    with pytest.raises(ValueError):
        Calendar("UTC", {"funday": "09:00-17:00"})
    with pytest.raises(ValueError):
        Calendar("UTC", ["09:00-17:00"] * 5)  # 7 days, Monday first


def test_calendar_is_hashable_by_content():
    a = Calendar("Europe/Moscow", {"mon-fri": "09:00-18:00"}).with_days_off(["2024-03-08"])
    b = Calendar.workweek("Europe/Moscow").with_days_off([date(2024, 3, 8)])
    assert a == b and hash(a) == hash(b)
    assert a != OFFICE


def test_naive_and_negative_inputs_are_rejected():
    with pytest.raises(ValueError):
        add_business_time(datetime(2024, 3, 4, 10), H, OFFICE)  # noqa: DTZ001
    with pytest.raises(ValueError):
        add_business_time(at(MSK, 2024, 3, 4, 10), -H, OFFICE)


# --------------------------------------------------------------------------------------------
# Weekdays, nights, lunch, weekends
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration", "due"),
    [
        ((2024, 3, 4, 10), 2 * H, (2024, 3, 4, 12)),  # inside hours
        ((2024, 3, 4, 12), 2 * H, (2024, 3, 4, 15)),  # over lunch
        ((2024, 3, 4, 13, 30), H, (2024, 3, 4, 15)),  # starts in lunch
        ((2024, 3, 4, 10), 7 * H, (2024, 3, 4, 18)),  # ends exactly at closing: same day
        ((2024, 3, 4, 7), H, (2024, 3, 4, 10)),  # before opening
        ((2024, 3, 4, 20), H, (2024, 3, 5, 10)),  # evening: next morning
        ((2024, 3, 4, 23, 59), 15 * M, (2024, 3, 5, 9, 15)),  # night, minutes
        ((2024, 3, 8, 17), 2 * H, (2024, 3, 11, 10)),  # Friday over the weekend
        ((2024, 3, 9, 11), 30 * M, (2024, 3, 11, 9, 30)),  # Saturday
        ((2024, 3, 4, 9), 40 * H, (2024, 3, 8, 18)),  # one business week
        ((2024, 3, 4, 9), 120 * H, (2024, 3, 22, 18)),  # three weeks
        ((2024, 3, 4, 9), 123 * H, (2024, 3, 25, 12)),  # three weeks and a bit
    ],
)
def test_add_business_time_with_lunch(start, duration, due):
    got = add_business_time(at(MSK, *start), duration, LUNCH)
    assert got == at(MSK, *due)
    assert got.tzinfo == MSK
    assert business_time_between(at(MSK, *start), got, LUNCH) == duration


def test_closing_time_is_due_time_and_one_microsecond_more_is_next_morning():
    start = at(MSK, 2024, 3, 4, 10)
    assert add_business_time(start, 7 * H, LUNCH) == at(MSK, 2024, 3, 4, 18)
    assert add_business_time(start, 7 * H + US, LUNCH) == at(MSK, 2024, 3, 5, 9) + US


def test_zero_duration_is_the_start_itself():
    sat = at(MSK, 2024, 3, 9, 11)
    assert add_business_time(sat, timedelta(0), LUNCH) == sat


def test_business_time_between():
    fri = at(MSK, 2024, 3, 8, 17)
    mon = at(MSK, 2024, 3, 11, 10)
    assert business_time_between(fri, mon, LUNCH) == 2 * H
    assert business_time_between(mon, fri, LUNCH) == -2 * H
    assert business_time_between(at(MSK, 2024, 3, 4, 13), at(MSK, 2024, 3, 4, 14), LUNCH) == (
        timedelta(0)
    )
    assert business_time_between(fri, fri, LUNCH) == timedelta(0)
    week = business_time_between(at(MSK, 2024, 3, 4), at(MSK, 2024, 4, 1), LUNCH)
    assert week == 4 * 40 * H


def test_is_open_next_opening_next_closing():
    assert is_open(at(MSK, 2024, 3, 4, 9), LUNCH)  # opening instant included
    assert not is_open(at(MSK, 2024, 3, 4, 13), LUNCH)  # closing instant excluded
    assert is_open(at(MSK, 2024, 3, 4, 14), LUNCH)
    assert not is_open(at(MSK, 2024, 3, 9, 12), LUNCH)
    assert next_opening(at(MSK, 2024, 3, 4, 10), LUNCH) == at(MSK, 2024, 3, 4, 10)
    assert next_opening(at(MSK, 2024, 3, 4, 13), LUNCH) == at(MSK, 2024, 3, 4, 14)
    assert next_opening(at(MSK, 2024, 3, 8, 18), LUNCH) == at(MSK, 2024, 3, 11, 9)
    assert next_closing(at(MSK, 2024, 3, 4, 10), LUNCH) == at(MSK, 2024, 3, 4, 13)
    assert next_closing(at(MSK, 2024, 3, 9, 10), LUNCH) == at(MSK, 2024, 3, 11, 13)
    # instants in other zones are fine; answers come in the calendar's zone
    utc_noon = datetime(2024, 3, 4, 9, tzinfo=UTC)  # 12:00 in Moscow
    assert is_open(utc_noon, LUNCH)
    assert next_closing(utc_noon, LUNCH).utcoffset() == 3 * H


def test_business_intervals_lists_open_periods():
    got = list(business_intervals(at(MSK, 2024, 3, 4, 10), at(MSK, 2024, 3, 5, 10), LUNCH))
    assert got == [
        (at(MSK, 2024, 3, 4, 10), at(MSK, 2024, 3, 4, 13)),
        (at(MSK, 2024, 3, 4, 14), at(MSK, 2024, 3, 4, 18)),
        (at(MSK, 2024, 3, 5, 9), at(MSK, 2024, 3, 5, 10)),
    ]


def test_moscow_has_no_dst():
    for month in (1, 7):
        due = add_business_time(datetime(2024, month, 1, 6, tzinfo=UTC), H, OFFICE)
        assert due.utcoffset() == 3 * H
        assert due.astimezone(UTC).hour == 7  # 10:00 Moscow


# --------------------------------------------------------------------------------------------
# Holidays: Russia
# --------------------------------------------------------------------------------------------


def test_russian_new_year_holidays(ru):
    # Friday 29 December 2023, 17:00: one hour left that day, then 30 Dec - 8 Jan are off.
    start = at(MSK, 2023, 12, 29, 17)
    assert add_business_time(start, 2 * H, ru) == at(MSK, 2024, 1, 9, 10)
    for day in range(1, 9):
        assert not is_open(at(MSK, 2024, 1, day, 12), ru)
    assert business_time_between(at(MSK, 2023, 12, 29, 18), at(MSK, 2024, 1, 9, 9), ru) == (
        timedelta(0)
    )


def test_russian_production_calendar_pre_holiday_days(ru):
    # Official production calendars: shortened (pre-holiday) days.
    expected = {
        2023: ["02-22", "03-07", "11-03"],
        2024: ["02-22", "03-07", "04-27", "05-08", "06-11", "11-02", "12-28"],
        2025: ["03-07", "04-30", "06-11", "11-01"],
    }
    for year, days in expected.items():
        got = sorted(d for d in ru.shortened if d.year == year)
        assert got == [date.fromisoformat(f"{year}-{d}") for d in days], year
    assert set(ru.shortened.values()) == {H}


def test_russian_shortened_day_closes_an_hour_earlier(ru):
    # Thursday 22 Feb 2024 closes at 17:00; Friday 23 Feb is a holiday.
    assert not is_open(at(MSK, 2024, 2, 22, 17), ru)
    assert next_closing(at(MSK, 2024, 2, 22, 10), ru) == at(MSK, 2024, 2, 22, 17)
    assert add_business_time(at(MSK, 2024, 2, 22, 16), 2 * H, ru) == at(MSK, 2024, 2, 26, 10)


def test_russian_transferred_working_saturday(ru):
    # Saturday 2 Nov 2024 is a working day (shortened), Sunday 3 and Monday 4 (Unity Day) are off.
    assert date(2024, 11, 2) in ru.working_days
    assert is_open(at(MSK, 2024, 11, 2, 10), ru)
    assert next_closing(at(MSK, 2024, 11, 2, 10), ru) == at(MSK, 2024, 11, 2, 17)
    assert add_business_time(at(MSK, 2024, 11, 1, 17), 2 * H, ru) == at(MSK, 2024, 11, 2, 10)
    assert add_business_time(at(MSK, 2024, 11, 2, 16), 2 * H, ru) == at(MSK, 2024, 11, 5, 10)
    # Saturday 27 April 2024 works; Monday 29 - Wednesday 1 May are off.
    assert add_business_time(at(MSK, 2024, 4, 27, 16), 2 * H, ru) == at(MSK, 2024, 5, 2, 10)
    # An ordinary Saturday stays closed.
    assert not is_open(at(MSK, 2024, 11, 9, 10), ru)


def test_manual_changes_win_over_imported_ones(ru):
    cal = ru.with_days_off([date(2024, 11, 2)])  # the office will not work that Saturday
    assert not is_open(at(MSK, 2024, 11, 2, 10), cal)
    cal = cal.with_working_days([date(2024, 11, 4)], hours="10:00-14:00")  # on duty on a holiday
    assert is_open(at(MSK, 2024, 11, 4, 10), cal)
    assert next_closing(at(MSK, 2024, 11, 4, 10), cal) == at(MSK, 2024, 11, 4, 14)
    cal = cal.with_shortened({date(2024, 3, 5): timedelta(hours=3)})  # manual short day
    assert next_closing(at(MSK, 2024, 3, 5, 10), cal) == at(MSK, 2024, 3, 5, 15)
    with pytest.raises(ValueError):
        Calendar(
            "UTC",
            {"mon-fri": "09:00-17:00"},
            days_off=[date(2024, 1, 6)],
            working_days=[date(2024, 1, 6)],
        )


def test_shortening_cuts_from_the_end_of_a_split_day():
    cal = LUNCH.with_shortened([date(2024, 3, 5)], by=timedelta(hours=5))
    assert cal.hours_on(date(2024, 3, 5)) == ((9 * 3600, 12 * 3600),)  # 18:00 -5 h: lunch skipped
    assert (
        cal.with_shortened([date(2024, 3, 5)], by=timedelta(hours=9)).hours_on(date(2024, 3, 5))
        == ()
    )


# --------------------------------------------------------------------------------------------
# Holidays: China
# --------------------------------------------------------------------------------------------


def test_chinese_spring_festival_and_working_sunday(cn):
    # Spring Festival 2024: 10-17 February off; Sunday 4 and Sunday 18 February are working days.
    for day in range(10, 18):
        assert not is_open(at(SHA, 2024, 2, day, 12), cn)
    assert is_open(at(SHA, 2024, 2, 4, 12), cn)
    assert is_open(at(SHA, 2024, 2, 18, 12), cn)
    due = add_business_time(at(SHA, 2024, 2, 9, 17), 2 * H, cn)
    assert due == at(SHA, 2024, 2, 18, 10)
    assert due.astimezone(UTC) == datetime(2024, 2, 18, 2, tzinfo=UTC)  # UTC+8
    # National Day week: 1-7 October off, Saturday 12 October works
    assert add_business_time(at(SHA, 2024, 9, 30, 17), 2 * H, cn) == at(SHA, 2024, 10, 8, 10)
    assert is_open(at(SHA, 2024, 10, 12, 10), cn)


# --------------------------------------------------------------------------------------------
# Daylight saving time
# --------------------------------------------------------------------------------------------


NIGHTS_BER = Calendar("Europe/Berlin", {"mon-sun": "00:00-06:00"})


def test_berlin_spring_forward_shortens_the_wall_clock_interval():
    # 31 March 2024: 02:00 CET -> 03:00 CEST. 00:00-06:00 lasts 5 real hours.
    day = at(BER, 2024, 3, 31)
    assert business_time_between(day, at(BER, 2024, 3, 31, 12), NIGHTS_BER) == 5 * H
    assert utc(add_business_time(day, 5 * H, NIGHTS_BER)) == utc(at(BER, 2024, 3, 31, 6))
    assert utc(add_business_time(day, 3 * H, NIGHTS_BER)) == utc(at(BER, 2024, 3, 31, 4))
    assert utc(add_business_time(day, 5 * H + M, NIGHTS_BER)) == utc(at(BER, 2024, 4, 1, 0, 1))


def test_berlin_fall_back_lengthens_the_wall_clock_interval():
    # 27 October 2024: 03:00 CEST -> 02:00 CET. 00:00-06:00 lasts 7 real hours.
    day = at(BER, 2024, 10, 27)
    assert business_time_between(day, at(BER, 2024, 10, 27, 12), NIGHTS_BER) == 7 * H
    assert utc(add_business_time(day, 7 * H, NIGHTS_BER)) == utc(at(BER, 2024, 10, 27, 6))
    # 2.5 real hours in: the second 02:30 (CET), not the first
    second = add_business_time(day, 3 * H + 30 * M, NIGHTS_BER)
    assert utc(second) == utc(at(BER, 2024, 10, 27, 2, 30, fold=1))
    assert second.utcoffset() == H  # same-zone == compares wall clocks: check the fold too


def test_boundaries_inside_the_gap_and_the_fold():
    cal = Calendar("Europe/Berlin", {"mon-sun": "02:30-05:00"})
    # spring: 02:30 never shows; the shift starts at the jump (03:00 CEST): 2 real hours
    spring = business_time_between(at(BER, 2024, 3, 31), at(BER, 2024, 3, 31, 12), cal)
    assert spring == 2 * H
    assert utc(next_opening(at(BER, 2024, 3, 31), cal)) == datetime(2024, 3, 31, 1, tzinfo=UTC)
    # autumn: 02:30 shows twice; the shift starts at the first: 02:30 CEST -> 05:00 CET = 3.5 h
    autumn = business_time_between(at(BER, 2024, 10, 27), at(BER, 2024, 10, 27, 12), cal)
    assert autumn == 3 * H + 30 * M
    first = next_opening(at(BER, 2024, 10, 27), cal)
    assert utc(first) == datetime(2024, 10, 27, 0, 30, tzinfo=UTC)
    # an interval ending inside the fold ends at the first occurrence
    early = Calendar("Europe/Berlin", {"mon-sun": "00:00-02:30"})
    assert business_time_between(at(BER, 2024, 10, 27), at(BER, 2024, 10, 27, 12), early) == (
        2 * H + 30 * M
    )


def test_new_york_both_transitions_on_a_full_day_calendar():
    # Not "always open" (a distant day off), so the wall-clock tables are exercised.
    cal = Calendar("America/New_York", {"mon-sun": "00:00-24:00"}).with_days_off(["2030-01-01"])
    assert not cal.always_open
    day = timedelta(days=1)
    assert business_time_between(at(NYC, 2024, 3, 10), at(NYC, 2024, 3, 11), cal) == day - H
    assert business_time_between(at(NYC, 2024, 11, 3), at(NYC, 2024, 11, 4), cal) == day + H
    due = add_business_time(at(NYC, 2024, 3, 9, 12), 23 * H, cal)
    assert utc(due) == utc(at(NYC, 2024, 3, 10, 12))
    always = Calendar.open_24_7("America/New_York")
    assert business_time_between(at(NYC, 2024, 3, 10), at(NYC, 2024, 3, 11), always) == day - H
    for a, b in [((2024, 3, 9, 12), (2024, 3, 12, 8)), ((2024, 11, 2, 1), (2024, 11, 3, 1, 30))]:
        assert business_time_between(at(NYC, *a), at(NYC, *b), cal) == (
            business_time_between(at(NYC, *a), at(NYC, *b), always)
        )


def test_office_hours_keep_their_wall_clock_across_dst():
    cal = Calendar.workweek("America/New_York", "09:00-17:00")
    # Friday 8 March 2024 16:00 EST + 2 h -> Monday 11 March 10:00 EDT (wall clock, not 11:00)
    due = add_business_time(at(NYC, 2024, 3, 8, 16), 2 * H, cal)
    assert due == at(NYC, 2024, 3, 11, 10)
    assert due.astimezone(UTC).hour == 14
    due = add_business_time(at(NYC, 2024, 11, 1, 16), 2 * H, cal)
    assert due == at(NYC, 2024, 11, 4, 10)
    assert due.astimezone(UTC).hour == 15


def test_overnight_shift_across_dst():
    cal = Calendar("Europe/Berlin", {"sat": "22:00-06:00"})
    assert business_time_between(at(BER, 2024, 3, 30), at(BER, 2024, 4, 1), cal) == 7 * H
    assert business_time_between(at(BER, 2024, 10, 26), at(BER, 2024, 10, 28), cal) == 9 * H


# --------------------------------------------------------------------------------------------
# Overnight shifts and 24/7
# --------------------------------------------------------------------------------------------


NIGHTS = Calendar("Europe/Moscow", {"mon-fri": "22:00-06:00"})


def test_overnight_shift():
    assert is_open(at(MSK, 2024, 3, 9, 5), NIGHTS)  # Friday's shift runs into Saturday
    assert not is_open(at(MSK, 2024, 3, 9, 22), NIGHTS)
    assert not is_open(at(MSK, 2024, 3, 4, 5), NIGHTS)  # Sunday had no shift
    assert add_business_time(at(MSK, 2024, 3, 9, 5), 2 * H, NIGHTS) == at(MSK, 2024, 3, 11, 23)
    assert add_business_time(at(MSK, 2024, 3, 4, 12), 8 * H, NIGHTS) == at(MSK, 2024, 3, 5, 6)


def test_overnight_shift_belongs_to_the_day_it_starts():
    cal = NIGHTS.with_days_off([date(2024, 3, 8)])  # Friday off: no Friday night shift
    assert not is_open(at(MSK, 2024, 3, 9, 1), cal)
    cal = NIGHTS.with_days_off([date(2024, 3, 6)])  # Wednesday off: Tuesday's shift still ends
    assert is_open(at(MSK, 2024, 3, 6, 5), cal)  # at 06:00 on Wednesday
    assert not is_open(at(MSK, 2024, 3, 6, 23), cal)


def test_overlapping_shifts_are_not_counted_twice():
    cal = Calendar("Europe/Moscow", {"mon": "22:00-06:00", "tue": "05:00-10:00"})
    span = business_time_between(at(MSK, 2024, 3, 4), at(MSK, 2024, 3, 6), cal)
    assert span == 12 * H
    assert next_closing(at(MSK, 2024, 3, 4, 23), cal) == at(MSK, 2024, 3, 5, 10)


def test_overnight_shift_over_new_year_is_one_interval():
    cal = Calendar("Europe/Moscow", {"mon-sun": "22:00-06:00"})
    eve = at(MSK, 2024, 12, 31, 23)
    assert next_closing(eve, cal) == at(MSK, 2025, 1, 1, 6)
    assert business_time_between(at(MSK, 2024, 12, 31, 12), at(MSK, 2025, 1, 1, 12), cal) == 8 * H
    assert list(business_intervals(at(MSK, 2024, 12, 31, 12), at(MSK, 2025, 1, 1, 12), cal)) == [
        (at(MSK, 2024, 12, 31, 22), at(MSK, 2025, 1, 1, 6))
    ]
    assert add_business_time(at(MSK, 2024, 12, 31, 22), 5 * H, cal) == at(MSK, 2025, 1, 1, 3)


def test_24_7():
    cal = Calendar.open_24_7("Asia/Shanghai")
    assert cal.always_open
    start = at(SHA, 2024, 2, 10, 3)
    assert add_business_time(start, 50 * H, cal) == start + 50 * H
    assert business_time_between(start, start + 7 * 24 * H, cal) == 7 * 24 * H
    assert is_open(start, cal) and next_opening(start, cal) == start
    assert next_closing(start, cal) is None


def test_full_days_have_no_gap_at_midnight():
    # Zammad #3180: 24/7 hours were closed for one minute at midnight.
    cal = Calendar("Europe/Moscow", {"mon-sun": "00:00-24:00"}).with_days_off(["2030-01-01"])
    start = at(MSK, 2024, 3, 4, 23, 30)
    assert business_time_between(start, start + 72 * H, cal) == 72 * H
    assert add_business_time(start, H, cal) == at(MSK, 2024, 3, 5, 0, 30)
    assert is_open(at(MSK, 2024, 3, 5), cal)


def test_a_calendar_with_a_day_off_on_24_7():
    cal = Calendar.open_24_7("Europe/Moscow").with_days_off([date(2024, 3, 8)])
    assert not cal.always_open
    assert add_business_time(at(MSK, 2024, 3, 7, 23), 2 * H, cal) == at(MSK, 2024, 3, 9, 1)


def test_never_open_calendar_fails_instead_of_looping():
    cal = Calendar("UTC", [], working_days={date(2024, 5, 4): "10:00-12:00"})
    assert add_business_time(datetime(2024, 5, 1, tzinfo=UTC), H, cal) == (
        datetime(2024, 5, 4, 11, tzinfo=UTC)
    )
    with pytest.raises(ValueError):
        add_business_time(datetime(2024, 5, 1, tzinfo=UTC), 3 * H, cal)
    with pytest.raises(ValueError):
        next_opening(datetime(2024, 6, 1, tzinfo=UTC), cal)


# --------------------------------------------------------------------------------------------
# Speed
# --------------------------------------------------------------------------------------------


def test_due_time_across_a_year_is_fast(ru):
    start = at(MSK, 2024, 1, 15, 10)
    year = 8 * 247 * H  # about a Russian working year
    add_business_time(start, year, ru)  # builds the year tables once
    n = 2000
    t0 = wallclock.perf_counter()
    for i in range(n):
        add_business_time(start + i * M, year, ru)
    per_call = (wallclock.perf_counter() - t0) / n
    assert per_call < 0.0005, f"{per_call * 1e6:.1f} µs per due time"


# --------------------------------------------------------------------------------------------
# SLA clock
# --------------------------------------------------------------------------------------------


def mon(h, mi=0, week=0):
    return at(MSK, 2024, 3, 4 + 7 * week, h, mi)


def test_clock_not_started():
    state = evaluate([], OFFICE, mon(10))
    assert state.status is ClockStatus.NOT_STARTED
    assert state.due is None and not state.breached and state.elapsed == timedelta(0)


def test_clock_running():
    clock = Clock(OFFICE).start(mon(10), 4 * H)
    state = clock.state(mon(12))
    assert state.status is ClockStatus.RUNNING
    assert (state.elapsed, state.remaining, state.share_used) == (2 * H, 2 * H, 0.5)
    assert state.due == mon(14)
    assert not state.breached


def test_breach_exactly_at_the_boundary():
    clock = Clock(OFFICE).start(mon(10), 4 * H)
    on_time = clock.state(mon(14))
    assert on_time.remaining == timedelta(0) and on_time.share_used == 1.0
    assert not on_time.breached
    late = clock.state(mon(14) + US)
    assert late.breached and late.breached_at == mon(14)
    assert late.remaining == -US
    answered_on_time = Clock(OFFICE).start(mon(10), 4 * H).stop(mon(14)).state(mon(16))
    assert answered_on_time.met and answered_on_time.due is None
    answered_late = Clock(OFFICE).start(mon(10), 4 * H).stop(mon(14, 1)).state(mon(16))
    assert answered_late.breached and not answered_late.met


def test_due_at_closing_time_is_breached_that_evening():
    # Business time stands still after 18:00, but the promise was 18:00: overdue in real time.
    clock = Clock(OFFICE).start(mon(10), 8 * H)
    evening = clock.state(mon(20))
    assert evening.due == mon(18)
    assert evening.remaining == timedelta(0)
    assert evening.breached and evening.breached_at == mon(18)


def test_pause_and_resume_across_a_weekend():
    fri = lambda h: at(MSK, 2024, 3, 8, h)  # noqa: E731
    clock = Clock(OFFICE).start(fri(16), 4 * H).pause(fri(17))  # waiting for the customer
    paused = clock.state(at(MSK, 2024, 3, 10, 12))
    assert paused.status is ClockStatus.PAUSED
    assert paused.due is None
    assert (paused.elapsed, paused.remaining) == (H, 3 * H)
    # the customer answers on Tuesday: Monday's hours did not count
    clock.resume(at(MSK, 2024, 3, 12, 11))
    running = clock.state(at(MSK, 2024, 3, 12, 12))
    assert running.elapsed == 2 * H
    assert running.due == at(MSK, 2024, 3, 12, 14)
    # a pause that spans only closed time changes nothing
    plain = Clock(OFFICE).start(fri(16), 4 * H)
    around = Clock(OFFICE).start(fri(16), 4 * H).pause(fri(18)).resume(mon(9, week=1))
    now = mon(11, week=1)
    assert plain.state(now).due == around.state(now).due == mon(11, week=1)


def test_priority_change_mid_way():
    clock = Clock(OFFICE).start(mon(10), 8 * H)  # low priority: 8 h
    assert clock.state(mon(13)).due == mon(18)
    raised = Clock(OFFICE, list(clock.events)).retarget(mon(13), 4 * H)  # high: 4 h, 3 h used
    state = raised.state(mon(13))
    assert (state.elapsed, state.remaining, state.due) == (3 * H, H, mon(14))
    urgent = Clock(OFFICE, list(clock.events)).retarget(mon(13), 2 * H)  # urgent: 2 h, 3 h used
    state = urgent.state(mon(13, 1))
    assert state.breached
    assert state.due == mon(12)  # when 2 h were used up, in the past
    assert state.breached_at == mon(13)  # but nobody could have known before the change
    assert state.remaining == -(H + M)
    lowered = Clock(OFFICE, list(urgent.events)).retarget(mon(14), 16 * H)  # back down
    state = lowered.state(mon(15))
    assert not state.breached and state.due == at(MSK, 2024, 3, 5, 17)


def test_reopen_continues_the_clock():
    clock = Clock(OFFICE).start(mon(10), 4 * H).stop(mon(12))
    assert clock.state(mon(15)).met
    clock.reopen(at(MSK, 2024, 3, 6, 10))
    state = clock.state(at(MSK, 2024, 3, 6, 11))
    assert state.status is ClockStatus.RUNNING
    assert state.elapsed == 3 * H  # 2 h before solving + 1 h since reopening
    assert state.due == at(MSK, 2024, 3, 6, 12)


def test_retarget_while_stopped_waits_for_reopen():
    clock = Clock(OFFICE).start(mon(10), 4 * H).stop(mon(12)).retarget(mon(13), H)
    assert clock.state(mon(15)).met  # the settled outcome does not change
    clock.reopen(mon(16))
    state = clock.state(mon(16, 30))
    assert state.target == H and state.breached and state.breached_at == mon(16)


def test_share_used_thresholds_and_warning_instant():
    clock = Clock(OFFICE).start(mon(9), 10 * H)  # due Tuesday 10:00
    assert not clock.state(mon(16, 59)).warning(0.8)  # 7 h 59 min
    state = clock.state(mon(17), warn_share=0.8)  # 8 h
    assert state.share_used == 0.8 and state.warning(0.8)
    assert state.warn_at == mon(17)
    assert clock.state(mon(10), warn_share=0.8).warn_at == mon(17)
    assert clock.state(mon(10), warn_share=0.5).warn_at == mon(14)
    assert clock.state(at(MSK, 2024, 3, 5, 9, 30)).share_used == 0.95
    paused = Clock(OFFICE, list(clock.events)).pause(mon(17, 30)).state(mon(18), warn_share=0.8)
    assert paused.warning(0.8) and paused.warn_at is None
    stopped = Clock(OFFICE, list(clock.events)).stop(mon(17, 30)).state(mon(18))
    assert not stopped.warning(0.8)


def test_events_are_sorted_and_future_events_ignored():
    events = [
        ClockEvent(EventKind.RESUME, mon(14)),
        ClockEvent(EventKind.START, mon(10), 4 * H),
        ClockEvent("pause", mon(11)),
    ]
    assert evaluate(events, OFFICE, mon(15)).elapsed == 2 * H
    assert evaluate(events, OFFICE, mon(12)).status is ClockStatus.PAUSED


def test_redundant_events_are_no_ops():
    clock = (
        Clock(OFFICE)
        .start(mon(10), 4 * H)
        .resume(mon(10, 30))
        .pause(mon(11))
        .pause(mon(12))
        .reopen(mon(12, 30))
        .resume(mon(13))
        .resume(mon(13, 30))
    )
    assert clock.state(mon(14)).elapsed == 2 * H


def test_invalid_histories():
    with pytest.raises(ValueError):
        evaluate([ClockEvent(EventKind.PAUSE, mon(9))], OFFICE, mon(10))
    with pytest.raises(ValueError):
        Clock(OFFICE).start(mon(9), H).start(mon(10), H).state(mon(11))
    with pytest.raises(ValueError):
        ClockEvent(EventKind.START, mon(9))
    with pytest.raises(ValueError):
        ClockEvent(EventKind.RETARGET, mon(9), timedelta(0))
    with pytest.raises(ValueError):
        ClockEvent(EventKind.PAUSE, mon(9), H)
    with pytest.raises(ValueError):
        ClockEvent(EventKind.PAUSE, datetime(2024, 3, 4, 9))  # noqa: DTZ001


# --------------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------------

ZONES = ["Europe/Moscow", "Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"]
QUARTER = 900


@st.composite
def day_hours(draw, avoid_dst_hours=False):
    """0-3 intervals on quarter hours, possibly an overnight one last."""
    marks = [q for q in range(97) if not (avoid_dst_hours and 4 <= q < 12)]
    picked = sorted(draw(st.sets(st.sampled_from(marks), max_size=6)))
    if len(picked) % 2:
        picked = picked[:-1]
    hours = [(picked[i] * QUARTER, picked[i + 1] * QUARTER) for i in range(0, len(picked), 2)]
    if draw(st.booleans()) and draw(st.booleans()):  # overnight tail
        last_end = hours[-1][1] if hours else 0
        starts = [q for q in marks if last_end <= q * QUARTER < DAY]
        if starts:
            s = draw(st.sampled_from(starts)) * QUARTER
            ends = [q for q in marks if q * QUARTER < s]
            if ends:
                hours.append((s, draw(st.sampled_from(ends)) * QUARTER))
    return hours


@st.composite
def calendars(draw, avoid_dst_hours=False):
    week = [draw(day_hours(avoid_dst_hours)) for _ in range(7)]
    if not any(week):
        week[0] = [(9 * 3600, 17 * 3600)]
    base = date(2024, 1, 1)
    some_dates = st.lists(
        st.integers(0, 500).map(lambda n: base + timedelta(days=n)), max_size=12, unique=True
    )
    off = draw(some_dates)
    working = [d for d in draw(some_dates) if d not in off]
    cal = Calendar(draw(st.sampled_from(ZONES)), week, days_off=off)
    if working:
        cal = cal.with_working_days(working, hours=draw(day_hours(avoid_dst_hours)) or None)
    short = draw(some_dates)
    if short:
        cal = cal.with_shortened(short, by=draw(st.integers(1, 8)) * timedelta(minutes=45))
    return cal


instants = st.integers(0, 400 * 24 * 3600).map(
    lambda s: datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=s)
)
durations = st.one_of(
    st.integers(0, 3600).map(lambda s: timedelta(seconds=s)),
    st.integers(0, 6 * 7 * 24 * 3600 * 1_000_000).map(lambda us: timedelta(microseconds=us)),
)
FAST = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(calendars(), instants, durations)
def test_add_and_between_are_inverse(cal, start, duration):
    due = add_business_time(start, duration, cal)
    assert due >= start
    assert business_time_between(start, due, cal) == duration
    if duration:  # and the due time is the first such instant
        assert business_time_between(start, due - US, cal) < duration
        assert is_open(due - US, cal)


@FAST
@given(calendars(), instants, durations, durations)
def test_add_is_additive(cal, start, d1, d2):
    once = add_business_time(start, d1 + d2, cal)
    twice = add_business_time(add_business_time(start, d1, cal), d2, cal)
    assert once == twice


@FAST
@given(calendars(), instants, instants, instants)
def test_between_is_additive(cal, a, b, c):
    assert business_time_between(a, b, cal) + business_time_between(b, c, cal) == (
        business_time_between(a, c, cal)
    )


def _oracle_hours(cal, day):
    """Independent restatement of the per-date rules."""
    if day in cal.working_days:
        hours = list(cal.working_days[day])
    elif day in cal.days_off:
        hours = []
    else:
        hours = list(cal.week[day.weekday()])
    cut = int(cal.shortened.get(day, timedelta(0)).total_seconds())
    while hours and cut:
        s, e = hours.pop()
        take = min(cut, e - s)
        cut -= take
        if e - take > s:
            hours.append((s, e - take))
    return hours


def _oracle_between(cal, a, b):
    """Brute force with Python's own aware wall-clock arithmetic (no DST boundaries used)."""
    zone = cal.zone
    spans = []
    day = a.astimezone(zone).date() - timedelta(days=2)
    while day <= b.astimezone(zone).date() + timedelta(days=1):
        midnight = datetime.combine(day, time(0), tzinfo=zone)
        for s, e in _oracle_hours(cal, day):
            spans.append(
                (
                    (midnight + timedelta(seconds=s)).astimezone(UTC),
                    (midnight + timedelta(seconds=e)).astimezone(UTC),
                )
            )
        day += timedelta(days=1)
    spans.sort()
    merged = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    total = timedelta(0)
    for s, e in merged:
        lo, hi = max(s, a), min(e, b)
        if lo < hi:
            total += hi - lo
    return total


@FAST
@given(calendars(avoid_dst_hours=True), instants, st.integers(0, 40 * 24 * 3600))
def test_between_matches_a_brute_force_oracle(cal, a, span):
    b = a + timedelta(seconds=span)
    assert business_time_between(a, b, cal) == _oracle_between(cal, a, b)
