"""Parsing of request parameters (query strings and form fields), shared by every view.

A parameter a user or a script can type is hostile until parsed: `0001-01-01` overflows date
arithmetic, `99999999999999999999` overflows the database's 64-bit integers, a NUL byte cannot be
stored by PostgreSQL. Every helper here either returns a value that is safe to compute with and to
query by, or raises `BadParameter` with a Chinese message naming the field. `BadParameter` is a
`ValidationError`, so views that already catch those keep their own error rendering; the ones that
do not are answered 400 by `core.middleware.BadParameterMiddleware` (HTML or JSON), and the API by
its error handler — never a 500.
"""
from __future__ import annotations

import datetime as dt
import json
import re

from django.core.exceptions import ValidationError

# Dates a governance record can carry. Wide enough for a birth date or a ten-year report, narrow
# enough that a period of any length inside it stays clear of date.min/date.max and of the
# timezone conversions around them.
DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
# Both SQLite and PostgreSQL bigint stop at 2**63 - 1; a larger Python int makes the driver raise.
INT_MAX = 2**63 - 1
# The far end for a field whose own rule rejects the future with a better reason ("不能生成未来月份"):
# still far enough from date.max that a month or a year added to it cannot overflow.
FAR_FUTURE = dt.date(9000, 12, 31)
# A query string value longer than this is not a search anybody typed.
TEXT_MAX = 1000
# Control characters other than tab/newline/carriage return never belong in a parameter; NUL breaks
# PostgreSQL outright.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class BadParameter(ValidationError):
    """A request parameter that cannot be used; answered with HTTP 400 and this message."""

    def __init__(self, message: str, field: str = ""):
        super().__init__(message, code="bad_parameter")
        self.field = field


def _raw(value) -> str:
    return "" if value is None else str(value).strip()


def parse_int(value, label: str, *, field: str = "", minimum: int = -INT_MAX, maximum: int = INT_MAX,
              default: int | None = None) -> int | None:
    """An integer within [minimum, maximum]; empty gives `default`."""
    raw = _raw(value)
    if raw == "":
        return default
    # int() accepts "١٢" and "1_000"; a parameter should be plain ASCII digits.
    if not re.fullmatch(r"[+-]?[0-9]{1,30}", raw):
        raise BadParameter(f"“{label}”须为整数。", field)
    n = int(raw)
    if n < minimum or n > maximum:
        raise BadParameter(f"“{label}”超出允许范围（{minimum}–{maximum}）。", field)
    return n


def parse_id(value, label: str, *, field: str = "") -> int | None:
    """A database id (positive, fits in bigint); empty gives None."""
    return parse_int(value, label, field=field, minimum=1, maximum=INT_MAX)


def parse_date(value, label: str, *, field: str = "", default: dt.date | None = None,
               minimum: dt.date = DATE_MIN, maximum: dt.date = DATE_MAX) -> dt.date | None:
    """A calendar date (年-月-日) within [minimum, maximum]; empty gives `default`."""
    raw = _raw(value)
    if raw == "":
        return default
    try:
        d = dt.date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(f"“{label}”日期格式不正确，应为 年-月-日，如 2026-03-01。", field) from None
    if d < minimum or d > maximum:
        raise BadParameter(f"“{label}”须在 {minimum.isoformat()} 至 {maximum.isoformat()} 之间。", field)
    return d


