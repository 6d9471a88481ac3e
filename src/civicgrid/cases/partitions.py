"""Time partitioning of the case and event tables on PostgreSQL (issue 19; docs/partitioning.md).

A partitioned database keeps `cases_case` in one partition per local month of `created_at`, and
`cases_caseevent` in one per local month of its case's `created_at` (copied into the event as
`case_created_at`), so a case and its whole history sit in the same month and an old month can be
archived or dropped as a pair of tables. The worker creates the partitions three months ahead
(`ensure`, hourly); a DEFAULT partition catches any row outside them, so no intake ever fails for a
missing month, and `status` reports such rows.

PostgreSQL requires every unique key of a partitioned table to contain the partition key. Three
keys do not:
- the case's id, which eight foreign keys point at (events, duplicates, the live row, Open311
  tokens, hotline contacts and callbacks, joint parts);
- the case's number;
- the event's id, which attachments point at.
The first two live in `cases_case_key (id, created_at, number)`: an unpartitioned table with one
narrow row per case, written and removed by triggers on the case table, with `id` and `number`
unique, and its own foreign key back to the case (`(id, created_at)`, the case's primary key). The
foreign keys into the case table point at it. The events' key becomes `(id, case_created_at)`,
`(case_id, seq)` stays unique as `(case_id, seq, case_created_at)` (the same thing: the event's
foreign key `(case_id, case_created_at)` to the case fixes case_created_at for a case), and an
attachment's event is checked by a constraint trigger (events are append-only, so the check at
insert is all a foreign key would do).

The Django models do not change: the ORM still sees `id` as each table's primary key and every
foreign key as before. What changes is only on PostgreSQL and only after `civicgrid
partition-cases` (convert) has run, in a maintenance window: it rewrites both tables.
"""
from __future__ import annotations

import datetime as dt
import logging
import time
import zoneinfo

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from civicgrid.core import pgschema

log = logging.getLogger(__name__)

CASES = "cases_case"
EVENTS = "cases_caseevent"
KEYS = "cases_case_key"
ATTACHMENTS = "cases_attachment"
KEY_OF = {CASES: "created_at", EVENTS: "case_created_at"}  # the partition key of each table
MONTHS_AHEAD = 3


class PartitionError(Exception):
    """A refusal, in words for the operator."""


def _tz():
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def is_partitioned(table: str = CASES) -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute("SELECT EXISTS (SELECT 1 FROM pg_partitioned_table WHERE partrelid = to_regclass(%s))", [table])
        return cur.fetchone()[0]


# -- months --------------------------------------------------------------------------------------
def month_of(moment: dt.datetime | dt.date) -> dt.date:
    """The first day of the local month of a moment (or of a date)."""
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(_tz()).date()
    return moment.replace(day=1)


def next_month(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def months(first: dt.date, last: dt.date) -> list[dt.date]:
    out, m = [], month_of(first)
    while m <= last:
        out.append(m)
        m = next_month(m)
    return out


def bound(month: dt.date) -> str:
    """Local midnight of the month's first day, as a timestamptz literal ('2026-11-01T00:00:00+08:00')."""
    return dt.datetime.combine(month, dt.time(0), tzinfo=_tz()).isoformat()


def partition_name(table: str, month: dt.date) -> str:
    return f"{table}_p{month:%Y%m}"


def _create_partition(cur, table: str, month: dt.date) -> None:
    cur.execute(f"CREATE TABLE IF NOT EXISTS {partition_name(table, month)} PARTITION OF {table} "
                f"FOR VALUES FROM ('{bound(month)}') TO ('{bound(next_month(month))}')")


def _existing(cur, table: str) -> set[str]:
    cur.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "WHERE i.inhparent = %s::regclass", [table])
    return {r[0] for r in cur.fetchall()}


