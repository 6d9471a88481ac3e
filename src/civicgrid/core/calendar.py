"""Working-time arithmetic for deadlines written as 工作日 / 工作时.

Working days come from `chinese_calendar` (statutory holidays and make-up working days, 调休).
Days entered by an administrator (core.WorkingDayOverride: next year's holidays, announced after the
package was released) take precedence. For a year the package does not know and no override covers,
we fall back to Monday–Friday and log a warning once: a deadline a few hours off is better than
refusing to take a case.

Office hours are a list of (start, end) spans per working day, from settings.OFFICE_HOURS.
"N working days" means: by the end of office hours on the N-th working day after the day the
clock starts (the usual reading of "N个工作日内办结").
"""
from __future__ import annotations

import datetime as dt
import logging
import time
from functools import lru_cache

import chinese_calendar
from django.conf import settings
from django.utils import timezone

log = logging.getLogger(__name__)
_warned_years: set[int] = set()


_overrides: dict[dt.date, bool] | None = None
_overrides_loaded = 0.0
OVERRIDES_TTL = 60.0  # seconds; saves in this process invalidate at once (core/apps.py)


def working_day_overrides() -> dict[dt.date, bool]:
    """Administrator-entered days, cached per process for a minute (another process's edits show within it)."""
    global _overrides, _overrides_loaded
    if _overrides is None or time.monotonic() - _overrides_loaded > OVERRIDES_TTL:
        from .models import WorkingDayOverride

        _overrides = dict(WorkingDayOverride.objects.values_list("day", "working"))
        _overrides_loaded = time.monotonic()
    return _overrides


def invalidate_overrides(*args, **kwargs) -> None:
    global _overrides
    _overrides = None


@lru_cache(maxsize=4096)
def statutory_working_day(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        if day.year not in _warned_years:
            _warned_years.add(day.year)
            log.warning("chinese_calendar 无 %s 年节假日数据，按周一至周五计算工作日；请在“节假日调整”中录入或升级 chinesecalendar",
                        day.year)
        return day.weekday() < 5


def _parse(hhmm: str) -> dt.time:
    h, m = hhmm.strip().split(":")
    return dt.time(int(h), int(m))


class BusinessCalendar:
    def __init__(self, office_hours: list[tuple[str, str]] | None = None, tz=None,
                 overrides: dict[dt.date, bool] | None = None):
        spans = office_hours if office_hours is not None else settings.OFFICE_HOURS
        self.spans = [(_parse(a), _parse(b)) for a, b in spans]
        if not self.spans or any(a >= b for a, b in self.spans):
            raise ValueError("办公时间设置无效：每段须为 开始-结束，且开始早于结束")
        if any(self.spans[i][1] > self.spans[i + 1][0] for i in range(len(self.spans) - 1)):
            raise ValueError("办公时间设置无效：各时段须按时间先后排列且不重叠")
        self.tz = tz or timezone.get_default_timezone()
        # None: read the administrator's overrides from the database when first needed.
        self._overrides = overrides

    # -- days -------------------------------------------------------------------------
    def is_working_day(self, day: dt.date) -> bool:
        if self._overrides is None:
            self._overrides = working_day_overrides()
        found = self._overrides.get(day)
        return statutory_working_day(day) if found is None else found

    def next_working_day(self, day: dt.date) -> dt.date:
        day += dt.timedelta(days=1)
        while not self.is_working_day(day):
            day += dt.timedelta(days=1)
        return day

    # -- moments ----------------------------------------------------------------------
    def _local(self, moment: dt.datetime) -> dt.datetime:
        if timezone.is_naive(moment):
            raise ValueError("需要带时区的时间")
        return moment.astimezone(self.tz)

    def _spans_on(self, day: dt.date):
        if not self.is_working_day(day):
            return []
        return [(dt.datetime.combine(day, a, self.tz), dt.datetime.combine(day, b, self.tz)) for a, b in self.spans]

    def add_working_time(self, start: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """The moment when `amount` of office time has passed after `start`."""
        if amount < dt.timedelta(0):
            raise ValueError("工作时长不能为负")
        cursor = self._local(start)
        if amount == dt.timedelta(0):
            return cursor
        remaining = amount
        day = cursor.date()
        for _ in range(3660):  # ten years of days: a bound, not a limit anyone reaches
            for s, e in self._spans_on(day):
                if cursor >= e:
                    continue
                begin = max(cursor, s)
                if remaining <= e - begin:
                    return begin + remaining
                remaining -= e - begin
                cursor = e
            day += dt.timedelta(days=1)
        raise ValueError("工作时长过长")

    def add_working_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        return self.add_working_time(start, dt.timedelta(hours=hours))

    def add_working_days(self, start: dt.datetime, days: int) -> dt.datetime:
        if days < 0:
            raise ValueError("工作日数不能为负")
        day = self._local(start).date()
        if days == 0:
            # "Same working day": close of today's office, or of the next working day if today is off.
            if not self.is_working_day(day):
                day = self.next_working_day(day)
        for _ in range(days):
            day = self.next_working_day(day)
        return dt.datetime.combine(day, self.spans[-1][1], self.tz)

    def working_time_between(self, a: dt.datetime, b: dt.datetime) -> dt.timedelta:
        """Office time from a to b (negative when b is before a)."""
        a, b = self._local(a), self._local(b)
        if b < a:
            return -self.working_time_between(b, a)
        total = dt.timedelta(0)
        day = a.date()
        while day <= b.date():
            for s, e in self._spans_on(day):
                lo, hi = max(s, a), min(e, b)
                if hi > lo:
                    total += hi - lo
            day += dt.timedelta(days=1)
        return total

    def working_hours_between(self, a: dt.datetime, b: dt.datetime) -> float:
        return self.working_time_between(a, b).total_seconds() / 3600


def default_calendar() -> BusinessCalendar:
    return BusinessCalendar()
