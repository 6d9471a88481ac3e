"""The grid worker's day (今日任务): generated, not stored.

Sources, in the order the phone shows them:
1. the duty checklists (九必访 households, buildings to walk, 六必到/九必报 occasions) — an item is due
   for a place when the place was last checked longer ago than the item's interval;
2. the grid's open cases (the closed loop; through cases_adapter);
3. every source an app declares in its manifest (`task_sources`: dotted paths of functions
   `(grids, day) -> {grid_id: [Task or dict, …]}` — the care app's due care contacts), plus any
   registered at run time (`register_source`); nothing here knows about them. `grids` is a list of
   Region rows, or, for a batch, the queryset that selects them (use it as a subquery, see below).

Only what was done is stored (TaskDone, keyed by the task's stable key), so a checklist edited by the
district changes tomorrow's list without a migration of tasks. `for_grids` builds the lists of many
grids with a fixed number of queries (bench/task_list.py: 10,000 workers).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Coalesce, Concat, NullIf
from django.utils import timezone
from django.utils.module_loading import import_string

from civicgrid.people import models as PM

from . import cases_adapter
from .models import LIST_CHOICES, DutyItem, PatrolCheck, TaskDone


@dataclass(slots=True)
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


@cache
def _declared() -> dict[str, Source]:
    """The manifests' `task_sources`, by dotted path, imported on first use."""
    from civicgrid.core.manifest import each

    return {ref: import_string(ref) for _, ref in each("task_sources")}


def sources() -> dict[str, Source]:
    return {**_declared(), **_SOURCES}


def _task(t) -> Task:
    """A source's item: a Task, or a plain dict of Task's fields (so an app need not import workforce)."""
    return t if isinstance(t, Task) else Task(**t)


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


def _due_places(model, grid_field: str, check_field: str, gids, since, end, *, key: str, title: str,
                tag: str = "", day=None) -> list[tuple[int, str, str]]:
    """(grid_id, task key, task title) for the places in the grids not checked since `since`.

    One query: the "already seen" set is a subquery (NOT IN), so no check times travel to Python,
    and the key and title are concatenated by the database, so Python only wraps the rows."""
    seen = PatrolCheck.objects.filter(patrol__grid_id__in=gids, at__gte=since, at__lt=end,
                                      **{f"{check_field}__isnull": False}).values(check_field)
    qs = model.objects.filter(**{f"{grid_field}__in": gids}).exclude(pk__in=seen)
    if tag:
        tagged = (PM.PersonTag.objects.filter(kind=tag, start__lte=day).filter(Q(end__isnull=True) | Q(end__gte=day))
                  .values("person__household_id"))
        qs = qs.filter(pk__in=tagged)
    name = (Concat("address", "name", output_field=CharField()) if model is PM.Building
            else Coalesce(NullIf("number", Value("")), Concat(Value("户"), Cast("pk", CharField()), output_field=CharField())))
    return list(qs.annotate(k=Concat(Value(key), Cast("pk", CharField()), output_field=CharField()),
                            t=Concat(Value(title), name, output_field=CharField()))
                .values_list(grid_field, "k", "t"))


PLACE_TARGETS = ("building", "household")


def _recently_ticked(gids, occasion_items, day: dt.date) -> dict[str, set[int]]:
    """{task key: grids that ticked it within its item's interval, before today}, for every occasion
    item in one query (one per item cost more to prepare than to run, for a batch of grids)."""
    if not occasion_items:
        return {}
    intervals = {f"duty:{i.pk}": i.interval_days for i in occasion_items}
    oldest = day - dt.timedelta(days=max(intervals.values()))
    out: dict[str, set[int]] = defaultdict(set)
    for gid, key, ticked_on in TaskDone.objects.filter(grid_id__in=gids, key__in=list(intervals),
                                                       day__gt=oldest, day__lt=day).values_list("grid_id", "key", "day"):
        if ticked_on > day - dt.timedelta(days=intervals[key]):
            out[key].add(gid)
    return out


def for_grids(grids, day: dt.date) -> dict[int, list[Task]]:
    """{grid_id: [Task]} for `grids` (Region rows with .path, or a queryset of them) on `day`, with a fixed number of queries
    whatever the number of grids (per checklist item, not per grid or place)."""
    # A queryset of grids (a batch: a street, a range of codes) is used as a subquery: a list of
    # thousands of ids costs Django ~0.1 ms per id per query to prepare, more than the query itself.
    # Only (id, path) pairs are read for it: a batch needs no Region rows.
    if isinstance(grids, QuerySet):
        selection, batch = grids.values("pk"), grids
        pairs = list(grids.values_list("id", "path"))
    else:
        grids = list(grids)
        selection, batch = None, grids
        pairs = [(g.pk, g.path) for g in grids]
    if not pairs:
        return {}
    gids = [gid for gid, _ in pairs]
    districts = {gid: district_code(path) for gid, path in pairs}
    items = duty_items(set(districts.values()))
    end = _day_end(day)
    labels = dict(LIST_CHOICES)
    out: dict[int, list[Task]] = {gid: [] for gid in gids}
    by_district: dict[str, list[int]] = defaultdict(list)
    for gid, code in districts.items():
        by_district[code].append(gid)
    for code, ids in by_district.items():
        dgids = selection if selection is not None and len(by_district) == 1 else ids
        district_items = items.get(code, ())
        ticked = _recently_ticked(dgids, [i for i in district_items if i.target not in PLACE_TARGETS], day)
        for item in district_items:
            prefix = f"{labels[item.list]}·{item.name}"
            since = end - dt.timedelta(days=item.interval_days)
            if item.target == "building":
                detail = f"超过 {item.interval_days} 天未巡查"
                for gid, key, title in _due_places(PM.Building, "grid_id", "building", dgids, since, end,
                                                   key=f"duty:{item.pk}:b:", title=f"{prefix}："):
                    out[gid].append(Task(key, "duty", title, detail))
            elif item.target == "household":
                detail = f"超过 {item.interval_days} 天未走访"
                for gid, key, title in _due_places(PM.Household, "region_id", "household", dgids, since, end,
                                                   key=f"duty:{item.pk}:h:", title=f"{prefix}：", tag=item.tag, day=day):
                    out[gid].append(Task(key, "duty", title, detail))
            else:
                # Due unless ticked within the interval; ticked today it stays on the list as done.
                done = ticked.get(f"duty:{item.pk}", ())
                detail = f"每 {item.interval_days} 天"
                for gid in ids:
                    if gid not in done:
                        out[gid].append(Task(f"duty:{item.pk}", "duty", prefix, detail))
    for c in cases_adapter.open_cases(selection if selection is not None else gids):
        out[c["grid_id"]].append(Task(
            f"case:{c['number']}", "case", f"案件 {c['number']} {c['category__name']}",
            cases_adapter.state_label(c["state"]) + (f" · 时限 {timezone.localtime(c['due_at']):%m-%d %H:%M}" if c["due_at"] else ""),
            link=f"/cases/{c['number']}/", urgent=c["urgent"]))
    for source in sources().values():
        for gid, extra in (source(batch, day) or {}).items():
            if gid in out:
                out[gid].extend(_task(t) for t in extra)
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
