"""`civicgrid seed-load`: realistic cases in bulk, for benchmarks and demos.

The service path (cases.services.intake/act) takes a few milliseconds per step, hours for millions
of cases. Bulk mode writes the same rows the service path would (cases, their append-only event
histories, CaseSerial numbers) with COPY on PostgreSQL and executemany on SQLite, then derives
the rollups, heat cells and live rows from what it wrote with set-based SQL. The generated
histories follow workflow.TRANSITIONS; deadlines use a fixed working-time ratio instead of the
business calendar (one working hour ≈ WALL_PER_WORKING_HOUR of wall time) because the calendar
is too slow for millions of steps and only the resulting fields matter to the figures.
`reconcile.reconcile` recomputes the rollups from the raw rows by the live rule and finds no
difference (tests/dashboard/test_seed.py; bench/kpi.py checks the board).

Realism: a year of cases with seasonality (summer peak, weekday/weekend, office hours), category
mixes that change with the season (snow and ice in winter, noise in summer), busier grids,
tiers from the category, some cases not filed, returned and re-dispatched, extended, reworked,
handled late (overdue), and the most recent still open; a few planted hot spots in the last month.
"""
from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import os
import random
import time
from collections import defaultdict
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from civicgrid.cases import workflow as W
from civicgrid.cases import partitions, serials
from civicgrid.cases.models import Case, CaseEvent, CaseSerial, Category
from civicgrid.core import pgschema
from civicgrid.departments.models import DepartmentUnit
from civicgrid.regions.models import Region

from .models import DailyRollup, DailyTotal, HeatCell, LiveCase

H = 3600.0
WALL_PER_WORKING_HOUR = 3.2 * H
UTC = dt.timezone.utc
LOCAL_OFFSET = 8 * H  # Asia/Shanghai has no daylight saving time
CHANNELS = (("grid_worker", 45), ("hotline", 28), ("community", 12), ("resident", 10), ("api", 5))
_CHANNEL_NAMES = [c for c, _ in CHANNELS]
_CHANNEL_CUM = [sum(w for _, w in CHANNELS[:i + 1]) for i in range(len(CHANNELS))]
ACTOR = "批量生成"
_REPORT_DATA = '{"possible_duplicate": null}'  # event data goes out as JSON text: COPY and SQLite take it as is

CASE_COLS = ["id", "number", "channel", "source", "category_id", "description", "urgent", "lng", "lat", "address",
             "region_id", "grid_id", "community_id", "street_id", "district_id", "assigned_unit_id", "department_id",
             "state", "tier", "accept_due", "dispatch_due", "handle_due", "due_at", "warn_at", "is_warned",
             "is_overdue", "overdue_count", "filed_at", "dispatched_at", "handle_started_at", "handled_at",
             "handled_on_time", "handling_hours", "closed_at", "rework_count", "return_count", "extension_count",
             "requester_name", "requester_phone", "requester_phone_hash", "created_at", "updated_at", "version",
             # Generated text holds no resident's words: the encrypted originals stay empty.
             "description_private", "address_private"]
EVENT_COLS = ["case_id", "seq", "action", "from_state", "to_state", "actor_name", "actor_role", "at", "note", "data"]
STAGE_COLS = ["case_id", "day", "dept", "action", "x", "y", "region"]  # region: the case's, on report rows (heat)


@dataclass
class Place:
    region: int
    grid: int | None
    community: int | None
    street: int
    points: list


class _Stop(Exception):
    pass


def _ts(d: float | None):
    return None if d is None else dt.datetime.fromtimestamp(d, UTC)


_DAY_TEXT: dict[float, str] = {}
_CLOCK_TEXT = [f"{h:02d}:{m:02d}:{s:02d}." for h in range(24) for m in range(60) for s in range(60)]


def _ts_text(d: float | None):
    """A moment as timestamptz text for COPY ("2026-03-01 08:15:02.123456+00"), to the microsecond
    below (never past a day's end that _local_day placed it in). A datetime object costs psycopg's
    formatter about 5 µs to write, and a case row has sixteen: a third of a worker's time went to
    formatting rows (py-spy at five million cases), mostly their moments."""
    if d is None:
        return None
    days, secs = divmod(d, 86400.0)
    prefix = _DAY_TEXT.get(days)
    if prefix is None:
        prefix = _DAY_TEXT[days] = f"{dt.date.fromordinal(719163 + int(days)).isoformat()} "
    whole = int(secs)
    return f"{prefix}{_CLOCK_TEXT[whole]}{int((secs - whole) * 1e6):06d}+00"


