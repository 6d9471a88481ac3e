from django.db import migrations

TABLE = "core_auditentry"


def forwards(apps, schema_editor):
    from civicgrid.core import dbguard

    dbguard.install(schema_editor, TABLE)


def backwards(apps, schema_editor):
    from civicgrid.core import dbguard

    dbguard.remove(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
