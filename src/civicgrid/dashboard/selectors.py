"""Every read the command centre's pages make, scoped: an area outside the user's jurisdiction is a 404.

Areas are region nodes the user may see through a territorial dashboard role; all figures of an
area are read from the area's own rollup rows, so checking the area is checking the figures.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case, CaseEvent, Category
from civicgrid.core import params as P
from civicgrid.core import roles as R
from civicgrid.core.scoping import has_role, sees_everything, visible_to
from civicgrid.departments.models import Department
from civicgrid.regions.models import Region

from . import figures
from .fold import fold
from .models import BUCKET_LABELS, HOUR_BUCKETS, HeatCell, LiveCase
from .reconcile import bounds

DASH_ROLES = (R.DISTRICT_COMMANDER, R.STREET_DISPATCHER, R.COMMUNITY_STAFF, R.SYSTEM_ADMIN)
WEIGHT_ROLES = (R.DISTRICT_COMMANDER, R.SYSTEM_ADMIN)
LEVEL_ORDER = ["city", "district", "street", "community", "grid"]
CHILD_LEVEL = {"city": "district", "district": "street", "street": "community", "community": "grid"}
MAX_DAYS = 731


def require_dashboard(user) -> None:
    if not (sees_everything(user) or has_role(user, *DASH_ROLES)):
        raise PermissionDenied("指挥中心仅对区指挥中心、街道、社区工作人员和系统管理员开放。")


def areas_for(user) -> QuerySet[Region]:
    return visible_to(user, Region.objects.all(), roles=DASH_ROLES)


def area_for(user, code: str = "") -> Region:
    """The area named by `code`, or the user's own top area. Outside the jurisdiction: 404."""
    require_dashboard(user)
    qs = areas_for(user).exclude(level="grid") if not code else areas_for(user)
    if code:
        area = qs.filter(code=code).first()
        if area is None:
            raise Http404("区域不存在或不在您的管辖范围内")
        return area
    area = qs.filter(level__in=["district", "street", "community"]).order_by("path").first() or qs.order_by("path").first()
    if area is None:
        raise Http404("您没有可查看的区域")
    return area


def crumbs(user, area: Region) -> list[Region]:
    visible = set(areas_for(user).filter(pk__in=[a.pk for a in area.ancestors()]).values_list("pk", flat=True))
    return [a for a in area.ancestors() if a.pk in visible] + [area]


def children(user, area: Region) -> list[Region]:
    return list(areas_for(user).filter(parent=area).order_by("code"))


@dataclass
class Period:
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> "Period":
        return Period(self.start - dt.timedelta(days=self.days), self.start - dt.timedelta(days=1))

    def query(self) -> str:
        return f"start={self.start.isoformat()}&end={self.end.isoformat()}"


def parse_period(params, default_days: int = 30) -> Period:
    # Shared parsing keeps both ends inside core.params' date range, so previous() and the day
    # bounds can never overflow.
    start, end = P.parse_period(params.get("start"), params.get("end"), default_end=timezone.localdate(),
                                default_days=default_days)
    if (end - start).days + 1 > MAX_DAYS:
        raise P.BadParameter("统计时段最长两年。", "start")
    return Period(start, end)


def category_names() -> dict[int, str]:
    return {pk: f"{name}" for pk, name in Category.objects.values_list("pk", "name")}


def department_names(district_id: int | None = None) -> dict[int, str]:
    qs = Department.objects.all()
    names = {pk: (short or name) for pk, name, short in qs.values_list("pk", "name", "short_name")}
    names[0] = "未派遣（社区/街道自办）"
    return names


def hotline_rates(user, area: Region, period: Period, *, now: dt.datetime | None = None) -> dict | None:
    """The hotline's 响应率 / 解决率 / 满意率 for a district or street; None when there is nothing to rate.

    响应率 from the rollups (figures.response); 解决率 and 满意率 from the hotline's call-backs of the
    period (one row each, a small fraction of the cases)."""
    from civicgrid.hotline.rates import hotline_rates as rates

    if area.level not in ("district", "street", "city"):
        return None
    response = figures.response(area, period.start, period.end, now or timezone.now())
    rows = rates(user, start=period.start, end=period.end, by="street", response=False)
    if area.level == "street":
        row = next((r for r in rows if r["key"] == area.pk), None) or {}
    else:
        row = rows[-1]
    if not (response["due"] or row.get("reached")):
        return None
    return {"response_rate": response["rate"], "solve_rate": row.get("solve_rate"),
            "satisfaction_rate": row.get("satisfaction_rate"), "reached": row.get("reached", 0),
            "due": response["due"], "late": response["due"] - response["responded"]}


