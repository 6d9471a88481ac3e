"""Every write to cases. Screens, the API, Open311, the hotline and the sweep all call these.

    intake(actor, *, channel, category, description, ...) -> Case     信息采集: a new case
    act(actor, case, action, *, note, expected_version, ...) -> Case  every later step (workflow.py)
    available_actions(user, case) -> list[workflow.T]                 what this user may do now
    sweep(now=None) -> dict                                           warnings, overdue, escalation

Errors a user can cause are raised as:
    ValidationError  bad or missing input (nothing is saved)
    PermissionDenied role or jurisdiction refuses the action
    IllegalAction    the action does not exist in the case's current state
    CaseConflict     someone else changed the case first ("already changed"; refresh and retry)
All carry a Chinese message fit to show as is.

Concurrency: `act` locks the case row (SELECT … FOR UPDATE on PostgreSQL; SQLite's IMMEDIATE
transactions serialise writers) and re-reads it; every event takes seq = the new version, and
(case, seq) is unique, so even a writer that skipped the lock could not fork the history.

The mechanics (locking, the table lookup, role and tier checks, the clock, events, audit, the sweep
loop) are the shared engine's (core.workflow); this module adds what is particular to cases: the
effects of each action, photos, per-category limits, who is notified, and the dashboard's signals.
"""
from __future__ import annotations

import datetime as dt
import logging
import math
from contextlib import nullcontext

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import ExpressionWrapper, F, FloatField, Q, Value
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core import roles as R
from civicgrid.core.calendar import default_calendar
from civicgrid.core.crypto import lookup_hash
from civicgrid.core.models import Role
from civicgrid.core.notifications import notify
from civicgrid.core.phones import clean_phone
from civicgrid.core.scoping import scope_q, sees_everything, user_roles, visible_to
from civicgrid.core.workflow import Deadline, Machine, event_appended
from civicgrid.departments.models import Department, DepartmentUnit
from civicgrid.regions import locate
from civicgrid.regions.models import Region

from . import onewrite
from . import photos as photo_mod
from . import serials
from . import signals
from . import workflow as W
from .errors import CaseActionError, CaseConflict, IllegalAction  # noqa: F401  (raised here, caught by callers)
from .models import Attachment, Case, CaseEvent, Category

log = logging.getLogger(__name__)

NO_ROLE_CHANNELS = ("resident", "api")
CHANNEL_ROLES = {
    "grid_worker": (R.GRID_WORKER,),
    "community": (R.COMMUNITY_STAFF,),
    "hotline": (R.HOTLINE_OPERATOR,),
    "other": (R.GRID_WORKER, R.COMMUNITY_STAFF, R.HOTLINE_OPERATOR, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER),
}
VERIFY_HOURS = float(getattr(settings, "CASES_VERIFY_HOURS", 1))  # Taiyuan: on-site check within 1 hour
MAX_EXTENSION_HOURS = 7 * 30  # thirty working days: beyond that the case should be suspended (挂账)


# -- helpers ---------------------------------------------------------------------------------
def _actor_label(actor, source: str = "") -> str:
    if actor is not None:
        return actor.name
    return source or "系统"


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _users_with_role(role: str, case: Case):
    """Users holding `role` at the case's region or any node above it."""
    from civicgrid.core.models import User

    return User.objects.filter(is_active=True, roles__role=role,
                               roles__region__path__in=_ancestor_paths(case.region.path)).distinct()


def _unit_handlers(unit):
    from civicgrid.core.models import User

    if unit is None:
        return User.objects.none()
    return User.objects.filter(is_active=True, roles__role=R.DEPARTMENT_HANDLER, roles__department_unit=unit).distinct()


def supervisors(case: Case):
    return _users_with_role(W.SUPERVISOR_OF_TIER[case.tier], case)


# Who supervises a new case changes when a seat is given or taken, a few times a month; every intake
# asks. Kept per process for SUPERVISOR_SECONDS; any saved or deleted seat or user clears it at once in
# this process (other app servers notice within the bound).
SUPERVISOR_SECONDS = 30
_supervisor_cache: dict[tuple[str, str], tuple[float, list]] = {}


def _forget_supervisors(**kwargs) -> None:
    _supervisor_cache.clear()


def _new_case_supervisors(case: Case) -> list:
    import time

    key = (W.SUPERVISOR_OF_TIER[case.tier], case.region.path)
    hit = _supervisor_cache.get(key)
    if hit is None or hit[0] <= time.monotonic():
        hit = _supervisor_cache[key] = (time.monotonic() + SUPERVISOR_SECONDS, list(supervisors(case)))
    return hit[1]


def _connect_supervisor_cache() -> None:
    from django.db.models.signals import post_delete, post_save

    for model in ("core.Role", settings.AUTH_USER_MODEL):
        post_save.connect(_forget_supervisors, sender=model, dispatch_uid=f"cases.supervisors.{model}.save")
        post_delete.connect(_forget_supervisors, sender=model, dispatch_uid=f"cases.supervisors.{model}.delete")


_connect_supervisor_cache()


def _notify_all(users, title: str, body: str, case: Case, *, sms: bool = False, into=None) -> int:
    link = f"/cases/{case.number}/"
    n = 0
    for u in users:
        notify(u, title, body, link, sms=sms, subject=case, into=into)
        n += 1
    return n


def _next_number(now: dt.datetime) -> str:
    """The case number: serials.py (a PostgreSQL sequence per day: no lock shared by intakes)."""
    return serials.next_number(now)