def _local_day(ts: float) -> dt.date:
    return dt.date.fromordinal(719163 + int((ts + LOCAL_OFFSET) // 86400))


class Generator:
    def __init__(self, district: Region, *, days: int, end: dt.datetime, seed: int):
        self.rng = random.Random(seed)
        self.district = district
        self.end_ts = end.timestamp()
        self.start_ts = self.end_ts - days * 86400
        self.days = days
        self._places()
        self._categories()
        self._units()
        self._phones()
        self.serial: dict[dt.date, int] = dict(CaseSerial.objects.values_list("day", "last"))

    # -- the territory ---------------------------------------------------------------------------
    def _places(self):
        import shapely
        from shapely.geometry import shape

        rng = self.rng
        grids = list(Region.objects.filter(path__startswith=self.district.path, level="grid")
                     .exclude(geometry=None).select_related("parent__parent"))
        if not grids:
            raise ValueError("该区没有带边界的网格，无法生成案件（可先运行 civicgrid seed-demo）。")
        self.places, self.place_weights = [], []
        for g in grids:
            poly = shape(g.geometry)
            x0, y0, x1, y1 = poly.bounds
            pts = []
            while len(pts) < 64:
                xs = [rng.uniform(x0, x1) for _ in range(64)]
                ys = [rng.uniform(y0, y1) for _ in range(64)]
                inside = shapely.contains_xy(poly, xs, ys)
                pts += [(round(x, 6), round(y, 6)) for x, y, ok in zip(xs, ys, inside) if ok]
            community = g.parent if g.parent and g.parent.level == "community" else None
            street = community.parent if community else g.parent
            self.places.append(Place(g.pk, g.pk, community.pk if community else None, street.pk, pts[:64]))
            self.place_weights.append(rng.paretovariate(2.5))
        # Cumulative, once (as for the categories): choices() would add up every grid's weight per case.
        self.place_cum = list(itertools.accumulate(self.place_weights))
        self.paths = dict(Region.objects.filter(pk__in=[p.region for p in self.places]).values_list("pk", "path"))

    def _categories(self):
        cats = list(Category.objects.filter(active=True))
        rng = self.rng
        self.cats = cats
        self.cat_base = [rng.paretovariate(1.3) for _ in cats]
        # Cumulative weights per month, computed once: choices() with cum_weights skips the
        # per-call accumulation, which was a fifth of the generator's time.
        self.cat_cum = {}
        for month in range(1, 13):
            total, cum = 0.0, []
            for b, c in zip(self.cat_base, cats):
                total += b * self._season(c, month)
                cum.append(total)
            self.cat_cum[month] = cum

    def _units(self):
        self.units_by_dept: dict[str, dict] = defaultdict(dict)  # dept code → {street id | None: (unit, dept)}
        for u in DepartmentUnit.objects.filter(department__district=self.district, active=True).select_related(
                "department"):
            code = u.department.code.rsplit("-", 1)[-1]
            key = None if u.region_id == self.district.pk else u.region_id
            self.units_by_dept[code][key] = (u.pk, u.department_id, u.name)
        self.any_dept = sorted(self.units_by_dept)

    def _phones(self):
        from civicgrid.core.crypto import lookup_hash
        from civicgrid.cases.models import Case

        field = Case._meta.get_field("requester_phone")
        self.phones = []
        for i in range(400):
            phone = f"139{self.rng.randint(10_000_000, 99_999_999)}"
            self.phones.append((field.get_prep_value(phone), lookup_hash(phone)))

    # -- one case --------------------------------------------------------------------------------
    def _season(self, cat: Category, month: int) -> float:
        winter = month in (12, 1, 2)
        summer = month in (6, 7, 8)
        if cat.code.startswith("10"):
            return 6.0 if winter else 0.05
        if cat.code in ("06028", "08004"):
            return 2.0 if summer else 0.8
        return 1.0

    def _pick_category(self, month: int) -> Category:
        return self.rng.choices(self.cats, cum_weights=self.cat_cum[month])[0]

    def _unit_for(self, cat: Category, street: int, tier: str, avoid: int | None = None):
        codes = [cat.department_code] if cat.department_code in self.units_by_dept else []
        if avoid is not None or not codes:
            codes = [c for c in self.any_dept if self.units_by_dept[c]] or []
            self.rng.shuffle(codes)
        for code in codes:
            units = self.units_by_dept[code]
            u = units.get(None if tier == W.DISTRICT else street) or units.get(None) or next(iter(units.values()))
            if u[1] != avoid:
                return u
        return None

    def created_times(self, n: int):
        """n report times over the period (a sorted numpy array of POSIX seconds): seasonal (summer
        peak), fewer at weekends, office hours busier. Drawn with numpy: drawn one by one in Python,
        these and the serial plan kept the parent busy for over a minute at five million cases
        before any worker started (now 0.25 s for a million)."""
        import numpy as np

        weights = []
        for d in range(self.days):
            day = _local_day(self.start_ts + d * 86400)
            season = 1 + 0.3 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 110) / 365)
            weights.append(season * (0.7 if day.weekday() >= 5 else 1.0))
        hour_w = [0.2] * 7 + [1.0, 2.0, 2.5, 2.5, 2.0, 1.2, 2.0, 2.4, 2.4, 2.0, 1.6, 1.0, 0.8, 0.6, 0.4, 0.3, 0.2]
        draw = np.random.default_rng(self.rng.getrandbits(64))
        day_p = np.array(weights) / sum(weights)
        hour_p = np.array(hour_w) / sum(hour_w)
        base = self.start_ts - (self.start_ts + LOCAL_OFFSET) % 86400  # local midnight of the first day
        out = (base + draw.choice(self.days, size=n, p=day_p) * 86400.0 + draw.choice(24, size=n, p=hour_p) * H
               + draw.random(n) * H)
        np.minimum(out, self.end_ts - 1, out=out)
        out.sort()
        return out

    def case(self, created: float, hot: tuple | None = None):
        """Returns (case dict, events [(ts, action, from, to, data, dept)])."""
        rng = self.rng
        month = _local_day(created).month
        if hot:
            place, cat, point = hot
        else:
            place = rng.choices(self.places, cum_weights=self.place_cum)[0]
            cat = self._pick_category(month)
            point = rng.choice(place.points)
        channel = rng.choices(_CHANNEL_NAMES, cum_weights=_CHANNEL_CUM)[0]
        urgent = rng.random() < 0.08
        tier = cat.default_tier
        if tier == W.COMMUNITY and place.community is None:
            tier = W.STREET
        c = dict(channel=channel, category=cat, urgent=urgent, place=place, lng=point[0], lat=point[1], tier=tier,
                 filed_at=None, dispatched_at=None, handle_started_at=None, handled_at=None, handled_on_time=None,
                 handling_hours=None, closed_at=None, rework_count=0, return_count=0, extension_count=0,
                 accept_due=None, dispatch_due=None, handle_due=None, due_at=None, unit=None, dept=None,
                 created=created)
        ev = []
        state = [W.REPORTED, created]
        dept = [0]

        def step(delay_wh: float, action: str, to: str, data=None, new_dept=None):
            at = state[1] + max(60.0, delay_wh * WALL_PER_WORKING_HOUR)
            if at >= self.end_ts or rng.random() < 0.003:  # not yet, or stuck (the overdue backlog)
                raise _Stop
            if new_dept is not None:  # as in the services: the event is appended after the case changed
                dept[0] = new_dept
            ev.append((at, action, state[0], to, data or {}, dept[0]))
            state[0], state[1] = to, at

        lim = lambda step_: cat.limit(step_, urgent)  # noqa: E731
        ev.append((created, "report", "", W.REPORTED, {"possible_duplicate": None}, 0))
        c["accept_due"] = created + lim("accept") * WALL_PER_WORKING_HOUR
        c["due_at"] = c["accept_due"]
        try:
            r = rng.random()
            if tier == W.COMMUNITY and r < 0.9:
                step(rng.uniform(0.05, 1.2) * lim("accept"), "take", W.COMMUNITY_HANDLING)
                c["filed_at"] = c["handle_started_at"] = state[1]
                c["handle_due"] = state[1] + lim("handle") * WALL_PER_WORKING_HOUR
                c["due_at"] = c["handle_due"]
            elif r < 0.04:
                step(rng.uniform(0.1, 1.0) * lim("accept"), "not_file", W.NOT_FILED)
                c["due_at"] = None
                return c, ev, state[0]
            else:
                if tier == W.COMMUNITY:
                    tier = c["tier"] = W.STREET
                step(rng.uniform(0.05, 1.3) * lim("accept"), "file", W.FILED)
                c["filed_at"] = state[1]
                c["dispatch_due"] = c["due_at"] = state[1] + lim("dispatch") * WALL_PER_WORKING_HOUR
                unit = self._unit_for(cat, place.street, tier)
                step(rng.uniform(0.05, 1.4) * lim("dispatch"), "dispatch", W.DISPATCHED,
                     {"unit": unit[0], "unit_name": unit[2]}, new_dept=unit[1])
                c["unit"], c["dept"] = unit[0], unit[1]
                c["dispatched_at"] = c["handle_started_at"] = state[1]
                c["handle_due"] = c["due_at"] = state[1] + lim("handle") * WALL_PER_WORKING_HOUR
                if rng.random() < 0.05:  # wrong department: returned and re-dispatched elsewhere
                    step(rng.uniform(0.2, 3), "return", W.RETURNED, {"unit": unit[0], "unit_name": unit[2]})
                    c["unit"] = None
                    c["return_count"] += 1
                    c["dispatch_due"] = c["due_at"] = state[1] + lim("dispatch") * WALL_PER_WORKING_HOUR
                    unit = self._unit_for(cat, place.street, tier, avoid=unit[1]) or unit
                    step(rng.uniform(0.1, 2), "reroute", W.DISPATCHED, {"unit": unit[0], "unit_name": unit[2]},
                         new_dept=unit[1])
                    c["unit"], c["dept"] = unit[0], unit[1]
                    c["handle_started_at"] = state[1]
                    c["handle_due"] = c["due_at"] = state[1] + lim("handle") * WALL_PER_WORKING_HOUR
                if rng.random() < 0.05:
                    step(rng.uniform(0.2, 0.8) * lim("handle"), "request_extension", W.EXTENSION_REQUESTED,
                         {"hours": 16})
                    step(rng.uniform(0.1, 2), "approve_extension", W.DISPATCHED, {"hours": 16})
                    c["extension_count"] += 1
                    c["handle_due"] = c["due_at"] = c["handle_due"] + 16 * WALL_PER_WORKING_HOUR
            back = state[0]
            while True:
                late = rng.random() < 0.12
                frac = rng.uniform(1.05, 3.0) if late else rng.betavariate(2, 3)
                due_left = max(0.05, (c["handle_due"] - state[1]) / WALL_PER_WORKING_HOUR)
                step(frac * due_left, "handle", W.HANDLED)
                c["handled_at"] = state[1]
                c["handled_on_time"] = state[1] <= c["handle_due"]
                c["handling_hours"] = round((state[1] - c["handle_started_at"]) / WALL_PER_WORKING_HOUR, 2)
                c["due_at"] = state[1] + 1 * WALL_PER_WORKING_HOUR
                if rng.random() < 0.08 and c["rework_count"] < 2:
                    step(rng.uniform(0.2, 1.5), "verify_fail", back)
                    c["rework_count"] += 1
                    c["handled_on_time"] = None
                    c["due_at"] = c["handle_due"]
                    continue
                break
            step(rng.uniform(0.2, 1.5), "verify_pass", W.VERIFIED)
            c["due_at"] = None
            step(rng.uniform(0.2, 6), "close", W.CLOSED)
            c["closed_at"] = state[1]
        except _Stop:
            pass
        return c, ev, state[0]

