"""Reading PostgreSQL plans in tests: how many rows a statement's scans touched and through which
indexes — the measure that says a query stays bounded, where a timing would only say it was quick
on this machine today."""
from __future__ import annotations

import json

from django.db import connection


def rows_read(plan: dict) -> tuple[int, set]:
    """Rows the plan's scans touched (returned plus removed by a filter or recheck) and the indexes they
    went through (scans that ran: a branch the one-time filter skipped reads nothing)."""
    read, used = 0, set()
    if "Scan" in plan["Node Type"] and plan["Node Type"] not in ("CTE Scan", "Subquery Scan") and plan["Actual Loops"]:
        read += plan["Actual Rows"] * plan["Actual Loops"] + plan.get("Rows Removed by Filter", 0) \
            + plan.get("Rows Removed by Index Recheck", 0)
        used.add(plan.get("Index Name") or plan["Node Type"])
    for child in plan.get("Plans", ()):
        r, u = rows_read(child)
        read, used = read + r, used | u
    return read, used


def explain(sql: str, params) -> tuple[int, set]:
    """EXPLAIN ANALYZE of the statement, planned for its values: (rows read, indexes used)."""
    return rows_read(plan_of(sql, params))


def plan_of(sql: str, params) -> dict:
    """The executed plan's top node (EXPLAIN ANALYZE, JSON)."""
    with connection.cursor() as cur:
        cur.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        plan = cur.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Plan"]
