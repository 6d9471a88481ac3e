"""The hotline's three rates (接诉即办), per street and per department.

    响应率 = cases answered in time / cases due an answer
             A case "with a requester" (hotline, resident, API) is due an answer once its first step after
             intake has happened or its acceptance deadline (accept_due) has passed; it was answered in
             time when that first step (take/file/not_file/…, event seq 2) came no later than accept_due.
    解决率 = call-backs answered 解决 / call-backs reached
    满意率 = call-backs answered 满意 or 基本满意 / call-backs reached
             (基本满意 counts as BASIC_WEIGHT of a 满意; 1.0 by default — some cities use less)
    综合得分 = Σ weight × rate (weights set by the district; default 30/35/35 as one published example)

Call-backs are counted in the period they were made (done_at); response in the period cases came in.
A reached answer is the hotline's call-back or, if the requester rated online first, that rating:
there is one answer per closure. Unreached call-backs count in neither denominator.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.conf import settings
from django.db.models import Count, F, FilteredRelation, Q
from django.utils import timezone

from civicgrid.cases.models import Case
from civicgrid.core.scoping import visible_to

from .models import CallBack

BASIC_WEIGHT = float(getattr(settings, "HOTLINE_BASIC_SATISFIED_WEIGHT", 1.0))
WEIGHTS = tuple(getattr(settings, "HOTLINE_RATE_WEIGHTS", (30, 35, 35)))
REQUESTER_CHANNELS = ("hotline", "resident", "api")


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tz), dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz))


def _ratio(n: float, d: float) -> float | None:
    return round(n / d, 4) if d else None


def with_first_step(cases):
    """The requester channels' cases, each joined to its first step after intake (event seq 2) as `first`."""
    return (cases.filter(channel__in=REQUESTER_CHANNELS)
            .annotate(first=FilteredRelation("events", condition=Q(events__seq=2))))


def response_filters(now: dt.datetime) -> dict[str, Q]:
    """响应 as filters over with_first_step(): due an answer, answered in time, and late (due, not in time)."""
    answered = Q(first__at__isnull=False)
    return {
        "due": answered | Q(accept_due__lt=now),
        "in_time": answered & (Q(accept_due__isnull=True) | Q(first__at__lte=F("accept_due"))),
        "late": (Q(first__at__isnull=True) & Q(accept_due__lt=now)) | Q(first__at__gt=F("accept_due")),
    }


def response_counts(cases, now: dt.datetime, by: tuple[str, ...] = ()):
    """响应 counted from the raw cases: due and responded, grouped by the fields `by` (none: one row).

    Counted by the database in one grouped pass: over a year of a busy district that is millions of
    cases, which must not travel to Python. (The command centre reads the same figure from its
    rollups; this is the definition it is checked against.)"""
    f = response_filters(now)
    cases = with_first_step(cases)
    counts = dict(due=Count("pk", filter=f["due"]), responded=Count("pk", filter=f["in_time"]))
    if not by:
        return [cases.aggregate(**counts)]
    return cases.values(*by).annotate(**counts).order_by()