# Stage rows that are not events: a case's first step, already placed on the day the case came in.
ANSWER_IN_TIME, ANSWER_LATE = "first_step_in_time", "first_step_late"


def _rows(g: Generator, case_id: int, number: str, c: dict, ev: list, state: str, bool_=bool, _ts=_ts,
          case_time: bool = False):
    """One case's rows. _ts: how a moment is written (datetime objects, or _ts_text for COPY text).
    case_time: the events carry the case's created_at (the partition key of a partitioned event
    table, cases/partitions.py; left empty otherwise, 30M timestamps fewer to write at 5M cases)."""
    place = c["place"]
    now_ts = g.end_ts
    cat = c["category"]
    due = c["due_at"] if state not in W.TERMINAL else None
    overdue = due is not None and due <= now_ts and state not in (W.SUSPENDED,)
    phone = ("", "")
    address = ""
    if c["channel"] in ("hotline", "resident", "api"):
        phone = g.rng.choice(g.phones[:40]) if g.rng.random() < 0.15 else g.rng.choice(g.phones)
        address = f"{cat.name[:1]}{g.rng.randint(1, 400)}号"
    last = ev[-1][0]
    created = c["created"]
    case_row = (
        case_id, number, c["channel"], "seed-load", cat.pk, f"{cat.name}（批量生成）", bool_(c["urgent"]),
        c["lng"], c["lat"], address, place.region, place.grid, place.community, place.street, g.district.pk,
        c["unit"], c["dept"], state,
        c["tier"], _ts(c["accept_due"]), _ts(c["dispatch_due"]), _ts(c["handle_due"]), _ts(due), None,
        bool_(overdue), bool_(overdue), 1 if overdue else 0, _ts(c["filed_at"]), _ts(c["dispatched_at"]),
        _ts(c["handle_started_at"]), _ts(c["handled_at"]),
        None if c["handled_on_time"] is None else bool_(c["handled_on_time"]), c["handling_hours"],
        _ts(c["closed_at"]), c["rework_count"], c["return_count"], c["extension_count"], "", phone[0], phone[1],
        (created_ts := _ts(created)), _ts(last), len(ev), "", "")
    from .rollup import COUNTED_ACTIONS, FIRST_STEP_SEQ, cell_of

    events, stage = [], []
    x, y = cell_of(c["lng"], c["lat"])
    for seq, (at, action, frm, to, data, dept) in enumerate(ev, start=1):
        text = _REPORT_DATA if action == "report" else (json.dumps(data, ensure_ascii=False) if data else "{}")
        event = (case_id, seq, action, frm, to, ACTOR, W.SYSTEM, _ts(at), "", text)
        events.append(event + (created_ts,) if case_time else event)
        if action in COUNTED_ACTIONS:
            report = action == "report"
            stage.append((case_id, _local_day(at), dept, action, x if report else None, y if report else None,
                          place.region if report else None))
        if seq == FIRST_STEP_SEQ:  # 响应, on the day the case came in (rollup.answer_increments)
            in_time = c["accept_due"] is None or at <= c["accept_due"]
            stage.append((case_id, _local_day(created), dept, ANSWER_IN_TIME if in_time else ANSWER_LATE, None, None,
                          None))
    return case_row, events, stage


