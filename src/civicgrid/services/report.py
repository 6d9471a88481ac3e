"""The supermarket's figures for the command centre (manifest KPIs): orders, on-time rate, satisfaction.

On time: the provider checked in by the arrival deadline (the item's standard timing after the booked
time). Satisfaction: the share of rated orders rated 4 or 5 stars.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils import timezone

from . import workflow as W
from .models import Order


def _bounds(start: dt.date, end: dt.date):
    tz = timezone.get_default_timezone()
    return (dt.datetime.combine(start, dt.time.min, tz),
            dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tz))


def figures(area, start: dt.date, end: dt.date) -> dict:
    lo, hi = _bounds(start, end)
    qs = Order.objects.filter(region__path__startswith=area.path, created_at__gte=lo, created_at__lt=hi)
    f = qs.aggregate(
        orders=Count("id"),
        arrived=Count("id", filter=Q(on_time__isnull=False)),
        on_time=Count("id", filter=Q(on_time=True)),
        rated=Count("id", filter=Q(rating__isnull=False)),
        satisfied=Count("id", filter=Q(rating__gte=4)),
        complaints=Count("id", filter=Q(state=W.COMPLAINED)),
    )
    f["on_time_rate"] = f["on_time"] / f["arrived"] if f["arrived"] else None
    f["satisfaction"] = f["satisfied"] / f["rated"] if f["rated"] else None
    return f


def kpi_orders(area, start: dt.date, end: dt.date):
    return figures(area, start, end)["orders"]


def kpi_on_time(area, start: dt.date, end: dt.date):
    return figures(area, start, end)["on_time_rate"]


def kpi_satisfaction(area, start: dt.date, end: dt.date):
    return figures(area, start, end)["satisfaction"]
