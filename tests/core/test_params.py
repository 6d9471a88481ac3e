"""core.params: every helper returns a value safe to compute and query with, or a BadParameter
with a Chinese reason; and a BadParameter that no view catches is a 400, never a 500."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from civicgrid.core import params as P


@pytest.mark.parametrize("raw,expected", [("", None), ("  42 ", 42), ("0", 0), ("-5", -5)])
def test_parse_int_accepts_plain_integers(raw, expected):
    assert P.parse_int(raw, "数") == expected


@pytest.mark.parametrize("raw,reason", [("abc", "须为整数"), ("1.5", "须为整数"), ("١٢", "须为整数"), ("1_000", "须为整数"),
                                        ("99999999999999999999", "超出允许范围"), ("9" * 40, "须为整数")])
def test_parse_int_refuses_with_the_reason(raw, reason):
    with pytest.raises(P.BadParameter, match=reason) as e:
        P.parse_int(raw, "数", field="n")
    assert isinstance(e.value, ValidationError) and e.value.field == "n"


def test_parse_id_is_positive_and_fits_bigint():
    assert P.parse_id(str(2**63 - 1), "编号") == 2**63 - 1
    for bad in ("0", "-1", str(2**63)):
        with pytest.raises(P.BadParameter, match="超出允许范围"):
            P.parse_id(bad, "编号")


@pytest.mark.parametrize("raw", ["0001-01-01", "9999-12-31", "1899-12-31", "2101-01-01"])
def test_dates_outside_the_range_are_refused(raw):
    with pytest.raises(P.BadParameter, match="须在 1900-01-01 至 2100-12-31 之间"):
        P.parse_date(raw, "日期")


def test_dates_inside_the_range_and_bad_formats():
    assert P.parse_date("2026-03-01", "日期") == dt.date(2026, 3, 1)
    assert P.parse_date("", "日期", default=dt.date(2026, 1, 1)) == dt.date(2026, 1, 1)
    with pytest.raises(P.BadParameter, match="日期格式不正确"):
        P.parse_date("2026-13-01", "日期")


def test_period_defaults_and_order():
    end = dt.date(2026, 3, 31)
    assert P.parse_period("", "", default_end=end, default_days=31) == (dt.date(2026, 3, 1), end)
    # The default start never falls below the range, so the period arithmetic cannot overflow.
    assert P.parse_period("", "1900-01-05", default_end=end, default_days=30)[0] == P.DATE_MIN
    with pytest.raises(P.BadParameter, match="开始日期不能晚于结束日期"):
        P.parse_period("2026-03-10", "2026-03-01", default_end=end, default_days=30)
    with pytest.raises(P.BadParameter, match="最长 10 天"):
        P.parse_period("2026-03-01", "2026-03-31", default_end=end, default_days=30, max_days=10)


def test_months():
    assert P.parse_month("2026-03", "月份") == dt.date(2026, 3, 1)
    assert P.parse_month("2026-03-17", "月份") == dt.date(2026, 3, 1)
    for bad, reason in [("0001-01", "须在 1900-01 至 2100-12 之间"), ("2026-13", "格式不正确"), ("abc", "格式不正确")]:
        with pytest.raises(P.BadParameter, match=reason):
            P.parse_month(bad, "月份")
    assert P.parse_month("2999-01", "月份", maximum=P.FAR_FUTURE) == dt.date(2999, 1, 1)


def test_datetimes_are_aware_and_bounded(settings):
    v = P.parse_datetime("2026-03-01T08:00:00 08:00", "start_date")  # an unencoded "+"
    assert v.utcoffset() == dt.timedelta(hours=8) and v.hour == 8
    assert P.parse_datetime("2026-03-01", "d").tzinfo is not None
    for bad in ("0001-01-01T00:00:00", "9999-12-31T23:59:59", "tomorrow"):
        with pytest.raises(P.BadParameter):
            P.parse_datetime(bad, "start_date")


def test_clean_text_refuses_control_characters_and_length():
    assert P.clean_text("  张三 ", "查询") == "张三"
    with pytest.raises(P.BadParameter, match="控制字符"):
        P.clean_text("a\x00b", "查询")
    with pytest.raises(P.BadParameter, match="过长"):
        P.clean_text("x" * 11, "查询", max_length=10)


def test_json_depth_is_linear_and_ignores_brackets_in_strings():
    assert P.json_depth('{"a": "[[[[[[", "b": [1, {"c": "\\"]]]"}]}') == 3
    assert P.json_depth("[" * 100_000 + "]" * 100_000) == P.JSON_MAX_DEPTH + 1  # stops early
    assert P.loads_bounded('{"type": "FeatureCollection", "features": []}')["type"] == "FeatureCollection"
    with pytest.raises(P.JSONTooDeep, match="嵌套层数超过 64 层"):
        P.loads_bounded("[" * 100_000 + "]" * 100_000)