# -- writing ---------------------------------------------------------------------------------------
class _Writer:
    def __init__(self):
        self.pg = connection.vendor == "postgresql"

    def write(self, table: str, cols: list[str], rows: list[tuple] | bytes) -> None:
        """Rows as tuples, or (PostgreSQL) already in COPY text format (_copy_text)."""
        if not rows:
            return
        with connection.cursor() as cur:
            if self.pg:
                raw = cur.cursor  # the psycopg cursor under Django's wrapper
                with raw.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
                    if isinstance(rows, bytes):
                        cp.write(rows)
                        return
                    for r in rows:
                        cp.write_row(r)
            else:
                marks = ", ".join(["%s"] * len(cols))
                conv = [tuple(_sqlite_value(v) for v in r) for r in rows]
                cur.executemany(f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})", conv)


def _sqlite_value(v):
    if isinstance(v, dt.datetime):
        return v.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


@contextmanager
def _indexes_set_aside(tables: list[str], unique_too: tuple[str, ...] = (), timings: dict | None = None):
    """PostgreSQL: drop the secondary indexes and foreign keys of `tables`, put them back after.

    Keeping 24 indexes of the case table current row by row, and checking eight foreign keys per
    case at commit, cost more than writing the rows; building each index once by sorting, and
    validating each foreign key by one join, is how pg_restore loads large tables too. Primary
    keys and unique constraints stay (the numbers and (case, seq) must stay unique while loading),
    except on the tables named in `unique_too`: the derived tables, whose rows the load writes
    already merged per key (_write_levels), so their unique keys are built once at the end like the
    other indexes, and checked then. Everything happens in the load's transaction: if the load
    fails, or a rebuilt unique key finds a duplicate, the drops roll back with it. Other sessions
    wait for these tables meanwhile (the DDL takes an exclusive lock).
    """
    saved_indexes, saved_constraints = [], []
    with connection.cursor() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        # Deferred checks still pending in this transaction (rows written before the load) forbid
        # ALTER TABLE on the tables they touch: run them now.
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for table in tables:
            saved_indexes += pgschema.secondary_indexes(cur, table)
            kinds = ("f", "u") if table in unique_too else ("f",)
            saved_constraints += [(table, name, definition) for name, definition in pgschema.constraints(cur, table, kinds)]
        for table, name, _ in saved_constraints:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in saved_indexes:
            cur.execute(f'DROP INDEX "{name}"')
    yield
    timings = {} if timings is None else timings
    with connection.cursor() as cur:
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, definition in saved_indexes:
            t0 = time.monotonic()
            cur.execute(definition)
            timings[name] = round(time.monotonic() - t0, 1)
        for table, name, definition in saved_constraints:  # unique keys before foreign keys (the order read)
            t0 = time.monotonic()
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            timings[name] = round(time.monotonic() - t0, 1)


