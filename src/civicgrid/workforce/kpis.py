"""Command-centre figures (manifest Kpi): patrol coverage, visits done, confirmed volunteer hours."""
from __future__ import annotations

import datetime as dt

from django.db.models import Sum
from django.utils import timezone

from civicgrid.regions.models import Region

from . import assessment
from .models import HourEntry, PatrolCheck


def _span(start: dt.date, end: dt.date):
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return lo, hi


def coverage(area, start, end):
    grids = Region.objects.filter(level="grid", path__startswith=area.path)
    rows = assessment.coverage(grids, start, end)
    total = sum(r["buildings"] + r["households"] for r in rows)
    seen = sum(r["buildings_seen"] + r["households_seen"] for r in rows)
    return None if not total else seen / total


def visits(area, start, end):
    lo, hi = _span(start, end)
    return PatrolCheck.objects.filter(patrol__grid__path__startswith=area.path, at__gte=lo, at__lt=hi).count()


def volunteer_hours(area, start, end):
    s = (HourEntry.objects.filter(volunteer__grid__path__startswith=area.path, state="confirmed",
                                  day__gte=start, day__lte=end).aggregate(s=Sum("hours"))["s"])
    return float(s or 0)
