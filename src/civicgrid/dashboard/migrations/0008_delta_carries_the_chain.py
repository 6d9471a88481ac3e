"""A RollupDelta row carries the case's whole chain (grid, community, street, district, city) instead of
one region and its level: intake writes one row where it wrote one per region. Rows not folded yet
are carried over (each keeps its one region, in its level's column), so the fold after the
migration counts them exactly as before."""
from django.db import migrations, models

LEVELS = ("grid", "community", "street", "district", "city")


class Migration(migrations.Migration):

    dependencies = [
        ('dashboard', '0007_board_answers_index'),
    ]

    operations = [
        *[migrations.AddField(model_name='rollupdelta', name=f'{level}_id', field=models.BigIntegerField(null=True))
          for level in LEVELS],
        migrations.RunSQL(
            "UPDATE dashboard_rollupdelta SET "
            + ", ".join(f"{level}_id = CASE WHEN level = '{level}' THEN region_id END" for level in LEVELS),
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.RemoveField(model_name='rollupdelta', name='region_id'),
        migrations.RemoveField(model_name='rollupdelta', name='level'),
    ]
