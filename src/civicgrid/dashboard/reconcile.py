"""Reconciliation: recompute the rollups of a period from the raw cases and events, fix, report.

Independent of rollup.apply_event on purpose: counters come from the event rows and the cases'
final fields; the department a case was with at each event is replayed from its dispatch/reroute
events (event data carries the unit), not read from the case as it is now.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.departments.models import DepartmentUnit

from .models import COUNTERS, DailyRollup, HeatCell, LiveCase, ReconciliationRun
from .rollup import COUNTED_ACTIONS, DISPATCH_ACTIONS, cell_of, chain, increments, live_fields

log = logging.getLogger(__name__)
CHUNK = 2000


def bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (dt.datetime.combine(start, dt.time.min, tz), dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz))


def _departments_at(case_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    """case id → [(seq, department id)] of its dispatch/reroute events, in order."""
    unit_dept = dict(DepartmentUnit.objects.values_list("pk", "department_id"))
    out: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for i in range(0, len(case_ids), CHUNK):
        rows = (CaseEvent.objects.filter(case_id__in=case_ids[i:i + CHUNK], action__in=DISPATCH_ACTIONS)
                .order_by("case_id", "seq").values_list("case_id", "seq", "data"))
        for case_id, seq, data in rows:
            out[case_id].append((seq, unit_dept.get((data or {}).get("unit"), 0)))
    return out


def _undone_closures(case_ids: set[int]) -> set[tuple[int, int]]:
    """(case id, seq) of close events a reopen undid. A closed case's only way on is `reopen`, so the
    reopen is always the very next event after the closure it undoes."""
    out: set[tuple[int, int]] = set()
    ids = sorted(case_ids)
    for i in range(0, len(ids), CHUNK):
        for case_id, seq in CaseEvent.objects.filter(case_id__in=ids[i:i + CHUNK], action="reopen").values_list(
                "case_id", "seq"):
            out.add((case_id, seq - 1))
    return out


def expected_rollups(start: dt.date, end: dt.date) -> dict[tuple, dict[str, int]]:
    """(day, region_id, category_id, department_key, channel) → counters, from raw events and cases."""
    lo, hi = bounds(start, end)
    events = list(CaseEvent.objects.filter(at__gte=lo, at__lt=hi, action__in=COUNTED_ACTIONS)
                  .values_list("case_id", "seq", "action", "at", "case__category_id", "case__channel",
                               "case__grid_id", "case__community_id", "case__street_id", "case__district_id",
                               "case__handled_on_time", "case__handling_hours", "case__rework_count"))
    depts = _departments_at(sorted({e[0] for e in events}))
    undone = _undone_closures({e[0] for e in events if e[2] == "close"})
    out: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    cities: dict = {}
    for (case_id, seq, action, at, cat, channel, grid, comm, street, district, on_time, hours, rework) in events:
        if action == "close" and (case_id, seq) in undone:
            continue  # reopened afterwards: the closure no longer stands (rollup.apply_event subtracts it)
        dept = 0
        for s, d in depts.get(case_id, ()):
            if s <= seq:
                dept = d
        inc = increments(action, handled_on_time=on_time, handling_hours=hours, rework_count=rework)
        day = timezone.localdate(at)
        for region_id, _level in chain(grid, comm, street, district, cities):
            row = out[(day, region_id, cat, dept, channel)]
            for k, v in inc.items():
                row[k] += v
    return out


def expected_heat(start: dt.date, end: dt.date) -> dict[tuple, int]:
    lo, hi = bounds(start, end)
    out: dict[tuple, int] = defaultdict(int)
    rows = (Case.objects.filter(created_at__gte=lo, created_at__lt=hi, lng__isnull=False, lat__isnull=False)
            .values_list("created_at", "region_id", "lng", "lat"))
    for created, region_id, lng, lat in rows.iterator(chunk_size=5000):
        out[(timezone.localdate(created), region_id, *cell_of(lng, lat))] += 1
    return out


def _level_of(region_ids) -> dict[int, str]:
    from civicgrid.regions.models import Region

    return dict(Region.objects.filter(pk__in=list(region_ids)).values_list("pk", "level"))


def reconcile(start: dt.date, end: dt.date, *, fix: bool = True, live: bool = True) -> ReconciliationRun:
    """Compare the rollups of [start, end] (and the live table) with the raw data; fix and record differences."""
    detail: list[dict] = []
    expected = expected_rollups(start, end)
    have = {(r["day"], r["region_id"], r["category_id"], r["department_key"], r["channel"]): r
            for r in DailyRollup.objects.filter(day__gte=start, day__lte=end).values(
                "pk", "day", "region_id", "category_id", "department_key", "channel", *COUNTERS)}
    levels = _level_of({k[1] for k in expected})
    to_create, to_update, to_delete = [], [], []
    for key in expected.keys() | have.keys():
        want = {c: expected.get(key, {}).get(c, 0) for c in COUNTERS}
        row = have.get(key)
        got = {c: row[c] for c in COUNTERS} if row else {c: 0 for c in COUNTERS}
        if want == got:
            continue
        diff = {c: [got[c], want[c]] for c in COUNTERS if got[c] != want[c]}
        if len(detail) < 200:
            detail.append({"key": [key[0].isoformat(), *key[1:]], "diff": diff})
        if row is None:
            to_create.append(DailyRollup(day=key[0], region_id=key[1], level=levels[key[1]], category_id=key[2],
                                         department_key=key[3], channel=key[4], **want))
        elif not any(want.values()):
            to_delete.append(row["pk"])
        else:
            to_update.append(DailyRollup(pk=row["pk"], **want))
    rows_fixed = len(to_create) + len(to_update) + len(to_delete)

    heat_want = expected_heat(start, end)
    heat_have = {(h["day"], h["region_id"], h["x"], h["y"]): h for h in
                 HeatCell.objects.filter(day__gte=start, day__lte=end).values("pk", "day", "region_id", "x", "y", "n")}
    heat_bad = [k for k in heat_want.keys() | heat_have.keys()
                if heat_want.get(k, 0) != (heat_have[k]["n"] if k in heat_have else 0)]

    live_bad = _live_differences() if live else []
    if fix and (rows_fixed or heat_bad or live_bad):
        with transaction.atomic():
            DailyRollup.objects.filter(pk__in=to_delete).delete()
            DailyRollup.objects.bulk_create(to_create, batch_size=1000)
            DailyRollup.objects.bulk_update(to_update, list(COUNTERS), batch_size=1000)
            _fix_heat(heat_bad, heat_want, heat_have)
            _fix_live(live_bad)
    run = ReconciliationRun.objects.create(start=start, end=end, rows_checked=len(expected.keys() | have.keys()),
                                           rows_fixed=rows_fixed, heat_fixed=len(heat_bad), live_fixed=len(live_bad),
                                           detail=detail)
    if rows_fixed or heat_bad or live_bad:
        log.warning("rollup reconciliation %s..%s: %d rollup rows, %d heat cells, %d live cases differed%s",
                    start, end, rows_fixed, len(heat_bad), len(live_bad), " (fixed)" if fix else "")
    return run


def _fix_heat(keys, want, have) -> None:
    from civicgrid.regions.models import Region

    paths = dict(Region.objects.filter(pk__in={k[1] for k in keys}).values_list("pk", "path"))
    for k in keys:
        n = want.get(k, 0)
        if k in have:
            if n:
                HeatCell.objects.filter(pk=have[k]["pk"]).update(n=n)
            else:
                HeatCell.objects.filter(pk=have[k]["pk"]).delete()
        elif n:
            HeatCell.objects.create(day=k[0], region_id=k[1], x=k[2], y=k[3], n=n, path=paths[k[1]])


LIVE_COMPARE = ("number", "region_id", "path", "grid_id", "category_id", "department_key", "unit_id", "channel",
                "state", "urgent", "due_at", "lng", "lat", "created_at")


def _live_differences() -> list[tuple[int, dict | None]]:
    """[(case id, wanted fields or None to delete)] where LiveCase differs from the open cases."""
    want = {}
    for c in Case.objects.filter(state__in=W.OPEN_STATES).select_related("region").iterator(chunk_size=5000):
        want[c.pk] = live_fields(c, c.region.path)
    have = {r["case_id"]: r for r in LiveCase.objects.values("case_id", *LIVE_COMPARE).iterator(chunk_size=5000)}
    bad = []
    for pk in want.keys() | have.keys():
        w, h = want.get(pk), have.get(pk)
        if w is None:
            bad.append((pk, None))
        elif h is None or any(w[f] != h[f] for f in LIVE_COMPARE):
            bad.append((pk, w))
    return bad


def _fix_live(bad) -> None:
    for pk, fields in bad:
        if fields is None:
            LiveCase.objects.filter(case_id=pk).delete()
        elif not LiveCase.objects.filter(case_id=pk).update(**fields):
            LiveCase.objects.create(case_id=pk, **fields)
