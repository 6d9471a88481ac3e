"""Benchmark: the day's task lists for 10,000 grid workers, beside the plain query of their due items.

    bash scripts/with-postgres.sh .venv/bin/python bench/task_list.py [--grids 10000]

Builds its own data in the database DATABASE_URL names (SQLite if unset): one district, --grids grids
(one grid worker each) under 100 communities, 8 buildings and 6 households per grid, the duty
checklist (a weekly building walk, a monthly household visit, four occasion items), and a week of
patrol checks covering about half the buildings and a third of the households.

Two ways in the same run, over every grid in chunks of 1,000 (a morning batch):
  ours     — workforce.tasklist.for_grids: the lists as the phone shows them (Task objects with
             titles and details, occasion items, the grids' open cases, registered sources);
  baseline — the plain query of the due items: buildings not walked within 7 days and households
             not visited within 30 days with what names them (two queries with NOT IN), the occasion items ticked within
             their interval, the grids' open cases and the checklist rows — tuples, no lists built.
Both must find the same number of place tasks. The last line printed is one JSON object with the
ratio ours ÷ baseline (goal ≤ 2).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")
os.environ.setdefault("CIVICGRID_VAR_DIR", tempfile.mkdtemp(prefix="cg-bench-tasks-"))

CHUNK = 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--grids", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import django

    django.setup()
    from django.core.management import call_command

    Path(os.environ["CIVICGRID_VAR_DIR"]).mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    grids, build_s = build(args.grids)
    from django.utils import timezone

    from civicgrid.workforce import tasklist

    day = timezone.localdate()
    from civicgrid.regions.models import Region

    # Each chunk is a range of grid codes, as a batch job selects them (a queryset: a subquery in SQL).
    bounds = [(grids[i].code, grids[min(i + CHUNK, len(grids)) - 1].code) for i in range(0, len(grids), CHUNK)]
    chunks = [Region.objects.filter(level="grid", code__gte=lo, code__lte=hi).order_by("code") for lo, hi in bounds]

    def ours() -> int:
        n = 0
        for chunk in chunks:
            for tasks in tasklist.for_grids(chunk, day).values():
                n += sum(1 for t in tasks if ":b:" in t.key or ":h:" in t.key)
        return n

    def baseline() -> int:
        return sum(plain(chunk, day) for chunk in chunks)

    ours_n, base_n = ours(), baseline()  # warm the caches, and check both agree
    if ours_n != base_n:
        sys.exit(f"结果不一致：任务清单 {ours_n} 条，基准查询 {base_n} 条")
    t_ours = min(_time(ours) for _ in range(args.repeat))
    t_base = min(_time(baseline) for _ in range(args.repeat))
    from django.db import connection

    print(f"数据库 {connection.vendor}，网格 {len(grids)}，造数 {build_s:.1f} s，到期地点任务 {ours_n}")
    print(f"任务清单（for_grids）   {t_ours:8.2f} s")
    print(f"基准（到期事项直查）    {t_base:8.2f} s")
    print(json.dumps({"bench": "task_list", "grids": len(grids), "db": connection.vendor, "tasks": ours_n,
                      "ours_s": round(t_ours, 3), "baseline_s": round(t_base, 3),
                      "ratio": round(t_ours / t_base, 2), "goal": 2.0}, ensure_ascii=False))


def _time(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def plain(chunk, day) -> int:
    """The due items, queried plainly: what the lists must contain, without building them."""
    from django.utils import timezone

    from civicgrid.people.models import Building, Household
    from civicgrid.workforce.models import DutyItem, PatrolCheck

    gids = chunk.values("pk")
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    from civicgrid.cases.models import Case
    from civicgrid.cases.workflow import OPEN_STATES
    from civicgrid.workforce.models import TaskDone

    items = list(DutyItem.objects.filter(active=True).values_list("pk", "target", "interval_days"))
    n = 0
    list(Case.objects.filter(grid_id__in=gids, state__in=OPEN_STATES).values_list("grid_id", "number"))
    for pk, target, days in items:
        since = end - dt.timedelta(days=days)
        if target == "building":
            seen = PatrolCheck.objects.filter(patrol__grid_id__in=gids, building__isnull=False, at__gte=since,
                                              at__lt=end).values("building_id")
            n += len(list(Building.objects.filter(grid_id__in=gids).exclude(pk__in=seen)
                          .values_list("grid_id", "pk", "address", "name")))
        elif target == "household":
            seen = PatrolCheck.objects.filter(patrol__grid_id__in=gids, household__isnull=False, at__gte=since,
                                              at__lt=end).values("household_id")
            n += len(list(Household.objects.filter(region_id__in=gids).exclude(pk__in=seen)
                          .values_list("region_id", "pk", "number")))
        else:  # an occasion: due unless ticked within the interval
            list(TaskDone.objects.filter(grid_id__in=gids, key=f"duty:{pk}", day__gt=day - dt.timedelta(days=days))
                 .values_list("grid_id", flat=True))
    return n


def build(n_grids: int):
    import uuid

    from django.db import transaction
    from django.utils import timezone

    from civicgrid.core import roles as R
    from civicgrid.core.models import Role, User
    from civicgrid.people.models import Building, Household
    from civicgrid.regions.models import Region
    from civicgrid.workforce.models import DutyItem, Patrol, PatrolCheck

    if Region.objects.filter(code="990199").exists():
        sys.exit("数据库中已有基准数据：请在空库中运行（scripts/with-postgres.sh 会创建临时库）")
    t0 = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        city = _region("990100", "基准市", "city", None)
        district = _region("990199", "基准区", "district", city)
        streets = [_region(f"990199{s:03d}000", f"基准{s}街道", "street", district) for s in range(1, 11)]
        communities = [_region(f"{streets[c // 10].code[:9]}{c % 10 + 1:03d}", f"基准{c + 1}社区", "community",
                               streets[c // 10]) for c in range(100)]
        per = n_grids // len(communities)
        grids = []
        for c in communities:
            for g in range(1, per + 1):
                code = f"{c.code}{g:03d}"
                grids.append(Region(code=code, name=f"{c.name}第{g}网格", level="grid", parent=c, path=f"{c.path}{code}/"))
        Region.objects.bulk_create(grids, batch_size=2000)
        grids = list(Region.objects.filter(level="grid").order_by("code"))
        users = User.objects.bulk_create([User(username=f"bench-g{g.code}", display_name="网格员") for g in grids], batch_size=2000)
        Role.objects.bulk_create([Role(user=u, role=R.GRID_WORKER, region=g) for u, g in zip(users, grids)], batch_size=2000)
        Building.objects.bulk_create([Building(community_id=g.parent_id, grid=g, region=g, name=f"{g.code[-3:]}-{b}号楼")
                                      for g in grids for b in range(1, 9)], batch_size=5000)
        Household.objects.bulk_create([Household(community_id=g.parent_id, region=g, number=f"{g.code[-3:]}-{h}")
                                       for g in grids for h in range(1, 7)], batch_size=5000)
        DutyItem.objects.bulk_create([
            DutyItem(district=district, list="visit9", name="楼栋巡查", target="building", interval_days=7),
            DutyItem(district=district, list="visit9", name="入户走访", target="household", interval_days=30),
            *[DutyItem(district=district, list=lst, name=name, target="occasion", interval_days=7)
              for lst, name in [("report9", "安全隐患"), ("report9", "矛盾纠纷苗头"), ("attend6", "居民家中发生重大变故"),
                                ("attend6", "突发事件现场")]],
        ])
        patrols = Patrol.objects.bulk_create([Patrol(client_id=uuid.uuid4(), worker=u, grid=g,
                                                     started_at=now - dt.timedelta(days=2), ended_at=now - dt.timedelta(days=2))
                                              for u, g in zip(users, grids)], batch_size=2000)
        by_grid_b: dict = {}
        for gid, pk in Building.objects.values_list("grid_id", "pk"):
            by_grid_b.setdefault(gid, []).append(pk)
        by_grid_h: dict = {}
        for gid, pk in Household.objects.values_list("region_id", "pk"):
            by_grid_h.setdefault(gid, []).append(pk)
        checks = []
        for p in patrols:
            for b in by_grid_b[p.grid_id][:4]:
                checks.append(PatrolCheck(patrol=p, client_id=uuid.uuid4(), at=p.started_at, building_id=b, outcome="nothing"))
            for h in by_grid_h[p.grid_id][:2]:
                checks.append(PatrolCheck(patrol=p, client_id=uuid.uuid4(), at=p.started_at, household_id=h, outcome="nothing"))
        PatrolCheck.objects.bulk_create(checks, batch_size=5000)
    return grids, time.perf_counter() - t0


def _region(code, name, level, parent):
    from civicgrid.regions.models import Region

    r = Region(code=code, name=name, level=level, parent=parent)
    r.path = r.compute_path()
    r.save()
    return r


if __name__ == "__main__":
    main()
