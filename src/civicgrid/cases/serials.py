"""Case numbers: YYYYMMDD + a five-digit serial of the local day, handed out without a shared lock.

    next_number(now) -> str        the next number of now's local day
    ensure_day(day)                make sure the day's counter exists (the worker does today and tomorrow)
    advance(day, last)             a bulk loader that wrote numbers itself: never hand out ≤ last again

PostgreSQL: one SEQUENCE per day (cases_serial_YYYYMMDD). nextval() takes no row lock and is not
undone by a rollback, so concurrent intakes of one district never wait on each other. The price:
numbers are unique and increasing, but an intake that fails after numbering (a database error,
a crash) leaves a gap; nothing is ever numbered twice. A day's sequence is created — in its own
short autocommit connection, so it exists for everyone at once — starting after the highest number
already used that day (a bulk load, the older CaseSerial row), by the worker ahead of time or by
the first intake of the day.

SQLite serialises writers anyway: the day's CaseSerial row is counted up in the intake's own
transaction (numbers dense, no gaps).
"""
from __future__ import annotations

import datetime as dt
import threading

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from .models import Case, CaseSerial

# (database name, sequence name) → the sequence's oid, once known to exist. nextval() is called by
# oid: a name created by another connection during our transaction is not always found by name
# within it (the name lookup can use the transaction's older catalog snapshot).
_ready: dict[tuple[str, str], int] = {}
_lock = threading.Lock()


def _name(day: dt.date) -> str:
    return f"cases_serial_{day:%Y%m%d}"


def number(day: dt.date, serial: int) -> str:
    return f"{day:%Y%m%d}{serial:05d}"


def _used(cur, day: dt.date) -> int:
    """The highest serial already taken for `day` by any other path (a load, the old counter row)."""
    prefix = f"{day:%Y%m%d}"
    cur.execute(f"SELECT MAX(number) FROM {Case._meta.db_table} WHERE number >= %s AND number < %s",
                [prefix, f"{day + dt.timedelta(days=1):%Y%m%d}"])
    top = cur.fetchone()[0]
    last = int(top[8:]) if top and top[8:].isdigit() else 0
    cur.execute(f"SELECT last FROM {CaseSerial._meta.db_table} WHERE day = %s", [day])
    row = cur.fetchone()
    return max(last, row[0] if row else 0)


def _pg_create(day: dt.date, start: int) -> int:
    """CREATE SEQUENCE in a separate autocommit connection: visible to every intake as soon as it
    exists, and not rolled back if the intake that needed it fails. Returns its oid."""
    import psycopg

    params = {k: v for k, v in connection.get_connection_params().items() if k not in ("cursor_factory", "context")}
    with psycopg.connect(**params, autocommit=True) as own:
        try:
            own.execute(f"CREATE SEQUENCE IF NOT EXISTS {_name(day)} START WITH {int(start)}")
        except (psycopg.errors.UniqueViolation, psycopg.errors.DuplicateTable):
            pass  # another process created it at the same moment
        return own.execute("SELECT to_regclass(%s)::oid", [_name(day)]).fetchone()[0]


def ensure_day(day: dt.date) -> int | None:
    """The day's sequence (its oid), created when missing. None on SQLite."""
    if connection.vendor != "postgresql":
        return None
    key = (connection.settings_dict["NAME"], _name(day))
    oid = _ready.get(key)
    if oid is None:
        with connection.cursor() as cur:
            cur.execute("SELECT to_regclass(%s)::oid", [_name(day)])
            oid = cur.fetchone()[0] or _pg_create(day, _used(cur, day) + 1)
        with _lock:
            _ready[key] = oid
    return oid


def next_number(now: dt.datetime) -> str:
    day = timezone.localtime(now).date()
    if connection.vendor == "postgresql":
        oid = ensure_day(day)
        with connection.cursor() as cur:
            cur.execute("SELECT nextval(%s::oid::regclass)", [oid])
            return number(day, cur.fetchone()[0])
    if not CaseSerial.objects.filter(day=day).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                CaseSerial.objects.create(day=day, last=1)
        except IntegrityError:  # another intake created today's row first
            CaseSerial.objects.filter(day=day).update(last=F("last") + 1)
    return number(day, CaseSerial.objects.get(day=day).last)


def advance(day: dt.date, last: int) -> None:
    """After a bulk load wrote numbers up to `last` for `day`: the live path continues above it."""
    if connection.vendor == "postgresql":
        oid = ensure_day(day)
        with connection.cursor() as cur:
            cur.execute("SELECT setval(%s::oid::regclass, GREATEST(%s, (SELECT last_value FROM " + _name(day) + ")))",
                        [oid, int(last)])
    else:
        CaseSerial.objects.update_or_create(day=day, defaults={"last": last})


def advance_if_created(day: dt.date, last: int) -> None:
    """A bulk load's numbers for `day` end at `last`: a sequence the worker already made for that day
    (today's, tomorrow's) moves above them; a day without one gets it later from _used(), which reads
    the loaded numbers, so no sequence is made for each of a year's loaded days."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute("SELECT to_regclass(%s)::oid", [_name(day)])
        oid = cur.fetchone()[0]
        if oid:
            cur.execute("SELECT setval(%s::oid::regclass, GREATEST(%s, (SELECT last_value FROM " + _name(day) + ")))",
                        [oid, int(last)])


def prepare_ahead(now: dt.datetime | None = None) -> list[str]:
    """The worker: today's and tomorrow's counters exist before the first intake needs them."""
    today = timezone.localdate(now)
    days = [today, today + dt.timedelta(days=1)]
    for d in days:
        ensure_day(d)
    return [_name(d) for d in days]