def board_for(user, area: Region, period: Period) -> dict:
    now = timezone.now()
    cur = figures.board(area, period.start, period.end, now=now)
    prev_period = period.previous()
    prev_totals = figures.totals(area, prev_period.start, prev_period.end)
    cats = category_names()
    cur["top_categories"] = [(pk, cats.get(pk, "?"), n) for pk, n in cur["top_categories"]]
    cur["previous"] = {"period": prev_period, "totals": prev_totals, "rates": figures.rates(prev_totals)}
    cur["hotline"] = hotline_rates(user, area, period, now=now)
    cur["buckets"] = list(zip(BUCKET_LABELS, cur["hist"], range(len(BUCKET_LABELS))))
    return cur


# -- the cases behind a figure ---------------------------------------------------------------------
FIGURE_LABELS = {
    "reported": "受理", "filed": "立案", "not_filed": "不予立案", "dispatched": "派遣", "returned": "退回",
    "extended": "延期", "escalated": "上报上级", "handled": "处置反馈", "reworked": "返工", "closed": "结案",
    "closed_on_time": "按期结案", "closed_reworked": "有返工的结案", "merged": "合并", "open_now": "在办",
    "overdue_now": "超期在办", "response_due": "热线应响应", "response_late": "热线响应超时",
}
EVENT_FIGURES = {"not_filed": ("not_file",), "dispatched": ("dispatch", "reroute"), "returned": ("return",),
                 "extended": ("approve_extension",), "escalated": ("escalate",), "handled": ("handle",),
                 "reworked": ("verify_fail",), "merged": ("merge",)}


def cases_behind(user, area: Region, figure: str, period: Period, *, channel: str = "", category: str = "",
                 day: str = "", bucket: str = "", department: str = "") -> QuerySet[Case]:
    """The cases a board figure counts, inside the user's jurisdiction. Unknown filters are a ValidationError."""
    if figure not in FIGURE_LABELS:
        raise ValidationError("未知的指标。")
    start, end = period.start, period.end
    if day:
        start = end = P.parse_date(day, "日期", field="day")
    lo, hi = bounds(start, end)
    qs = visible_to(user, Case.objects.all()).filter(figures.area_q(area))
    if figure == "open_now":
        qs = qs.filter(state__in=W.OPEN_STATES)
    elif figure == "overdue_now":
        # No "open" beside the deadline: only an open case has one (case_deadline_only_while_open).
        # Said twice, PostgreSQL multiplied the two, expected 1,000 overdue cases where a district
        # had 65,000 and sorted them all for a page (at 5M cases 390 ms instead of a walk along
        # case_open_urgency).
        qs = qs.filter(due_at__lte=timezone.now()).exclude(state__in=figures.OVERDUE_EXCLUDED)
    elif figure == "reported":
        qs = qs.filter(created_at__gte=lo, created_at__lt=hi)
    elif figure in ("response_due", "response_late"):
        from civicgrid.hotline.rates import response_filters, with_first_step

        f = response_filters(timezone.now())
        qs = with_first_step(qs.filter(created_at__gte=lo, created_at__lt=hi)).filter(
            f["due"] if figure == "response_due" else f["late"])
    elif figure == "filed":
        qs = qs.filter(filed_at__gte=lo, filed_at__lt=hi)
    elif figure.startswith("closed"):
        qs = qs.filter(closed_at__gte=lo, closed_at__lt=hi)
        if figure == "closed_on_time":
            qs = qs.filter(handled_on_time=True)
        elif figure == "closed_reworked":
            qs = qs.filter(rework_count__gt=0)
    else:
        ids = CaseEvent.objects.filter(action__in=EVENT_FIGURES[figure], at__gte=lo, at__lt=hi).values("case_id")
        qs = qs.filter(pk__in=ids)
    if figure not in ("open_now", "overdue_now"):
        # Whatever happened to a case in the period happened after it was reported: the bound changes
        # nothing in the result and lets the list be read along the created_at index from `hi` down.
        qs = qs.filter(created_at__lt=hi)
    if channel:
        if channel not in dict(Case.CHANNEL_CHOICES):
            raise ValidationError("未知的渠道。")
        qs = qs.filter(channel=channel)
    if category:
        qs = qs.filter(category_id=_int(category, "类别"))
    if department:
        d = _int(department, "部门")
        qs = qs.filter(department__isnull=True) if d == 0 else qs.filter(department_id=d)
    if bucket:
        b = _int(bucket, "用时区间")
        if not 0 <= b <= len(HOUR_BUCKETS):
            raise ValidationError("用时区间无效。")
        lower = HOUR_BUCKETS[b - 1] if b else None
        upper = HOUR_BUCKETS[b] if b < len(HOUR_BUCKETS) else None
        qs = qs.filter(handling_hours__isnull=False)
        if lower is not None:
            qs = qs.filter(handling_hours__gte=lower)
        if upper is not None:
            qs = qs.filter(handling_hours__lt=upper)
    # Newest first, except the overdue: the longest overdue first (what the list is for), which is
    # also the open cases' deadline index's order (case_open_urgency) — newest first, PostgreSQL
    # sorted every overdue case of the district for each page (at 5M cases 65,000 rows, 450 ms).
    order = ("due_at", "-created_at", "-id") if figure == "overdue_now" else ("-created_at", "-id")
    return qs.select_related(*CASE_ROW_RELATED).order_by(*order)


