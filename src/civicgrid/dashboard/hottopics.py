"""Hot topics of the month (每月一题): what rose most against the previous months.

Three kinds:
  rising categories  reports of a category this month against the mean of the previous three months
                     (from the rollups); score = (this − mean) / √(mean + 1), at least MIN_RISE reports
  place clusters     cases of the same category in touching cells of EPS_M, at least MIN_CLUSTER
                     cases, and more than twice the same cells' monthly mean over the previous
                     three months (+2); counted by the database per cell, so it scales with the
                     cells, not the cases; scattered cases are noise
  repeated contacts  the same requester phone (by its keyed hash) or the same address in the same
                     street, MIN_REPEAT times or more this month
Each topic carries its case ids, a six-month trend and the points for a map.
"""
from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict

from django.core.cache import cache
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Floor
from django.utils import timezone

from civicgrid.cases.models import Case
from civicgrid.core.scoping import visible_to

from . import figures
from .fold import fold
from .models import DailyRollup
from .reconcile import bounds

EPS_M = 150.0
MIN_CLUSTER = 5
MIN_RISE = 5
MIN_REPEAT = 3
MAX_POINTS = 300  # cases listed and drawn per topic (the count covers all)


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
    fold()
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


def _cell_scale(area) -> tuple[float, float]:
    """Cells per degree (x, y) so a cell is EPS_M across at the area's latitude."""
    lat = 30.0
    if area.geometry:
        from shapely.geometry import shape

        lat = shape(area.geometry).centroid.y
    mx, my = _meters_per_degree(lat)
    return mx / EPS_M, my / EPS_M


def _cells(qs, kx: float, ky: float):
    # Every cell number comes from the database, so the cells of a topic, its trend and its cases
    # are the same cells.
    return qs.annotate(cx=Floor(F("lng") * kx), cy=Floor(F("lat") * ky))


def _cell_components(cells: set) -> list[set]:
    """Groups of cells that touch (8-neighbourhood)."""
    left, out = set(cells), []
    while left:
        todo, group = [left.pop()], set()
        while todo:
            c = todo.pop()
            group.add(c)
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    n = (c[0] + dx, c[1] + dy)
                    if n in left:
                        left.remove(n)
                        todo.append(n)
        out.append(group)
    return out


def place_clusters(user, area, month: dt.date, *, limit: int = 5) -> list[dict]:
    """Places where cases of one category gathered this month, well above the same place's past.

    The counting is done by the database, per category and cell of EPS_M (≈150 m), for this month
    and the three before, so the cost is one grouped query whatever the number of cases (single
    linkage over every point of a busy month chains whole districts together and hides the new
    spots). A cell, or a 2×2 block of cells, with at least MIN_CLUSTER cases this month and more
    than twice its monthly mean before (+2) marks its cells with cases as seeds; touching seeds of a
    category form one topic, judged again on its own cells.
    """
    lo, hi = bounds(month, month_end(month))
    plo = bounds(add_months(month, -3), month)[0]
    kx, ky = _cell_scale(area)
    scoped = visible_to(user, Case.objects.all()).filter(figures.area_q(area), lng__isnull=False, lat__isnull=False)
    rows = (_cells(scoped.filter(created_at__gte=plo, created_at__lt=hi), kx, ky)
            .values("category_id", "cx", "cy")
            .annotate(cur=Count("pk", filter=Q(created_at__gte=lo)), prev=Count("pk", filter=Q(created_at__lt=lo))))
    by_cat: dict[int, dict] = defaultdict(dict)
    for r in rows:
        by_cat[r["category_id"]][(int(r["cx"]), int(r["cy"]))] = (r["cur"], r["prev"])
    candidates = []
    for cat, cells in by_cat.items():
        seeds = set()
        for (x, y), (cur, _) in cells.items():
            if not cur:
                continue
            # The cell alone (a spot in a busy place), and the four 2×2 blocks around it (a spot no
            # wider than a cell lies wholly in one of them, wherever the cell borders fall).
            units = [[(x, y)]] + [[(x + dx, y + dy), (x + dx + 1, y + dy), (x + dx, y + dy + 1), (x + dx + 1, y + dy + 1)]
                                  for dx in (-1, 0) for dy in (-1, 0)]
            for unit in units:
                counts = [cells.get(c, (0, 0)) for c in unit]
                n, before = sum(w[0] for w in counts), sum(w[1] for w in counts) / 3
                if n >= MIN_CLUSTER and n > 2 * before + 2:
                    seeds.update(c for c in unit if cells.get(c, (0, 0))[0])
        for group in _cell_components(seeds):
            n = sum(cells[c][0] for c in group)
            mean = sum(cells[c][1] for c in group) / 3
            if n >= MIN_CLUSTER and n > 2 * mean + 2:
                candidates.append((round((n - mean) / math.sqrt(mean + 1), 2), n, cat, group, mean))
    candidates.sort(key=lambda c: (-c[0], -c[1], c[2]))
    from civicgrid.cases.models import Category

    names = dict(Category.objects.values_list("pk", "name"))
    months = months_back(month, 6)
    out = []
    for score, n, cat, group, mean in candidates[:limit]:
        xs, ys = [c[0] for c in group], [c[1] for c in group]
        in_box = _cells(scoped.filter(category_id=cat), kx, ky).filter(
            cx__gte=min(xs), cx__lte=max(xs), cy__gte=min(ys), cy__lte=max(ys))
        ranges = [bounds(m, month_end(m)) for m in months]
        per_cell = in_box.filter(created_at__gte=ranges[0][0], created_at__lt=hi).values("cx", "cy").annotate(
            **{f"m{i}": Count("pk", filter=Q(created_at__gte=a, created_at__lt=b)) for i, (a, b) in enumerate(ranges)})
        trend = [0] * len(months)
        for r in per_cell:
            if (int(r["cx"]), int(r["cy"])) in group:
                for i in range(len(months)):
                    trend[i] += r[f"m{i}"]
        members = [(pk, lng, lat) for pk, lng, lat, x, y in in_box.filter(created_at__gte=lo, created_at__lt=hi)
                   .order_by("created_at", "pk").values_list("pk", "lng", "lat", "cx", "cy") if (int(x), int(y)) in group]
        shown = members[:MAX_POINTS]
        out.append({"kind": "cluster", "category_id": cat, "title": f"{names.get(cat, cat)}集中发生",
                    "count": n, "previous_mean": round(mean, 1), "case_ids": sorted(pk for pk, _, _ in shown),
                    "center": [sum(p[1] for p in members) / len(members), sum(p[2] for p in members) / len(members)],
                    "points": [[lng, lat] for _, lng, lat in shown], "cells": len(group),
                    "trend": [(m.strftime("%Y-%m"), t) for m, t in zip(months, trend)], "score": score})
    return out


