"""The default credit rules and recommended-catalogue conditions (data; staff change them afterwards).

Credit: listed as seriously dishonest in the last 5 years → 严重失信; two bad records or an
administrative penalty in 3 years → 失信; listed as abnormal in 2 years → 活动异常; three good records
in 3 years → 守信激励. Catalogue: the issue's example conditions (3A or better, inspections passed in
each of the last two years, no bad credit in 3 years, ≥ 2 certified social workers).
"""
from django.db import migrations

RULES = [
    ("serious", "严重失信", "bad", ["serious"], 5, 1, 10),
    ("dishonest", "失信", "bad", ["penalty"], 3, 1, 20),
    ("dishonest", "失信", "bad", [], 3, 2, 21),
    ("abnormal", "活动异常", "bad", ["abnormal", "late_report"], 2, 1, 30),
    ("trusted", "守信激励", "good", [], 3, 3, 40),
]
CONDITIONS = [
    ("grade_at_least", "3", "评估等级 3A 及以上", 10),
    ("inspections_passed", "2", "最近两年年检均合格", 20),
    ("no_bad_credit", "3", "近三年无不良信用记录", 30),
    ("certified_workers", "2", "持证社会工作者不少于 2 名", 40),
]


def install(apps, schema_editor):
    Rule = apps.get_model("orgs", "CreditRule")
    Cond = apps.get_model("orgs", "CatalogueCondition")
    for status, label, kind, cats, years, n, prio in RULES:
        Rule.objects.create(status=status, label=label, kind=kind, categories=cats, within_years=years, min_count=n,
                            priority=prio)
    for metric, value, label, order in CONDITIONS:
        Cond.objects.create(metric=metric, value=value, label=label, order=order)


def remove(apps, schema_editor):
    apps.get_model("orgs", "CreditRule").objects.all().delete()
    apps.get_model("orgs", "CatalogueCondition").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("orgs", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
