"""Events carry their case's created_at: the partition key of the event table on a partitioned
database (cases/partitions.py). Nullable, no default: on SQLite an ALTER TABLE ADD COLUMN, which
keeps the append-only triggers (a table rebuild would not)."""


from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0014_open_urgency_index'),
    ]

    operations = [
        migrations.AddField(
            model_name='caseevent',
            name='case_created_at',
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name='案件上报时间'),
        ),
    ]
