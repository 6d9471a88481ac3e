"""Rankings (排名): streets, communities, grids and department units by the evaluation figures.

    综合得分 = 100 × (w结案 × 结案率 + w按期 × 按期结案率 + w返工 × (1 − 返工率) + w满意 × 满意率) / Σ w
    over the figures that exist for the unit (满意率 only where the hotline has call-backs for it);
    each rate is capped to [0, 1] inside the score (a period that clears a backlog may exceed 100 %).
    Base (应结案数): 立案数 for a territorial unit, 派遣数 for a department.
Units with fewer than `min_cases` in the base are listed but not ranked.

`for_area` is the one entry point: the rankings page and the monthly report both call it, so they
score the same month the same way (satisfaction included wherever call-backs exist).
"""
from __future__ import annotations

from dataclasses import dataclass

from . import figures
from .models import RankingWeights

DEFAULT_WEIGHTS = {"w_closure": 30, "w_on_time": 40, "w_rework": 15, "w_satisfaction": 15, "min_cases": 1}
FORMULA = ("综合得分 = 100 × (w结案×结案率 + w按期×按期结案率 + w返工×(1−返工率) + w满意×满意率) ÷ 参与计算的权重之和；"
           "应结案数：街道/社区/网格为立案数，部门为派遣数；无回访数据时满意率不参与计算；"
           "本期清理积压时结案率可超过 100%，计分时按 100% 计。")


def weights_for(district) -> dict:
    w = RankingWeights.objects.filter(district=district).first() if district else None
    if w is None:
        return dict(DEFAULT_WEIGHTS)
    return {k: getattr(w, k) for k in DEFAULT_WEIGHTS}


def _cap(v):
    return None if v is None else max(0.0, min(1.0, v))


@dataclass
class Ranked:
    key: object
    name: str
    base: int
    closed: int
    closure_rate: float | None
    on_time_rate: float | None
    rework_rate: float | None
    satisfaction_rate: float | None
    avg_hours: float | None
    score: float | None
    rank: int | None = None


def score(w: dict, closure, on_time, rework, satisfaction) -> float | None:
    parts = [(w["w_closure"], _cap(closure)), (w["w_on_time"], _cap(on_time)),
             (w["w_rework"], None if rework is None else 1 - _cap(rework)), (w["w_satisfaction"], _cap(satisfaction))]
    parts = [(wt, v) for wt, v in parts if v is not None and wt > 0]
    total = sum(wt for wt, _ in parts)
    if not total:
        return None
    return round(100 * sum(wt * v for wt, v in parts) / total, 2)


def rank(items: list[tuple[object, str, dict, float | None]], w: dict, *, base_key: str = "filed") -> list[Ranked]:
    """items: (key, name, counters, satisfaction or None) → ranked, best first; ties share a rank."""
    out = []
    for key, name, t, sat in items:
        base = t.get(base_key, 0)
        closure = figures.ratio(t.get("closed", 0), base)
        on_time = figures.ratio(t.get("closed_on_time", 0), base)
        rework = figures.ratio(t.get("reworked", 0), base)
        avg = round(t["closed_centihours"] / 100 / t["closed_timed"], 2) if t.get("closed_timed") else None
        s = score(w, closure, on_time, rework, sat) if base >= max(1, w.get("min_cases", 1)) else None
        out.append(Ranked(key, name, base, t.get("closed", 0), closure, on_time, rework, sat, avg, s))
    out.sort(key=lambda r: (r.score is None, -(r.score or 0), r.name))
    prev, pos = None, 0
    for i, r in enumerate(out, start=1):
        if r.score is None:
            continue
        if r.score != prev:
            pos, prev = i, r.score
        r.rank = pos
    return out


def regions_ranking(regions, period, w: dict, satisfaction: dict | None = None) -> list[Ranked]:
    by = figures.by_region(regions, period.start, period.end)
    satisfaction = satisfaction or {}
    return rank([(r, r.name, by[r.pk], satisfaction.get(r.pk)) for r in regions], w)


def departments_ranking(area, period, w: dict, names: dict, satisfaction: dict | None = None) -> list[Ranked]:
    by = figures.by_department(area, period.start, period.end)
    satisfaction = satisfaction or {}
    items = [(k, names.get(k, str(k)), t, satisfaction.get(k)) for k, t in by.items() if k]
    return rank(items, w, base_key="dispatched")


def two_way(regions, period, names: dict) -> dict:
    """Rows: regions; columns: departments; cell: 派遣数, 结案数, 按期结案率 (of the dispatched)."""
    cells = figures.matrix(regions, period.start, period.end)
    dept_keys = sorted({d for (_, d) in cells}, key=lambda d: names.get(d, ""))
    rows = []
    for r in regions:
        row = []
        for d in dept_keys:
            t = cells.get((r.pk, d))
            row.append(None if t is None else {"dispatched": t["dispatched"], "closed": t["closed"],
                                               "on_time_rate": figures.ratio(t["closed_on_time"], t["dispatched"])})
        rows.append((r, row))
    return {"departments": [(d, names.get(d, str(d))) for d in dept_keys], "rows": rows}


def _satisfaction_of(user, regions, period) -> dict:
    """满意率 per region from the hotline's call-backs (same formula as the hotline's street rate)."""
    if not regions:
        return {}
    from civicgrid.hotline.rates import satisfaction_by_region

    return satisfaction_by_region(user, start=period.start, end=period.end, level=regions[0].level,
                                  ids=[r.pk for r in regions])


def _department_satisfaction(user, period) -> dict:
    from civicgrid.hotline.rates import hotline_rates

    rows = hotline_rates(user, start=period.start, end=period.end, by="department", response=False)
    return {r["key"]: r["satisfaction_rate"] for r in rows if r["key"]}


def for_area(user, area, period, regions, *, names: dict, grids=None) -> dict:
    """The rankings of an area for a period, as `user` may see them: its child regions, optionally
    its grids, and the departments that worked in it, each with 满意率 where there are call-backs.

    Returns {"weights", "regions", "grids", "departments"}; the rankings page and the monthly
    report both read this, so the two never disagree about the same month.
    """
    district = area if area.level == "district" else area.ancestor_at("district")
    w = weights_for(district)
    return {
        "weights": w,
        "regions": regions_ranking(regions, period, w, _satisfaction_of(user, regions, period)),
        "grids": regions_ranking(grids, period, w, _satisfaction_of(user, grids, period)) if grids else [],
        "departments": departments_ranking(area, period, w, names, _department_satisfaction(user, period)),
    }