CASE_ROW_RELATED = ("category", "street", "community", "grid", "department")  # what a drill-down row shows


def cases_by_id(ids: list[int]) -> dict[int, Case]:
    """A drill-down page's cases with what a row shows (paging.window's `fetch`; the ids came from
    cases_behind, inside the user's jurisdiction)."""
    return Case.objects.select_related(*CASE_ROW_RELATED).in_bulk(ids)


# Figures whose cases the rollups count exactly: the rows behind them are the cases (one report,
# one closure each; a reopened case's closure is taken back on the day it was counted), keyed by
# the case's own region, category and channel. Department is not among them: the list filters by
# the case's department now, the rollups by the department at the moment of the event.
ROLLUP_COUNTED = {"reported": "reported", "closed": "closed", "closed_on_time": "closed_on_time",
                  "closed_reworked": "closed_reworked"}


def rollup_count(area: Region, figure: str, period: Period, *, channel: str = "", category: str = "", day: str = "",
                 bucket: str = "", department: str = "") -> int | None:
    """How many cases cases_behind() lists, from the area's rollups, or None where they cannot tell
    exactly. The area is the user's (area_for): its whole subtree is in the jurisdiction."""
    counter = ROLLUP_COUNTED.get(figure)
    if counter is None or department:
        return None
    if bucket:
        if figure != "closed":
            return None
        counter = f"h{_int(bucket, '用时区间')}"
    start, end = period.start, period.end
    if day:
        start = end = P.parse_date(day, "日期", field="day")
    if not channel and not category:
        return figures.totals(area, start, end)[counter]
    rows = figures.rollup_rows(area, start, end)
    if channel:
        rows = rows.filter(channel=channel)
    if category:
        rows = rows.filter(category_id=_int(category, "类别"))
    return int(rows.aggregate(n=Sum(counter))["n"] or 0)


def _int(value: str, label: str) -> int:
    return P.parse_int(value, label, minimum=0)


# -- the map -------------------------------------------------------------------------------------
MAP_FIGURES = {"open": "在办案件", "overdue": "超期在办", "on_time_rate": "按期结案率", "satisfaction": "满意率"}


