"""Assessment and pay (考核与补贴): sheets per person computed from the logs, amounts from the data.

Score: for each quota of the person's staff type, min(1, done ÷ target) — targets are monthly and a
quarterly rule assesses the quarter's three months against three times the target; the score is the
mean of those ratios (1 when the type has no quota). Pay = fixed + assessed × score, in yuan to the fen.
A quarterly rule is paid in the quarter's last month only. Coverage and the worker's day summary are here
too: they read the same logs.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from .models import METRIC_CHOICES, PatrolCheck, Patrol, PayRule, Quota, StaffProfile, TaskDone

FEN = Decimal("0.01")


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    first = month.replace(day=1)
    last = first.replace(day=calendar.monthrange(first.year, first.month)[1])
    start = timezone.make_aware(dt.datetime.combine(first, dt.time.min))
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    return start, end


def quarter_months(month: dt.date) -> list[dt.date]:
    q0 = (month.month - 1) // 3 * 3 + 1
    return [dt.date(month.year, q0 + i, 1) for i in range(3)]


def metrics(user_ids, start: dt.datetime, end: dt.datetime) -> dict[int, dict[str, int]]:
    """{user_id: {metric: count}} from the patrol logs and ticked tasks in [start, end)."""
    out: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(dict(METRIC_CHOICES), 0))
    ids = list(user_ids)
    days = (Patrol.objects.filter(worker_id__in=ids, started_at__gte=start, started_at__lt=end)
            .annotate(d=TruncDate("started_at", tzinfo=timezone.get_current_timezone()))
            .values("worker_id").annotate(n=Count("d", distinct=True)))
    for r in days:
        out[r["worker_id"]]["patrol_days"] = r["n"]
    for r in (PatrolCheck.objects.filter(patrol__worker_id__in=ids, at__gte=start, at__lt=end)
              .values("patrol__worker_id").annotate(n=Count("id"), c=Count("id", filter=Q(outcome="case")))):
        out[r["patrol__worker_id"]]["checks"] = r["n"]
        out[r["patrol__worker_id"]]["cases"] = r["c"]
    for r in (TaskDone.objects.filter(worker_id__in=ids, day__gte=timezone.localtime(start).date(),
                                      day__lt=timezone.localtime(end).date())
              .values("worker_id").annotate(n=Count("id"))):
        out[r["worker_id"]]["tasks"] = r["n"]
    return out


def score(done: dict[str, int], quotas: list[Quota], months: int = 1) -> Decimal:
    if not quotas:
        return Decimal(1)
    ratios = [min(Decimal(1), Decimal(done.get(q.metric, 0)) / Decimal(q.target * months)) if q.target else Decimal(1)
              for q in quotas]
    return (sum(ratios) / len(ratios)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def sheet(profiles, month: dt.date) -> list[dict]:
    """One row per active profile with a pay rule: the month's (or quarter's) figures, score and amount."""
    month = month.replace(day=1)
    profiles = list(profiles.filter(left_on__isnull=True).select_related("user", "staff_type", "region"))
    if not profiles:
        return []
    from .tasklist import district_code

    districts = {p.pk: district_code(p.region.path) for p in profiles}
    rules = {(r.district.code, r.staff_type_id): r
             for r in PayRule.objects.filter(district__code__in=set(districts.values())).select_related("district")}
    quotas: dict = defaultdict(list)
    for q in Quota.objects.filter(district__code__in=set(districts.values())).select_related("district").order_by("metric"):
        quotas[(q.district.code, q.staff_type_id)].append(q)
    users = {p.user_id for p in profiles}
    monthly = metrics(users, *month_bounds(month))
    qms = quarter_months(month)
    quarterly = None
    if month == qms[-1]:
        quarterly = metrics(users, month_bounds(qms[0])[0], month_bounds(qms[-1])[1])
    rows = []
    for p in profiles:
        key = (districts[p.pk], p.staff_type_id)
        rule = rules.get(key)
        if rule is None or (rule.period == "quarter" and quarterly is None):
            continue
        months = 3 if rule.period == "quarter" else 1
        done = (quarterly if months == 3 else monthly)[p.user_id]
        s = score(done, quotas.get(key, []), months)
        amount = (rule.fixed + rule.assessed * s).quantize(FEN, rounding=ROUND_HALF_UP)
        rows.append({"profile": p, "name": p.user.name, "type": p.staff_type.name, "region": p.region.name,
                     "employer": p.employer, "period": "本季度" if months == 3 else "本月", "done": done,
                     "quotas": quotas.get(key, []), "score": s, "fixed": rule.fixed,
                     "assessed": (rule.assessed * s).quantize(FEN, rounding=ROUND_HALF_UP), "amount": amount})
    rows.sort(key=lambda r: (r["region"], r["type"], r["name"]))
    return rows


def workbook(rows: list[dict], month: dt.date, *, social_rows: list[dict] | None = None) -> bytes:
    """The month's allowances; with `social_rows` (socialwork.pay_rows) the social workers' subsidy and
    assessment follow on their own sheet of the same workbook."""
    from civicgrid.core.spreadsheet import Xlsx

    labels = dict(METRIC_CHOICES)
    x = Xlsx().sheet(f"{month:%Y-%m}补贴", ["姓名", "人员类型", "网格/社区", "派出单位", "考核期", *labels.values(),
                                           "考核得分", "固定部分（元）", "考核部分（元）", "应发合计（元）"],
                     widths=[10, 12, 16, 16, 8, *[10] * len(labels), 10, 12, 12, 12])
    for r in rows:
        x.append([r["name"], r["type"], r["region"], r["employer"], r["period"], *[r["done"].get(k, 0) for k in labels],
                  float(r["score"]), float(r["fixed"]), float(r["assessed"]), float(r["amount"])])
    x.append(["合计", "", "", "", "", *[""] * len(labels), "", "", "", float(sum((r["amount"] for r in rows), Decimal(0)))],
             bold=True)
    if social_rows is not None:
        from .socialwork import add_pay_sheet

        add_pay_sheet(x, social_rows, month)
    return x.to_bytes()


# -- coverage and the day ---------------------------------------------------------------------------
def coverage(grids, start: dt.date, end: dt.date) -> list[dict]:
    """Per grid: buildings and households checked at least once in [start, end] (dates) of all there."""
    from civicgrid.people.models import Building, Household

    grids = list(grids)
    gids = [g.pk for g in grids]
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    b_total = dict(Building.objects.filter(grid_id__in=gids).values("grid_id").annotate(n=Count("id")).values_list("grid_id", "n"))
    h_total = dict(Household.objects.filter(region_id__in=gids).values("region_id").annotate(n=Count("id")).values_list("region_id", "n"))
    checks = PatrolCheck.objects.filter(patrol__grid_id__in=gids, at__gte=lo, at__lt=hi)
    b_seen = dict(checks.filter(building__isnull=False).values("patrol__grid_id")
                  .annotate(n=Count("building_id", distinct=True)).values_list("patrol__grid_id", "n"))
    h_seen = dict(checks.filter(household__isnull=False).values("patrol__grid_id")
                  .annotate(n=Count("household_id", distinct=True)).values_list("patrol__grid_id", "n"))
    rows = []
    for g in grids:
        bt, ht = b_total.get(g.pk, 0), h_total.get(g.pk, 0)
        bs, hs = b_seen.get(g.pk, 0), h_seen.get(g.pk, 0)
        total = bt + ht
        rows.append({"grid": g, "buildings": bt, "buildings_seen": bs, "households": ht, "households_seen": hs,
                     "rate": None if not total else (bs + hs) / total})
    return rows


def day_summary(worker, day: dt.date) -> dict:
    lo = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    hi = lo + dt.timedelta(days=1)
    patrols = list(Patrol.objects.filter(worker=worker, started_at__gte=lo, started_at__lt=hi))
    minutes = sum(int(((p.ended_at or p.started_at) - p.started_at).total_seconds() // 60) for p in patrols)
    checks = PatrolCheck.objects.filter(patrol__in=patrols)
    by = dict(checks.values("outcome").annotate(n=Count("id")).values_list("outcome", "n"))
    return {"patrols": len(patrols), "minutes": minutes, "distance_m": sum(p.distance_m for p in patrols),
            "checks": sum(by.values()), "nothing": by.get("nothing", 0), "cases": by.get("case", 0),
            "corrections": by.get("correction", 0),
            "case_numbers": list(checks.exclude(case_number="").values_list("case_number", flat=True)),
            "tasks_done": TaskDone.objects.filter(worker=worker, day=day).count()}
