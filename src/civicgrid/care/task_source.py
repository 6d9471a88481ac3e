"""Care's feed into the grid worker's day list (workforce's 今日任务), declared in the manifest's
`task_sources`: the care contacts due today of the people in the given grids whose rhythm a grid worker
keeps (Rhythm.worker_kind "grid_worker": the grid is the keeper), one task per due contact, linking to
the visit log. Helpers' and social workers' rhythms stay on their own care due list.

One query for any number of grids (the morning batch builds thousands of lists: bench/task_list.py)."""
from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.urls import reverse

from . import rhythms as RH
from .models import Rhythm

KIND_LABELS = dict(RH.KIND_CHOICES)


def due_contacts(grids, day: dt.date) -> dict[int, list[dict]]:
    # A batch's queryset of grids goes in as a subquery: thousands of ids as parameters cost more to
    # prepare than the query takes (workforce.tasklist.for_grids).
    gids = grids.values("pk") if isinstance(grids, QuerySet) else [g.pk for g in grids]
    if isinstance(gids, list) and not gids:
        return {}
    rows = (Rhythm.objects.filter(plan__region_id__in=gids, worker_kind=RH.GRID_WORKER, active=True,
                                  plan__ended_on__isnull=True, next_due__lte=day)
            .order_by("due_by", "plan_id", "kind")
            .values_list("pk", "kind", "contact", "next_due", "due_by", "plan__region_id", "plan__person__name"))
    out: dict[int, list[dict]] = {}
    log_url = reverse("care:log", args=[0]).replace("/0/", "/{}/")
    for pk, kind, contact, start, due_by, gid, name in rows:
        window = f"{start:%m-%d}" if start == due_by else f"{start:%m-%d}—{due_by:%m-%d}"
        out.setdefault(gid, []).append({
            "key": f"care:{pk}:{start:%Y%m%d}", "kind": "care",
            "title": f"关爱{KIND_LABELS.get(kind, kind)}（{RH.CONTACT_LABELS.get(contact, contact)}）：{name}",
            "detail": f"本期 {window}" + ("，今天截止" if due_by <= day else ""),
            "link": log_url.format(pk), "urgent": due_by <= day})
    return out
