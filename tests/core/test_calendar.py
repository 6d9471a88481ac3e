"""Working-time arithmetic across the 2025 National Day holiday.

2025: 1–8 October are holidays; Sunday 28 September and Saturday 11 October are make-up
working days (国务院办公厅 2024-11 notice). Office hours 09:00–12:00 and 13:30–17:30 (7 h a day).
"""
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from civicgrid.core.calendar import BusinessCalendar

TZ = ZoneInfo("Asia/Shanghai")


def at(y, m, d, h=0, mi=0):
    return dt.datetime(y, m, d, h, mi, tzinfo=TZ)


@pytest.fixture
def cal():
    return BusinessCalendar([("09:00", "12:00"), ("13:30", "17:30")], tz=TZ)


def test_holiday_and_make_up_days(cal):
    assert cal.is_working_day(dt.date(2025, 9, 28))  # Sunday, make-up day
    assert not cal.is_working_day(dt.date(2025, 9, 27))  # ordinary Saturday
    assert not any(cal.is_working_day(dt.date(2025, 10, d)) for d in range(1, 9))
    assert cal.is_working_day(dt.date(2025, 10, 9))
    assert cal.is_working_day(dt.date(2025, 10, 11))  # Saturday, make-up day
    assert not cal.is_working_day(dt.date(2025, 10, 12))


def test_add_working_days_jumps_the_holiday(cal):
    assert cal.add_working_days(at(2025, 9, 30, 10), 1) == at(2025, 10, 9, 17, 30)
    assert cal.add_working_days(at(2025, 9, 30, 10), 2) == at(2025, 10, 10, 17, 30)
    assert cal.add_working_days(at(2025, 9, 30, 10), 3) == at(2025, 10, 11, 17, 30)  # make-up Saturday
    assert cal.add_working_days(at(2025, 9, 26, 16), 1) == at(2025, 9, 28, 17, 30)  # make-up Sunday
    # Zero days on a holiday means the close of the next working day.
    assert cal.add_working_days(at(2025, 10, 3, 10), 0) == at(2025, 10, 9, 17, 30)


def test_add_working_hours_skips_lunch_nights_and_holidays(cal):
    assert cal.add_working_hours(at(2025, 9, 30, 11), 2) == at(2025, 9, 30, 14, 30)  # lunch skipped
    assert cal.add_working_hours(at(2025, 9, 30, 16, 30), 2) == at(2025, 10, 9, 10)  # 1 h before, 1 h after
    assert cal.add_working_hours(at(2025, 10, 2, 3), 0.5) == at(2025, 10, 9, 9, 30)  # starts on a holiday
    assert cal.add_working_hours(at(2025, 9, 26, 16, 30), 2) == at(2025, 9, 28, 10)  # make-up Sunday
    assert cal.add_working_hours(at(2025, 9, 30, 20), 7) == at(2025, 10, 9, 17, 30)  # a whole office day
    assert cal.add_working_hours(at(2025, 9, 30, 12, 30), 0) == at(2025, 9, 30, 12, 30)


def test_working_time_between(cal):
    assert cal.working_hours_between(at(2025, 9, 30, 9), at(2025, 10, 9, 12)) == 10
    assert cal.working_hours_between(at(2025, 10, 1), at(2025, 10, 8, 23)) == 0
    assert cal.working_hours_between(at(2025, 9, 26, 17), at(2025, 9, 29, 9, 30)) == pytest.approx(0.5 + 7 + 0.5)
    assert cal.working_hours_between(at(2025, 10, 9, 12), at(2025, 9, 30, 9)) == -10


def test_add_then_measure_round_trips(cal):
    start = at(2025, 9, 29, 15, 10)
    for hours in (0.25, 1, 3.5, 7, 20, 45):
        end = cal.add_working_hours(start, hours)
        assert cal.working_hours_between(start, end) == pytest.approx(hours)


def test_year_without_holiday_data_falls_back_to_weekdays(cal):
    assert cal.is_working_day(dt.date(2031, 1, 6))  # a Monday
    assert not cal.is_working_day(dt.date(2031, 1, 4))  # a Saturday


def test_bad_office_hours_are_refused():
    with pytest.raises(ValueError, match="办公时间"):
        BusinessCalendar([("12:00", "09:00")])
    with pytest.raises(ValueError, match="办公时间"):
        BusinessCalendar([("09:00", "13:00"), ("12:00", "17:00")])


def test_naive_moments_are_refused(cal):
    with pytest.raises(ValueError, match="时区"):
        cal.add_working_hours(dt.datetime(2025, 9, 30, 10), 1)
