"""The recommended catalogue (推荐目录): conditions as data, automatic generation, dynamic update.

A condition row (CatalogueCondition) names a metric below and a parameter; staff add, change and
switch them off. `regenerate(orgs)` evaluates every active condition for each registered
organisation, stores each result with its reason (CatalogueStanding), and keeps the history as
spells ([entered_at, left_at) with the conditions that failed on leaving), so "who was in on a
given date" is one query. It runs when an organisation's data changes (services call
`refresh(org)`), when a condition changes (everything), and nightly (tasks.regenerate_catalogue:
grades expire and "the last N years" move with the calendar).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Callable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from . import rules
from . import vocab as V


@dataclass(frozen=True)
class Metric:
    label: str           # shown when choosing the metric
    param: str           # what the parameter means
    check: Callable      # (org, value, today) -> (ok, detail)
    parse: Callable = int


def _grade(org, value, today):
    g = next((g for g in org.grades.all() if g.valid_on(today)), None)
    if g is None:
        return False, "无有效评估等级"
    return g.level >= value, f"现为 {V.GRADES[g.level]}（有效期至 {g.valid_until:%Y-%m-%d}）"


def _inspections(org, value, today):
    years = [today.year - i for i in range(1, value + 1)]
    by_year = {i.year: i for i in org.inspections.all()}
    missing = [y for y in years if y not in by_year or not by_year[y].passed]
    detail = "；".join(f"{y} 年度{V.INSPECTION_RESULTS[by_year[y].result] if y in by_year else '未年检'}"
                      for y in years)
    return not missing, detail


def _no_bad_credit(org, value, today):
    since = rules.years_before(today, value)
    bad = [e for e in org.credit_events.all() if e.kind == "bad" and since <= e.occurred_on <= today]
    if not bad:
        return True, f"近 {value} 年无不良信用记录"
    e = bad[0]
    return False, f"近 {value} 年有 {len(bad)} 条不良记录（{e.occurred_on:%Y-%m-%d} {e.get_category_display()}：{e.description}）"


def _domain(org, value, today):
    return value in org.domains, "服务领域：" + ("、".join(org.domain_labels) or "未填")


def _workers(org, value, today):
    n = sum(1 for s in org.staff.all() if s.active and s.certificate)
    return n >= value, f"持证社会工作者 {n} 名"


def _credit(org, value, today):
    return org.credit_status in rules.GOOD, f"信用状况：{rules.label_of(org.credit_status)}"


def _party(org, value, today):
    return org.party_coverage != "none", f"党组织覆盖：{org.party_label}"


def _str(v):
    v = str(v).strip()
    if v not in V.DOMAINS:
        raise ValueError(f"服务领域应为以下之一：{'、'.join(V.DOMAINS.values())}")
    return v


def _years(v):
    n = int(v)
    if not 1 <= n <= 10:
        raise ValueError("年数应在 1–10 之间")
    return n


def _level(v):
    n = int(v)
    if not 1 <= n <= 5:
        raise ValueError("等级应在 1–5 之间")
    return n


def _count(v):
    n = int(v)
    if not 0 <= n <= 100:
        raise ValueError("人数应在 0–100 之间")
    return n


METRICS: dict[str, Metric] = {
    "grade_at_least": Metric("评估等级不低于", "等级（1–5，即 1A–5A）", _grade, _level),
    "inspections_passed": Metric("最近连续年检合格", "年数", _inspections, _years),
    "no_bad_credit": Metric("近年无不良信用记录", "年数", _no_bad_credit, _years),
    "domain_includes": Metric("服务领域包含", "领域代码", _domain, _str),
    "certified_workers": Metric("持证社会工作者不少于", "人数", _workers, _count),
    "credit_normal": Metric("信用状况良好", "（无参数，填 1）", _credit, int),
    "party_covered": Metric("党组织已覆盖", "（无参数，填 1）", _party, int),
}


def parse_value(metric: str, raw) -> object:
    """The parameter in its type, or ValueError with the reason (for forms and services)."""
    if metric not in METRICS:
        raise ValueError("未知的条件类型")
    try:
        return METRICS[metric].parse(raw)
    except (TypeError, ValueError) as exc:
        msg = str(exc)
        raise ValueError(msg if any("\u4e00" <= c <= "\u9fff" for c in msg) else f"参数应为{METRICS[metric].param}")


def evaluate(org, conditions, today: dt.date) -> tuple[bool, list[dict]]:
    """(included, results) — one result per condition with ok and the reason, in the conditions' order."""
    results = []
    for c in conditions:
        if not org.is_registered:
            results.append({"code": c.pk, "label": c.label, "ok": False, "detail": "仅已登记的社会组织可列入"})
            continue
        ok, detail = METRICS[c.metric].check(org, METRICS[c.metric].parse(c.value), today)
        results.append({"code": c.pk, "label": c.label, "ok": bool(ok), "detail": detail})
    return bool(conditions) and all(r["ok"] for r in results), results


