"""The board's breakdowns read a partial covering index (rollup_answers); (level, day) goes: no
query reads the rollups by level (rankings and the map read DailyTotal)."""
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0006_rollup_category_index'),
    ]

    operations = [
        migrations.RemoveIndex(model_name='dailyrollup', name='rollup_level_day'),
        migrations.AddIndex(
            model_name='dailyrollup',
            index=models.Index(condition=models.Q(('reported__gt', 0), ('answered__gt', 0), _connector='OR'),
                               fields=['region', 'day'],
                               include=('channel', 'category', 'reported', 'answered', 'answered_in_time'),
                               name='rollup_answers'),
        ),
    ]
