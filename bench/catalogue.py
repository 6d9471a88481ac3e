"""Benchmark: regenerating the recommended catalogue for a district's organisations.

    bash scripts/with-postgres.sh .venv/bin/python bench/catalogue.py [--orgs 3000]

Builds --orgs registered organisations (grades, three years of inspections, staff with certificates,
a few credit records) in an empty database, then times, in the same run:
  ours     — catalogue.regenerate() over all of them (the nightly task: one prefetching pass, four bulk
             statements for standings and history);
  baseline — catalogue.refresh(org) once per organisation (what a data change does for one), in a loop.
Both must leave the same standings. The last line printed is one JSON object.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
os.environ.setdefault("CIVICGRID_VAR_DIR", tempfile.mkdtemp(prefix="cg-bench-catalogue-"))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orgs", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=16)
    args = ap.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    Path(os.environ["CIVICGRID_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    from civicgrid.core.models import User
    from civicgrid.orgs import catalogue, creditcode
    from civicgrid.orgs.models import (CatalogueSpell, CatalogueStanding, CreditEvent, Grade, Inspection,
                                       Organisation, StaffMember)
    from civicgrid.regions.models import Region

    if Organisation.objects.exists():
        sys.exit("数据库中已有社会组织：请在空库中运行（scripts/with-postgres.sh 会创建临时库）")
    rng = random.Random(args.seed)
    city = _region(Region, "990100", "基准市", "city", None)
    district = _region(Region, "990199", "基准区", "district", city)
    user = User.objects.create_user(username="bench-catalogue")
    today = timezone.localdate()
    Organisation.objects.bulk_create([
        Organisation(name=f"基准社会组织{i}", kind="service", status="registered", region=district,
                     credit_code=creditcode.make("5", "2", "990199", f"BC{i:07d}"), legal_rep="张三",
                     domains=rng.sample(["elderly", "children", "community", "culture"], 2))
        for i in range(args.orgs)], batch_size=1000)
    orgs = list(Organisation.objects.all())
    Grade.objects.bulk_create([Grade(organisation=o, level=rng.randint(2, 5), awarded_on=today - dt.timedelta(days=400),
                                     valid_until=today + dt.timedelta(days=1400)) for o in orgs if rng.random() < .7],
                              batch_size=1000)
    Inspection.objects.bulk_create([Inspection(organisation=o, year=today.year - k, result=rng.choice(["pass", "pass", "basic", "fail"]))
                                    for o in orgs for k in (1, 2, 3)], batch_size=1000)
    StaffMember.objects.bulk_create([StaffMember(organisation=o, name="李四", certificate=rng.choice(["", "assistant", "social_worker"]))
                                     for o in orgs for _ in range(rng.randint(1, 4))], batch_size=1000)
    CreditEvent.objects.bulk_create([CreditEvent(organisation=o, kind="bad", category="complaint", source="street",
                                                 occurred_on=today - dt.timedelta(days=rng.randint(1, 2000)),
                                                 description="投诉", by=user) for o in orgs if rng.random() < .1],
                                    batch_size=1000)

    started = time.perf_counter()
    counts = catalogue.regenerate(trigger="bench")
    ours = time.perf_counter() - started
    snapshot = dict(CatalogueStanding.objects.values_list("organisation_id", "included"))
    CatalogueStanding.objects.all().delete()
    CatalogueSpell.objects.all().delete()
    started = time.perf_counter()
    for o in orgs:
        catalogue.refresh(o, trigger="bench")
    baseline = time.perf_counter() - started
    assert dict(CatalogueStanding.objects.values_list("organisation_id", "included")) == snapshot
    out = {"orgs": args.orgs, "in_catalogue": counts["in"], "ours_s": round(ours, 3), "baseline_s": round(baseline, 3),
           "speedup": round(baseline / ours, 1) if ours else None}
    print(f"全区 {args.orgs} 家重新生成推荐目录：{ours:.2f} s；逐家刷新：{baseline:.2f} s；快 {out['speedup']} 倍")
    print(json.dumps(out, ensure_ascii=False))


def _region(Region, code, name, level, parent):
    r = Region(code=code, name=name, level=level, parent=parent)
    r.path = r.compute_path()
    r.save()
    return r


if __name__ == "__main__":
    main()