# -- the worker's task ---------------------------------------------------------------------------
def ensure(*, ahead: int = MONTHS_AHEAD, since: dt.date | None = None, now: dt.datetime | None = None) -> list[str]:
    """Create the monthly partitions of both tables from `since` (default: this month) to `ahead`
    months after this one; returns the names created. Nothing on an unpartitioned database.

    A month whose rows already went to the DEFAULT partition (the worker stopped for months, or a
    backdated import) cannot get its partition by a plain CREATE; it is skipped and logged, and
    `status` shows the rows (docs/partitioning.md says how to move them)."""
    if not is_partitioned():
        return []
    this = month_of(now or timezone.now())
    last = this
    for _ in range(ahead):
        last = next_month(last)
    made = []
    with connection.cursor() as cur:
        for table, key in KEY_OF.items():
            have = _existing(cur, table)
            for month in months(min(since or this, this), last):
                name = partition_name(table, month)
                if name in have:
                    continue
                cur.execute(f"SELECT EXISTS (SELECT 1 FROM {table}_pdefault WHERE {key} >= %s AND {key} < %s)",
                            [bound(month), bound(next_month(month))])
                if cur.fetchone()[0]:
                    log.error("%s：默认分区里已有 %s 的数据，未能自动建立该月分区", table, f"{month:%Y-%m}")
                    continue
                with transaction.atomic():
                    # CREATE … PARTITION OF locks the parent exclusively: behind a long query it would
                    # hold every intake in the lock queue. Give up instead; the next run tries again.
                    cur.execute("SET LOCAL lock_timeout = '5s'")
                    _create_partition(cur, table, month)
                made.append(name)
    if made:
        log.info("已建立 %d 个分区：%s", len(made), "、".join(made[:4]) + ("……" if len(made) > 4 else ""))
    return made


def status() -> dict:
    """What an operator checks: partitioned or not, the months that exist, and rows in DEFAULT."""
    if not is_partitioned():
        return {"partitioned": False}
    out = {"partitioned": True, "tables": {}}
    with connection.cursor() as cur:
        for table in KEY_OF:
            names = sorted(n for n in _existing(cur, table) if not n.endswith("_pdefault"))
            cur.execute(f"SELECT count(*) FROM {table}_pdefault")
            out["tables"][table] = {"months": [n.rsplit("_p", 1)[1] for n in names],
                                    "default_rows": cur.fetchone()[0]}
    return out


# -- the conversion of an existing database --------------------------------------------------------
def _defs(cur, table: str) -> dict:
    """What the conversion rebuilds: secondary indexes, outgoing foreign keys, incoming foreign keys
    from other tables, triggers — as their own SQL."""
    indexes = pgschema.secondary_indexes(cur, table)
    outgoing = pgschema.constraints(cur, table, ("f",))
    cur.execute("SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE confrelid = %s::regclass AND contype = 'f' AND conparentid = 0 AND conrelid <> ALL(%s::regclass[]) "
                "ORDER BY 1, 2",
                [table, list(KEY_OF)])
    incoming = cur.fetchall()
    cur.execute("SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal "
                "ORDER BY tgname", [table])
    triggers = [r[0] for r in cur.fetchall()]
    return {"indexes": indexes, "outgoing": outgoing, "incoming": incoming, "triggers": triggers}


_KEY_TRIGGERS = f"""
CREATE OR REPLACE FUNCTION civicgrid_case_key_insert() RETURNS trigger AS $$
BEGIN
    INSERT INTO {KEYS} (id, created_at, number) VALUES (NEW.id, NEW.created_at, NEW.number);
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION civicgrid_case_key_delete() RETURNS trigger AS $$
BEGIN
    DELETE FROM {KEYS} WHERE id = OLD.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION civicgrid_case_key_fixed() RETURNS trigger AS $$
BEGIN
    IF NEW.id <> OLD.id OR NEW.created_at <> OLD.created_at OR NEW.number <> OLD.number THEN
        RAISE EXCEPTION '案件表已按月分区：案件的 id、编号和上报时间不可修改（%）', OLD.number
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION civicgrid_attachment_event_exists() RETURNS trigger AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM {EVENTS} WHERE id = NEW.event_id) THEN
        RAISE EXCEPTION 'insert or update on table "{ATTACHMENTS}" violates foreign key: event % does not exist',
            NEW.event_id USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER {CASES}_key_insert AFTER INSERT ON {CASES} FOR EACH ROW EXECUTE FUNCTION civicgrid_case_key_insert();
CREATE TRIGGER {CASES}_key_delete AFTER DELETE ON {CASES} FOR EACH ROW EXECUTE FUNCTION civicgrid_case_key_delete();
CREATE TRIGGER {CASES}_key_fixed BEFORE UPDATE OF id, created_at, number ON {CASES}
    FOR EACH ROW EXECUTE FUNCTION civicgrid_case_key_fixed();
CREATE CONSTRAINT TRIGGER {ATTACHMENTS}_event_exists AFTER INSERT OR UPDATE OF event_id ON {ATTACHMENTS}
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION civicgrid_attachment_event_exists();
"""