def _stage_table(pg: bool) -> str:
    name = "dashboard_seed_stage"
    with connection.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {name}")
        cur.execute(f"CREATE {'UNLOGGED ' if pg else ''}TABLE {name} (case_id bigint, day date, dept integer, "
                    f"action varchar(30), x integer, y integer, region integer)")
    return name


def _counter_sql() -> str:
    """The rollup counters of rollup.increments, as SQL over the stage (s) and the case (c)."""
    is_ = lambda a: f"s.action = '{a}'"  # noqa: E731
    close = "s.action = 'close'"
    timed = f"{close} AND c.handling_hours IS NOT NULL"
    one = lambda cond: f"SUM(CASE WHEN {cond} THEN 1 ELSE 0 END)"  # noqa: E731
    parts = {
        "reported": one(is_("report")), "filed": one("s.action IN ('file', 'take')"), "not_filed": one(is_("not_file")),
        "dispatched": one("s.action IN ('dispatch', 'reroute')"), "returned": one(is_("return")),
        "extended": one(is_("approve_extension")), "escalated": one(is_("escalate")), "handled": one(is_("handle")),
        "reworked": one(is_("verify_fail")), "closed": one(close),
        "closed_on_time": one(f"{close} AND c.handled_on_time IS TRUE"),
        "closed_reworked": one(f"{close} AND c.rework_count > 0"), "closed_timed": one(timed),
        "closed_centihours": f"SUM(CASE WHEN {timed} THEN CAST(ROUND(c.handling_hours * 100) AS BIGINT) ELSE 0 END)",
        "merged": one(is_("merge")),
        "h0": one(f"{timed} AND c.handling_hours < 2"),
        "h1": one(f"{timed} AND c.handling_hours >= 2 AND c.handling_hours < 8"),
        "h2": one(f"{timed} AND c.handling_hours >= 8 AND c.handling_hours < 24"),
        "h3": one(f"{timed} AND c.handling_hours >= 24 AND c.handling_hours < 72"),
        "h4": one(f"{timed} AND c.handling_hours >= 72"),
        "answered": one(f"s.action IN ('{ANSWER_IN_TIME}', '{ANSWER_LATE}')"),
        "answered_in_time": one(f"s.action = '{ANSWER_IN_TIME}'"),
    }
    from .models import COUNTERS

    assert list(parts) == list(COUNTERS)
    return parts


def _write_levels(cur, target: str, selects: list[str], keys: list[str], carried: list[str], sums: list[str],
                  days: tuple, keys_set_aside: bool) -> None:
    """Add the rows of each SELECT (one per key within it, in the columns keys + carried + sums) to
    `target`, summing `sums` where a key is already there.

    With the target's unique key in place: INSERT … ON CONFLICT DO UPDATE, in the key's order.
    With the key set aside (a bulk load, _indexes_set_aside), there is no key to conflict on and
    none is needed: the target's rows of the loaded days are moved out first, the new rows go in
    with plain INSERTs (no speculative insertion and no index probe per row, which took about half
    of the derivation), and only when there were earlier rows are the loaded days summed per key
    again. `carried` columns follow from the key (a region's level or path): grouped, not summed.
    """
    cols = ", ".join(keys + carried + sums)
    key = ", ".join(keys)
    if not keys_set_aside:
        update = ", ".join(f"{c} = {target}.{c} + excluded.{c}" for c in sums)
        for select in selects:
            # In the unique key's order: each row lands next to the previous one in the key's index
            # instead of on a random page (a third of the time it took unsorted).
            cur.execute(f"INSERT INTO {target} ({cols}) {select} ORDER BY {key} "
                        f"ON CONFLICT ({key}) DO UPDATE SET {update}")
        return
    cur.execute("DROP TABLE IF EXISTS dashboard_seed_earlier")
    cur.execute(f"CREATE TEMPORARY TABLE dashboard_seed_earlier AS SELECT {cols} FROM {target} "
                f"WHERE day BETWEEN %s AND %s", days)
    earlier = cur.rowcount
    if earlier:
        cur.execute(f"DELETE FROM {target} WHERE day BETWEEN %s AND %s", days)
    for select in selects:
        cur.execute(f"INSERT INTO {target} ({cols}) {select}")
    if earlier:
        group = ", ".join(keys + carried)
        summed = ", ".join(f"SUM({c})" for c in sums)
        cur.execute(f"INSERT INTO dashboard_seed_earlier ({cols}) SELECT {cols} FROM {target} "
                    f"WHERE day BETWEEN %s AND %s", days)
        cur.execute(f"DELETE FROM {target} WHERE day BETWEEN %s AND %s", days)
        cur.execute(f"INSERT INTO {target} ({cols}) SELECT {group}, {summed} FROM dashboard_seed_earlier "
                    f"GROUP BY {group}")
    cur.execute("DROP TABLE dashboard_seed_earlier")


