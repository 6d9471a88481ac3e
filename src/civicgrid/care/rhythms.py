"""Contact rhythms as data, and the calendar arithmetic of their windows.

A care plan runs several rhythms side by side (by default 日电话、周上门、月访视), not one interval.
Each rhythm has a period (a day, an ISO week, a calendar month): one reached contact per period.
The window of a period is its first and last eligible day — every day, or only working days
(holidays and make-up days from core.calendar) when the rhythm says so. A period without an
eligible day (the National Day week for a working-day rhythm) has no window and is skipped.

A rhythm row stores its current window (`next_due`, `due_by`): "due today" is then a query,
`next_due <= today`, over an index, never a loop over plans.
"""
from __future__ import annotations

import calendar as _cal
import datetime as dt
from dataclasses import dataclass

DAY, WEEK, MONTH = "day", "week", "month"
PERIOD_LABELS = {DAY: "每日", WEEK: "每周", MONTH: "每月"}
CALL, VISIT = "call", "visit"
CONTACT_LABELS = {CALL: "电话", VISIT: "上门"}


@dataclass(frozen=True)
class RhythmKind:
    code: str
    label: str
    period: str
    contact: str           # the contact it asks for: a call or a home visit
    working_days: bool     # only on working days (holidays skipped, make-up days counted)
    worker_kind: str       # who is responsible by default


HELPER, SOCIAL_WORKER, VOLUNTEER, GRID_WORKER = "helper", "social_worker", "volunteer", "grid_worker"
WORKER_KINDS = {HELPER: "助老员", SOCIAL_WORKER: "社工", VOLUNTEER: "志愿者", GRID_WORKER: "网格员"}

KINDS: dict[str, RhythmKind] = {k.code: k for k in [
    RhythmKind("daily_call", "日电话", DAY, CALL, True, HELPER),
    RhythmKind("weekly_home", "周上门", WEEK, VISIT, True, HELPER),
    RhythmKind("monthly_visit", "月访视", MONTH, VISIT, False, SOCIAL_WORKER),
]}
DEFAULT_KINDS = ("daily_call", "weekly_home", "monthly_visit")
KIND_CHOICES = [(k.code, k.label) for k in KINDS.values()]
# Defensive bound: no period spans more than 31 days, and a year of empty periods is a data error.
MAX_SKIP = 400


def period_bounds(period: str, day: dt.date) -> tuple[dt.date, dt.date]:
    if period == DAY:
        return day, day
    if period == WEEK:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=6)
    if period == MONTH:
        last = _cal.monthrange(day.year, day.month)[1]
        return day.replace(day=1), day.replace(day=last)
    raise ValueError(f"unknown period {period!r}")


def _eligible(day: dt.date, working_days: bool, cal) -> bool:
    return not working_days or cal.is_working_day(day)


def window_from(period: str, working_days: bool, start: dt.date, cal) -> tuple[dt.date, dt.date]:
    """The first window whose eligible days lie on or after `start` (its period may have begun earlier)."""
    day = start
    for _ in range(MAX_SKIP):
        p_start, p_end = period_bounds(period, day)
        first = last = None
        d = max(day, p_start)
        while d <= p_end:
            if _eligible(d, working_days, cal):
                first = first or d
                last = d
            d += dt.timedelta(days=1)
        if first is not None:
            return first, last
        day = p_end + dt.timedelta(days=1)
    raise ValueError("一年内没有可安排的日期，请检查工作日设置")


def window_after_period_of(period: str, working_days: bool, day: dt.date, cal) -> tuple[dt.date, dt.date]:
    """The window of the first period after the one containing `day` (after a contact or a miss)."""
    return window_from(period, working_days, period_bounds(period, day)[1] + dt.timedelta(days=1), cal)
