"""The duplicate check's two looks by "spot" — map cell and class in one number (PostgreSQL only).

services.DUP_SPOT_SQL is the expression, services.DUP_ROOT_SQL the original reports' condition.
case_dup_root_spots holds the original reports (not flagged, not merged) by spot and time: at a hot
spot of thousands of calls the first look reads the one or few originals in the cells around the
point. case_dup_spots holds every report by spot and time (the second look) and replaces
case_dup_cells (cell, class, time), which the class-leading indexes could be preferred to: the
check's statement now has conditions only these two indexes can use, so whatever plan PostgreSQL
makes for it is bounded by the cells around the point, and intake can prepare it once per
connection (services._pg_prefetch). Before, the first look went through case_dup_roots (class and
latitude band), and with some statistics PostgreSQL combined that with the state and time indexes
instead — tens of thousands of index entries per intake at a hot spot. Runs ANALYZE (a few seconds
on millions of cases): the plans rely on the spot expressions' statistics (services.DUP_SPOT_SQL).
"""
from django.db import migrations

CELL = "(floor(lat * 2000)::bigint * 1000000 + floor(lng * 2000)::bigint)"
SPOT = f"({CELL} * 33554432 + category_id)"
INDEXES = [
    f"CREATE INDEX IF NOT EXISTS case_dup_root_spots ON cases_case ({SPOT}, created_at) "
    "WHERE COALESCE(possible_duplicate_id, duplicate_of_id) IS NULL",
    f"CREATE INDEX IF NOT EXISTS case_dup_spots ON cases_case ({SPOT}, created_at)",
    "DROP INDEX IF EXISTS case_dup_cells",
    # The planner's statistics of the spot expressions come from ANALYZE (autovacuum's only after a
    # tenth of the table has changed): without them, on a table of millions with statistics of its
    # own columns, PostgreSQL preferred the time index for the second look (the whole city's 72 hours).
    "ANALYZE cases_case",
]


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in INDEXES:
            schema_editor.execute(sql)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_dup_root_spots")
        schema_editor.execute("DROP INDEX IF EXISTS case_dup_spots")
        schema_editor.execute(f"CREATE INDEX IF NOT EXISTS case_dup_cells ON cases_case ({CELL}, category_id, created_at)")


class Migration(migrations.Migration):
    dependencies = [("cases", "0016_duplicate_cells")]
    operations = [migrations.RunPython(install, remove)]