def repeated_contacts(user, area, month: dt.date, *, limit: int = 10) -> list[dict]:
    lo, hi = bounds(month, month_end(month))
    cases = visible_to(user, Case.objects.all()).filter(figures.area_q(area), created_at__gte=lo, created_at__lt=hi)
    out = []
    phones = (cases.exclude(requester_phone_hash="").values("requester_phone_hash")
              .annotate(n=Count("pk")).filter(n__gte=MIN_REPEAT).order_by("-n")[:limit])
    for p in phones:
        ids = list(cases.filter(requester_phone_hash=p["requester_phone_hash"]).order_by("pk")
                   .values_list("pk", flat=True)[:MAX_POINTS])
        out.append({"kind": "phone", "title": f"同一诉求人本月来电 {p['n']} 次", "count": p["n"], "case_ids": sorted(ids)})
    addresses = (cases.exclude(address="").values("street_id", "address").annotate(n=Count("pk"))
                 .filter(n__gte=MIN_REPEAT).order_by("-n", "address")[:limit])
    for a in addresses:
        ids = list(cases.filter(street_id=a["street_id"], address=a["address"]).order_by("pk")
                   .values_list("pk", flat=True)[:MAX_POINTS])
        out.append({"kind": "address", "title": f"“{a['address']}”本月反映 {a['n']} 次", "count": a["n"],
                    "case_ids": sorted(ids)})
    out.sort(key=lambda x: (-x["count"], x["title"]))
    return out[:limit]


CURRENT_MONTH_TTL = 10 * 60  # the month still running: recounted at most every ten minutes
PAST_MONTH_TTL = 6 * 3600    # a finished month changes only by late edits


def topics(user, area, month: dt.date, *, fresh: bool = False) -> dict:
    """The month's topics for `area`, kept in the cache for a while: a district-month at millions of
    cases takes seconds to count, and the big screen asks again every few minutes.

    Keyed by area and month only. That is safe because callers pass an area the user may see whole
    (selectors.area_for), and every territorial role sees all cases of such an area, so the user's
    scoping changes nothing inside it. `fresh` recounts (the monthly report does)."""
    key = f"civicgrid:hottopics:{area.pk}:{month:%Y-%m}"
    if not fresh:
        hit = cache.get(key)
        if hit is not None:
            return hit
    out = {"categories": rising_categories(area, month), "clusters": place_clusters(user, area, month),
           "repeats": repeated_contacts(user, area, month), "counted_at": timezone.now()}
    current = month == month_start(timezone.localdate())
    cache.set(key, out, CURRENT_MONTH_TTL if current else PAST_MONTH_TTL)
    return out