def step_hours(case: Case, step: str) -> float:
    """Working hours for `step`: the category's limit, tightened by its channel's rules if stricter.

    The hotline promises callers its own response times (接诉即办); settings.CASE_CHANNEL_LIMITS
    holds them per channel as {"accept": h, "dispatch": h, "handle": h, "urgent_accept": h, …}.
    A channel limit never loosens a category's limit: the stricter of the two applies.
    """
    limit = case.category.limit(step, case.urgent)
    override = settings.CASE_CHANNEL_LIMITS.get(case.channel, {}).get(f"{'urgent_' if case.urgent else ''}{step}")
    return min(limit, float(override)) if override is not None else limit


def _start_clock(case: Case, step: str | None, now: dt.datetime, *, due: dt.datetime | None = None) -> None:
    """Set the running clock for `step` ('accept', 'dispatch', 'handle', 'verify' or None)."""
    MACHINE.start_clock(case, step, now, due=due)


# -- duplicates ------------------------------------------------------------------------------
def _meters(lng1, lat1, lng2, lat2) -> float:
    rad = math.radians
    a = (math.sin(rad(lat2 - lat1) / 2) ** 2
         + math.cos(rad(lat1)) * math.cos(rad(lat2)) * math.sin(rad(lng2 - lng1) / 2) ** 2)
    return 6371008.8 * 2 * math.asin(min(1.0, math.sqrt(a)))


DUPLICATE_CANDIDATES = 5


def duplicate_candidates(category: Category, *, lng=None, lat=None, grid=None, now=None, exclude_pk=None,
                         limit: int = DUPLICATE_CANDIDATES) -> list[tuple[int, float | None]]:
    """The best few open cases of the same minor class within CASES_DUPLICATE_METERS and _HOURS:
    [(pk, metres or None)], nearest first.

    A hot spot (one construction site's noise, one blocked road) draws thousands of calls, and each
    new one should join the case the others gather on. So the search looks first among the
    original reports — open cases not themselves flagged as a possible duplicate — through a
    partial index that holds only those (case_dup_roots; on PostgreSQL case_dup_root_spots, by map
    cell): a hot spot has one or a few, however many calls it drew. Only when none is in range does
    it look among all open reports.

    Either way the database ranks and cuts (a squared planar distance, exact enough at 50 m, with
    LIMIT), so the neighbourhood never travels to Python; the few rows that come back are checked
    with the great-circle distance. Without a point: the newest open case of the class in the grid.
    """
    return [(pk, d) for pk, _, d in _candidates(category, lng=lng, lat=lat, grid=grid, now=now, exclude_pk=exclude_pk,
                                                limit=limit)]


def _candidates(category: Category, *, lng=None, lat=None, grid=None, now=None, exclude_pk=None,
                limit: int = DUPLICATE_CANDIDATES) -> list[tuple[int, str, float | None]]:
    """duplicate_candidates with each case's number: [(pk, number, metres or None)].

    On PostgreSQL both looks go to the database in one statement (intake pays one round trip, not
    two): the original reports, and — evaluated only when that first look found nothing (NOT
    EXISTS, a one-time filter) — all open reports."""
    meters = float(getattr(settings, "CASES_DUPLICATE_METERS", 50))
    hours = float(getattr(settings, "CASES_DUPLICATE_HOURS", 72))
    now = now or timezone.now()
    qs = (Case.objects.filter(category=category, state__in=W.OPEN_STATES, created_at__gte=now - dt.timedelta(hours=hours))
          .exclude(pk=exclude_pk))
    if lng is None or lat is None:
        if grid is None:
            return []
        return [(pk, number, None) for pk, number in
                qs.filter(grid=grid).order_by("-created_at").values_list("pk", "number")[:limit]]
    ky = 111_320.0
    kx = ky * max(0.01, math.cos(math.radians(lat)))
    dlat, dlng = meters / ky, meters / kx
    dx = (F("lng") - Value(float(lng))) * Value(kx)
    dy = (F("lat") - Value(float(lat))) * Value(ky)
    box = qs.filter(lat__range=(lat - dlat, lat + dlat), lng__range=(lng - dlng, lng + dlng))

    def near(stage):
        return (stage.annotate(d2=ExpressionWrapper(dx * dx + dy * dy, output_field=FloatField()))
                .filter(d2__lte=(meters * 1.01) ** 2)  # a hair of slack: the exact check below decides
                .order_by("d2", "created_at", "pk").values_list("pk", "number", "lng", "lat")[:limit])

    def exact(rows):
        found = sorted(((pk, number, _meters(lng, lat, c_lng, c_lat)) for pk, number, c_lng, c_lat in rows),
                       key=lambda t: t[2])
        return [(pk, number, d) for pk, number, d in found if d <= meters]

    roots = near(box.filter(possible_duplicate__isnull=True, duplicate_of__isnull=True))
    everyone = near(box)
    if connection.vendor != "postgresql" or _orm_only:
        # SQLite runs in the process (no round trip to save) and would sort the whole box for the
        # second look before applying the one-time filter: two plain queries instead.
        return exact(roots) or exact(everyone)
    sql, params = _pg_candidates_sql(category, lng=lng, lat=lat, grid=grid, now=now, exclude_pk=exclude_pk,
                                     limit=limit)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        rows = cur.fetchall()
    return _pg_decide(rows, lng, lat, lambda: exact(everyone))


# The same rule as the ORM queries above, written out for PostgreSQL: one statement that the
# database plans once per connection shape, without compiling Django expressions on every intake
# (that compilation was a third of the duplicate check's cost). Rows: (look, pk, number, lng, lat),
# look 1 = an original report, 2 = any open report (evaluated only when no original was in range).
_orm_only = False  # tests: True makes intake take the ORM path on PostgreSQL too (the reference)