def _derive(stage: str, lo: int, hi: int, city_id: int | None, timings: dict | None = None, *,
            keys_set_aside: bool = False) -> None:
    """Rollups, heat cells and live rows of the cases with ids in [lo, hi], from the rows just written.

    keys_set_aside: the unique keys of the rollups, totals and heat cells are set aside for the
    load (_indexes_set_aside(unique_too=DERIVED_TABLES)); _write_levels writes without them.
    """
    roll = DailyRollup._meta.db_table
    total = DailyTotal._meta.db_table
    case = Case._meta.db_table
    parts = _counter_sql()
    counters = list(parts)
    # The aggregate's counts as integers (centihours stay 64-bit): SUM over an integer column adds
    # in 64 bits, SUM over a bigint in 128 bits or numeric, which made each level's sums slower.
    named = ", ".join(f"{v} AS {k}" if k == "closed_centihours" else f"CAST({v} AS integer) AS {k}"
                      for k, v in parts.items())
    sums = ", ".join(f"SUM({k})" for k in parts)
    levels = [("c.grid_id", "grid"), ("c.community_id", "community"), ("c.street_id", "street"),
              ("c.district_id", "district")]
    if city_id:
        levels.append((str(int(city_id)), "city"))
    group = "s.day, c.grid_id, c.community_id, c.street_id, c.district_id, c.category_id, s.dept, c.channel"
    timings = {} if timings is None else timings
    clock = [time.monotonic()]

    def tick(step: str) -> None:
        now = time.monotonic()
        timings[step] = round(timings.get(step, 0) + now - clock[0], 1)
        clock[0] = now

    with connection.cursor() as cur:
        # One pass over the events joined to their cases, at the finest grain (a grid lies in one
        # community and one street, so grouping by all three is the grid's grain); every level is
        # then summed from that much smaller table instead of joining the events again per level.
        cur.execute("DROP TABLE IF EXISTS dashboard_seed_agg")
        cur.execute(f"CREATE TEMPORARY TABLE dashboard_seed_agg AS SELECT {group}, {named} "
                    f"FROM {stage} s JOIN {case} c ON c.id = s.case_id GROUP BY {group}")
        cur.execute("SELECT MIN(day), MAX(day) FROM dashboard_seed_agg")
        days = cur.fetchone()
        tick("aggregate")
        rollups, totals = [], []
        for expr, level in levels:
            expr = expr.replace("c.", "a.")
            region = f"{expr} AS region_id"
            by_region = "" if level == "city" else f"{expr}, "  # a constant cannot be grouped by (PostgreSQL reads a position)
            if level == "grid":  # the aggregate's grain already: its rows as they are
                rollups.append(f"SELECT a.day, {region}, a.category_id, a.dept AS department_key, a.channel, 'grid', "
                               f"{', '.join(f'a.{k}' for k in counters)} FROM dashboard_seed_agg a WHERE {expr} IS NOT NULL")
            else:
                rollups.append(f"SELECT a.day, {region}, a.category_id, a.dept AS department_key, a.channel, '{level}', {sums} "
                               f"FROM dashboard_seed_agg a WHERE {expr} IS NOT NULL "
                               f"GROUP BY a.day, {by_region}a.category_id, a.dept, a.channel")
            # The region's day totals (DailyTotal = DailyRollup summed over category, department and channel).
            totals.append(f"SELECT {region}, a.day, '{level}', {sums} FROM dashboard_seed_agg a "
                          f"WHERE {expr} IS NOT NULL GROUP BY {by_region}a.day")
        if days[0] is not None:
            _write_levels(cur, roll, rollups, ["day", "region_id", "category_id", "department_key", "channel"],
                          ["level"], counters, days, keys_set_aside)
            tick("rollups")
            _write_levels(cur, total, totals, ["region_id", "day"], ["level"], counters, days, keys_set_aside)
            tick("totals")
        cur.execute("DROP TABLE dashboard_seed_agg")
        heat = HeatCell._meta.db_table
        region = Region._meta.db_table
        if days[0] is not None:
            _write_levels(
                cur, heat, [f"SELECT s.day, s.region AS region_id, s.x, s.y, r.path, COUNT(*) FROM {stage} s "
                            f"JOIN {region} r ON r.id = s.region WHERE s.action = 'report' AND s.x IS NOT NULL "
                            f"GROUP BY s.day, s.region, r.path, s.x, s.y"],
                ["day", "region_id", "x", "y"], ["path"], ["n"], days, keys_set_aside)
        tick("heat")
        live = LiveCase._meta.db_table
        states = ", ".join(f"'{s}'" for s in W.OPEN_STATES)
        cur.execute(
            f"INSERT INTO {live} (case_id, number, region_id, path, grid_id, category_id, department_key, unit_id, "
            f"channel, state, urgent, due_at, lng, lat, created_at) "
            f"SELECT c.id, c.number, c.region_id, r.path, c.grid_id, c.category_id, COALESCE(c.department_id, 0), "
            f"c.assigned_unit_id, c.channel, c.state, c.urgent, c.due_at, c.lng, c.lat, c.created_at "
            f"FROM {case} c JOIN {region} r ON r.id = c.region_id WHERE c.id >= {int(lo)} AND c.id <= {int(hi)} "
            f"AND c.state IN ({states})")
        tick("live")


