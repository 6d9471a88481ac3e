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
    return BusinessCalendar([("09:00", "12:00"), ("13:30", "17:30")], tz=TZ, overrides={})


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
    assert cal.is_working_day(dt.date(2031, 1, 6))  # a Monday (no override entered)
    assert not cal.is_working_day(dt.date(2031, 1, 4))  # a Saturday


def test_bad_office_hours_are_refused():
    with pytest.raises(ValueError, match="办公时间"):
        BusinessCalendar([("12:00", "09:00")])
    with pytest.raises(ValueError, match="办公时间"):
        BusinessCalendar([("09:00", "13:00"), ("12:00", "17:00")])


def test_naive_moments_are_refused(cal):
    with pytest.raises(ValueError, match="时区"):
        cal.add_working_hours(dt.datetime(2025, 9, 30, 10), 1)


@pytest.mark.django_db
def test_administrator_overrides_come_first_and_apply_at_once():
    """2027's holidays were not in the package when it shipped: an administrator enters them."""
    from civicgrid.core.models import WorkingDayOverride

    cal = lambda: BusinessCalendar([("09:00", "12:00"), ("13:30", "17:30")], tz=TZ)  # noqa: E731
    assert cal().is_working_day(dt.date(2027, 1, 1))  # a Friday: Monday–Friday fallback
    WorkingDayOverride.objects.create(day=dt.date(2027, 1, 1), working=False, note="元旦")
    WorkingDayOverride.objects.create(day=dt.date(2027, 1, 2), working=True, note="元旦调休")  # a Saturday
    assert not cal().is_working_day(dt.date(2027, 1, 1))
    assert cal().is_working_day(dt.date(2027, 1, 2))
    # 2026-12-31 (Thursday) 16:30 + 2 working hours: 1 h on the 31st, then Saturday 2 January.
    assert cal().add_working_hours(at(2026, 12, 31, 16, 30), 2) == at(2027, 1, 2, 10)
    # An override also beats the package inside the years it knows.
    WorkingDayOverride.objects.create(day=dt.date(2026, 6, 10), working=False, note="测试")
    assert not cal().is_working_day(dt.date(2026, 6, 10))


@pytest.mark.django_db
def test_only_district_or_city_administrators_edit_the_calendar(territory, client):
    from django.urls import reverse

    from civicgrid.core import roles as R
    from tests.factories import make_user

    street_admin = make_user("admin_street", R.SYSTEM_ADMIN, territory.streets["A"])
    url = reverse("admin:core_workingdayoverride_add")
    client.force_login(street_admin)
    assert client.get(url).status_code == 403
    client.force_login(territory.users["admin"])  # seated at the district
    resp = client.post(url, {"day": "2027-02-08", "working": "", "note": "春节"})
    assert resp.status_code == 302
    from civicgrid.core.models import AuditEntry, WorkingDayOverride

    assert WorkingDayOverride.objects.filter(day=dt.date(2027, 2, 8), working=False).exists()
    assert AuditEntry.objects.filter(action="calendar.create", actor=territory.users["admin"]).exists()