# On PostgreSQL both looks read by "spot": a cell of about 55 m × 43 m (1/2000 of a degree each way)
# and the class together in one number, through two indexes on (spot, created_at) (migration
# cases/0017): case_dup_root_spots holds only the original reports, case_dup_spots every report. So
# the first look reads the one or few originals in the cells around the point (not a hot spot's
# thousands of flagged calls), the second the reports of the class in those cells within the window
# (not every report of the class in the window across the city).
#
# The statement is written so that its conditions leave PostgreSQL little else to use: the class is
# inside the spot, the states are "not terminal" (<> ALL cannot go through an index), and the
# original reports are COALESCE(…) IS NULL, the partial index's own condition (the two plain keys'
# indexes cannot take it); only the window can also go through the time index. So the plan made for
# the point and the one plan made once for all points (intake prepares the check) both read the few
# rows of the spots — checked on a table without statistics and with them
# (tests/cases/test_duplicates.py). One condition: the spot expressions have statistics (migration
# cases/0017 runs ANALYZE; autovacuum keeps them): on 5M cases without them the second look took
# the time index, the whole city's 72 hours. The expressions are the indexes'; the query must say
# them the same way.
DUP_CELL_SQL = "(floor(lat * 2000)::bigint * 1000000 + floor(lng * 2000)::bigint)"
DUP_SPOT_SHIFT = 33_554_432  # 2**25: room for the class's id below the cell in one bigint
DUP_SPOT_SQL = f"({DUP_CELL_SQL} * {DUP_SPOT_SHIFT} + category_id)"
DUP_ROOT_SQL = "COALESCE(possible_duplicate_id, duplicate_of_id) IS NULL"
DUP_CELLS_MAX = 64  # a radius set so wide that the box spans more cells: the plain box query instead


def dup_cells(lat0: float, lat1: float, lng0: float, lng1: float) -> list[int] | None:
    """The cells (DUP_CELL_SQL) a box touches, or None if more than DUP_CELLS_MAX. Floats multiply
    and floor alike in Python and PostgreSQL, so a point in the box is in one of these cells."""
    rows = range(math.floor(lat0 * 2000), math.floor(lat1 * 2000) + 1)
    cols = range(math.floor(lng0 * 2000), math.floor(lng1 * 2000) + 1)
    if len(rows) * len(cols) > DUP_CELLS_MAX:
        return None
    return [r * 1_000_000 + c for r in rows for c in cols]


def dup_spots(category_id: int, lat0: float, lat1: float, lng0: float, lng1: float) -> list[int] | None:
    """The spots (DUP_SPOT_SQL) of a class in a box, or None: too many cells, or a class id too large
    to share the number with its cell (the plain box query then)."""
    cells = dup_cells(lat0, lat1, lng0, lng1)
    if cells is None or not 0 <= category_id < DUP_SPOT_SHIFT:
        return None
    return [c * DUP_SPOT_SHIFT + category_id for c in cells]


def _pg_candidates_sql(category: Category, *, lng, lat, grid, now, exclude_pk, limit, prefix: str = "",
                       select: str = "c.*") -> tuple[str, dict]:
    """The check as one PostgreSQL statement and its values. With a point, "spots" in the values means
    the statement reads through the spot indexes (above): its plans are bounded by the cells around
    the point, so it may be prepared."""
    meters = float(getattr(settings, "CASES_DUPLICATE_METERS", 50))
    hours = float(getattr(settings, "CASES_DUPLICATE_HOURS", 72))
    t = Case._meta.db_table
    p = {"cat": category.pk, "states": list(W.OPEN_STATES), "since": now - dt.timedelta(hours=hours), "limit": limit}
    common = f"category_id = %(cat)s AND state = ANY(%(states)s) AND created_at >= %(since)s"
    if exclude_pk is not None:
        common += " AND id <> %(exclude)s"
        p["exclude"] = exclude_pk
    if lng is None or lat is None:
        if grid is None:
            looks = "SELECT NULL::int AS look, NULL::bigint, NULL, NULL::float8, NULL::float8 WHERE false"
        else:
            p["grid"] = grid.pk
            looks = (f"SELECT 1 AS look, id, number, NULL::float8, NULL::float8 FROM {t} WHERE {common} "
                     f"AND grid_id = %(grid)s ORDER BY created_at DESC LIMIT %(limit)s")
    else:
        ky = 111_320.0
        kx = ky * max(0.01, math.cos(math.radians(lat)))
        dlat, dlng = meters / ky, meters / kx
        p.update(lng=float(lng), lat=float(lat), kx=kx, ky=ky, r2=(meters * 1.01) ** 2)  # slack: the exact check decides
        d2 = "((lng - %(lng)s) * %(kx)s) * ((lng - %(lng)s) * %(kx)s) + ((lat - %(lat)s) * %(ky)s) * ((lat - %(lat)s) * %(ky)s)"
        spots = dup_spots(category.pk, lat - dlat, lat + dlat, lng - dlng, lng + dlng)
        if spots is not None:
            del p["cat"], p["states"]  # the class is in the spot; open is "not terminal"
            p.update(spots=spots, terminal=sorted(W.TERMINAL))
            spot = (f"{DUP_SPOT_SQL} = ANY(%(spots)s::bigint[]) AND created_at >= %(since)s "
                    f"AND state <> ALL(%(terminal)s)" + (" AND id <> %(exclude)s" if exclude_pk is not None else ""))
            box = f"SELECT id, number, lng, lat FROM {t} WHERE {spot} AND {d2} <= %(r2)s"
            root = f" AND {DUP_ROOT_SQL}"
        else:
            p.update(lat0=lat - dlat, lat1=lat + dlat, lng0=lng - dlng, lng1=lng + dlng)
            box = (f"SELECT id, number, lng, lat FROM {t} WHERE {common} AND lat BETWEEN %(lat0)s AND %(lat1)s "
                   f"AND lng BETWEEN %(lng0)s AND %(lng1)s AND {d2} <= %(r2)s")
            root = " AND possible_duplicate_id IS NULL AND duplicate_of_id IS NULL"  # case_dup_roots
        order = f" ORDER BY {d2}, created_at, id LIMIT %(limit)s"
        prefix += (", " if prefix else "") + f"roots AS ({box}{root}{order})"
        looks = (f"SELECT 1 AS look, * FROM roots UNION ALL "
                 f"SELECT 2, * FROM ({box}{order}) everyone WHERE NOT EXISTS (SELECT 1 FROM roots)")
    with_ = f"WITH {prefix} " if prefix else ""
    from_ids = " FROM ids LEFT JOIN" if "ids AS" in prefix else " FROM"
    on = " ON true" if "ids AS" in prefix else ""
    return f"{with_}SELECT {select}{from_ids} ({looks}) c{on}", p


