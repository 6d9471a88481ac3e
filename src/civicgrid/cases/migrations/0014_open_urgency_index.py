"""The open cases' deadline index in the worklist's order (due_at, newest first); the index on
due_at alone goes (every query by deadline is about open cases). Dropped by name, not AlterField,
which on SQLite would rebuild the case table."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('cases', '0013_lean_indexes'),
        ('departments', '0001_initial'),
        ('regions', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(model_name='case', name='due_at',
                                      field=models.DateTimeField(blank=True, null=True, verbose_name='当前环节时限')),
            ],
            database_operations=[
                migrations.RunSQL("DROP INDEX IF EXISTS cases_case_due_at_8d624b85",
                                  reverse_sql="CREATE INDEX IF NOT EXISTS cases_case_due_at_8d624b85 ON cases_case (due_at)"),
            ],
        ),
        migrations.RemoveIndex(
            model_name='case',
            name='case_open_due',
        ),
        migrations.AddIndex(
            model_name='case',
            index=models.Index(condition=models.Q(models.Q(('state', 'closed'), _negated=True), models.Q(('state', 'merged'), _negated=True), models.Q(('state', 'not_filed'), _negated=True)), fields=['due_at', '-created_at', '-id'], name='case_open_urgency'),
        ),
    ]
