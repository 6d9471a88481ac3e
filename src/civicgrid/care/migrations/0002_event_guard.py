"""Alert timelines are append-only in the database too (core.dbguard, as for case and dispute events)."""
from django.db import migrations

TABLE = "care_alertevent"


def install_guard(apps, schema_editor):
    from civicgrid.core import dbguard

    dbguard.install(schema_editor, TABLE)


def remove_guard(apps, schema_editor):
    from civicgrid.core import dbguard

    dbguard.remove(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("care", "0001_initial"), ("core", "0002_audit_append_only")]
    operations = [migrations.RunPython(install_guard, remove_guard)]
