"""Load the shipped categories (data/categories.json) and make case events append-only in the database.

Categories are loaded once; afterwards administrators edit them in the admin. The guard mirrors the
audit log's (core.dbguard): PostgreSQL refuses UPDATE/DELETE on events for every client; SQLite
refuses UPDATE always and DELETE unless the test suite's flush unlocked it.
"""
import json
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "categories.json"
TABLE = "cases_caseevent"

SQLITE_INSTALL = [
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'case events are append-only: UPDATE refused'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
        WHEN civicgrid_audit_locked() BEGIN SELECT RAISE(ABORT, 'case events are append-only: DELETE refused'); END""",
]
SQLITE_REMOVE = [f"DROP TRIGGER IF EXISTS {TABLE}_no_update", f"DROP TRIGGER IF EXISTS {TABLE}_no_delete"]
POSTGRES_INSTALL = [
    """CREATE OR REPLACE FUNCTION civicgrid_case_event_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'case events are append-only: % refused', TG_OP; END; $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER {TABLE}_append_only BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION civicgrid_case_event_append_only()""",
]
POSTGRES_REMOVE = [f"DROP TRIGGER IF EXISTS {TABLE}_append_only ON {TABLE}",
                   "DROP FUNCTION IF EXISTS civicgrid_case_event_append_only()"]


def load_categories(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    for row in json.loads(DATA.read_text(encoding="utf-8")):
        Category.objects.update_or_create(code=row["code"], defaults={k: v for k, v in row.items() if k != "code"})


def install_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_INSTALL, "postgresql": POSTGRES_INSTALL}.get(vendor, []):
        schema_editor.execute(sql, params=None)  # None: the "%" in the plpgsql body is not a placeholder


def remove_guard(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for sql in {"sqlite": SQLITE_REMOVE, "postgresql": POSTGRES_REMOVE}.get(vendor, []):
        schema_editor.execute(sql, params=None)  # None: the "%" in the plpgsql body is not a placeholder


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("core", "0002_audit_append_only")]
    operations = [
        migrations.RunPython(load_categories, migrations.RunPython.noop),
        migrations.RunPython(install_guard, remove_guard),
    ]