def _columns(cur, table: str) -> list[str]:
    cur.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped "
                "ORDER BY attnum", [table])
    return [r[0] for r in cur.fetchall()]


def convert(*, ahead: int = MONTHS_AHEAD, progress=None) -> dict:
    """Rewrite `cases_case` and `cases_caseevent` of an existing PostgreSQL database as monthly
    partitioned tables, in one transaction (all or nothing). The application and the workers must
    be stopped: the tables are locked exclusively meanwhile, and running processes hold the old
    tables' sequences. Returns counts and timings."""
    if connection.vendor != "postgresql":
        raise PartitionError("按月分区只用于 PostgreSQL；SQLite 数据库保持普通表。")
    if is_partitioned(CASES) or is_partitioned(EVENTS):
        raise PartitionError("案件表已经按月分区，无需再次转换。")
    say = progress or (lambda text: None)
    started = time.monotonic()
    steps = {}

    def tick(step: str, t0: float) -> float:
        steps[step] = round(time.monotonic() - t0, 1)
        say(f"{step}：{steps[step]} 秒")
        return time.monotonic()

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = '512MB'")
        cur.execute("SET LOCAL work_mem = '256MB'")
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no deferred checks pending on the tables we alter
        cur.execute(f"LOCK TABLE {CASES}, {EVENTS} IN ACCESS EXCLUSIVE MODE")
        t0 = time.monotonic()
        defs = {table: _defs(cur, table) for table in KEY_OF}
        case_cols, event_cols = _columns(cur, CASES), _columns(cur, EVENTS)
        if "case_created_at" not in event_cols:
            raise PartitionError("请先运行 civicgrid migrate（事件表缺少 case_created_at 列）。")
        cur.execute(f"SELECT min(created_at), count(*) FROM {CASES}")
        first, n_cases = cur.fetchone()
        now = timezone.now()
        span = months(month_of(first or now), month_of(now))
        for _ in range(ahead):
            span.append(next_month(span[-1]))
        for table in KEY_OF:
            cur.execute(f"ALTER TABLE {table} RENAME TO {table}_unpartitioned")
        # The new tables: the same columns, defaults, NOT NULLs and checks; the id sequences anew
        # (set to the old tables' values below).
        for table, key in KEY_OF.items():
            cur.execute(f"CREATE TABLE {table} (LIKE {table}_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS "
                        f"INCLUDING IDENTITY INCLUDING STORAGE) PARTITION BY RANGE ({key})")
            for month in span:
                _create_partition(cur, table, month)
            cur.execute(f"CREATE TABLE {table}_pdefault PARTITION OF {table} DEFAULT")
        t0 = tick("建表", t0)
        cols = ", ".join(case_cols)
        cur.execute(f"INSERT INTO {CASES} ({cols}) SELECT {cols} FROM {CASES}_unpartitioned")
        t0 = tick("复制案件", t0)
        own = [c for c in event_cols if c != "case_created_at"]
        cur.execute(f"INSERT INTO {EVENTS} ({', '.join(own)}, case_created_at) "
                    f"SELECT {', '.join('e.' + c for c in own)}, c.created_at FROM {EVENTS}_unpartitioned e "
                    f"JOIN {CASES} c ON c.id = e.case_id")
        n_events = cur.rowcount
        t0 = tick("复制流转记录", t0)
        cur.execute(f"DROP TABLE {EVENTS}_unpartitioned, {CASES}_unpartitioned CASCADE")  # and the incoming keys
        for table in KEY_OF:
            cur.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            seq = cur.fetchone()[0]
            cur.execute(f"ALTER SEQUENCE {seq} RENAME TO {table}_id_seq")
            cur.execute(f"SELECT setval('{table}_id_seq', GREATEST((SELECT max(id) FROM {table}), 1), "
                        f"(SELECT count(*) > 0 FROM {table}))")
        cur.execute(f"ALTER TABLE {EVENTS} ALTER COLUMN case_created_at SET NOT NULL")
        cur.execute(f"ALTER TABLE {CASES} ADD CONSTRAINT {CASES}_pkey PRIMARY KEY (id, created_at)")
        cur.execute(f"ALTER TABLE {EVENTS} ADD CONSTRAINT {EVENTS}_pkey PRIMARY KEY (id, case_created_at)")
        cur.execute(f"ALTER TABLE {EVENTS} ADD CONSTRAINT case_event_seq_unique UNIQUE (case_id, seq, case_created_at)")
        # The number's unique key moves to the key table; the case table keeps a plain index of it
        # under the old name (lookups by number).
        cur.execute(f"CREATE INDEX {CASES}_number_key ON {CASES} (number)")
        for table in KEY_OF:
            for name, definition in defs[table]["indexes"]:
                cur.execute(definition)
        t0 = tick("索引", t0)
        cur.execute(f"CREATE TABLE {KEYS} (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, "
                    f"number varchar(40) NOT NULL UNIQUE)")
        cur.execute(f"INSERT INTO {KEYS} (id, created_at, number) SELECT id, created_at, number FROM {CASES}")
        cur.execute(f"ALTER TABLE {KEYS} ADD CONSTRAINT {KEYS}_case_fk FOREIGN KEY (id, created_at) "
                    f"REFERENCES {CASES} (id, created_at) DEFERRABLE INITIALLY DEFERRED")
        t0 = tick("案件键表", t0)
        ref = f"REFERENCES {CASES}(id)"
        for table in KEY_OF:
            for name, definition in defs[table]["outgoing"]:
                if table == EVENTS and ref in definition:  # the event → case key, with the partition key
                    definition = (f"FOREIGN KEY (case_id, case_created_at) REFERENCES {CASES} (id, created_at) "
                                  f"DEFERRABLE INITIALLY DEFERRED")
                cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition.replace(ref, f"REFERENCES {KEYS}(id)")}')
        for table in KEY_OF:
            for referrer, name, definition in defs[table]["incoming"]:
                if referrer == ATTACHMENTS:
                    continue  # the constraint trigger below
                cur.execute(f'ALTER TABLE {referrer} ADD CONSTRAINT "{name}" {definition.replace(ref, f"REFERENCES {KEYS}(id)")}')
        for table in KEY_OF:
            for definition in defs[table]["triggers"]:
                cur.execute(definition)
        cur.execute(_KEY_TRIGGERS)
        t0 = tick("外键与触发器", t0)
        for table in (*KEY_OF, KEYS):
            cur.execute(f"ANALYZE {table}")
        tick("统计信息", t0)
        # Back to the tables' own timing (Django's keys are all INITIALLY DEFERRED) for the rest of
        # a caller's transaction.
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
    forget_cached_sequences()
    return {"cases": n_cases, "events": n_events, "months": [f"{m:%Y-%m}" for m in span], "steps": steps,
            "total_s": round(time.monotonic() - started, 1)}


def forget_cached_sequences() -> None:
    """Intake caches the case table's id sequence by database (services._pg_prefetch); the
    conversion makes a new one."""
    from civicgrid.cases import services

    services._case_sequence.clear()
