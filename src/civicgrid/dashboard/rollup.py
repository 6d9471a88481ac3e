"""Keeping the rollups: what each case event adds, applied inside the event's transaction.

One rule decides every counter (`increments`); the live receiver and the bulk loader both use it,
and reconcile.py recomputes the same counters from the raw cases by its own queries, so a slip in
either path shows up as a difference there.

Storage: the live path only appends. Each event inserts its rows into RollupDelta (one row per day
touched, carrying the case's chain: fold.py counts it for each region of it) and, for a report with
a point, one HeatDelta row; nothing on the request path updates a shared row, so intakes of one
district never wait on each other. fold.py moves the deltas into DailyRollup, DailyTotal and
HeatCell (the worker every minute; every read of them first), so what the board reads is folded +
just-arrived, exactly.

Row keys: the local day of the event; each region of the case's chain (grid, community, street,
district, city); the category; the department the case is with at that moment (0 before any
dispatch); the channel. A case's region, category and channel never change after intake, and its
department changes only on dispatch/reroute, so every key is known from the case as it is when
the event is appended.

Except 响应 (answered, answered_in_time): a case's first step after intake (event seq 2) is counted
on the day the case came in, because the hotline's 响应率 is by the period cases came in.
"""
from __future__ import annotations

import datetime as dt
import math

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from civicgrid.cases import workflow as W

from .models import COUNTERS, HOUR_BUCKETS, HeatCell, HeatDelta, LiveCase, RollupDelta

FILE_ACTIONS = ("file", "take")
DISPATCH_ACTIONS = ("dispatch", "reroute")
SIMPLE = {"report": "reported", "file": "filed", "take": "filed", "not_file": "not_filed", "dispatch": "dispatched",
          "reroute": "dispatched", "return": "returned", "approve_extension": "extended", "escalate": "escalated",
          "handle": "handled", "verify_fail": "reworked", "merge": "merged"}
COUNTED_ACTIONS = tuple(SIMPLE) + ("close",)
LEVELS = ("grid", "community", "street", "district", "city")


FIRST_STEP_SEQ = 2  # the report is seq 1; the next event, whatever it is, is the response to it


def answer_increments(answered_at: dt.datetime, accept_due: dt.datetime | None) -> dict[str, int]:
    """What a case's first step adds, on the row of the day the case came in."""
    if accept_due is None or answered_at <= accept_due:
        return {"answered": 1, "answered_in_time": 1}
    return {"answered": 1}


def hour_bucket(hours: float) -> int:
    for i, upper in enumerate(HOUR_BUCKETS):
        if hours < upper:
            return i
    return len(HOUR_BUCKETS)


def centihours(hours: float) -> int:
    return int(round(hours * 100))


def increments(action: str, *, handled_on_time, handling_hours, rework_count) -> dict[str, int]:
    """The counters one event adds. Closure reads the case's final handling figures (closed is terminal)."""
    if action in SIMPLE:
        return {SIMPLE[action]: 1}
    if action != "close":
        return {}
    inc = {"closed": 1}
    if handled_on_time is True:
        inc["closed_on_time"] = 1
    if rework_count:
        inc["closed_reworked"] = 1
    if handling_hours is not None:
        inc["closed_timed"] = 1
        inc["closed_centihours"] = centihours(handling_hours)
        inc[f"h{hour_bucket(handling_hours)}"] = 1
    return inc


def city_of(district_id: int, cache: dict | None = None) -> int | None:
    """The district's parent (city). Not cached across calls by default: ids may be reused after a
    flush (tests) and a stale id would send counts to the wrong region; loops pass their own dict."""
    if cache is not None and district_id in cache:
        return cache[district_id]
    from civicgrid.regions.models import Region

    city = Region.objects.filter(pk=district_id).values_list("parent_id", flat=True).first()
    if cache is not None:
        cache[district_id] = city
    return city


def chain(grid_id, community_id, street_id, district_id, cache: dict | None = None, *,
          city_id: int | None = None) -> list[tuple[int, str]]:
    """[(region id, level)] from the grid up to the city. `city_id` when the caller knows it (the
    case's district is loaded) saves the lookup."""
    out = [(rid, lvl) for rid, lvl in ((grid_id, "grid"), (community_id, "community"), (street_id, "street"),
                                      (district_id, "district")) if rid]
    city = city_id if city_id is not None else (city_of(district_id, cache) if district_id else None)
    if city:
        out.append((city, "city"))
    return out


def _case_chain(case) -> list[tuple[int, str]]:
    district = case._state.fields_cache.get("district")  # intake has it loaded: no query for the city
    city = district.parent_id if district is not None and district.pk == case.district_id else None
    return chain(case.grid_id, case.community_id, case.street_id, case.district_id, city_id=city)


def cell_of(lng: float, lat: float) -> tuple[int, int]:
    return math.floor(lng * HeatCell.CELL), math.floor(lat * HeatCell.CELL)


def upsert(model, key: dict, inc: dict, extra: dict | None = None) -> None:
    qs = model.objects.filter(**key)
    changes = {k: F(k) + v for k, v in inc.items()}
    if qs.update(**changes):
        return
    try:
        with transaction.atomic():  # savepoint: a concurrent first insert of the same key must not abort ours
            model.objects.create(**key, **(extra or {}), **inc)
    except IntegrityError:
        qs.update(**changes)


