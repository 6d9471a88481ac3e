"""Co-governance evaluation (共治考评): satisfaction ratings of units, 条块双向评价, third-party survey
imports and the half-year grid review.

The grid review: for each grid of the district, components scored 0–100 —
  cases    按期办结率: cases of the grid opened in the period and closed with no step overdue ÷ cases opened
           (a grid with no case scores 100: nothing was late);
  visits   走访覆盖率: current residents of the grid visited at least once in the period ÷ current residents;
  surveys  满意率: satisfied ratings (4–5 of 5) of the grid's community in the period plus the third-party
           survey's satisfied answers for the grid or its community ÷ all those ratings and answers
           (no rating at all: 0, and the explanation says so);
  kpi:<code> a percentage KPI of a manifest, computed for the grid and the period, × 100 —
weighted by the district's percentages (they must sum to 100): score = Σ weight × component ÷ 100,
each product rounded half-up to 2 decimals. Equal scores share a rank (1, 2, 2, 4).
"""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core import roles as R
from civicgrid.core.scoping import node_in_scope, sees_everything, user_roles

from . import rules
from .errors import AlreadyDone
from .models import EvaluationPeriod, GridReview, Rating, ThirdPartySurvey

CENT = Decimal("0.01")
BASE_COMPONENTS = {"cases": "案件按期办结率", "visits": "走访覆盖率", "surveys": "群众满意率"}
DISTRICT_ROLES = (R.DISTRICT_COMMANDER, R.SYSTEM_ADMIN)


def q2(x) -> Decimal:
    return Decimal(x).quantize(CENT, rounding=ROUND_HALF_UP)


def _pct(num: int, den: int) -> Decimal:
    return q2(Decimal(100) * num / den) if den else Decimal("0.00")


def _district_seat(actor, district) -> None:
    if sees_everything(actor):
        return
    if not any(s.role in DISTRICT_ROLES for s in user_roles(actor)):
        raise PermissionDenied("考评周期和权重由区指挥中心设定。")
    if not node_in_scope(actor, district, roles=DISTRICT_ROLES):
        raise PermissionDenied(f"“{district.name}”不在您的管辖范围内。")


def kpi_labels() -> dict[str, str]:
    from civicgrid.core.manifest import each

    return {f"kpi:{k.code}": k.label for _m, k in each("kpis") if k.unit == "%"}


def check_weights(weights: dict) -> dict[str, int]:
    allowed = {**BASE_COMPONENTS, **kpi_labels()}
    out = {}
    for k, v in (weights or {}).items():
        if k not in allowed:
            raise ValidationError(f"未知的考评分项：{k}")
        try:
            w = int(v)
        except (TypeError, ValueError):
            raise ValidationError("权重须为整数百分比。")
        if w < 0:
            raise ValidationError("权重不能为负。")
        if w:
            out[k] = w
    if sum(out.values()) != 100:
        raise ValidationError(f"各分项权重之和须为 100（现为 {sum(out.values())}）。")
    return out


def set_period(actor, district, *, label, start, end, weights, rewards=None) -> EvaluationPeriod:
    _district_seat(actor, district)
    if not (isinstance(start, dt.date) and isinstance(end, dt.date)) or end < start:
        raise ValidationError("考评起止日期有误。")
    label = (label or "").strip()
    if not label or len(label) > 30:
        raise ValidationError("请填写考评周期名称（30 字以内）。")
    weights = check_weights(weights)
    p, _ = EvaluationPeriod.objects.update_or_create(
        district=district, label=label,
        defaults={"start": start, "end": end, "weights": weights, "rewards": dict(rewards or {})})
    audit.record(actor, "selfgov.period", p, detail={"weights": weights})
    return p


