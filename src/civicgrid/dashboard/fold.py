"""Folding the appended deltas into the rollups the board reads.

    fold() -> int    moves every RollupDelta into DailyRollup and DailyTotal, every HeatDelta into
                     HeatCell, in one transaction; returns the number of delta rows moved.

Called by the worker every minute (tasks.fold_rollups) and by every read of the rollups before it
reads (figures, rankings, topics, the heat layer), so a figure is always folded + everything that
had committed when the read began: exact, as before, without a locked row on the request path.

Concurrency: folds take one transaction-scoped lock (an advisory lock on PostgreSQL; SQLite's
IMMEDIATE transactions serialise writers anyway), so a read that folds waits for a fold in progress
and then sees its result. On PostgreSQL the rows are taken with DELETE … RETURNING inside the same
statement that sums them, so a delta that commits during the fold is either moved by it or left
for the next one — never counted twice or lost. A fold killed half way (kill -9 of the worker)
rolls back whole: the deltas are still there and the next fold moves them once.
"""
from __future__ import annotations

from django.db import connection, transaction

from .models import COUNTERS, DailyRollup, DailyTotal, HeatCell, HeatDelta, RollupDelta

LOCK_ID = 0x63670F01  # "cg" fold: the advisory lock every fold takes on PostgreSQL

ROLLUP_KEY = ("day", "region_id", "category_id", "department_key", "channel")
TOTAL_KEY = ("region_id", "day")
HEAT_KEY = ("day", "region_id", "x", "y")


def _chain(source: str, cols: str) -> str:
    """The delta rows of `source` once for each region of their chain: (day, region_id, level,
    category_id, department_key, channel, counters…)."""
    return " UNION ALL ".join(
        f"SELECT day, {level}_id AS region_id, '{level}' AS level, category_id, department_key, channel, {cols} "
        f"FROM {source} WHERE {level}_id IS NOT NULL" for level in RollupDelta.CHAIN_LEVELS)


def _sql(pg: bool) -> list[str]:
    roll, total, heat = DailyRollup._meta.db_table, DailyTotal._meta.db_table, HeatCell._meta.db_table
    rdelta, hdelta = RollupDelta._meta.db_table, HeatDelta._meta.db_table
    cols = ", ".join(COUNTERS)
    sums = ", ".join(f"SUM({c})" for c in COUNTERS)
    add = lambda t: ", ".join(f"{c} = {t}.{c} + excluded.{c}" for c in COUNTERS)  # noqa: E731
    rkey, tkey = ", ".join(ROLLUP_KEY), ", ".join(TOTAL_KEY)
    chain_ids = ", ".join(f"{level}_id" for level in RollupDelta.CHAIN_LEVELS)
    if pg:
        moved = (f"WITH moved AS (DELETE FROM {rdelta} RETURNING day, {chain_ids}, category_id, department_key, "
                 f"channel, {cols}), chain AS ({_chain('moved', cols)}), ")
        return [
            moved
            + f"r AS (INSERT INTO {roll} (day, region_id, level, category_id, department_key, channel, {cols}) "
              f"SELECT day, region_id, MAX(level), category_id, department_key, channel, {sums} FROM chain "
              f"GROUP BY {rkey} ON CONFLICT ({rkey}) DO UPDATE SET {add(roll)} RETURNING 1) "
              f"INSERT INTO {total} (day, region_id, level, {cols}) "
              f"SELECT day, region_id, MAX(level), {sums} FROM chain GROUP BY {tkey} "
              f"ON CONFLICT ({tkey}) DO UPDATE SET {add(total)}",
            f"WITH moved AS (DELETE FROM {hdelta} RETURNING day, region_id, path, x, y, n) "
            f"INSERT INTO {heat} (day, region_id, path, x, y, n) SELECT day, region_id, MAX(path), x, y, SUM(n) "
            f"FROM moved GROUP BY day, region_id, x, y "
            f"ON CONFLICT (day, region_id, x, y) DO UPDATE SET n = {heat}.n + excluded.n",
        ]
    # SQLite: writers are serialised, so "everything up to the highest id now" is a stable set.
    chain = f"({_chain(f'(SELECT * FROM {rdelta} WHERE id <= %(r)s)', cols)})"
    return [
        f"INSERT INTO {roll} (day, region_id, level, category_id, department_key, channel, {cols}) "
        f"SELECT day, region_id, MAX(level), category_id, department_key, channel, {sums} FROM {chain} "
        f"WHERE true GROUP BY {rkey} ON CONFLICT ({rkey}) DO UPDATE SET {add(roll)}",
        f"INSERT INTO {total} (day, region_id, level, {cols}) "
        f"SELECT day, region_id, MAX(level), {sums} FROM {chain} WHERE true GROUP BY {tkey} "
        f"ON CONFLICT ({tkey}) DO UPDATE SET {add(total)}",
        f"DELETE FROM {rdelta} WHERE id <= %(r)s",
        f"INSERT INTO {heat} (day, region_id, path, x, y, n) SELECT day, region_id, MAX(path), x, y, SUM(n) "
        f"FROM {hdelta} WHERE id <= %(h)s GROUP BY day, region_id, x, y "
        f"ON CONFLICT (day, region_id, x, y) DO UPDATE SET n = {heat}.n + excluded.n",
        f"DELETE FROM {hdelta} WHERE id <= %(h)s",
    ]


_STATEMENTS: dict[bool, list[str]] = {}


def fold() -> int:
    """Move every committed delta into the folded tables, once. Returns the delta rows moved."""
    pg = connection.vendor == "postgresql"
    sql = _STATEMENTS.setdefault(pg, _sql(pg))
    moved = 0
    with transaction.atomic(), connection.cursor() as cur:
        if pg:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_ID])
            for statement in sql:
                cur.execute(statement)
                moved += max(cur.rowcount, 0)
            return moved
        cur.execute(f"SELECT MAX(id), COUNT(*) FROM {RollupDelta._meta.db_table}")
        r, nr = cur.fetchone()
        cur.execute(f"SELECT MAX(id), COUNT(*) FROM {HeatDelta._meta.db_table}")
        h, nh = cur.fetchone()
        if not (nr or nh):
            return 0
        for statement in sql:
            cur.execute(statement, {"r": r or 0, "h": h or 0})
        return nr + nh
