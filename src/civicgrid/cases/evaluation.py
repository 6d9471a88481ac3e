"""Evaluation indicators (综合评价) per street, community, grid, department or category, for any period.

The cohort is the cases reported (受理) in the period [date_from, date_to]; each figure counts what
had happened to them by the end of the period. "Overdue now" is the live count of open cases of
the group whose current step is past its deadline, whatever the period.

Definitions follow the indicators cities publish under GB/T 47678 / CJ/T 292 (立案率 = 立案数/受理数 …);
FORMULAS below is the single source for the page and the code.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone

from civicgrid.core.scoping import visible_to

from . import workflow as W
from .models import Case

# (key, Chinese name, formula as shown on the page). Rates are numerator/denominator keys.
COUNTS = [
    ("reported", "受理数", "本期上报（受理）的案件数"),
    ("filed", "立案数", "其中已立案（含社区受理）的案件数"),
    ("dispatched", "派遣数", "其中已派遣到部门的案件数"),
    ("should_close", "应结案数", "已立案且期末前已结案或处置时限已到的案件数"),
    ("handled", "处置数", "期末前已处置反馈的案件数"),
    ("on_time_handled", "按期处置数", "在处置时限内反馈的案件数"),
    ("closed", "结案数", "期末前已结案的案件数"),
    ("on_time_closed", "按期结案数", "已结案且在处置时限内完成处置的案件数"),
    ("rework", "返工数", "核查不通过被返工的次数"),
    ("extension", "延期数", "批准延期的次数"),
    ("overdue_now", "当前超期数", "当前环节已超过时限的在办案件数（实时，不受统计期限制）"),
    ("avg_handling_hours", "平均处置用时", "从派遣（或社区受理）到处置反馈的工作时平均值"),
]
RATES = [
    ("filing_rate", "立案率", "filed", "reported", "立案率 = 立案数 ÷ 受理数"),
    ("dispatch_rate", "派遣率", "dispatched", "filed", "派遣率 = 派遣数 ÷ 立案数"),
    ("handling_rate", "处置率", "handled", "should_close", "处置率 = 处置数 ÷ 应处置数（= 应结案数）"),
    ("on_time_handling_rate", "按期处置率", "on_time_handled", "should_close", "按期处置率 = 按期处置数 ÷ 应处置数"),
    ("closure_rate", "结案率", "closed", "should_close", "结案率 = 结案数 ÷ 应结案数"),
    ("on_time_closure_rate", "按期结案率", "on_time_closed", "should_close", "按期结案率 = 按期结案数 ÷ 应结案数"),
    ("rework_rate", "返工率", "rework", "should_close", "返工率 = 返工数 ÷ 应结案数"),
    ("extension_rate", "延期率", "extension", "should_close", "延期率 = 延期数 ÷ 应结案数"),
]
HOTLINE_RATES = [
    ("response_rate", "响应率", "响应率 = 时限内联系诉求人的工单数 ÷ 热线工单数"),
    ("resolution_rate", "解决率", "解决率 = 回访认为已解决的工单数 ÷ 回访工单数"),
    ("satisfaction_rate", "满意率", "满意率 = 回访满意（含基本满意）的工单数 ÷ 回访工单数"),
]
# What the 考核评价 page shows first, in this order, so the figures an assessment is read by fit a
# desk screen without scrolling sideways; every figure stays in the full table below it.
KEY_COLUMNS = ["reported", "should_close", "closed", "closure_rate", "on_time_closure_rate", "satisfaction_rate",
               "rework_rate", "overdue_now"]


def columns(keys: list[str] | None = None) -> list[tuple[str, str, str, str]]:
    """(key, label, formula, kind) for the given keys (all figures when None); kind: count, hours or rate."""
    cols = [(k, label, f, "hours" if k == "avg_handling_hours" else "count") for k, label, f in COUNTS]
    cols += [(k, label, f, "rate") for k, label, _, _, f in RATES]
    cols += [(k, label, f, "rate") for k, label, f in HOTLINE_RATES]
    if keys is None:
        return cols
    by = {c[0]: c for c in cols}
    return [by[k] for k in keys]


HOTLINE_NOTE = "热线三率来自热线回访（按街道或部门统计）；按社区、网格、类别统计时及尚无回访数据时显示“—”。"

# The hotline app registers here (in its AppConfig.ready) a provider of the three rates:
# provider(user, group, date_from, date_to) -> {group_key: {"response_rate": …, "resolution_rate": …,
# "satisfaction_rate": …}}. A registry, so cases does not import the hotline that builds on it.
_hotline_provider = None


def register_hotline_rates(provider) -> None:
    global _hotline_provider
    _hotline_provider = provider


GROUPS = {
    "street": ("street", "street__name", "街道"),
    "community": ("community", "community__name", "社区"),
    "grid": ("grid", "grid__name", "网格"),
    "department": ("department", "department__name", "部门"),
    "category": ("category", "category__name", "类别"),
}


@dataclass
class Row:
    key: object
    name: str
    figures: dict

    def __getitem__(self, item):
        # KeyError (not None) for non-figures, so templates fall back to attributes (r.name).
        return self.figures[item]


def _period_bounds(date_from: dt.date, date_to: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(date_from, dt.time.min, tz)
    end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tz)
    return start, end


def _rate(num, den):
    return None if not den else round(num / den, 4)


def evaluate(user, *, group: str, date_from: dt.date, date_to: dt.date, now: dt.datetime | None = None,
             hotline_rates=None) -> dict:
    """{"rows": [Row…], "total": Row} for the cases the user may see.

    `hotline_rates(queryset) -> {group_key: {rate: value}}` is the hook the hotline fills once
    call-backs exist; without it those three rates stay None.
    """
    if group not in GROUPS:
        raise ValueError("未知的统计维度")
    if date_to < date_from:
        raise ValueError("结束日期不能早于开始日期")
    now = now or timezone.now()
    key, name_field, _ = GROUPS[group]
    start, end = _period_bounds(date_from, date_to)
    scoped = visible_to(user, Case.objects.all())
    cohort = scoped.filter(created_at__gte=start, created_at__lt=end)
    filed = Q(filed_at__isnull=False)
    closed = Q(state=W.CLOSED, closed_at__lt=end)
    handled = Q(handled_at__isnull=False, handled_at__lt=end)
    should = filed & (closed | Q(handle_due__lt=end))
    aggregates = dict(
        reported=Count("pk"),
        filed=Count("pk", filter=filed),
        dispatched=Count("pk", filter=Q(dispatched_at__isnull=False, dispatched_at__lt=end)),
        should_close=Count("pk", filter=should),
        handled=Count("pk", filter=should & handled),
        on_time_handled=Count("pk", filter=should & handled & Q(handled_on_time=True)),
        closed=Count("pk", filter=should & closed),
        on_time_closed=Count("pk", filter=should & closed & Q(handled_on_time=True)),
        rework=Sum("rework_count", filter=should, default=0),
        extension=Sum("extension_count", filter=should, default=0),
        avg_handling_hours=Avg("handling_hours", filter=handled),
    )
    live = scoped.filter(state__in=W.OPEN_STATES, due_at__lte=now).exclude(state=W.SUSPENDED)
    overdue = {r[key]: r["n"] for r in live.values(key).annotate(n=Count("pk"))}
    if hotline_rates:
        hot = hotline_rates(cohort)
    elif _hotline_provider is not None:
        hot = _hotline_provider(user, group, date_from, date_to)
    else:
        hot = {}

    def finish(k, name, fig):
        fig["overdue_now"] = overdue.get(k, 0) if k != "__total__" else sum(overdue.values())
        for rk, _, num, den, _ in RATES:
            fig[rk] = _rate(fig[num] or 0, fig[den] or 0)
        if fig.get("avg_handling_hours") is not None:
            fig["avg_handling_hours"] = round(fig["avg_handling_hours"], 1)
        for rk, _, _ in HOTLINE_RATES:
            fig[rk] = (hot.get(k) or {}).get(rk)
        return Row(k, name, fig)

    rows = []
    seen = set()
    for r in cohort.values(key, name_field).annotate(**aggregates).order_by(name_field):
        k = r.pop(key)
        name = r.pop(name_field) or "（未指定）"
        seen.add(k)
        rows.append(finish(k, name, r))
    total = finish("__total__", "合计", cohort.aggregate(**aggregates))
    return {"rows": rows, "total": total, "group_label": GROUPS[group][2], "start": start, "end": end}