def hotline_rates(user, *, start: dt.date, end: dt.date, by: str = "street", now: dt.datetime | None = None,
                  response: bool = True) -> list[dict]:
    """One row per street (by="street") or department (by="department"), plus a total row last.

    response=False leaves out 响应率 (its rate is None) for callers that only need the call-back
    rates: it is the one part that reads every case of the period."""
    if by not in ("street", "department"):
        raise ValueError("by must be 'street' or 'department'")
    now = now or timezone.now()
    lo, hi = _bounds(start, end)
    rows: dict = defaultdict(lambda: {"due": 0, "responded": 0, "reached": 0, "solved": 0, "satisfied": 0,
                                      "basic": 0, "dissatisfied": 0})
    names: dict = {}

    cases = visible_to(user, Case.objects.all()).filter(created_at__gte=lo, created_at__lt=hi)
    for c in (response_counts(cases, now, by=(f"{by}_id", f"{by}__name")) if response else []):
        key = c[f"{by}_id"]
        names[key] = c[f"{by}__name"]
        if c["due"]:  # not yet due: neither answered nor late
            rows[key]["due"] += c["due"]
            rows[key]["responded"] += c["responded"]

    cbs = (visible_to(user, CallBack.objects.all())
           .filter(state=CallBack.DONE, reached=True, done_at__gte=lo, done_at__lt=hi)
           .values("street_id", "street__name", "department_id", "department__name", "solved", "satisfaction"))
    for cb in cbs:
        key = cb[f"{by}_id"]
        names[key] = cb[f"{by}__name"]
        r = rows[key]
        r["reached"] += 1
        r["solved"] += 1 if cb["solved"] else 0
        r[{"satisfied": "satisfied", "basic": "basic"}.get(cb["satisfaction"], "dissatisfied")] += 1

    def finish(key, label, r) -> dict:
        response = _ratio(r["responded"], r["due"])
        solve = _ratio(r["solved"], r["reached"])
        satisfaction = _ratio(r["satisfied"] + BASIC_WEIGHT * r["basic"], r["reached"])
        parts = [(w, v) for w, v in zip(WEIGHTS, (response, solve, satisfaction)) if v is not None]
        score = round(sum(w * v for w, v in parts) / sum(w for w, _ in parts) * 100, 2) if parts else None
        return {"key": key, "name": label, **r, "response_rate": response, "solve_rate": solve,
                "satisfaction_rate": satisfaction, "score": score}

    out = [finish(k, names.get(k) or ("未派遣部门（街道/社区办理）" if by == "department" else "—"), r)
           for k, r in rows.items()]
    out.sort(key=lambda x: (x["name"] or ""))
    total = defaultdict(int)
    for r in rows.values():
        for f, v in r.items():
            total[f] += v
    out.append(finish(None, "合计", dict(total) if rows else {"due": 0, "responded": 0, "reached": 0, "solved": 0,
                                                           "satisfied": 0, "basic": 0, "dissatisfied": 0}))
    return out


def evaluation_provider(user, group: str, date_from: dt.date, date_to: dt.date) -> dict:
    """The three rates keyed as cases.evaluation groups them (street or department; none for others)."""
    if group not in ("street", "department"):
        return {}
    rows = hotline_rates(user, start=date_from, end=date_to, by=group)
    out = {r["key"]: {"response_rate": r["response_rate"], "resolution_rate": r["solve_rate"],
                      "satisfaction_rate": r["satisfaction_rate"]} for r in rows[:-1]}
    out["__total__"] = {"response_rate": rows[-1]["response_rate"], "resolution_rate": rows[-1]["solve_rate"],
                        "satisfaction_rate": rows[-1]["satisfaction_rate"]}
    return out


def satisfaction_by_region(user, *, start: dt.date, end: dt.date, level: str, ids: list[int]) -> dict[int, float | None]:
    """满意率 per region (grid, community or street) of the cases called back in the period, by the
    same formula as the street rate. For the command centre's map and rankings: call-backs carry
    their case, and the case its grid, community and street."""
    if level not in ("grid", "community", "street"):
        return {}
    lo, hi = _bounds(start, end)
    counts: dict = defaultdict(lambda: {"reached": 0, "satisfied": 0, "basic": 0})
    rows = (visible_to(user, CallBack.objects.all())
            .filter(state=CallBack.DONE, reached=True, done_at__gte=lo, done_at__lt=hi, **{f"case__{level}_id__in": ids})
            .values_list(f"case__{level}_id", "satisfaction"))
    for region_id, sat in rows:
        c = counts[region_id]
        c["reached"] += 1
        if sat in ("satisfied", "basic"):
            c[sat] += 1
    return {r: _ratio(c["satisfied"] + BASIC_WEIGHT * c["basic"], c["reached"]) for r, c in counts.items()}
