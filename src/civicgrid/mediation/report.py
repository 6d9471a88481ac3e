"""矛盾纠纷排查月报: per community / street / district, and its figures as command-centre KPIs.

Formulas (written here once; the sheet, the print page and the KPIs all read `figures`):
    排查次数     screening records whose week starts in the month (incl. "nothing found")
    发现纠纷     disputes registered in the month
    受理调解     disputes accepted in the month
    调解成功     agreements signed in the month
    调解成功率   调解成功 / (调解成功 + 转介) — of the mediations that ended in the month
    转介         referrals made in the month
    风险纠纷     disputes registered in the month that match a risk rule (workflow.RISK_RULES)
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from . import places
from . import workflow as W
from .models import Dispute, Referral, Screening

COLUMNS = [("screenings", "排查次数"), ("nothing_found", "其中未发现"), ("found", "发现纠纷"),
           ("mediated", "受理调解"), ("agreements", "调解成功"), ("success_rate", "调解成功率"),
           ("referrals", "转介"), ("risk", "风险纠纷")]
FORMULA_NOTE = "调解成功率 = 调解成功 ÷（调解成功 + 转介）；风险纠纷按风险预警规则认定；排查次数含“未发现”记录。"


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = dt.datetime(month.year, month.month, 1, tzinfo=tz)
    nxt = dt.datetime(month.year + (month.month == 12), month.month % 12 + 1, 1, tzinfo=tz)
    return start, nxt


def figures(area, start: dt.datetime, end: dt.datetime) -> dict:
    """The figures for everything under `area` (a Region) over [start, end)."""
    ds = Dispute.objects.filter(region__path__startswith=area.path)
    found = ds.filter(created_at__gte=start, created_at__lt=end)
    risky = sum(1 for level, flags in found.values_list("risk_level", "risk_flags") if W.matching_rules(level, flags))
    agreements = ds.filter(agreed_at__gte=start, agreed_at__lt=end).count()
    referrals = Referral.objects.filter(dispute__region__path__startswith=area.path, referred_at__gte=start,
                                        referred_at__lt=end).count()
    sc = Screening.objects.filter(region__path__startswith=area.path, week__gte=timezone.localtime(start).date(),
                                  week__lt=timezone.localtime(end).date())
    ended = agreements + referrals
    return {
        "screenings": sc.count(), "nothing_found": sc.filter(found=0).count(), "found": found.count(),
        "mediated": ds.filter(accepted_at__gte=start, accepted_at__lt=end).count(), "agreements": agreements,
        "success_rate": round(agreements / ended, 4) if ended else None, "referrals": referrals, "risk": risky,
    }


def monthly(area, month: dt.date) -> dict:
    """Rows for each unit one level below `area` (a community reports itself), then the total."""
    start, end = month_bounds(month)
    units = [area] if area.level == "community" else list(
        places.children(area).filter(level__in=["community", "street"]))
    rows = [{"region": u, **figures(u, start, end)} for u in units]
    return {"area": area, "month": month, "rows": rows, "total": figures(area, start, end), "columns": COLUMNS,
            "formula": FORMULA_NOTE}


def pct(v) -> str:
    return "—" if v is None else f"{v * 100:.1f}%"


def workbook(data: dict) -> bytes:
    # Region names are user-controlled (importable): written through the one safe writer, which
    # keeps formula-like text inert and drops control characters (core/spreadsheet.py).
    from civicgrid.core.spreadsheet import Xlsx

    book = Xlsx().sheet("排查月报", widths=[22])
    book.append([f"{data['area'].name} {data['month']:%Y年%m月} 矛盾纠纷排查月报"], bold=True)
    book.append(["单位"] + [label for _, label in COLUMNS], bold=True)
    for row in data["rows"] + [{"region": None, **data["total"]}]:
        name = row["region"].name if row["region"] else "合计"
        book.append([name] + [pct(row[k]) if k == "success_rate" else row[k] for k, _ in COLUMNS])
    book.append([])
    book.append([FORMULA_NOTE])
    return book.to_bytes()


# -- command-centre KPIs (declared in manifest.py): compute(area, start, end) over dates, end inclusive --
def _bounds(start: dt.date, end: dt.date):
    tz = timezone.get_default_timezone()
    return (dt.datetime.combine(start, dt.time.min, tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz))


def kpi_found(area, start: dt.date, end: dt.date):
    return figures(area, *_bounds(start, end))["found"]


def kpi_success_rate(area, start: dt.date, end: dt.date):
    return figures(area, *_bounds(start, end))["success_rate"]


def kpi_risk(area, start: dt.date, end: dt.date):
    return figures(area, *_bounds(start, end))["risk"]


def kpi_referrals(area, start: dt.date, end: dt.date):
    return figures(area, *_bounds(start, end))["referrals"]
