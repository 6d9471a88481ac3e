from django.db import migrations


def forwards(apps, schema_editor):
    from civicgrid.core import dbguard

    dbguard.install(schema_editor)


def backwards(apps, schema_editor):
    from civicgrid.core import dbguard

    dbguard.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