BULK_THRESHOLD = 100_000  # from this many cases on, PostgreSQL loads with the indexes set aside
# The tables derived from the loaded rows: their unique keys are set aside too in a bulk load (_merge).
DERIVED_TABLES = (DailyRollup._meta.db_table, DailyTotal._meta.db_table, HeatCell._meta.db_table)


# -- batches: generated in worker processes, written by the loading connection ---------------------
# The generator is pure Python (about 60 µs a case); one process would take five minutes for five
# million cases before the database had done anything. Batches are therefore generated by forked
# worker processes (each holds a copy of the Generator and never touches the database) and sent
# back as COPY text, which the one loading connection streams into its transaction. Every batch has
# its own random stream (seed, batch index), and a case's serial number comes from a plan computed
# up front from the sorted report times, so the rows written do not depend on how many workers ran.
@dataclass
class _Job:
    g: Generator
    times: object  # numpy array, sorted
    first_id: int
    batch: int
    seed: int
    hot: list
    hot_from: float
    plan: dict  # local day → (index of its first case, last serial before the load, "YYYYMMDD")
    copy_text: bool
    case_time: bool = False  # events carry case_created_at (a partitioned event table)


_JOB: _Job | None = None  # set in the parent before forking; the workers inherit it


def _serial_plan(g: Generator, times) -> dict:
    """local day → (index of its first case, last serial before the load, "YYYYMMDD"); times sorted,
    so each day's cases are one run and np.unique's first indexes are where the runs begin."""
    import numpy as np

    ordinals = np.floor_divide(times + LOCAL_OFFSET, 86400).astype(np.int64)  # as _local_day
    plan = {}
    for ordinal, first in zip(*(a.tolist() for a in np.unique(ordinals, return_index=True))):
        day = dt.date.fromordinal(719163 + ordinal)
        plan[day] = (first, g.serial.get(day, 0), f"{day:%Y%m%d}")
    return plan


def _run_batch(k: int):
    """Batch k of the job: (case rows, event rows, stage rows) — COPY text on PostgreSQL — and its counts."""
    job = _JOB
    g = job.g
    g.rng = rng = random.Random(job.seed * 1_000_003 + k)
    lo = k * job.batch
    times = job.times[lo:lo + job.batch].tolist()  # Python floats: numpy's are slow in plain arithmetic
    plan = job.plan
    ts = _ts_text if job.copy_text else _ts
    case_rows, event_rows, stage_rows = [], [], []
    counts = defaultdict(int)
    for j, created in enumerate(times):
        i = lo + j
        spot = None
        if job.hot and created >= job.hot_from and rng.random() < 0.004 * len(job.hot):
            place, cat, (x, y) = rng.choice(job.hot)
            spot = (place, cat, (round(x + rng.uniform(-3e-4, 3e-4), 6), round(y + rng.uniform(-3e-4, 3e-4), 6)))
        c, ev, state = g.case(created, spot)
        first, base, daystr = plan[_local_day(created)]
        number = f"{daystr}{base + i - first + 1:05d}"
        row, events, st = _rows(g, job.first_id + i, number, c, ev, state, _ts=ts, case_time=job.case_time)
        case_rows.append(row)
        event_rows += events
        stage_rows += st
        counts[state] += 1
    counts["events"] = len(event_rows)
    if job.copy_text:
        return _copy_text(case_rows), _copy_text(event_rows), _copy_text(stage_rows), dict(counts)
    return case_rows, event_rows, stage_rows, dict(counts)


def _copy_text(rows: list[tuple]) -> bytes:
    """Rows in COPY's text format, by psycopg's own (C) formatter: what cursor.copy().write_row sends."""
    from psycopg._copy_base import TextFormatter
    from psycopg.adapt import Transformer

    f = TextFormatter(Transformer())
    out = bytearray()
    for r in rows:
        out += f.write_row(r)
    out += f.end()
    return bytes(out)


def _batches(job: _Job, n_batches: int, workers: int):
    """Yields the batches in order; with workers, at most two per worker are waiting (bounded memory)."""
    global _JOB
    _JOB = job
    try:
        if workers <= 1:
            for k in range(n_batches):
                yield _run_batch(k)
            return
        import multiprocessing as mp

        with mp.get_context("fork").Pool(workers) as pool:
            pending = []
            for k in range(n_batches):
                pending.append(pool.apply_async(_run_batch, (k,)))
                if len(pending) >= 2 * workers:
                    yield pending.pop(0).get()
            for p in pending:
                yield p.get()
    finally:
        _JOB = None


def default_workers() -> int:
    return max(1, min(4, (os.cpu_count() or 1)))


