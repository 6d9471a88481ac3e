"""Command-centre KPIs (declared in manifest.py): compute(area, start, end) for a region and a period.
Ratios are fractions (the dashboard renders unit "%" as a percentage); None when there is nothing to count."""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from . import workflow as W
from .models import Disclosure, Proposal, Rating


def _bounds(start: dt.date, end: dt.date):
    return (timezone.make_aware(dt.datetime.combine(start, dt.time.min)),
            timezone.make_aware(dt.datetime.combine(end, dt.time.max)))


def _in(area, qs, field="community__path"):
    return qs.filter(**{f"{field}__startswith": area.path})


def kpi_proposals(area, start, end):
    lo, hi = _bounds(start, end)
    return _in(area, Proposal.objects.filter(created_at__gte=lo, created_at__lte=hi)).count()


def kpi_executed_on_time(area, start, end):
    """Decisions reported back in the period with the result on or before the decision's deadline."""
    lo, hi = _bounds(start, end)
    done = _in(area, Proposal.objects.filter(state=W.REPORTED, done_at__gte=lo, done_at__lte=hi))
    n = done.count()
    if not n:
        return None
    on_time = sum(1 for p in done.only("done_at", "execute_due")
                  if p.execute_due and timezone.localtime(p.done_at).date() <= p.execute_due)
    return on_time / n


def kpi_disclosure_timely(area, start, end):
    """Monthly summaries for months ending in the period published by the due day of the next month."""
    from civicgrid.regions.models import Region

    from . import rules

    months, m = [], start.replace(day=1)
    while m <= end:
        nxt = (m + dt.timedelta(days=32)).replace(day=1)
        if nxt - dt.timedelta(days=1) <= end:
            months.append(m)
        m = nxt
    communities = list(Region.objects.filter(level="community", path__startswith=area.path).values_list("pk", flat=True))
    if area.level == "grid" and area.parent_id:
        communities = [area.parent_id]
    total = len(months) * len(communities)
    if not total:
        return None
    timely = 0
    for d in Disclosure.objects.filter(kind="monthly", community_id__in=communities, month__in=months):
        due = (d.month + dt.timedelta(days=32)).replace(day=rules.MONTHLY_DUE_DAY)
        timely += d.published_on <= due
    return timely / total


def kpi_unit_satisfaction(area, start, end):
    from . import rules

    qs = Rating.objects.filter(unit__isnull=False, period__end__gte=start, period__end__lte=end,
                               area__path__startswith=area.path)
    n = qs.count()
    return qs.filter(score__gte=rules.SATISFIED_FROM).count() / n if n else None