# -- ratings ----------------------------------------------------------------------------------------
def rate(period: EvaluationPeriod, *, score, unit=None, target_region=None, person=None, community=None,
         actor=None, comment="", now=None) -> Rating:
    """One rating per rater, target and period.

    A resident or representative (`person`, verified, of `community`) rates a local unit serving their
    street; staff rate for their seat: community staff rate a department's unit (块评条), a department
    handler rates a community or street (条评块).
    """
    from . import services

    now = now or timezone.now()
    try:
        score = int(score)
    except (TypeError, ValueError):
        raise ValidationError("评分须为 1–5 的整数。")
    if not 1 <= score <= 5:
        raise ValidationError("评分须为 1–5 的整数。")
    if (unit is None) == (target_region is None):
        raise ValidationError("请选择一个被评单位或被评社区/街道。")
    if not period.start <= timezone.localtime(now).date() <= period.end + dt.timedelta(days=31):
        raise ValidationError("不在本轮测评时间内。")
    if person is not None:
        services.check_resident(person, community)
        if unit is None or not community.path.startswith(unit.region.path):
            raise ValidationError("居民只能评价为本社区服务的单位。")
        kind = "representative" if services.is_representative(person, community, timezone.localtime(now).date()) \
            else "resident"
        key, area = f"person:{person.pk}", community
    elif actor is not None:
        seats = user_roles(actor)
        dept = next((s for s in seats if s.role == R.DEPARTMENT_HANDLER and s.department_unit_id), None)
        staff = next((s for s in seats if s.role == R.COMMUNITY_STAFF and s.region_id), None)
        if unit is not None and staff is not None:
            if not staff.region.path.startswith(unit.region.path):
                raise PermissionDenied("只能评价为本社区服务的单位。")
            kind, key, area = "community", f"region:{staff.region_id}", staff.region
        elif target_region is not None and dept is not None:
            if not target_region.path.startswith(dept.department_unit.region.path):
                raise PermissionDenied("只能评价本单位服务区域内的社区、街道。")
            kind, key, area = "department", f"unit:{dept.department_unit_id}", target_region
        else:
            raise PermissionDenied("社区评价职能部门、职能部门评价社区（条块双向评价）。")
    else:
        raise ValidationError("缺少评价人。")
    try:
        with transaction.atomic():
            return Rating.objects.create(period=period, area=area, unit=unit, target_region=target_region,
                                         rater_kind=kind, rater_key=key, score=score, comment=(comment or "")[:200],
                                         at=now)
    except IntegrityError:
        raise AlreadyDone("本轮已评价过该对象，每人（每单位）一次。")


def unit_rates(period: EvaluationPeriod) -> list[dict]:
    """Satisfaction per unit for the period: ratings, satisfied (4–5), rate %. Published as is."""
    rows: dict[int, dict] = {}
    for r in period.ratings.filter(unit__isnull=False).select_related("unit"):
        row = rows.setdefault(r.unit_id, {"unit": r.unit, "n": 0, "satisfied": 0,
                                          "by_kind": {k: [0, 0] for k, _ in Rating.RATERS}})
        row["n"] += 1
        row["satisfied"] += r.score >= rules.SATISFIED_FROM
        row["by_kind"][r.rater_kind][0] += 1
        row["by_kind"][r.rater_kind][1] += r.score >= rules.SATISFIED_FROM
    out = [{**row, "rate": _pct(row["satisfied"], row["n"])} for row in rows.values()]
    return sorted(out, key=lambda r: (-r["rate"], r["unit"].name))


# -- third-party survey import ---------------------------------------------------------------------
IMPORT_HEADERS = ("区域编码", "测评机构", "样本数", "满意数")


def import_third_party(actor, period: EvaluationPeriod, path) -> tuple[int, list[str]]:
    """Rows (区域编码, 测评机构, 样本数, 满意数) from an .xlsx/.csv read by the register's safe reader
    (people.importer.read_rows: size limits, no formulas evaluated). Returns (saved, problems by row)."""
    from civicgrid.people.importer import read_rows
    from civicgrid.regions.models import Region

    _district_seat(actor, period.district)
    saved, problems = 0, []
    rows = list(read_rows(path, max_rows=5001))
    if not rows:
        raise ValidationError("文件为空。")
    header = [str(c or "").strip() for c in rows[0]]
    if tuple(header[:4]) != IMPORT_HEADERS:
        raise ValidationError(f"表头须为：{'、'.join(IMPORT_HEADERS)}")
    with transaction.atomic():
        for i, row in enumerate(rows[1:], start=2):
            cells = [str(c if c is not None else "").strip() for c in list(row) + [""] * 4][:4]
            if not any(cells):
                continue
            code, agency, sample, satisfied = cells
            area = Region.objects.filter(code=code[:15], level__in=("grid", "community"),
                                         path__startswith=period.district.path).first()
            try:
                n, s = int(float(sample)), int(float(satisfied))
            except ValueError:
                problems.append(f"第{i}行：样本数、满意数须为整数")
                continue
            if area is None:
                problems.append(f"第{i}行：区域编码 {code[:15]} 不在本区")
            elif not agency or len(agency) > 60:
                problems.append(f"第{i}行：测评机构须填写（60 字以内）")
            elif not 0 <= s <= n <= 1_000_000:
                problems.append(f"第{i}行：满意数须在 0 与样本数之间")
            else:
                ThirdPartySurvey.objects.update_or_create(period=period, area=area, agency=agency,
                                                          defaults={"sample": n, "satisfied": s})
                saved += 1
        audit.record(actor, "selfgov.third_party_import", period, detail={"saved": saved, "problems": len(problems)})
    return saved, problems