def _pg_decide(rows, lng, lat, everyone) -> list[tuple[int, str, float | None]]:
    """The candidates from _pg_candidates_sql's rows (look, pk, number, lng, lat); `everyone()` is the
    second look asked separately, needed only when originals were found in the slack alone."""
    rows = [r for r in rows if r[0] is not None]
    if lng is None or lat is None:
        return [(pk, number, None) for _, pk, number, _, _ in rows]
    meters = float(getattr(settings, "CASES_DUPLICATE_METERS", 50))

    def exact(found):
        found = sorted(((pk, number, _meters(lng, lat, c_lng, c_lat)) for pk, number, c_lng, c_lat in found),
                       key=lambda t: t[2])
        return [(pk, number, d) for pk, number, d in found if d <= meters]

    first = exact(r[1:5] for r in rows if r[0] == 1)
    if first:
        return first
    if any(r[0] == 1 for r in rows):  # roots only in the slack: the exact check refused them all
        return everyone()
    return exact(r[1:5] for r in rows if r[0] == 2)


_case_sequence: dict[str, int] = {}


def _pg_prefetch(category: Category, *, lng, lat, grid, now) -> tuple[list, str, int]:
    """PostgreSQL, one round trip: the best duplicate candidate, the case's number (the day's serial
    sequence) and its id (the table's own sequence), so every row of the intake can be built before
    any is written (onewrite.py)."""
    db = connection.settings_dict["NAME"]
    seq = _case_sequence.get(db)
    if seq is None:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')::regclass::oid", [Case._meta.db_table])
            seq = _case_sequence[db] = cur.fetchone()[0]
    day = timezone.localtime(now).date()
    serial_oid = serials.ensure_day(day)
    sql, params = _pg_candidates_sql(
        category, lng=lng, lat=lat, grid=grid, now=now, exclude_pk=None, limit=1,
        prefix="ids AS (SELECT nextval(%(serial)s::oid::regclass) AS serial, nextval(%(seq)s::oid::regclass) AS id)",
        select="ids.serial, ids.id, c.*")
    params.update(serial=serial_oid, seq=seq)
    # Prepared when it reads by spot (planning it was half of its cost on the database): every plan
    # it can get is bounded by the cells around the point (see DUP_SPOT_SQL). The plain statement's
    # best plan depends on the point (a generic one read a hot spot's crowd): planned each time.
    rows = onewrite.fetch_all(sql, params, prepare="spots" in params)
    best = _pg_decide([r[2:] for r in rows], lng, lat,
                      lambda: _candidates(category, lng=lng, lat=lat, grid=grid, now=now, limit=1))
    return best, serials.number(day, rows[0][0]), rows[0][1]


def find_duplicate(category: Category, *, lng=None, lat=None, grid=None, now=None, exclude_pk=None) -> Case | None:
    """The best duplicate candidate (duplicate_candidates), as a Case, or None."""
    best = duplicate_candidates(category, lng=lng, lat=lat, grid=grid, now=now, exclude_pk=exclude_pk)
    return Case.objects.get(pk=best[0][0]) if best else None


# -- intake ----------------------------------------------------------------------------------
def _check_intake_actor(actor, channel: str, source: str, place: locate.Place) -> str:
    """Returns the role label for the event; refuses channels the actor does not hold."""
    if channel not in dict(Case.CHANNEL_CHOICES):
        raise ValidationError("来源渠道无效。")
    if actor is None:
        if channel not in NO_ROLE_CHANNELS or not source.strip():
            raise PermissionDenied("只有居民自报和接口渠道可以不登录上报，且须注明来源。")
        return W.SYSTEM
    if sees_everything(actor):
        return R.SYSTEM_ADMIN
    seats = user_roles(actor)
    wanted = CHANNEL_ROLES.get(channel)
    if wanted is None:  # resident / api with a logged-in account (a resident, an API client user)
        return seats[0].role if seats else "resident"
    held = [s for s in seats if s.role in wanted and s.region_id]
    if not held:
        labels = "、".join(R.ROLE_LABELS[r] for r in wanted)
        raise PermissionDenied(f"以“{dict(Case.CHANNEL_CHOICES)[channel]}”渠道上报需要以下角色之一：{labels}")
    d = place.district.path
    for s in held:
        if s.region.path.startswith(d) or d.startswith(s.region.path):
            return s.role
    raise PermissionDenied("该位置不在您所在的区，不能上报。")


