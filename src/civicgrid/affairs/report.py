"""Command-centre figures (manifest KPIs): compute(area, start, end) over the area's applications."""
from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, Q
from django.utils import timezone

from .models import Application, Rating


def _span(start: dt.date, end: dt.date):
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    return lo, hi


def _in_area(qs, area, field="region"):
    return qs.filter(**{f"{field}__path__startswith": area.path})


def kpi_applications(area, start, end):
    lo, hi = _span(start, end)
    return _in_area(Application.objects.filter(created_at__gte=lo, created_at__lt=hi), area).count()


def kpi_on_time(area, start, end):
    lo, hi = _span(start, end)
    r = _in_area(Application.objects.filter(decided_at__gte=lo, decided_at__lt=hi), area).aggregate(
        n=Count("id"), ok=Count("id", filter=Q(decision_on_time=True)))
    return r["ok"] / r["n"] if r["n"] else None


def kpi_avg_days(area, start, end):
    lo, hi = _span(start, end)
    v = _in_area(Application.objects.filter(decided_at__gte=lo, decided_at__lt=hi, working_days__isnull=False),
                 area).aggregate(v=Avg("working_days"))["v"]
    return round(float(v), 1) if v is not None else None


def kpi_satisfaction(area, start, end):
    lo, hi = _span(start, end)
    r = _in_area(Rating.objects.filter(at__gte=lo, at__lt=hi), area, "application__region").aggregate(
        n=Count("id"), good=Count("id", filter=Q(score__gte=4)))
    return r["good"] / r["n"] if r["n"] else None
