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


def load_categories(apps, schema_editor):
    Category = apps.get_model("cases", "Category")
    for row in json.loads(DATA.read_text(encoding="utf-8")):
        Category.objects.update_or_create(code=row["code"], defaults={k: v for k, v in row.items() if k != "code"})


def install_guard(apps, schema_editor):
    from civicgrid.core import dbguard

    dbguard.install(schema_editor, TABLE)


def remove_guard(apps, schema_editor):
    from civicgrid.core import dbguard

    dbguard.remove(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial"), ("core", "0002_audit_append_only")]
    operations = [
        migrations.RunPython(load_categories, migrations.RunPython.noop),
        migrations.RunPython(install_guard, remove_guard),
    ]