def intake(actor, *, channel: str, category: Category, description: str, lng: float | None = None,
           lat: float | None = None, grid: Region | None = None, region: Region | None = None, address: str = "",
           urgent: bool = False, requester_name: str = "", requester_phone: str = "", photos=(),
           reporter=None, source: str = "", within: Region | None = None, now: dt.datetime | None = None,
           then=None) -> Case:
    """信息采集: create a case from any channel, find its place, stamp the acceptance deadline, flag duplicates.

    `actor` is the logged-in user; it may be None only for channel "resident" or "api", and then
    `source` says who sent it (e.g. "open311:key-name"); the audit log records that label.
    Location (regions/locate.py): the point; else `grid`/`region` (a chosen grid, community or
    street); else the `address` text through the address registry (a building gives its point),
    searched only under `within` when given (an operator's or API client's area). `photos` are uploads or bytes; each is verified and re-encoded.
    `then(case)`, when given, runs inside the intake's transaction after everything else (a channel's
    own record of the case, e.g. Open311's request token): both commit together, without a savepoint.
    The unsaved objects it returns, if any, are inserted with the case's own rows (one statement on
    PostgreSQL: onewrite.py).
    """
    description = (description or "").strip()
    if not description:
        raise ValidationError("请填写问题描述。")
    if len(description) > 2000:
        raise ValidationError("问题描述不能超过 2000 字。")
    if category is None or not category.active:
        raise ValidationError("请选择有效的问题类别。")
    requester_phone = clean_phone(requester_phone)
    place = locate.require(lng=lng, lat=lat, region=grid or region, address=address, within=within)
    role = _check_intake_actor(actor, channel, source, place)
    prepared = photo_mod.prepare_all(photos)
    now = now or timezone.now()
    lng, lat = place.lng, place.lat  # a building found from the address text gives its point too

    # PostgreSQL: the rows are built first and written in one statement (onewrite.py); photos (files
    # and their rows, rare on the machine channels) keep the ORM path.
    one_statement = connection.vendor == "postgresql" and not prepared and not _orm_only
    # That statement is atomic on its own, and before it intake only reads (and takes sequence
    # numbers, which no transaction gives back): outside a caller's transaction it opens none, which
    # saves BEGIN and COMMIT, two of its four round trips.
    own_transaction = not one_statement or connection.in_atomic_block
    with transaction.atomic() if own_transaction else nullcontext():
        if one_statement:
            best, number, case_id = _pg_prefetch(category, lng=lng, lat=lat, grid=place.grid, now=now)
        else:
            best = _candidates(category, lng=lng, lat=lat, grid=place.grid, now=now, limit=1)
            number, case_id = _next_number(now), None
        dup_pk, dup_number = (best[0][0], best[0][1]) if best else (None, None)
        writes = onewrite.Writes(deferred=one_statement)
        case = Case(
            id=case_id, number=number, channel=channel, source=source[:100], category=category,
            description=description, urgent=bool(urgent), lng=lng, lat=lat, address=(address or "")[:200],
            region=place.region, grid=place.grid, community=place.community, street=place.street,
            district=place.district, state=W.REPORTED, tier=category.default_tier,
            requester_name=(requester_name or "")[:50], requester_phone=requester_phone,
            requester_phone_hash=lookup_hash(requester_phone), reporter=reporter or actor,
            possible_duplicate_id=dup_pk, created_at=now, version=1,
        )
        if case.tier == W.COMMUNITY and case.community is None:
            case.tier = W.STREET  # no community known: the street is the lowest tier that can take it
        _start_clock(case, "accept", now)
        writes.add(case)
        data = {"possible_duplicate": dup_number}
        event = _append_event(case, None if actor is None else actor, role, "report", "", W.REPORTED, now,
                              note="", data=data, photos=prepared, photo_kind="before", source=source, writes=writes)
        audit.record(actor if actor is not None else (source or "系统"), "case.intake", case,
                     detail={"channel": channel, "category": category.code, "grid": place.grid.code if place.grid else None,
                             "duplicate_of": dup_number, "source": source}, into=writes)
        body = f"{category.name}：{description[:60]}"
        if dup_number:
            body += f"（疑似与 {dup_number} 重复）"
        _notify_all(_new_case_supervisors(case), f"新案件待受理 {case.number}", body, case, sms=case.urgent,
                    into=writes)
        MACHINE.emit(case, event, data, writes=writes)
        if then is not None:
            for obj in then(case) or ():
                writes.add(obj)
        writes.flush()
    return case


def _append_event(case: Case, actor, role: str, action: str, from_state: str, to_state: str, now, *, note: str,
                  data: dict, photos: list, photo_kind: str, source: str = "", writes=None) -> CaseEvent:
    event = CaseEvent(case=case, case_created_at=case.created_at, seq=case.version, action=action,
                      from_state=from_state, to_state=to_state, actor=actor, actor_name=_actor_label(actor, source),
                      actor_role=role, at=now, note=note, data=data)
    if writes is not None:
        writes.add(event)
    else:
        event.save(force_insert=True)
    for p in photos:
        Attachment.objects.create(event=event, kind=photo_kind, image=p.image, thumbnail=p.thumbnail, width=p.width,
                                  height=p.height, size=p.image.size, original_name=p.original_name)
    return event


# -- permission to act (the engine's, on the case table) ----------------------------------------
CONDITIONS = {"": lambda c: True, **W.CONDITIONS}


def _row_for(case: Case, action: str) -> W.T | None:
    return W.WORKFLOW.row_for(case, action)


def _in_scope(user, case: Case, role: str) -> bool:
    return MACHINE.in_scope(user, case, role)


def _role_refusal(actor, case: Case, row: W.T) -> tuple[str | None, str]:
    """(role the actor acts as, "") or (None, why not)."""
    return MACHINE.role_refusal(actor, case, row)


def available_actions(user, case: Case) -> list[W.T]:
    """The transitions `user` may take on `case` now (one row per action), for screens and the API."""
    return MACHINE.available_actions(user, case)