def parse_datetime(value, label: str, *, field: str = "") -> dt.datetime | None:
    """An ISO 8601 date-time (or a date, meaning its midnight), aware in the current time zone."""
    from django.utils import timezone
    from django.utils.dateparse import parse_datetime as django_parse

    raw = _raw(value)
    if raw == "":
        return None
    # A "+08:00" offset arrives as " 08:00" when the client did not encode the plus sign.
    raw = raw.replace(" ", "+") if re.search(r"T\d\d:\d\d(:\d\d(\.\d+)?)? \d\d:?\d\d$", raw) else raw
    try:
        parsed = django_parse(raw)
        if parsed is None:
            parsed = dt.datetime.combine(dt.date.fromisoformat(raw), dt.time.min)
    except ValueError:
        raise BadParameter(f"“{label}”须为 ISO 8601 日期时间，如 2026-03-01T08:00:00+08:00。", field) from None
    if not DATE_MIN <= parsed.date() <= DATE_MAX:
        raise BadParameter(f"“{label}”须在 {DATE_MIN.isoformat()} 至 {DATE_MAX.isoformat()} 之间。", field)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def parse_month(value, label: str = "月份", *, field: str = "", default: dt.date | None = None,
                maximum: dt.date = DATE_MAX) -> dt.date | None:
    """A month as its first day, from 年-月 (or a full date); empty gives `default`.

    `maximum` may be raised for a field whose own rule says better why a far month is wrong."""
    raw = _raw(value)
    if raw == "":
        return default
    if re.fullmatch(r"\d{4}-\d{2}", raw):
        raw += "-01"
    try:
        d = dt.date.fromisoformat(raw).replace(day=1)
    except ValueError:
        raise BadParameter(f"“{label}”格式不正确，应为 年-月，如 2026-03。", field) from None
    if d < DATE_MIN or d > maximum:
        raise BadParameter(f"“{label}”须在 {DATE_MIN:%Y-%m} 至 {maximum:%Y-%m} 之间。", field)
    return d


def parse_period(start_value, end_value, *, default_end: dt.date, default_days: int, max_days: int | None = None,
                 start_label: str = "开始日期", end_label: str = "结束日期") -> tuple[dt.date, dt.date]:
    """A [start, end] date range: both inside the allowed dates, start not after end."""
    end = parse_date(end_value, end_label, field="end", default=default_end)
    start = parse_date(start_value, start_label, field="start",
                       default=max(DATE_MIN, end - dt.timedelta(days=default_days - 1)))
    if start > end:
        raise BadParameter("开始日期不能晚于结束日期。", "start")
    if max_days is not None and (end - start).days + 1 > max_days:
        raise BadParameter(f"时间范围最长 {max_days} 天。", "start")
    return start, end


def clean_text(value, label: str, *, field: str = "", max_length: int = TEXT_MAX) -> str:
    """Free text from a parameter: stripped, no control characters, bounded length."""
    raw = _raw(value)
    if _CONTROL.search(raw):
        raise BadParameter(f"“{label}”包含无效的控制字符。", field)
    if len(raw) > max_length:
        raise BadParameter(f"“{label}”过长（最多 {max_length} 个字符）。", field)
    return raw


def choice(value, label: str, choices, *, field: str = "", default: str = "") -> str:
    """One of a fixed set of codes; empty gives `default`."""
    raw = _raw(value)
    if raw == "":
        return default
    if raw not in choices:
        raise BadParameter(f"“{label}”的取值无效。", field)
    return raw


# --- JSON from users (uploaded GeoJSON, API bodies) ---------------------------------------------
# Python's json module recurses once per nesting level: a 100 000-deep array raises RecursionError
# (or, in a thread with a small stack, crashes the process). Real GeoJSON nests at most a few levels
# (FeatureCollection → Feature → geometry → MultiPolygon rings → points: 7), so depth is checked by
# a linear scan *before* parsing.
JSON_MAX_DEPTH = 64


class JSONTooDeep(ValueError):
    pass


_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.S)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(text: str | bytes, limit: int = JSON_MAX_DEPTH) -> int:
    """Deepest nesting of arrays/objects in a JSON text (brackets inside strings do not count).

    Linear and mostly in C: strings are cut out by a regex, everything but brackets deleted by
    bytes.translate, and only the brackets are walked. Stops as soon as `limit` is passed.
    """
    data = text.encode("utf-8", "surrogatepass") if isinstance(text, str) else bytes(text)
    brackets = _JSON_STRING.sub(b"", data).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for b in brackets:
        if b in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        else:
            depth -= 1
    return deepest


def loads_bounded(text: str | bytes, *, max_depth: int = JSON_MAX_DEPTH):
    """json.loads that refuses nesting deeper than `max_depth` instead of overflowing the stack."""
    if json_depth(text, max_depth) > max_depth:
        raise JSONTooDeep(f"JSON 嵌套层数超过 {max_depth} 层，无法处理。")
    return json.loads(text)
