"""The monthly report: figures, rankings, hot topics and notable cases of a district or street.

Built by the generate_monthly_report task as the requesting user would see it (their jurisdiction),
kept as JSON for the printable page and as an Excel workbook for download.
"""
from __future__ import annotations

import datetime as dt
import io
import logging

from django.core.files.base import ContentFile
from django.utils import timezone

from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case

from . import figures, hottopics, rankings
from .models import MonthlyReport
from .selectors import Period, category_names, children, department_names, hotline_rates
from .reconcile import bounds

log = logging.getLogger(__name__)
RATE_LABELS = [("filing_rate", "立案率"), ("closure_rate", "结案率"), ("on_time_rate", "按期结案率"),
               ("rework_rate", "返工率"), ("extension_rate", "延期率")]
TOTAL_LABELS = [("reported", "受理数"), ("filed", "立案数"), ("dispatched", "派遣数"), ("handled", "处置数"),
                ("closed", "结案数"), ("closed_on_time", "按期结案数"), ("reworked", "返工数"), ("not_filed", "不予立案数")]


def _ranked(rows) -> list[dict]:
    return [{"rank": r.rank, "name": r.name, "base": r.base, "closed": r.closed, "closure_rate": r.closure_rate,
             "on_time_rate": r.on_time_rate, "rework_rate": r.rework_rate,
             "satisfaction_rate": r.satisfaction_rate, "avg_hours": r.avg_hours, "score": r.score} for r in rows]


def compute(user, area, month) -> dict:
    period = Period(month, hottopics.month_end(month))
    prev = Period(hottopics.add_months(month, -1), month - dt.timedelta(days=1))
    cur = figures.totals(area, period.start, period.end)
    before = figures.totals(area, prev.start, prev.end)
    kids = children(user, area)
    names = department_names()
    ranked = rankings.for_area(user, area, period, kids, names=names)  # the rankings page's figures
    w = ranked["weights"]
    topics = hottopics.topics(user, area, month, fresh=True)
    topics.pop("counted_at")  # the report carries its own generation time
    lo, hi = bounds(period.start, period.end)
    scoped = Case.objects.filter(figures.area_q(area))
    notable = []
    for label, qs in [
        ("超期未结", scoped.filter(state__in=W.OPEN_STATES, due_at__lte=timezone.now()).order_by("due_at")[:10]),
        ("多次返工", scoped.filter(closed_at__gte=lo, closed_at__lt=hi, rework_count__gt=0).order_by("-rework_count")[:10]),
        ("紧急案件", scoped.filter(created_at__gte=lo, created_at__lt=hi, urgent=True).order_by("-created_at")[:10]),
    ]:
        for c in qs.select_related("category", "street"):
            notable.append({"kind": label, "number": c.number, "category": c.category.name, "street": c.street.name,
                            "state": c.state_label, "created": timezone.localtime(c.created_at).strftime("%Y-%m-%d %H:%M"),
                            "rework": c.rework_count})
    cats = category_names()
    cases_of = {}
    ids = {i for t in topics["clusters"] + topics["repeats"] for i in t.get("case_ids", [])}
    for pk, number in Case.objects.filter(pk__in=ids).values_list("pk", "number"):
        cases_of[pk] = number
    for t in topics["clusters"] + topics["repeats"]:
        t["numbers"] = [cases_of.get(i, "") for i in t.get("case_ids", [])]
    return {
        "area": {"code": area.code, "name": area.name, "level": area.level_label},
        "month": month.strftime("%Y年%m月"), "generated_at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
        "totals": cur, "rates": figures.rates(cur), "previous_totals": before, "previous_rates": figures.rates(before),
        "hotline": hotline_rates(user, area, period),
        "weights": w, "formula": rankings.FORMULA,
        "regions": _ranked(ranked["regions"]),
        "departments": _ranked(ranked["departments"]),
        "top_categories": [(cats.get(pk, "?"), n) for pk, n in figures.board(area, period.start, period.end)["top_categories"]],
        "topics": topics, "notable": notable,
    }


def _pct(v):
    return None if v is None else round(v * 100, 2)


def workbook(data: dict) -> bytes:
    # Topic titles and addresses come from residents' text: written through the shared safe writer.
    from civicgrid.core.spreadsheet import Xlsx

    book = Xlsx().sheet("概览", widths=[26])
    book.append([f"{data['area']['name']} {data['month']} 月度报告"], bold=True)
    book.append([f"生成时间 {data['generated_at']}"])
    book.append([])
    book.append(["指标", "本月", "上月"], bold=True)
    for k, label in TOTAL_LABELS:
        book.append([label, data["totals"][k], data["previous_totals"][k]])
    for k, label in RATE_LABELS:
        book.append([f"{label}（%）", _pct(data["rates"][k]), _pct(data["previous_rates"][k])])
    book.append(["平均处置用时（工作时）", data["rates"]["avg_hours"], data["previous_rates"]["avg_hours"]])
    h = data.get("hotline")
    for k, label in [("response_rate", "响应率"), ("solve_rate", "解决率"), ("satisfaction_rate", "满意率")]:
        book.append([f"热线{label}（%）", _pct(h[k]) if h else "暂无回访数据"])
    for title, rows in [("区域排名", data["regions"]), ("部门排名", data["departments"])]:
        book.sheet(title, ["名次", "名称", "应结案数", "结案数", "结案率%", "按期结案率%", "返工率%", "满意率%",
                           "平均用时", "综合得分"], [8, 24])
        for r in rows:
            book.append([r["rank"] or "—", r["name"], r["base"], r["closed"], _pct(r["closure_rate"]),
                         _pct(r["on_time_rate"]), _pct(r["rework_rate"]), _pct(r.get("satisfaction_rate")),
                         r["avg_hours"], r["score"]])
        book.append([])
        book.append([data["formula"]])
    book.sheet("每月一题", ["类型", "主题", "本月", "前三月月均", "案件"], [10, 30])
    for t in data["topics"]["categories"]:
        book.append(["问题类别", t["title"], t["count"], t["previous_mean"], ""])
    for t in data["topics"]["clusters"]:
        book.append(["聚集点", t["title"], t["count"], t["previous_mean"], "、".join(t["numbers"][:30])])
    for t in data["topics"]["repeats"]:
        book.append(["重复诉求", t["title"], t["count"], "", "、".join(t["numbers"][:30])])
    book.sheet("重点案件", ["类别", "案件编号", "问题类别", "街道", "状态", "上报时间", "返工次数"])
    for n in data["notable"]:
        book.append([n["kind"], n["number"], n["category"], n["street"], n["state"], n["created"], n["rework"]])
    return book.to_bytes()


def build(report_id: int) -> str:
    report = MonthlyReport.objects.select_related("area", "requested_by").get(pk=report_id)
    try:
        data = compute(report.requested_by, report.area, report.month)
        content = workbook(data)
        report.workbook.save(f"monthly-{report.area.code}-{report.month:%Y-%m}.xlsx", ContentFile(content), save=False)
        report.data = data
        report.status = MonthlyReport.DONE
        report.error = ""
    except Exception as exc:  # keep the failure visible on the report list instead of a silent task error
        log.exception("monthly report %s failed", report_id)
        report.status = MonthlyReport.FAILED
        report.error = str(exc)[:500]
    report.finished_at = timezone.now()
    report.save()
    return report.status
