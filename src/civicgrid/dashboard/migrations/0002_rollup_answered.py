"""响应 counters on the daily rollups, filled in for the cases already there.

A case's first step (event seq 2) counts on the day the case came in, on the rollup row of that day
with department 0 (no case is dispatched before its first step). That row exists for every case
already: its report event wrote it. Counted by the database per region level; one UPDATE per
(day, region, category, channel) key, so a large history takes a while, once.
"""
from django.db import migrations, models
from django.db.models import Count, F, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

LEVELS = (("grid", "case__grid_id"), ("community", "case__community_id"), ("street", "case__street_id"),
          ("district", "case__district_id"), ("city", "case__district__parent_id"))


def backfill(apps, schema_editor):
    DailyRollup = apps.get_model("dashboard", "DailyRollup")
    CaseEvent = apps.get_model("cases", "CaseEvent")
    if not DailyRollup.objects.exists():
        return
    in_time = Q(case__accept_due__isnull=True) | Q(at__lte=F("case__accept_due"))
    first = CaseEvent.objects.filter(seq=2).annotate(day=TruncDate("case__created_at",
                                                                   tzinfo=timezone.get_current_timezone()))
    for level, region in LEVELS:
        rows = (first.exclude(**{f"{region}__isnull": True})
                .values("day", "case__category_id", "case__channel", region_id=F(region))
                .annotate(n=Count("pk"), k=Count("pk", filter=in_time)).order_by())
        for r in rows.iterator(chunk_size=5000):
            key = dict(day=r["day"], region_id=r["region_id"], category_id=r["case__category_id"], department_key=0,
                       channel=r["case__channel"])
            if not DailyRollup.objects.filter(**key).update(answered=r["n"], answered_in_time=r["k"]):
                DailyRollup.objects.create(**key, level=level, answered=r["n"], answered_in_time=r["k"])


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0001_initial"),
    ]

    operations = [
        migrations.AddField(model_name="dailyrollup", name="answered", field=models.PositiveIntegerField(default=0)),
        migrations.AddField(model_name="dailyrollup", name="answered_in_time",
                            field=models.PositiveIntegerField(default=0)),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
    ]