# -- the half-year grid review ----------------------------------------------------------------------
def _aware(day: dt.date, end: bool = False) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max if end else dt.time.min))


def components(period: EvaluationPeriod, grid) -> dict[str, tuple[Decimal, str]]:
    """Each component of the grid: (value 0–100, how it was computed)."""
    from civicgrid.cases.models import Case
    from civicgrid.people.models import Person, Visit

    start, end = _aware(period.start), _aware(period.end, True)
    out = {}
    cases = Case.objects.filter(grid=grid, created_at__gte=start, created_at__lte=end)
    total = cases.count()
    on_time = cases.filter(closed_at__isnull=False, overdue_count=0).count()
    out["cases"] = ((Decimal("100.00"), "本期无案件") if not total
                    else (_pct(on_time, total), f"按期办结 {on_time} / 立案 {total}"))
    people = Person.objects.current().filter(grid=grid)
    n = people.count()
    visited = Visit.objects.filter(person__in=people, visited_on__gte=period.start, visited_on__lte=period.end) \
        .values("person").distinct().count()
    out["visits"] = (_pct(visited, n), f"走访 {visited} / 居民 {n}")
    community = grid.parent
    ratings = period.ratings.filter(target_region__in=[grid, community])
    r_n, r_s = ratings.count(), ratings.filter(score__gte=rules.SATISFIED_FROM).count()
    tp = period.third_party.filter(area__in=[grid, community])
    t_n = sum(t.sample for t in tp)
    t_s = sum(t.satisfied for t in tp)
    out["surveys"] = (_pct(r_s + t_s, r_n + t_n),
                      f"评价满意 {r_s} / {r_n}，第三方满意 {t_s} / {t_n}" if r_n + t_n else "本期无评价（计 0 分）")
    for key in period.weights:
        if key.startswith("kpi:"):
            out[key] = _kpi(key[4:], grid, period)
    return out


def _kpi(code: str, grid, period) -> tuple[Decimal, str]:
    from civicgrid.core.manifest import each, resolve

    k = next((k for _m, k in each("kpis") if k.code == code), None)
    if k is None:
        return Decimal("0.00"), "指标已停用（计 0 分）"
    value = resolve(k.compute)(grid, period.start, period.end)
    if value is None:
        return Decimal("0.00"), f"{k.label}：无数据（计 0 分）"
    v = q2(Decimal(str(value)) * 100)
    return min(max(v, Decimal("0.00")), Decimal("100.00")), f"{k.label} {v}%"


def review(actor, period: EvaluationPeriod) -> list[GridReview]:
    """Compute, rank, explain and award every grid of the district; replaces an earlier run of the period."""
    from civicgrid.regions.models import Region

    _district_seat(actor, period.district)
    weights = check_weights(period.weights)
    labels = {**BASE_COMPONENTS, **kpi_labels()}
    results = []
    for grid in Region.objects.filter(level="grid", path__startswith=period.district.path).select_related("parent"):
        comps = components(period, grid)
        parts, score, lines = {}, Decimal("0.00"), []
        for key, w in weights.items():
            value, how = comps[key]
            points = q2(value * w / 100)
            score += points
            parts[key] = {"label": labels.get(key, key), "value": str(value), "weight": w, "points": str(points),
                          "how": how}
            lines.append(f"{labels.get(key, key)} {value}% × {w}% = {points} 分（{how}）")
        results.append((grid, score, parts, "；".join(lines)))
    results.sort(key=lambda r: (-r[1], r[0].code))
    rows, rank, prev = [], 0, None
    for i, (grid, score, parts, text) in enumerate(results, start=1):
        if score != prev:
            rank, prev = i, score
        rows.append(GridReview(period=period, grid=grid, components=parts, score=score, rank=rank,
                               explanation=f"综合得分 {score}：{text}",
                               reward=str(period.rewards.get(str(rank), ""))[:60]))
    with transaction.atomic():
        GridReview.objects.filter(period=period).delete()
        GridReview.objects.bulk_create(rows)
        audit.record(actor, "selfgov.review", period, detail={"grids": len(rows)})
    return rows
