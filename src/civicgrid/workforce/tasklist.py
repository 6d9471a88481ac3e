"""The grid worker's day (今日任务): generated, not stored.

Sources, in the order the phone shows them:
1. the duty checklists (九必访 households, buildings to walk, 六必到/九必报 occasions) — an item is due
   for a place when the place was last checked longer ago than the item's interval;
2. the grid's open cases (the closed loop; through cases_adapter);
3. any source another app registers (`register_source`): the care app's care plans will plug in
   here with a function `(grids, day) -> {grid_id: [Task, …]}`; nothing here knows about them.

Only what was done is stored (TaskDone, keyed by the task's stable key), so a checklist edited by the
district changes tomorrow's list without a migration of tasks. `for_grids` builds the lists of many
grids with a fixed number of queries (bench/task_list.py: 10,000 workers).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Max, Q
from django.utils import timezone

from civicgrid.people import models as PM

from . import cases_adapter
from .models import DutyItem, PatrolCheck, TaskDone


@dataclass
class Task:
    key: str             # stable for the day: "duty:12:b:345", "case:2026112700012"
    kind: str            # duty / case / an extension's own
    title: str
    detail: str = ""
    link: str = ""
    done: bool = False
    urgent: bool = False


Source = Callable[[list, dt.date], dict]
_SOURCES: dict[str, Source] = {}


def register_source(name: str, source: Source) -> None:
    """Add a task source (another app's): `source(grids, day) -> {grid_id: [Task, …]}`."""
    _SOURCES[name] = source


def sources() -> dict[str, Source]:
    return dict(_SOURCES)


def district_code(path: str) -> str | None:
    """The district's code in a region path ("/<city>/<district>/<street>/…/"): the last 6-digit part."""
    six = [p for p in path.strip("/").split("/") if len(p) == 6]
    return six[-1] if six else None


def _day_end(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def duty_items(district_codes) -> dict[str, list[DutyItem]]:
    out: dict[str, list[DutyItem]] = defaultdict(list)
    for item in (DutyItem.objects.filter(district__code__in=list(district_codes), active=True)
                 .select_related("district").order_by("list", "order", "id")):
        out[item.district.code].append(item)
    return out


def for_grids(grids, day: dt.date, *, worker_ids: dict | None = None) -> dict[int, list[Task]]:
    """{grid_id: [Task]} for `grids` (Region rows with .path) on `day`. `worker_ids` ({grid_id: user_id})
    marks the tasks each grid's worker ticked off today."""
    grids = list(grids)
    if not grids:
        return {}
    gids = [g.pk for g in grids]
    by_path = {g.path: g.pk for g in grids}
    districts = {g.pk: district_code(g.path) for g in grids}
    items = duty_items(set(districts.values()))
    end = _day_end(day)
    horizon = max((i.interval_days for lst in items.values() for i in lst), default=0)
    since = end - dt.timedelta(days=horizon)

    def grid_of(path: str) -> int | None:
        # a building/household region is its grid (or its community: then it belongs to no grid's list)
        return by_path.get(path)

    # Buildings and their last check; households (with their tags) and their last check.
    wants_buildings = any(i.target == "building" for lst in items.values() for i in lst)
    wants_households = any(i.target == "household" for lst in items.values() for i in lst)
    buildings: dict[int, list[tuple[int, str]]] = defaultdict(list)
    households: dict[int, list[tuple[int, str]]] = defaultdict(list)
    last_b: dict[int, dt.datetime] = {}
    last_h: dict[int, dt.datetime] = {}
    tags: dict[int, set[str]] = defaultdict(set)
    if wants_buildings:
        for pk, name, addr, gid in PM.Building.objects.filter(grid_id__in=gids).values_list("pk", "name", "address", "grid_id"):
            buildings[gid].append((pk, f"{addr}{name}"))
        last_b = dict(PatrolCheck.objects.filter(patrol__grid_id__in=gids, building__isnull=False, at__gte=since, at__lt=end)
                      .values("building_id").annotate(m=Max("at")).values_list("building_id", "m"))
    if wants_households:
        for pk, number, gid in PM.Household.objects.filter(region_id__in=gids).values_list("pk", "number", "region_id"):
            households[gid].append((pk, number or f"户{pk}"))
        last_h = dict(PatrolCheck.objects.filter(patrol__grid_id__in=gids, household__isnull=False, at__gte=since, at__lt=end)
                      .values("household_id").annotate(m=Max("at")).values_list("household_id", "m"))
        for hh, kind in (PM.PersonTag.objects.filter(person__household__region_id__in=gids, start__lte=day)
                         .filter(Q(end__isnull=True) | Q(end__gte=day)).values_list("person__household_id", "kind")):
            tags[hh].add(kind)
    occasion_done: dict[tuple[int, str], dt.date] = {}
    occasion_keys = [f"duty:{i.pk}" for lst in items.values() for i in lst if i.target == "occasion"]
    if occasion_keys:
        for gid, key, d in (TaskDone.objects.filter(grid_id__in=gids, key__in=occasion_keys, day__gt=day - dt.timedelta(days=horizon),
                                                    day__lte=day).values_list("grid_id", "key", "day")):
            if d > occasion_done.get((gid, key), dt.date.min):
                occasion_done[(gid, key)] = d

    out: dict[int, list[Task]] = {gid: [] for gid in gids}
    for g in grids:
        tasks = out[g.pk]
        for item in items.get(districts[g.pk], ()):
            cutoff = end - dt.timedelta(days=item.interval_days)
            label = item.get_list_display()
            if item.target == "building":
                for pk, name in buildings.get(g.pk, ()):
                    seen = last_b.get(pk)
                    if seen is None or seen < cutoff:
                        tasks.append(Task(f"duty:{item.pk}:b:{pk}", "duty", f"{label}·{item.name}：{name}",
                                          "上次：" + (f"{timezone.localtime(seen):%m-%d}" if seen else "未走访")))
            elif item.target == "household":
                for pk, number in households.get(g.pk, ()):
                    if item.tag and item.tag not in tags.get(pk, ()):
                        continue
                    seen = last_h.get(pk)
                    if seen is None or seen < cutoff:
                        tasks.append(Task(f"duty:{item.pk}:h:{pk}", "duty", f"{label}·{item.name}：{number}",
                                          "上次：" + (f"{timezone.localtime(seen):%m-%d}" if seen else "未走访")))
            else:
                last = occasion_done.get((g.pk, f"duty:{item.pk}"))
                if last is None or last <= day - dt.timedelta(days=item.interval_days) or last == day:
                    tasks.append(Task(f"duty:{item.pk}", "duty", f"{label}·{item.name}", f"每 {item.interval_days} 天"))
    for c in cases_adapter.open_cases(gids):
        out[c["grid_id"]].append(Task(
            f"case:{c['number']}", "case", f"案件 {c['number']} {c['category__name']}",
            cases_adapter.state_label(c["state"]) + (f" · 时限 {timezone.localtime(c['due_at']):%m-%d %H:%M}" if c["due_at"] else ""),
            link=f"/cases/{c['number']}/", urgent=c["urgent"]))
    for source in _SOURCES.values():
        for gid, extra in (source(grids, day) or {}).items():
            if gid in out:
                out[gid].extend(extra)
    if worker_ids:
        done = defaultdict(set)
        for gid, key in TaskDone.objects.filter(day=day, grid_id__in=gids).values_list("grid_id", "key"):
            done[gid].add(key)
        for gid, tasks in out.items():
            for t in tasks:
                t.done = t.key in done[gid]
    return out


def for_worker(worker, grids, day: dt.date) -> dict[int, list[Task]]:
    """The worker's own grids' lists, with what this worker ticked off today."""
    grids = list(grids)
    out = for_grids(grids, day)
    done = set(TaskDone.objects.filter(worker=worker, day=day).values_list("key", flat=True))
    for tasks in out.values():
        for t in tasks:
            t.done = t.key in done
    return out