def dispatch_units(user, case: Case):
    """Units `user` may dispatch `case` to: active units of the case's district inside the user's seats."""
    qs = DepartmentUnit.objects.filter(active=True, department__district=case.district).select_related("department", "region")
    if sees_everything(user):
        return qs
    return qs.filter(scope_q(user, "region", roles=tuple(W.DISPATCHERS)))


def suggest_unit(case: Case) -> tuple[DepartmentUnit | None, str]:
    """(unit, why) — the category's default department, at the case's street for street tier, else its
    district desk; (None, why not) when the category names no department or the district has none."""
    cat = case.category
    if not cat.department_code:
        return None, f"类别“{cat.code} {cat.name}”未配置主管部门，请按实际情况选择处置单位。"
    code = cat.department_code
    # Department codes are unique across districts, so installations prefix them ("110108-URB").
    dept = (Department.objects.filter(district=case.district).filter(Q(code=code) | Q(code__endswith=f"-{code}"))
            .order_by("code").first())
    if dept is None:
        return None, f"类别“{cat.code} {cat.name}”的主管部门（{code}）在本区没有登记，请按实际情况选择处置单位。"
    region = case.street if case.tier != W.DISTRICT else case.district
    unit = dept.units.filter(region=region, active=True).first()
    if unit is not None:
        where = f"在{region.name}的单位" if region is not None else "的单位"
        return unit, f"类别“{cat.code} {cat.name}”的主管部门为{dept.name}，按{case.tier_label}派到其{where}。"
    unit = dept.units.filter(active=True).first()
    if unit is None:
        return None, f"主管部门{dept.name}没有在用的处置单位，请按实际情况选择。"
    return unit, f"类别“{cat.code} {cat.name}”的主管部门为{dept.name}（{region.name if region else '本级'}没有其单位，取其首个单位）。"


def suggested_unit(case: Case) -> DepartmentUnit | None:
    return suggest_unit(case)[0]


# -- act ---------------------------------------------------------------------------------------
def act(actor, case: Case, action: str, *, note: str = "", expected_version: int | None = None, photos=(),
        unit: DepartmentUnit | None = None, hours: float | None = None, review_date: dt.date | None = None,
        into: Case | None = None, now: dt.datetime | None = None) -> Case:
    """Take one workflow step on `case`. Returns the updated case.

    `expected_version` (from the form the user saw) turns a concurrent change into CaseConflict
    even when the action would still be legal; without it, an action made illegal by someone
    else's step is reported as CaseConflict rather than IllegalAction when the caller's copy is stale.
    Extra inputs by action: dispatch/reroute `unit`; request_extension `hours`; suspend
    `review_date`; merge `into`; photos for handle (evidence) and verification (after).
    """
    note = MACHINE.precheck(action, note)
    prepared = photo_mod.prepare_all(photos)
    return MACHINE.act(actor, case, action, note=note, expected_version=expected_version, now=now,
                       inputs=dict(unit=unit, hours=hours, review_date=review_date, into=into, photos=prepared))


# Each effect changes fields beyond state and clock, and records its inputs in `data`.
def _fx_take(c, row, now, **kw):
    c.tier = W.COMMUNITY
    c.filed_at = c.filed_at or now
    c.handle_started_at = now


def _fx_file(c, row, now, *, role, **kw):
    if W.TIER_RANK[c.tier] < W.TIER_RANK[W.STREET]:
        c.tier = W.STREET
    if role == R.DISTRICT_COMMANDER:
        c.tier = W.DISTRICT
    c.filed_at = c.filed_at or now


def _fx_dispatch(c, row, now, *, actor, unit, data, **kw):
    if unit is None:
        raise ValidationError("请选择处置单位。")
    if not dispatch_units(actor, c).filter(pk=unit.pk).exists():
        raise PermissionDenied(f"不能派遣到“{unit}”：该单位不在您可派遣的范围内。")
    c.assigned_unit = unit
    c.department = unit.department
    c.dispatched_at = c.dispatched_at or now
    c.handle_started_at = now
    c.handle_due = None  # a new unit gets the full handling time
    data.update(unit=unit.pk, unit_name=unit.name)


def _fx_return(c, row, now, *, data, **kw):
    data.update(unit=c.assigned_unit_id, unit_name=c.assigned_unit.name)
    c.assigned_unit = None
    c.return_count += 1
    c.extension_hours_requested = None


def _fx_request_extension(c, row, now, *, hours, data, **kw):
    try:
        hours = float(hours)
    except (TypeError, ValueError):
        raise ValidationError("请填写申请延长的工作时数。")
    if not (0 < hours <= MAX_EXTENSION_HOURS):
        raise ValidationError(f"延长时数须在 0 到 {MAX_EXTENSION_HOURS} 工作时之间；更长的请申请挂账。")
    c.extension_hours_requested = hours
    data["hours"] = hours


def _fx_approve_extension(c, row, now, *, data, **kw):
    hours = c.extension_hours_requested or 0
    base = max(c.handle_due or now, now)
    c.handle_due = default_calendar().add_working_hours(base, hours)
    c.extension_count += 1
    c.extension_hours_requested = None
    _start_clock(c, "handle", now, due=c.handle_due)
    data.update(hours=hours, handle_due=c.handle_due.isoformat())


def _fx_refuse_extension(c, row, now, *, data, **kw):
    data["hours"] = c.extension_hours_requested
    c.extension_hours_requested = None


def _fx_handle(c, row, now, **kw):
    c.handled_at = now
    c.handled_on_time = c.handle_due is None or now <= c.handle_due
    if c.handle_started_at:
        c.handling_hours = round(default_calendar().working_hours_between(c.handle_started_at, now), 2)