def map_data(user, area: Region, figure: str, period: Period, *, heat_days: int | None = None) -> dict:
    if figure not in MAP_FIGURES:
        raise ValidationError("未知的着色指标。")
    now = timezone.now()
    kids = children(user, area)
    grids = list(areas_for(user).filter(path__startswith=area.path, level="grid").order_by("code")) \
        if area.level != "grid" else [area]
    values: dict[int, float | None] = {}
    if figure in ("open", "overdue"):
        live = figures.live_by_region(area, now, "grid")
        values = {pk: v["open" if figure == "open" else "overdue"] for pk, v in live.items()}
    elif figure == "on_time_rate":
        for pk, t in figures.by_region(grids, period.start, period.end, ("filed", "closed_on_time")).items():
            values[pk] = figures.ratio(t["closed_on_time"], t["filed"])
    elif figure == "satisfaction":
        from civicgrid.hotline.rates import satisfaction_by_region

        values = satisfaction_by_region(user, start=period.start, end=period.end, level="grid",
                                        ids=[g.pk for g in grids])

    def feature(r: Region, value=None) -> dict:
        return {"type": "Feature", "geometry": r.geometry,
                "properties": {"code": r.code, "name": r.name, "level": r.level, "value": value,
                               "label": [r.label_lng, r.label_lat]}}

    markers = []
    live_now = figures.live_figures(area, now)
    live = (visible_to(user, LiveCase.objects.all()).filter(path__startswith=area.path)
            .select_related("category").order_by("-created_at")[:3000])
    for c in live:
        if c.lng is None:
            continue
        overdue = c.state not in figures.OVERDUE_EXCLUDED and c.due_at is not None and c.due_at <= now
        markers.append({"n": c.number, "lng": c.lng, "lat": c.lat, "s": c.state, "sl": W.STATE_LABELS[c.state],
                        "u": c.urgent, "o": overdue, "c": c.category.name})
    days = heat_days or period.days
    heat_start = max(period.start, period.end - dt.timedelta(days=days - 1))
    # [lng, lat, n]: the project's coordinate order (static/civicgrid/cg.js); the map swaps for Leaflet.
    fold()  # the heat cells of reports that came in since the worker's last fold
    heat = [[(x + 0.5) / HeatCell.CELL, (y + 0.5) / HeatCell.CELL, int(n)] for x, y, n in
            visible_to(user, HeatCell.objects.all()).filter(path__startswith=area.path, day__gte=heat_start,
                                                            day__lte=period.end)
            .values("x", "y").annotate(n=Sum("n")).values_list("x", "y", "n")]
    return {
        "area": feature(area),
        "children": {"type": "FeatureCollection", "features": [feature(k) for k in kids if k.geometry]},
        "grids": {"type": "FeatureCollection",
                  "features": [feature(g, values.get(g.pk)) for g in grids if g.geometry]},
        "figure": figure, "figure_label": MAP_FIGURES[figure],
        "is_rate": figure in ("on_time_rate", "satisfaction"),
        "markers": markers, "markers_capped": len(markers) >= 3000, "heat": heat,
        # The caption's 在办 is the panel's figure (same rollup, same call), not the number of pins:
        # cases without coordinates are open too but cannot be drawn.
        "open_now": live_now["open_now"], "unplaced": max(0, live_now["open_now"] - len(markers))
        if len(markers) < 3000 else None,
        "generated_at": timezone.localtime(now).strftime("%H:%M:%S"),
    }


def area_summary(user, area: Region, period: Period) -> dict:
    """The figures beside the map: this area and each child."""
    now = timezone.now()
    t = figures.totals(area, period.start, period.end)
    live = figures.live_figures(area, now)
    kids = children(user, area)
    by = figures.by_region(kids, period.start, period.end)
    child_live = figures.live_by_region(area, now, CHILD_LEVEL.get(area.level, "grid")) if kids else {}
    rows = []
    for k in kids:
        kt = by[k.pk]
        rows.append({"region": k, "totals": kt, "rates": figures.rates(kt), **child_live.get(k.pk, {"open": 0, "overdue": 0})})
    return {"totals": t, "rates": figures.rates(t), "live": live, "children": rows}


# -- what the views used to query themselves ----------------------------------------------------
def can_edit_weights(user, district: Region | None) -> bool:
    """Ranking weights are a district's: its commanders (WEIGHT_ROLES at or above it) set them."""
    if district is None:
        return False
    return sees_everything(user) or visible_to(user, Region.objects.filter(pk=district.pk), roles=WEIGHT_ROLES).exists()


def case_numbers(ids) -> dict[int, str]:
    """pk → number for the cases a scoped figure (hot topics) already selected."""
    return dict(Case.objects.filter(pk__in=set(ids)).values_list("pk", "number"))


def reports_for(user, area: Region):
    """Monthly reports of the area and below that the user may see, newest first (model order)."""
    from .models import MonthlyReport

    return visible_to(user, MonthlyReport.objects.select_related("area")).filter(area__path__startswith=area.path)


def report_for(user, pk: int):
    """One monthly report inside the user's jurisdiction; anything else is a 404."""
    from civicgrid.core.scoping import get_visible_or_404

    from .models import MonthlyReport

    return get_visible_or_404(user, MonthlyReport.objects.select_related("area"), pk=pk)
