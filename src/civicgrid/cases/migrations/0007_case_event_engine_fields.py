"""Case events take the workflow engine's event fields (core.workflow.models.WorkflowEventFields):
state names up to 30 characters, as for every other app's events.

On SQLite, AlterField rebuilds the table and the rebuilt table has no triggers: the append-only guard
(0002) is removed first and installed again after, on every database, so the result is the same.
On PostgreSQL widening a varchar is a catalogue change only (no rewrite of a large events table).
"""
from django.db import migrations, models

TABLE = "cases_caseevent"


def install_guard(apps, schema_editor):
    from civicgrid.core import dbguard

    dbguard.install(schema_editor, TABLE)


def remove_guard(apps, schema_editor):
    from civicgrid.core import dbguard

    dbguard.remove(schema_editor, TABLE)


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0006_private_text_db_default'),
    ]

    operations = [
        migrations.RunPython(remove_guard, install_guard),
        migrations.AlterField(
            model_name='caseevent',
            name='from_state',
            field=models.CharField(blank=True, max_length=30, verbose_name='原状态'),
        ),
        migrations.AlterField(
            model_name='caseevent',
            name='to_state',
            field=models.CharField(max_length=30, verbose_name='新状态'),
        ),
        migrations.RunPython(install_guard, remove_guard),
    ]