def regenerate(orgs=None, *, now: dt.datetime | None = None, trigger: str = "nightly") -> dict:
    """Recompute standings (all organisations, or the given ones) and extend the history."""
    from .models import CatalogueCondition, CatalogueSpell, CatalogueStanding, Organisation

    now = now or timezone.now()
    today = timezone.localdate(now)
    conditions = list(CatalogueCondition.objects.filter(active=True).order_by("order", "id"))
    qs = Organisation.objects.all() if orgs is None else Organisation.objects.filter(pk__in=[o.pk for o in orgs])
    qs = qs.prefetch_related("grades", "inspections", "credit_events", "staff")
    counts = {"in": 0, "out": 0, "entered": 0, "left": 0}
    with transaction.atomic():
        standings = {s.organisation_id: s for s in CatalogueStanding.objects.select_for_update().filter(
            organisation__in=qs.values("pk"))}
        open_spells = {s.organisation_id: s for s in CatalogueSpell.objects.filter(
            organisation__in=qs.values("pk"), left_at__isnull=True)}
        new_standings, changed, new_spells, closed = [], [], [], []
        for org in qs:
            included, results = evaluate(org, conditions, today)
            counts["in" if included else "out"] += 1
            s = standings.get(org.pk)
            if s is None:
                new_standings.append(CatalogueStanding(organisation=org, included=included, results=results,
                                                       computed_at=now, trigger=trigger))
            else:
                s.included, s.results, s.computed_at, s.trigger = included, results, now, trigger
                changed.append(s)
            spell = open_spells.get(org.pk)
            if included and spell is None:
                new_spells.append(CatalogueSpell(organisation=org, entered_at=now, trigger=trigger))
            elif not included and spell is not None:
                spell.left_at, spell.trigger = now, trigger
                spell.left_because = [r for r in results if not r["ok"]]
                closed.append(spell)
        # Four statements for the whole district, not four per organisation (the nightly run).
        CatalogueStanding.objects.bulk_create(new_standings, batch_size=500)
        CatalogueStanding.objects.bulk_update(changed, ["included", "results", "computed_at", "trigger"],
                                              batch_size=500)
        CatalogueSpell.objects.bulk_create(new_spells, batch_size=500)
        CatalogueSpell.objects.bulk_update(closed, ["left_at", "left_because", "trigger"], batch_size=500)
        counts["entered"], counts["left"] = len(new_spells), len(closed)
    return counts


def refresh(org, *, now=None, trigger: str = "data") -> None:
    """After a change to one organisation's data."""
    regenerate([org], now=now, trigger=trigger)


def members_on(when: dt.datetime):
    """Organisation ids in the catalogue at the instant `when` (the history)."""
    from .models import CatalogueSpell

    return (CatalogueSpell.objects.filter(entered_at__lte=when)
            .filter(Q(left_at__isnull=True) | Q(left_at__gt=when)).values_list("organisation_id", flat=True))