def _fx_verify_fail(c, row, now, **kw):
    c.rework_count += 1
    c.handled_on_time = None


def _fx_close(c, row, now, **kw):
    c.closed_at = now


def _fx_reopen(c, row, now, *, data, **kw):
    # The closure being undone is kept in the event: the rollups subtract it from that day's counts,
    # so a figure never counts a closure that no longer stands. Handling figures stay as they were
    # until the case is handled again.
    data.update(closed_at=c.closed_at.isoformat() if c.closed_at else None,
                unit=c.assigned_unit_id)
    c.closed_at = None
    c.assigned_unit = None


def _fx_suspend(c, row, now, *, review_date, data, **kw):
    if not isinstance(review_date, dt.date):
        raise ValidationError("挂账须填写复查日期。")
    if review_date <= timezone.localdate(now):
        raise ValidationError("复查日期须晚于今天。")
    data.update(review_date=review_date.isoformat(), unit=c.assigned_unit_id)
    c.suspended_until = review_date
    c.assigned_unit = None
    c.extension_hours_requested = None
    # The clock stops; the sweep reminds the supervisor on the review date.
    c.is_warned = c.is_overdue = False
    c.due_at = dt.datetime.combine(review_date, dt.time(9, 0), timezone.get_default_timezone())
    c.warn_at = None


def _fx_resume(c, row, now, **kw):
    c.suspended_until = None


def _fx_merge(c, row, now, *, into, data, **kw):
    if into is None:
        raise ValidationError("请选择要合并到的案件。")
    if into.pk == c.pk or into.district_id != c.district_id:
        raise ValidationError("不能合并到该案件。")
    if into.state in W.TERMINAL:
        raise ValidationError(f"案件 {into.number} 已{into.state_label}，不能合并到它。")
    c.duplicate_of = into
    c.closed_at = None
    data.update(into=into.number)


_EFFECTS = {
    "take": _fx_take, "file": _fx_file, "dispatch": _fx_dispatch, "reroute": _fx_dispatch, "return": _fx_return,
    "request_extension": _fx_request_extension, "approve_extension": _fx_approve_extension,
    "refuse_extension": _fx_refuse_extension, "handle": _fx_handle, "verify_fail": _fx_verify_fail,
    "close": _fx_close, "reopen": _fx_reopen, "suspend": _fx_suspend, "resume": _fx_resume,
    "merge": _fx_merge,
}


# -- who hears about each step -----------------------------------------------------------------
def _verifiers(case: Case):
    users = list(_users_with_role(R.GRID_WORKER, case)) if case.grid_id else []
    if case.channel == "hotline":
        users += list(_users_with_role(R.HOTLINE_OPERATOR, case))
    return users or list(_users_with_role(R.COMMUNITY_STAFF, case)) or list(supervisors(case))


def _n_to_unit(title):
    def f(case, event, data):
        unit_id = case.assigned_unit_id
        _notify_all(_unit_handlers(unit_id and case.assigned_unit), f"{title} {case.number}",
                    f"{case.category.name}：{case.description[:60]}", case, sms=case.urgent)
    return f


def _n_to_supervisors(title):
    def f(case, event, data):
        _notify_all(supervisors(case), f"{title} {case.number}", event.note[:100] or case.category.name, case)
    return f


def _n_handled(case, event, data):
    _notify_all(_verifiers(case), f"待核查 {case.number}", f"{case.category.name}已处置，请到现场核查", case,
                sms=case.urgent)


def _n_rework(case, event, data):
    users = _unit_handlers(case.assigned_unit) if case.assigned_unit_id else _users_with_role(R.COMMUNITY_STAFF, case)
    _notify_all(users, f"核查未通过，请返工 {case.number}", event.note[:100], case, sms=True)


_NOTIFY = {
    "take": None, "dispatch": _n_to_unit("新派遣案件"), "reroute": _n_to_unit("改派案件"),
    "return": _n_to_supervisors("部门退回案件"), "request_extension": _n_to_supervisors("延期申请待审批"),
    "approve_extension": _n_to_unit("延期已批准"), "refuse_extension": _n_to_unit("延期被驳回"),
    "handle": _n_handled, "verify_fail": _n_rework, "verify_pass": _n_to_supervisors("核查通过待结案"),
    "escalate": _n_to_supervisors("上报案件待处理"), "resume": _n_to_supervisors("挂账案件恢复办理"),
}
_NOTIFY = {k: v for k, v in _NOTIFY.items() if v}


# -- the sweep -----------------------------------------------------------------------------------
def _responsible(case: Case):
    if case.state in (W.DISPATCHED, W.EXTENSION_REQUESTED) and case.assigned_unit_id:
        return list(_unit_handlers(case.assigned_unit)) + list(supervisors(case))
    if case.state == W.HANDLED:
        return _verifiers(case)
    return list(supervisors(case))


def sweep(now: dt.datetime | None = None, *, batch: int = 500) -> dict:
    """Warn at 80 % of a step, flag and notify at its deadline, escalate where workflow.SWEEP_ESCALATES says.

    Each case is handled in its own transaction under the row lock, re-checked after locking, so a
    sweep racing a user's action either sees the new step or waits for it. Department handling
    past its deadline is not taken away from the department: it is flagged, the unit is told by SMS
    and the supervisor and district command centre are told in the inbox.
    """
    return MACHINE.sweep(now, batch=batch)


def _step_name(case: Case) -> str:
    return W.ACTION_LABELS.get({"accept": "file", "dispatch": "dispatch", "handle": "handle",
                                "verify": "verify_pass"}.get(W.STEP_OF_STATE.get(case.state) or "", ""), "")


