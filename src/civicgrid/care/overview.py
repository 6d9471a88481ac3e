"""The care overview per community and the command centre's KPIs (manifest `kpis`).

Coverage: people in a care group (an open 关爱人群 tag) who have an active plan.
Contacts on time: periods answered by a reached contact inside their window ÷ (those + missed periods).
Alerts: raised in the period, acknowledged, and the mean minutes from raising to acknowledgement.
Each figure is a handful of grouped queries, not a loop over people.
"""
from __future__ import annotations

import calendar as _cal
import datetime as dt

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone

from civicgrid.core.scoping import visible_to
from civicgrid.regions.models import Region

from . import selectors
from .models import Alert, CarePlan, Contact, Miss


def _care_tags(today: dt.date):
    from civicgrid.people import tags as T
    from civicgrid.people.models import PersonTag

    return (PersonTag.objects.filter(group=T.CARE, start__lte=today, person__moved_out__isnull=True,
                                     person__anonymised_at__isnull=True)
            .filter(Q(end__isnull=True) | Q(end__gte=today)))


def members(user) -> list[dict]:
    """Care-group members in the user's scope, each with their plan (or None)."""
    from civicgrid.people.models import Person

    today = timezone.localdate()
    ids = _care_tags(today).values("person_id")
    people = visible_to(user, Person.objects.filter(pk__in=ids)).select_related("community", "grid").order_by(
        "community__code", "name")
    planned = dict(CarePlan.objects.filter(person__in=people, ended_on__isnull=True).values_list("person_id", "pk"))
    kinds = {}
    for pid, kind in _care_tags(today).filter(person__in=people).values_list("person_id", "kind"):
        kinds.setdefault(pid, []).append(kind)
    from civicgrid.people import tags as T

    return [{"person": p, "plan": planned.get(p.pk), "kinds": [T.KINDS[k].label for k in kinds.get(p.pk, [])]}
            for p in people]


def _month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    return month.replace(day=1), month.replace(day=_cal.monthrange(month.year, month.month)[1])


def _aware(day: dt.date, end=False) -> dt.datetime:
    t = dt.time.max if end else dt.time.min
    return timezone.make_aware(dt.datetime.combine(day, t))


def figures(communities: list[Region], start: dt.date, end: dt.date) -> dict[int, dict]:
    """Per community id: members, planned, on_time, missed, alerts, acknowledged, mean response minutes."""
    ids = [c.pk for c in communities]
    out = {c: {"members": 0, "planned": 0, "on_time": 0, "missed": 0, "alerts": 0, "acknowledged": 0,
               "response": None} for c in ids}
    for row in (_care_tags(end).filter(person__community_id__in=ids).values("person__community_id")
                .annotate(n=Count("person_id", distinct=True))):
        out[row["person__community_id"]]["members"] = row["n"]
    tagged = _care_tags(end).values("person_id")
    for row in (CarePlan.objects.filter(community_id__in=ids, ended_on__isnull=True, person_id__in=tagged)
                .values("community_id").annotate(n=Count("pk"))):
        out[row["community_id"]]["planned"] = row["n"]
    lo, hi = _aware(start), _aware(end, True)
    for row in (Contact.objects.filter(plan__community_id__in=ids, at__range=(lo, hi), reached=True, on_time=True,
                                       rhythm__isnull=False)
                .values("plan__community_id").annotate(n=Count("pk"))):
        out[row["plan__community_id"]]["on_time"] = row["n"]
    for row in (Miss.objects.filter(plan__community_id__in=ids, window_end__range=(start, end))
                .values("plan__community_id").annotate(n=Count("pk"))):
        out[row["plan__community_id"]]["missed"] = row["n"]
    wait = ExpressionWrapper(F("acknowledged_at") - F("raised_at"), output_field=DurationField())
    for row in (Alert.objects.filter(community_id__in=ids, raised_at__range=(lo, hi)).values("community_id")
                .annotate(n=Count("pk"), acked=Count("acknowledged_at"),
                          mean=Avg(wait, filter=Q(acknowledged_at__isnull=False)))):
        f = out[row["community_id"]]
        f["alerts"], f["acknowledged"] = row["n"], row["acked"]
        f["response"] = round(row["mean"].total_seconds() / 60, 1) if row["mean"] is not None else None
    return out


def _rates(f: dict) -> dict:
    done = f["on_time"] + f["missed"]
    return {**f, "coverage": (f["planned"] / f["members"]) if f["members"] else None,
            "on_time_rate": (f["on_time"] / done) if done else None}


def by_community(user, month: dt.date) -> list[dict]:
    communities = list(selectors.communities(user))
    start, end = _month_bounds(month)
    figs = figures(communities, start, end)
    return [{"community": c, **_rates(figs[c.pk])} for c in communities]


def total(rows: list[dict]) -> dict:
    keys = ("members", "planned", "on_time", "missed", "alerts", "acknowledged")
    f = {k: sum(r[k] for r in rows) for k in keys}
    acked = [(r["response"], r["acknowledged"]) for r in rows if r["response"] is not None]
    n = sum(a for _, a in acked)
    f["response"] = round(sum(m * a for m, a in acked) / n, 1) if n else None
    return _rates(f)


def _area_figures(area: Region, start: dt.date, end: dt.date) -> dict:
    if area.level == "community":
        communities = [area]
    else:
        communities = list(Region.objects.filter(level="community", path__startswith=area.path))
    return total([{**f, "response": f["response"]} for f in figures(communities, start, end).values()])


def kpi_coverage(area, start: dt.date, end: dt.date):
    return _area_figures(area, start, end)["coverage"]


def kpi_on_time(area, start: dt.date, end: dt.date):
    return _area_figures(area, start, end)["on_time_rate"]


def kpi_response(area, start: dt.date, end: dt.date):
    return _area_figures(area, start, end)["response"]
