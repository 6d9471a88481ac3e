"""The board's breakdowns read a partial covering index (rollup_answers); DailyRollup.region loses
its own index, which rollup_region_day starts with; (level, day) goes: no query reads the rollups by
level (rankings and the map read DailyTotal).

The region index is dropped by name rather than by AlterField, which on SQLite rebuilds the table;
the name is the one Django gave it on both databases."""
import django.db.models.deletion
from django.db import migrations, models

INDEX = "dashboard_dailyrollup_region_id_352cbc07"


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0006_rollup_category_index'),
        ('regions', '0001_initial'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='dailyrollup',
                    name='region',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                            related_name='+', to='regions.region'),
                ),
            ],
            database_operations=[
                migrations.RunSQL(f"DROP INDEX IF EXISTS {INDEX}",
                                  reverse_sql=f"CREATE INDEX IF NOT EXISTS {INDEX} ON dashboard_dailyrollup (region_id)"),
            ],
        ),
        migrations.RemoveIndex(model_name='dailyrollup', name='rollup_level_day'),
        migrations.AddIndex(
            model_name='dailyrollup',
            index=models.Index(condition=models.Q(('reported__gt', 0), ('answered__gt', 0), _connector='OR'),
                               fields=['region', 'day'],
                               include=('channel', 'category', 'reported', 'answered', 'answered_in_time'),
                               name='rollup_answers'),
        ),
    ]
