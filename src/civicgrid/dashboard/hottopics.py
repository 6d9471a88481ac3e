"""Hot topics of the month (每月一题): what rose most against the previous months.

Three kinds:
  rising categories  reports of a category this month against the mean of the previous three months
                     (from the rollups); score = (this − mean) / √(mean + 1), at least MIN_RISE reports
  place clusters     cases of the same category within EPS_M of each other (single linkage on a
                     hash grid), at least MIN_CLUSTER cases, and more than twice the same place's
                     monthly mean over the previous three months (+2); scattered cases are noise
  repeated contacts  the same requester phone (by its keyed hash) or the same address in the same
                     street, MIN_REPEAT times or more this month
Each topic carries its case ids, a six-month trend and the points for a map.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from django.db.models import Count, Sum

from civicgrid.cases.models import Case
from civicgrid.core.scoping import visible_to

from . import figures
from .models import DailyRollup
from .reconcile import bounds

EPS_M = 150.0
MIN_CLUSTER = 5
MIN_RISE = 5
MIN_REPEAT = 3
MAX_POINTS = 60_000


def month_start(d: dt.date) -> dt.date:
    return d.replace(day=1)


def add_months(d: dt.date, n: int) -> dt.date:
    y, m = divmod(d.month - 1 + n, 12)
    return dt.date(d.year + y, m + 1, 1)


def month_end(d: dt.date) -> dt.date:
    return add_months(d, 1) - dt.timedelta(days=1)


def months_back(month: dt.date, n: int) -> list[dt.date]:
    return [add_months(month, -i) for i in range(n - 1, -1, -1)]


def rising_categories(area, month: dt.date, *, limit: int = 5) -> list[dict]:
    from civicgrid.cases.models import Category

    months = months_back(month, 6)
    counts: dict[int, list[int]] = defaultdict(lambda: [0] * 6)
    rows = (DailyRollup.objects.filter(region=area, day__gte=months[0], day__lte=month_end(month))
            .values("category_id", "day").annotate(n=Sum("reported")))
    index = {m: i for i, m in enumerate(months)}
    for r in rows:
        counts[r["category_id"]][index[month_start(r["day"])]] += int(r["n"])
    names = dict(Category.objects.values_list("pk", "name"))
    out = []
    for cat, trend in counts.items():
        cur, prev = trend[-1], trend[-4:-1]
        mean = sum(prev) / 3
        if cur < MIN_RISE or cur <= mean:
            continue
        out.append({"kind": "category", "category_id": cat, "title": f"{names.get(cat, cat)}反映增多",
                    "count": cur, "previous_mean": round(mean, 1), "score": round((cur - mean) / math.sqrt(mean + 1), 2),
                    "trend": list(zip([m.strftime("%Y-%m") for m in months], trend))})
    out.sort(key=lambda x: (-x["score"], x["category_id"]))
    return out[:limit]


def _meters_per_degree(lat: float) -> tuple[float, float]:
    return 111_320 * math.cos(math.radians(lat)), 110_540


def cluster_points(points: list[tuple[int, float, float]], eps_m: float = EPS_M) -> list[list[int]]:
    """Single-linkage clusters of (id, lng, lat) within eps_m; returns lists of ids (any size)."""
    if not points:
        return []
    mx, my = _meters_per_degree(points[0][2])
    cell = {}
    for i, (_, lng, lat) in enumerate(points):
        cell.setdefault((int(lng * mx // eps_m), int(lat * my // eps_m)), []).append(i)
    parent = list(range(len(points)))

    def find(i):
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    eps2 = eps_m * eps_m
    for (cx, cy), members in cell.items():
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for j in cell.get((cx + dx, cy + dy), ()):
                    for i in members:
                        if i < j:
                            _, x1, y1 = points[i]
                            _, x2, y2 = points[j]
                            if ((x1 - x2) * mx) ** 2 + ((y1 - y2) * my) ** 2 <= eps2:
                                a, b = find(i), find(j)
                                if a != b:
                                    parent[a] = b
    groups = defaultdict(list)
    for i in range(len(points)):
        groups[find(i)].append(points[i][0])
    return list(groups.values())


def place_clusters(user, area, month: dt.date, *, limit: int = 5) -> list[dict]:
    lo, hi = bounds(month, month_end(month))
    cases = (visible_to(user, Case.objects.all()).filter(figures.area_q(area), created_at__gte=lo, created_at__lt=hi,
                                                         lng__isnull=False, lat__isnull=False))
    rows = list(cases.values_list("pk", "category_id", "lng", "lat")[:MAX_POINTS])
    by_cat = defaultdict(list)
    for pk, cat, lng, lat in rows:
        by_cat[cat].append((pk, lng, lat))
    from civicgrid.cases.models import Category

    names = dict(Category.objects.values_list("pk", "name"))
    coords = {pk: (lng, lat) for pk, _, lng, lat in rows}
    months = months_back(month, 6)
    out = []
    for cat, pts in by_cat.items():
        for ids in cluster_points(pts):
            if len(ids) < MIN_CLUSTER:
                continue
            xs = [coords[i][0] for i in ids]
            ys = [coords[i][1] for i in ids]
            mx, my = _meters_per_degree(ys[0])
            pad_x, pad_y = EPS_M / mx, EPS_M / my
            box = dict(lng__gte=min(xs) - pad_x, lng__lte=max(xs) + pad_x, lat__gte=min(ys) - pad_y,
                       lat__lte=max(ys) + pad_y)
            trend = []
            for m in months:
                mlo, mhi = bounds(m, month_end(m))
                trend.append((m.strftime("%Y-%m"), visible_to(user, Case.objects.all()).filter(
                    figures.area_q(area), category_id=cat, created_at__gte=mlo, created_at__lt=mhi, **box).count()))
            prev_mean = sum(n for _, n in trend[-4:-1]) / 3
            if len(ids) <= 2 * prev_mean + 2:
                continue  # a place that always has this many: not a new topic
            out.append({"kind": "cluster", "category_id": cat, "title": f"{names.get(cat, cat)}集中发生",
                        "count": len(ids), "previous_mean": round(prev_mean, 1), "case_ids": sorted(ids),
                        "center": [sum(xs) / len(xs), sum(ys) / len(ys)],
                        "points": [[coords[i][1], coords[i][0]] for i in ids], "trend": trend,
                        "score": round((len(ids) - prev_mean) / math.sqrt(prev_mean + 1), 2)})
    out.sort(key=lambda x: (-x["score"], -x["count"]))
    return out[:limit]


def repeated_contacts(user, area, month: dt.date, *, limit: int = 10) -> list[dict]:
    lo, hi = bounds(month, month_end(month))
    cases = visible_to(user, Case.objects.all()).filter(figures.area_q(area), created_at__gte=lo, created_at__lt=hi)
    out = []
    phones = (cases.exclude(requester_phone_hash="").values("requester_phone_hash")
              .annotate(n=Count("pk")).filter(n__gte=MIN_REPEAT).order_by("-n")[:limit])
    for p in phones:
        ids = list(cases.filter(requester_phone_hash=p["requester_phone_hash"]).values_list("pk", flat=True))
        out.append({"kind": "phone", "title": f"同一诉求人本月来电 {p['n']} 次", "count": p["n"], "case_ids": sorted(ids)})
    addresses = (cases.exclude(address="").values("street_id", "address").annotate(n=Count("pk"))
                 .filter(n__gte=MIN_REPEAT).order_by("-n", "address")[:limit])
    for a in addresses:
        ids = list(cases.filter(street_id=a["street_id"], address=a["address"]).values_list("pk", flat=True))
        out.append({"kind": "address", "title": f"“{a['address']}”本月反映 {a['n']} 次", "count": a["n"],
                    "case_ids": sorted(ids)})
    out.sort(key=lambda x: (-x["count"], x["title"]))
    return out[:limit]


def topics(user, area, month: dt.date) -> dict:
    return {"categories": rising_categories(area, month), "clusters": place_clusters(user, area, month),
            "repeats": repeated_contacts(user, area, month)}
