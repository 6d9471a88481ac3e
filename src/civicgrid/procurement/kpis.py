"""Command-centre figures (manifest Kpi) over calls bought by units inside the area, for contracts signed,
milestones due and evaluations made in the period."""
from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Sum

from .models import Contract, Evaluation, Milestone


def _contracts(area):
    return Contract.objects.filter(call__region__path__startswith=area.path)


def _purchased(area, start, end, kind=None):
    qs = _contracts(area).filter(signed_on__range=(start, end))
    if kind:
        qs = qs.filter(fund__kind=kind)
    return float(qs.aggregate(s=Sum("amount"))["s"] or 0)


def purchased(area, start: dt.date, end: dt.date):
    return _purchased(area, start, end)


def purchased_lottery(area, start: dt.date, end: dt.date):
    return _purchased(area, start, end, "lottery")


def purchased_self_gov(area, start: dt.date, end: dt.date):
    return _purchased(area, start, end, "self_gov")


def on_time_milestones(area, start: dt.date, end: dt.date):
    """Milestones due in the period that were reported by their date (first report)."""
    due = Milestone.objects.filter(contract__call__region__path__startswith=area.path, due_on__range=(start, end))
    n = due.count()
    if not n:
        return None
    on_time = sum(1 for m in due.prefetch_related("reports")
                  if any(timezone_date(r.submitted_at) <= m.due_on for r in m.reports.all()))
    return on_time / n


def timezone_date(value):
    from django.utils import timezone

    return timezone.localdate(value)


def evaluation_score(area, start: dt.date, end: dt.date):
    qs = Evaluation.objects.filter(milestone__contract__call__region__path__startswith=area.path,
                                   at__date__range=(start, end))
    v = qs.aggregate(a=Avg("total"))["a"]
    return round(float(v), 1) if v is not None else None