def _save_serials(plan: dict, n: int) -> None:
    """Each day's last serial number after the load: the live intake numbers on from there."""
    days = sorted(plan.items(), key=lambda kv: kv[1][0])
    for j, (day, (first, base, _)) in enumerate(days):
        following = days[j + 1][1][0] if j + 1 < len(days) else n
        CaseSerial.objects.update_or_create(day=day, defaults={"last": base + following - first})
        serials.advance_if_created(day, base + following - first)  # PostgreSQL numbers from a sequence per day


def load(n: int, *, district: Region, days: int = 365, end: dt.datetime | None = None, seed: int = 1,
         batch: int = 50_000, hot_spots: int = 3, progress=None, set_indexes_aside: bool | None = None,
         workers: int | None = None) -> dict:
    """Write n cases of `district` over the `days` before `end`; returns counts and timings."""
    started = time.monotonic()
    end = end or timezone.now()
    g = Generator(district, days=days, end=end, seed=seed)
    pg = connection.vendor == "postgresql"
    writer = _Writer()
    stage = _stage_table(pg)
    times = g.created_times(n)
    # Planted hot spots: one category piling up around one point in the last four weeks.
    hot = []
    for _ in range(hot_spots if n >= 2000 else 0):
        place = g.rng.choice(g.places)
        cat = g.rng.choice(g.cats)
        hot.append((place, cat, g.rng.choice(place.points)))
    plan = _serial_plan(g, times)
    counts = defaultdict(int)
    if set_indexes_aside is None:
        set_indexes_aside = pg and n >= BULK_THRESHOLD
    if workers is None:
        workers = default_workers() if pg and n >= BULK_THRESHOLD else 1
    tables = [Case._meta.db_table, CaseEvent._meta.db_table, *DERIVED_TABLES]
    timings, index_timings = {}, {}
    partitioned = partitions.is_partitioned()
    if partitioned:  # every month of the load has its partitions (the worker makes only those ahead)
        partitions.ensure(since=partitions.month_of(dt.datetime.fromtimestamp(float(times[0]), UTC)))
    with transaction.atomic(), ExitStack() as aside:
        with connection.cursor() as cur:
            if pg:
                # One transaction: nothing to wait for at each commit, and generous memory for the
                # sorts and hash joins of the derivation and the index builds.
                cur.execute("SET LOCAL synchronous_commit = off")
                cur.execute("SET LOCAL work_mem = '256MB'")
            cur.execute(f"SELECT COALESCE(MAX(id), 0) FROM {Case._meta.db_table}")
            first_id = cur.fetchone()[0] + 1
        if set_indexes_aside:
            if not pg:
                raise ValueError("只有 PostgreSQL 支持暂时移除索引的批量写入。")
            aside.enter_context(_indexes_set_aside(tables, unique_too=DERIVED_TABLES, timings=index_timings))
        job = _Job(g, times, first_id, batch, seed, hot, g.end_ts - 28 * 86400, plan, copy_text=pg,
                   case_time=partitioned)
        done = 0
        for case_rows, event_rows, stage_rows, batch_counts in _batches(job, -(-n // batch), workers):
            writer.write(Case._meta.db_table, CASE_COLS, case_rows)
            writer.write(CaseEvent._meta.db_table, EVENT_COLS + ["case_created_at"] * partitioned, event_rows)
            writer.write(stage, STAGE_COLS, stage_rows)
            for k, v in batch_counts.items():
                counts[k] += v
            done = min(n, done + batch)
            if progress:
                progress(done, n, time.monotonic() - started)
        next_id = first_id + n
        if pg:
            with connection.cursor() as cur:
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{Case._meta.db_table}', 'id'), "
                            f"(SELECT MAX(id) FROM {Case._meta.db_table}))")
        written = time.monotonic()
        _derive(stage, first_id, next_id - 1, district.parent_id, timings, keys_set_aside=set_indexes_aside)
        _save_serials(plan, n)
        with connection.cursor() as cur:
            cur.execute(f"DROP TABLE {stage}")
        derived = time.monotonic()
        aside.close()  # indexes and foreign keys back (built and validated once), still in the transaction
    indexed = time.monotonic()
    if pg:
        with connection.cursor() as cur:
            # Region too: right after seed-demo it has no statistics yet, and the planner's guess of
            # two regions under a street path turned a 0.1 s count into 2 s on every page's nav.
            for model in (Region, Case, CaseEvent, DailyRollup, DailyTotal, LiveCase, HeatCell):
                # The board reads the rollups from covering indexes (rollup_answers): VACUUM marks the
                # new pages all-visible so those reads skip the table, as autovacuum would later.
                # VACUUM cannot run in a transaction (a caller's, e.g. a test's): ANALYZE then.
                vacuum = model in (DailyRollup, DailyTotal) and not connection.in_atomic_block
                cur.execute(f"{'VACUUM (ANALYZE)' if vacuum else 'ANALYZE'} {model._meta.db_table}")
    return {"cases": n, "events": counts.pop("events", 0), "states": dict(counts),
            "write_s": round(written - started, 1), "derive_s": round(derived - written, 1),
            "index_s": round(indexed - derived, 1), "index_steps": index_timings,
            "indexes_set_aside": set_indexes_aside, "workers": workers,
            "derive_steps": timings, "total_s": round(time.monotonic() - started, 1), "first_id": first_id,
            "last_id": next_id - 1}
