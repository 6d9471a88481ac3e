"""Thin views: parse, call a selector or service, render."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from civicgrid.cases.models import Case
from civicgrid.core import paging
from civicgrid.core import params as P

from . import hottopics, rankings, selectors, services
from .models import MonthlyReport


def _error(request, exc: ValidationError, status=400):
    return render(request, "dashboard/error.html", {"message": " ".join(exc.messages)}, status=status)


def _ctx(request, area, period, **extra):
    tab = {"panel": "map", "cases": "board"}.get(request.resolver_match.url_name, request.resolver_match.url_name)
    return {"area": area, "period": period, "crumbs": selectors.crumbs(request.user, area), "tab": tab,
            "children": selectors.children(request.user, area), **extra}


def _case_url(number: str) -> str | None:
    try:
        return reverse("cases:detail", args=[number])
    except NoReverseMatch:
        return None


def _area_and_period(request):
    """The area (inside the user's jurisdiction, else 404) and period every page reads from the query."""
    return (selectors.area_for(request.user, request.GET.get("area", "")),
            selectors.parse_period(request.GET, default_days=30))


@login_required
def map_view(request):
    try:
        area, period = _area_and_period(request)
    except ValidationError as exc:
        return _error(request, exc)
    cfg = {"data_url": reverse("dashboard:map_data"), "panel_url": reverse("dashboard:panel"),
           "area": area.code, "start": period.start.isoformat(), "end": period.end.isoformat(),
           "figures": selectors.MAP_FIGURES, "refresh_s": 30}
    from django.conf import settings

    cfg.update(tiles=settings.MAP_TILE_URL, attribution=settings.MAP_TILE_ATTRIBUTION)
    return render(request, "dashboard/map.html", _ctx(request, area, period, map_cfg=cfg,
                                                      figures=selectors.MAP_FIGURES))


@login_required
def map_data(request):
    try:
        area, period = _area_and_period(request)
        data = selectors.map_data(request.user, area, request.GET.get("figure", "open"), period)
    except ValidationError as exc:
        return JsonResponse({"error": " ".join(exc.messages)}, status=400)
    data["crumbs"] = [{"code": a.code, "name": a.name} for a in selectors.crumbs(request.user, area)]
    return JsonResponse(data)


@login_required
def panel(request):
    try:
        area, period = _area_and_period(request)
    except ValidationError as exc:
        return _error(request, exc)
    summary = selectors.area_summary(request.user, area, period)
    return render(request, "dashboard/_panel.html", _ctx(request, area, period, s=summary,
                                                         now=timezone.localtime()))


@login_required
def board(request):
    try:
        area, period = _area_and_period(request)
    except ValidationError as exc:
        return _error(request, exc)
    b = selectors.board_for(request.user, area, period)
    chart = {
        "days": [(period.start + dt.timedelta(days=i)).isoformat() for i in range(period.days)],
        "by_day_channel": b["by_day_channel"], "by_day": b["by_day"],
        "channels": dict(Case.CHANNEL_CHOICES),
        "top": [[pk, name, n] for pk, name, n in b["top_categories"]],
        "buckets": [[label, n, i] for label, n, i in b["buckets"]],
        "cases_url": reverse("dashboard:cases"), "area": area.code,
        "start": period.start.isoformat(), "end": period.end.isoformat(),
    }
    from .kpis import all_kpis

    kpis = all_kpis(area, period.start, period.end)
    return render(request, "dashboard/board.html", _ctx(request, area, period, b=b, chart=chart, kpis=kpis))


@login_required
def cases(request):
    g = request.GET
    try:
        area = selectors.area_for(request.user, g.get("area", ""))
        period = selectors.parse_period(g, default_days=30)
        filters = dict(channel=g.get("channel", ""), category=g.get("category", ""), day=g.get("day", ""),
                       bucket=g.get("bucket", ""), department=g.get("department", ""))
        figure = g.get("figure", "reported")
        qs = selectors.cases_behind(request.user, area, figure, period, **filters)
        total = selectors.rollup_count(area, figure, period, **filters)
    except ValidationError as exc:
        return _error(request, exc)
    # The count comes from the rollups where they hold it exactly; otherwise up to paging.COUNT_CAP.
    page = paging.window(qs, g.get("page"), 50, total=total, fetch=selectors.cases_by_id)
    rows = [(c, _case_url(c.number)) for c in page]
    query = g.copy()
    query.pop("page", None)
    return render(request, "dashboard/cases.html", _ctx(
        request, area, period, page=page, rows=rows, total=page.count_label, query=query.urlencode(),
        figure_label=selectors.FIGURE_LABELS[g.get("figure", "reported")], filters=g))


GRID_PAGE = 30


@login_required
def rankings_view(request):
    try:
        area, period = _area_and_period(request)
    except ValidationError as exc:
        return _error(request, exc)
    district = area if area.level == "district" else area.ancestor_at("district")
    kids = selectors.children(request.user, area)
    grids = list(selectors.areas_for(request.user).filter(path__startswith=area.path, level="grid").order_by("code")) \
        if area.level != "grid" else []
    names = selectors.department_names()
    ranked = rankings.for_area(request.user, area, period, kids, names=names, grids=grids)
    grid_ranking = ranked["grids"]
    # Ranks are computed over all grids first; the search and the pages only choose which rows to show,
    # so a grid found by name keeps its true rank.
    gq = request.GET.get("gq", "").strip()[:50]
    shown = [r for r in grid_ranking if gq in r.name] if gq else grid_ranking
    grid_page = Paginator(shown, GRID_PAGE).get_page(request.GET.get("gpage"))
    query = request.GET.copy()
    query.pop("gpage", None)
    ctx = _ctx(request, area, period, weights=ranked["weights"], district=district,
               can_edit=selectors.can_edit_weights(request.user, district), formula=rankings.FORMULA,
               child_ranking=ranked["regions"], grid_ranking=grid_ranking, grid_page=grid_page, gq=gq,
               grid_query=query.urlencode(), dept_ranking=ranked["departments"],
               two_way=rankings.two_way(kids, period, names) if kids else None)
    return render(request, "dashboard/rankings.html", ctx)


@login_required
@require_POST
def save_weights(request):
    try:
        area = selectors.area_for(request.user, request.POST.get("area", ""))
        district = area if area.level == "district" else area.ancestor_at("district")
        services.save_weights(request.user, district, **{k: request.POST.get(k) for k in rankings.DEFAULT_WEIGHTS})
        messages.success(request, "排名权重已保存。")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect(f"{reverse('dashboard:rankings')}?area={area.code}")


def _month(params) -> dt.date:
    return P.parse_month(params.get("month"), "月份", field="month",
                         default=hottopics.month_start(timezone.localdate()), maximum=P.FAR_FUTURE)


@login_required
def topics(request):
    try:
        area = selectors.area_for(request.user, request.GET.get("area", ""))
        month = _month(request.GET)
    except ValidationError as exc:
        return _error(request, exc)
    period = selectors.Period(month, hottopics.month_end(month))
    t = hottopics.topics(request.user, area, month, fresh=request.GET.get("fresh") == "1")
    numbers = selectors.case_numbers(i for x in t["clusters"] + t["repeats"] for i in x["case_ids"])
    for x in t["clusters"] + t["repeats"]:
        x["cases"] = [(numbers.get(i, ""), _case_url(numbers.get(i, ""))) for i in x["case_ids"]]
    points = [{"t": x["title"], "p": x["points"]} for x in t["clusters"]]
    return render(request, "dashboard/topics.html", _ctx(request, area, period, t=t, month=month, points=points,
                                                         month_value=month.strftime("%Y-%m"),
                                                         current_month=timezone.localdate().strftime("%Y-%m")))


@login_required
def reports(request):
    try:
        area = selectors.area_for(request.user, request.GET.get("area", "") or request.POST.get("area", ""))
    except ValidationError as exc:
        return _error(request, exc)
    if request.method == "POST":
        try:
            month = _month(request.POST)
            services.request_report(request.user, area, month)
            messages.success(request, f"已提交 {area.name} {month:%Y年%m月} 月度报告的生成任务，完成后可下载。")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(f"{reverse('dashboard:reports')}?area={area.code}")
    items = selectors.reports_for(request.user, area)[:50]
    today = timezone.localdate()
    return render(request, "dashboard/reports.html", _ctx(
        request, area, selectors.Period(today, today), items=items,
        default_month=hottopics.add_months(today.replace(day=1), -1).strftime("%Y-%m")))


@login_required
def report_print(request, pk: int):
    selectors.require_dashboard(request.user)
    report = selectors.report_for(request.user, pk)
    if report.status != MonthlyReport.DONE:
        raise Http404("报告尚未生成")
    return render(request, "dashboard/report_print.html", {"r": report, "d": report.data})


@login_required
def report_download(request, pk: int):
    selectors.require_dashboard(request.user)
    report = selectors.report_for(request.user, pk)
    if report.status != MonthlyReport.DONE or not report.workbook:
        raise Http404("报告尚未生成")
    from civicgrid.core import audit

    audit.record(request.user, "dashboard.report_download", report)
    return FileResponse(report.workbook.open("rb"), as_attachment=True,
                        filename=f"月度报告-{report.area.name}-{report.month:%Y-%m}.xlsx")