# -- the case machine: the engine with the cases' particulars ------------------------------------
class CaseMachine(Machine):
    keeps_clock = frozenset({"approve_extension", "refuse_extension", "request_extension", "suspend", "escalate"})
    step_due_fields = {"accept": "accept_due", "dispatch": "dispatch_due", "handle": "handle_due"}
    sweep_counts = ("warned", "overdue", "escalated", "review_due")
    illegal_error = IllegalAction
    conflict_error = CaseConflict

    def step_deadline(self, case: Case, step: str) -> Deadline:
        return Deadline(VERIFY_HOURS if step == "verify" else step_hours(case, step))

    def restart_clock(self, c: Case, row, from_state: str, now: dt.datetime) -> None:
        action = row.action
        if action not in self.keeps_clock:
            # The step changed: start the clock of the new state's step.
            step = W.STEP_OF_STATE.get(c.state)
            if step == "handle" and action == "verify_fail":
                self.start_clock(c, "handle", now, due=c.handle_due)  # 返工不重置处置时限
            elif step == "handle" and action == "resume" and c.handle_due and c.handle_due > now:
                self.start_clock(c, "handle", now, due=c.handle_due)
            else:
                self.start_clock(c, step, now)
        elif action == "escalate":
            self.start_clock(c, W.STEP_OF_STATE[c.state], now)

    def check_inputs(self, c: Case, row, role: str, inputs: dict) -> None:
        super().check_inputs(c, row, role, inputs)
        if (row.needs_photo or (row.action, role) in W.PHOTO_REQUIRED_FOR_ROLE) and not inputs.get("photos"):
            raise ValidationError(f"{row.label}须上传现场照片。")

    def append_event(self, c: Case, actor, role, action, from_state, to_state, now, *, note, data, inputs=None,
                     source=""):
        return _append_event(c, actor, role, action, from_state, to_state, now, note=note, data=data,
                             photos=(inputs or {}).get("photos") or [],
                             photo_kind="evidence" if action == "handle" else "after", source=source)

    def emit(self, c: Case, event, data: dict, *, writes=None) -> None:
        """The engine's _emit, with intake's `writes` handed to the cases' receivers (onewrite.py)."""
        self.after_event(c, event, data, writes=writes)
        event_appended.send(sender=self.model, obj=c, event=event, workflow=self.workflow)

    def after_event(self, c: Case, event, data: dict, *, writes=None) -> None:
        _NOTIFY.get(event.action, lambda *a: None)(c, event, data)
        signals.case_event_appended.send(sender=Case, case=c, event=event, writes=writes)
        if c.state == W.CLOSED:
            signals.case_closed.send(sender=Case, case=c, event=event)

    def step_label(self, c: Case) -> str:
        return _step_name(c) or c.state_label

    def on_overdue(self, case: Case, now: dt.datetime, counts: dict) -> None:
        if case.state == W.SUSPENDED:
            counts["review_due"] += 1
            _notify_all(supervisors(case), f"挂账案件到复查日期 {case.number}", case.category.name, case)
            audit.record("系统", "case.review_due", case)
            return
        counts["overdue"] += 1
        audit.record("系统", "case.overdue", case, detail={"state": case.state, "due_at": case.due_at.isoformat()})
        body = f"{case.category.name}：{self.step_label(case)}已超过时限"
        _notify_all(_responsible(case), f"案件超期 {case.number}", body, case, sms=True)
        if case.state in (W.DISPATCHED, W.EXTENSION_REQUESTED) and case.tier == W.STREET:
            _notify_all(_users_with_role(R.DISTRICT_COMMANDER, case), f"部门处置超期 {case.number}", body, case)
        self.escalate_if_declared(case, now, counts)

    def on_warn(self, case: Case, now: dt.datetime) -> None:
        _notify_all(_responsible(case), f"案件即将超期 {case.number}",
                    f"{case.category.name}：{self.step_label(case)}时限 {timezone.localtime(case.due_at):%m-%d %H:%M}",
                    case)


def _fx_escalate_case(c, row, now, *, data, **kw):
    MACHINE.escalate_tier(c, row, now, data=data)
    c.assigned_unit = None


# -- reveal ----------------------------------------------------------------------------------------
def can_see_requester(user, case: Case) -> bool:
    """Handling staff: the case's supervisors, its unit's handlers, the hotline. Not grid workers."""
    if sees_everything(user):
        return True
    for role in (R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER, R.HOTLINE_OPERATOR, R.DEPARTMENT_HANDLER):
        if any(s.role == role for s in user_roles(user)) and _in_scope(user, case, role):
            return True
    return False


def reveal_requester(actor, case: Case, *, reason: str) -> dict:
    """The requester's full name and phone, for handling staff only; logged with the reason."""
    from civicgrid.core import reveal

    if not can_see_requester(actor, case):
        raise PermissionDenied("您无权查看诉求人完整信息。")
    reason = reveal.require_reason(reason)  # the same rule as a resident's reveal
    reveal.record(actor, "case.reveal_requester", case, ["requester_name", "requester_phone"], reason)
    return {"name": case.requester_name, "phone": case.requester_phone, "description": case.description_private,
            "address": case.address_private}


@transaction.atomic
def save_category(actor, category: Category, *, changed: list[str] | None = None) -> Category:
    """Administrators edit categories (limits, default department and tier) through the admin."""
    from civicgrid.core.scoping import is_admin

    if not is_admin(actor):
        raise PermissionDenied("只有系统管理员可以维护案件类别。")
    category.full_clean()
    category.save()
    audit.record(actor, "case.category_save", category, detail={"changed": changed or []})
    return category


_EFFECTS["escalate"] = _fx_escalate_case
MACHINE = CaseMachine(W.WORKFLOW, Case, CaseEvent, event_parent="case", effects=_EFFECTS)
