"""The duplicate check's second look through an index of small map cells (PostgreSQL only).

services.DUP_CELL_SQL is the expression; the index holds the reports of a class by cell and time, so
"any report of this class near this point in the last 72 hours" (asked when no original report is
near) reads the few cells around the point instead of every report of the class in the window. SQLite keeps the plain
query (one process, no round trip, a small district): the expression would need FLOOR registered in
every connection that writes the table.
"""
from django.db import migrations

CELL = "(floor(lat * 2000)::bigint * 1000000 + floor(lng * 2000)::bigint)"
# The cell leads: a plan that takes this index reads by cell (with the category first, PostgreSQL
# may walk all of a class's entries and test the cells as a filter).
INDEX = f"CREATE INDEX IF NOT EXISTS case_dup_cells ON cases_case ({CELL}, category_id, created_at)"


def install(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(INDEX)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS case_dup_cells")


class Migration(migrations.Migration):
    dependencies = [("cases", "0015_event_case_created_at")]
    operations = [migrations.RunPython(install, remove)]