def apply_event(case, event, writes=None) -> None:
    """Add `event` to the rollups and bring the case's live row up to date. Called inside the event's transaction.

    Appends only (RollupDelta, HeatDelta): at most one INSERT per table, whatever the chain's length.
    `writes` (a deferring cases.onewrite.Writes, given by intake): the new case's rows are added to
    it and go to the database in intake's one statement."""
    inc = increments(event.action, handled_on_time=case.handled_on_time, handling_hours=case.handling_hours,
                     rework_count=case.rework_count)
    day = timezone.localdate(event.at)
    if event.action == "reopen" and event.data.get("closed_at"):
        # Undo the closure on the day it was counted. Nothing changes a case between its closure and
        # a reopen, so its handling figures are exactly those the close event added.
        closed = increments("close", handled_on_time=case.handled_on_time, handling_hours=case.handling_hours,
                            rework_count=case.rework_count)
        inc = {k: -v for k, v in closed.items()}
        day = timezone.localdate(dt.datetime.fromisoformat(event.data["closed_at"]))
    by_day = {day: dict(inc)} if inc else {}
    if event.seq == FIRST_STEP_SEQ:
        row = by_day.setdefault(timezone.localdate(case.created_at), {})  # often today: one row for both
        for k, v in answer_increments(event.at, case.accept_due).items():
            row[k] = row.get(k, 0) + v
    by_day = {d: counters for d, counters in by_day.items() if counters}
    chain_ids = {f"{level}_id": region_id for region_id, level in _case_chain(case)} if by_day else {}
    rows = [RollupDelta(day=d, **chain_ids, category_id=case.category_id, department_key=case.department_id or 0,
                        channel=case.channel, **counters)
            for d, counters in by_day.items()] if chain_ids else []
    heat = None
    if event.action == "report" and case.lng is not None and case.lat is not None:
        x, y = cell_of(case.lng, case.lat)
        heat = HeatDelta(day=day, region_id=case.region_id, path=case.region.path, x=x, y=y, n=1)
    if writes is not None and writes.deferred and event.action == "report":
        for obj in [*rows, *([heat] if heat is not None else [])]:
            writes.add(obj)
        if case.state not in W.TERMINAL:
            writes.add(LiveCase(case_id=case.pk, **live_fields(case, case.region.path)))
        return
    if event.action == "report" and connection.vendor == "postgresql" and case.state not in W.TERMINAL:
        _append_intake(rows, heat, case)  # one round trip for the three tables
        return
    if rows:
        RollupDelta.objects.bulk_create(rows)
    if heat is not None:
        heat.save(force_insert=True)
    sync_live(case, new=event.action == "report")


def _values(model, objs: list, fields: list[str], params: list) -> str:
    """VALUES rows for `objs`, with their fields' database values appended to `params`."""
    conn_fields = [model._meta.get_field(f) for f in fields]
    rows = []
    for o in objs:
        for f in conn_fields:
            params.append(f.get_db_prep_save(getattr(o, f.attname), connection))
        rows.append("(" + ", ".join(["%s"] * len(fields)) + ")")
    return ", ".join(rows)


_DELTA_FIELDS = ["day", *(f"{level}_id" for level in RollupDelta.CHAIN_LEVELS), "category_id", "department_key",
                 "channel", *COUNTERS]
_HEAT_FIELDS = ["day", "region_id", "path", "x", "y", "n"]


def _append_intake(rows: list, heat, case) -> None:
    """PostgreSQL: a new case's rollup deltas, heat delta and live row in one statement (data-modifying
    CTEs), instead of three round trips on the intake's path."""
    live = LiveCase(case_id=case.pk, **live_fields(case, case.region.path))
    live_fields_ = ["case_id", *[f.attname for f in LiveCase._meta.concrete_fields if f.attname != "case_id"]]
    params: list = []
    ctes = []
    if rows:
        ctes.append(f"d AS (INSERT INTO {RollupDelta._meta.db_table} ({', '.join(_DELTA_FIELDS)}) "
                    f"VALUES {_values(RollupDelta, rows, _DELTA_FIELDS, params)})")
    if heat is not None:
        ctes.append(f"h AS (INSERT INTO {HeatDelta._meta.db_table} ({', '.join(_HEAT_FIELDS)}) "
                    f"VALUES {_values(HeatDelta, [heat], _HEAT_FIELDS, params)})")
    sql = (("WITH " + ", ".join(ctes) + " ") if ctes else "") + (
        f"INSERT INTO {LiveCase._meta.db_table} ({', '.join(live_fields_)}) "
        f"VALUES {_values(LiveCase, [live], live_fields_, params)}")
    with connection.cursor() as cur:
        cur.execute(sql, params)


def live_fields(case, path: str) -> dict:
    return dict(number=case.number, region_id=case.region_id, path=path, grid_id=case.grid_id,
                category_id=case.category_id, department_key=case.department_id or 0,
                unit_id=case.assigned_unit_id, channel=case.channel, state=case.state, urgent=case.urgent,
                due_at=case.due_at, lng=case.lng, lat=case.lat, created_at=case.created_at)


def sync_live(case, *, new: bool = False) -> None:
    """`new`: the case has just been taken in, so it has no live row yet (one INSERT, no UPDATE first)."""
    if case.state in W.TERMINAL:
        if not new:
            LiveCase.objects.filter(case_id=case.pk).delete()
        return
    fields = live_fields(case, case.region.path)
    if new or not LiveCase.objects.filter(case_id=case.pk).update(**fields):
        LiveCase.objects.create(case_id=case.pk, **fields)


def on_case_event(sender, case, event, writes=None, **kwargs) -> None:
    apply_event(case, event, writes)


__all__ = ["COUNTERS", "apply_event", "increments", "chain", "cell_of", "on_case_event"]
