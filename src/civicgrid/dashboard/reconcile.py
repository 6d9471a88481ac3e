"""Reconciliation: recompute the rollups of a period from the raw cases and events, fix, report.

Independent of rollup.apply_event on purpose: counters come from the event rows and the cases'
final fields; the department a case was with at each event is replayed from its dispatch/reroute
events (event data carries the unit), not read from the case as it is now.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.departments.models import DepartmentUnit

from .models import COUNTERS, DailyRollup, DailyTotal, HeatCell, HeatDelta, LiveCase, ReconciliationRun, RollupDelta
from .rollup import (COUNTED_ACTIONS, DISPATCH_ACTIONS, FIRST_STEP_SEQ, answer_increments, cell_of, chain, increments,
                     live_fields, sync_live, upsert)

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
        inc = increments(action, handled_on_time=on_time, handling_hours=hours, rework_count=rework)
        _add(out, (grid, comm, street, district), cities, timezone.localdate(at), cat, _dept_at(depts, case_id, seq),
             channel, inc)
    _add_first_steps(out, lo, hi, cities)
    return out


def _dept_at(depts: dict, case_id: int, seq: int) -> int:
    """The department the case was with at event `seq` (0 before any dispatch)."""
    return next((d for s, d in reversed(depts.get(case_id, ())) if s <= seq), 0)


def _add(out: dict, regions: tuple, cities: dict, day: dt.date, cat: int, dept: int, channel: str, inc: dict) -> None:
    for region_id, _level in chain(*regions, cities):
        row = out[(day, region_id, cat, dept, channel)]
        for k, v in inc.items():
            row[k] += v


def _add_first_steps(out: dict, lo: dt.datetime, hi: dt.datetime, cities: dict) -> None:
    """响应 counters: the first step (seq 2, whenever it came) of each case that came in within [lo, hi),
    on the day the case came in, with the department the case was with at that step."""
    first = list(CaseEvent.objects.filter(seq=FIRST_STEP_SEQ, case__created_at__gte=lo, case__created_at__lt=hi)
                 .values_list("case_id", "at", "case__created_at", "case__accept_due", "case__category_id",
                              "case__channel", "case__grid_id", "case__community_id", "case__street_id",
                              "case__district_id"))
    depts = _departments_at(sorted({f[0] for f in first}))
    for case_id, at, created, accept_due, cat, channel, grid, comm, street, district in first:
        _add(out, (grid, comm, street, district), cities, timezone.localdate(created), cat,
             _dept_at(depts, case_id, FIRST_STEP_SEQ), channel, answer_increments(at, accept_due))


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


ROLLUP_KEY = ("day", "region_id", "category_id", "department_key", "channel")
TOTAL_KEY = ("day", "region_id")


@dataclass
class Plan:
    """What a comparison found, as corrections that stay right when applied after later events."""
    start: dt.date
    end: dt.date
    rows_checked: int = 0
    rows: list = field(default_factory=list)  # DailyRollup: [(key, pk or None, level, {counter: want - got})]
    totals: list = field(default_factory=list)  # DailyTotal: the same, keyed (day, region)
    heat: list = field(default_factory=list)  # [(key, pk or None, want - got)]
    live: list = field(default_factory=list)  # [case id]
    detail: list = field(default_factory=list)

    @property
    def differs(self) -> bool:
        return bool(self.rows or self.totals or self.heat or self.live)


@contextmanager
def _snapshot():
    """One consistent view of the raw rows and the rollups for the whole comparison.

    Events write their rollups in their own transaction, so within one snapshot the two agree
    except where they really differ. On PostgreSQL that needs REPEATABLE READ, which can only be
    asked for by the transaction's first statement (inside a caller's transaction, the caller's
    isolation holds); SQLite's transaction is a snapshot by itself. Read only: nothing is locked.
    """
    opened_here = not connection.in_atomic_block
    with transaction.atomic():
        if opened_here and connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _stored(model, key: tuple[str, ...], start: dt.date, end: dt.date) -> dict[tuple, dict]:
    """What the board would read for each key: the folded row plus the deltas not folded yet (read in
    the same snapshot, so a fold committing meanwhile is seen whole or not at all)."""
    out = {tuple(r[k] for k in key): r for r in
           model.objects.filter(day__gte=start, day__lte=end).values("pk", "level", *key, *COUNTERS)}
    # Each delta row counts once for every region of its chain (fold.py): grouped by the chain, then
    # spread over its regions here.
    chain_ids = [f"{level}_id" for level in RollupDelta.CHAIN_LEVELS]
    rest = [f for f in key if f != "region_id"]
    pending = (RollupDelta.objects.filter(day__gte=start, day__lte=end).values(*chain_ids, *rest)
               .annotate(**{f"d_{c}": Sum(c) for c in COUNTERS}))
    for r in pending:
        for region_id, level in RollupDelta.chain_of(r):
            values = {**r, "region_id": region_id}
            k = tuple(values[f] for f in key)
            row = out.get(k)
            if row is None:
                row = out[k] = {"pk": None, "level": level, **{f: values[f] for f in key},
                                **{c: 0 for c in COUNTERS}}
            for c in COUNTERS:
                row[c] += int(r[f"d_{c}"] or 0)
    return out


def _stored_heat(start: dt.date, end: dt.date) -> dict[tuple, dict]:
    out = {(h["day"], h["region_id"], h["x"], h["y"]): h for h in
           HeatCell.objects.filter(day__gte=start, day__lte=end).values("pk", "day", "region_id", "x", "y", "n")}
    for h in (HeatDelta.objects.filter(day__gte=start, day__lte=end).values("day", "region_id", "x", "y")
              .annotate(dn=Sum("n"))):
        k = (h["day"], h["region_id"], h["x"], h["y"])
        out.setdefault(k, {"pk": None, "day": k[0], "region_id": k[1], "x": k[2], "y": k[3], "n": 0})["n"] += int(h["dn"])
    return out


def _summed(expected: dict[tuple, dict]) -> dict[tuple, dict]:
    """The expected DailyRollup rows summed to (day, region): what DailyTotal must hold."""
    out: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for (day, region_id, *_), counters in expected.items():
        row = out[(day, region_id)]
        for k, v in counters.items():
            row[k] += v
    return out


def _corrections(expected: dict, have: dict, levels: dict, detail: list, table: str) -> list:
    out = []
    for key in expected.keys() | have.keys():
        want = expected.get(key, {})
        row = have.get(key)
        delta = {c: want.get(c, 0) - (row[c] if row else 0) for c in COUNTERS}
        delta = {c: v for c, v in delta.items() if v}
        if not delta:
            continue
        if len(detail) < 200:
            detail.append({"table": table, "key": [key[0].isoformat(), *key[1:]],
                           "diff": {c: [want.get(c, 0) - v, want.get(c, 0)] for c, v in delta.items()}})
        out.append((key, row["pk"] if row else None, row["level"] if row else levels.get(key[1]), delta))
    return out


def compare(start: dt.date, end: dt.date, *, live: bool = True) -> Plan:
    """Compare the rollups of [start, end] (and the live table) with the raw data, in one snapshot."""
    plan = Plan(start, end)
    with _snapshot():
        expected = expected_rollups(start, end)
        have = _stored(DailyRollup, ROLLUP_KEY, start, end)
        have_totals = _stored(DailyTotal, TOTAL_KEY, start, end)
        heat_want = expected_heat(start, end)
        heat_have = _stored_heat(start, end)
        plan.live = _live_differences() if live else []
        levels = _level_of({k[1] for k in expected})
    plan.rows_checked = len(expected.keys() | have.keys())
    plan.rows = _corrections(expected, have, levels, plan.detail, "rollup")
    plan.totals = _corrections(_summed(expected), have_totals, levels, plan.detail, "total")
    for k in heat_want.keys() | heat_have.keys():
        got = heat_have[k]["n"] if k in heat_have else 0
        if heat_want.get(k, 0) != got:
            plan.heat.append((k, heat_have[k]["pk"] if k in heat_have else None, heat_want.get(k, 0) - got))
    return plan


def _apply_counters(model, key_fields: tuple[str, ...], corrections: list) -> None:
    for key, pk, level, delta in corrections:
        key = dict(zip(key_fields, key))
        with transaction.atomic():
            if pk is None or not model.objects.filter(pk=pk).update(**{c: F(c) + v for c, v in delta.items()}):
                upsert(model, key, delta, extra={"level": level})
            # A row brought to all zeros goes; the database checks that per row, so a row a
            # concurrent event has just added to stays.
            model.objects.filter(**key, **{c: 0 for c in COUNTERS}).delete()


def apply(plan: Plan) -> None:
    """Apply the corrections as increments, not as the values seen: an event that committed after the
    comparison has already added itself, and must stay counted. Live rows are rebuilt from each case
    as it is now, under the case's row lock (the lock every case event takes first).

    Each correction is its own short transaction, holding one row lock at a time. Increments do not
    need each other, and a single transaction over many rows could deadlock with a case event that
    holds one of them (events lock a region chain in their own order); with one row at a time no
    cycle can form. A run stopped half way leaves the rest for the next comparison to find."""
    from civicgrid.regions.models import Region

    _apply_counters(DailyRollup, ROLLUP_KEY, plan.rows)
    _apply_counters(DailyTotal, TOTAL_KEY, plan.totals)
    paths = dict(Region.objects.filter(pk__in={k[1] for k, _, _ in plan.heat}).values_list("pk", "path"))
    for (day, region_id, x, y), pk, delta in plan.heat:
        key = dict(day=day, region_id=region_id, x=x, y=y)
        with transaction.atomic():
            if pk is None or not HeatCell.objects.filter(pk=pk).update(n=F("n") + delta):
                upsert(HeatCell, key, {"n": delta}, extra={"path": paths[region_id]})
            HeatCell.objects.filter(**key, n=0).delete()
    for pk in plan.live:
        with transaction.atomic():  # the case's lock first, as every case event takes it
            case = Case.objects.select_for_update().select_related("region").filter(pk=pk).first()
            if case is None:
                LiveCase.objects.filter(case_id=pk).delete()
            else:
                sync_live(case)


def reconcile(start: dt.date, end: dt.date, *, fix: bool = True, live: bool = True) -> ReconciliationRun:
    """Compare the rollups of [start, end] (and the live table) with the raw data; fix and record differences."""
    from .fold import fold

    fold()  # not needed for the comparison (it counts pending deltas), but fixes then land on folded rows
    plan = compare(start, end, live=live)
    if fix and plan.differs:
        apply(plan)
    run = ReconciliationRun.objects.create(start=start, end=end, rows_checked=plan.rows_checked,
                                           rows_fixed=len(plan.rows), totals_fixed=len(plan.totals),
                                           heat_fixed=len(plan.heat), live_fixed=len(plan.live), detail=plan.detail)
    if plan.differs:
        log.warning("rollup reconciliation %s..%s: %d rollup rows, %d day totals, %d heat cells, %d live cases "
                    "differed%s", start, end, len(plan.rows), len(plan.totals), len(plan.heat), len(plan.live),
                    " (fixed)" if fix else "")
    return run


LIVE_COMPARE = ("number", "region_id", "path", "grid_id", "category_id", "department_key", "unit_id", "channel",
                "state", "urgent", "due_at", "lng", "lat", "created_at")


def _live_differences() -> list[int]:
    """Ids of the cases whose LiveCase row differs from the case (missing, stale, or for a closed case)."""
    want = {}
    for c in Case.objects.filter(state__in=W.OPEN_STATES).select_related("region").iterator(chunk_size=5000):
        want[c.pk] = live_fields(c, c.region.path)
    have = {r["case_id"]: r for r in LiveCase.objects.values("case_id", *LIVE_COMPARE).iterator(chunk_size=5000)}
    return sorted(pk for pk in want.keys() | have.keys()
                  if pk not in want or pk not in have or any(want[pk][f] != have[pk][f] for f in LIVE_COMPARE))
