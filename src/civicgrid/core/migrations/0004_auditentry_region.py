"""The audit log gets a region per entry, so administrators read only their own area's entries.

Existing entries are filed by the same rule as new ones (core/audit.py): the object's region, else
the actor's. The append-only guard is lifted for this one backfill and put back at once, inside
the migration's transaction.
"""
import django.db.models.deletion
from django.db import migrations, models

TABLE = "core_auditentry"
CHUNK = 2000


def _common(paths: list[str]) -> str | None:
    parts = [p.strip("/").split("/") for p in paths if p]
    if not parts:
        return None
    common = []
    for codes in zip(*parts):
        if len(set(codes)) != 1:
            break
        common.append(codes[0])
    return common[-1] if common else None


def backfill(apps, schema_editor):
    from django.apps import apps as live_apps

    from civicgrid.core import dbguard

    AuditEntry = apps.get_model("core", "AuditEntry")
    Region = apps.get_model("regions", "Region")
    Role = apps.get_model("core", "Role")
    if not AuditEntry.objects.exists():
        return
    by_code = dict(Region.objects.values_list("code", "pk"))
    path_of = dict(Region.objects.values_list("pk", "path"))
    seat_paths: dict[int, list[str]] = {}
    for user_id, region_id, unit_region_id in Role.objects.values_list("user_id", "region_id",
                                                                      "department_unit__region_id"):
        seat_paths.setdefault(user_id, []).append(path_of.get(region_id or unit_region_id, ""))
    user_region = {u: by_code.get(_common(p)) for u, p in seat_paths.items()}

    def object_regions(object_type: str, ids: list[str]) -> dict[str, int | None]:
        label = object_type
        try:
            live = live_apps.get_model(label)
            model = apps.get_model(label)
        except (LookupError, ValueError):
            return {}
        pks = [i for i in ids if i.isdigit()]
        if label == "core.user":
            return {i: user_region.get(int(i)) for i in pks}
        if label == "core.role":
            rows = model.objects.filter(pk__in=pks).values_list("pk", "region_id", "department_unit__region_id")
            return {str(pk): r or u for pk, r, u in rows}
        field = getattr(live, "SCOPE_REGION_FIELD", None)
        if field is None:
            names = {f.name for f in model._meta.get_fields()}
            owner = next((n for n in ("case", "person") if n in names), None)
            if owner:
                sub = object_regions(model._meta.get_field(owner).related_model._meta.label_lower,
                                     [str(v) for v in model.objects.filter(pk__in=pks)
                                      .values_list(f"{owner}_id", flat=True)])
                return {str(pk): sub.get(str(o)) for pk, o in model.objects.filter(pk__in=pks)
                        .values_list("pk", f"{owner}_id")}
            owner = next((n for n in ("user", "recipient") if n in names), None)
            if owner:
                return {str(pk): user_region.get(u) for pk, u in model.objects.filter(pk__in=pks)
                        .values_list("pk", f"{owner}_id")}
            return {}
        rows = model.objects.filter(pk__in=pks).values_list("pk", field or "pk")
        return {str(pk): r for pk, r in rows}

    dbguard.remove(schema_editor, TABLE)
    last = 0
    while True:
        chunk = list(AuditEntry.objects.filter(pk__gt=last).order_by("pk")
                     .values_list("pk", "object_type", "object_id", "actor_id")[:CHUNK])
        if not chunk:
            break
        last = chunk[-1][0]
        by_type: dict[str, list[str]] = {}
        for _, t, oid, _ in chunk:
            if t and oid:
                by_type.setdefault(t, []).append(oid)
        found = {t: object_regions(t, ids) for t, ids in by_type.items()}
        targets: dict[int, list[int]] = {}
        for pk, t, oid, actor_id in chunk:
            region = found.get(t, {}).get(oid) or user_region.get(actor_id)
            if region:
                targets.setdefault(region, []).append(pk)
        for region, pks in targets.items():
            AuditEntry.objects.filter(pk__in=pks).update(region_id=region)
    dbguard.install(schema_editor, TABLE)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_workingdayoverride"),
        ("regions", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="region",
            field=models.ForeignKey(blank=True, db_constraint=False, null=True,
                                    on_delete=django.db.models.deletion.DO_NOTHING, related_name="+",
                                    to="regions.region", verbose_name="所属区域"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
