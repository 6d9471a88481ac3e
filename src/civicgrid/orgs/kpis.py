"""Command-centre figures (manifest Kpi): organisations per 10,000 residents, filed groups, catalogue size.

An organisation counts for an area when it is filed or registered there or serves it (service area)."""
from __future__ import annotations

import datetime as dt

from django.apps import apps
from django.db.models import Q

from . import vocab as V
from .models import Organisation


def _in_area(area):
    return Organisation.objects.filter(Q(region__path__startswith=area.path) | Q(service_area__path__startswith=area.path))


def per_10k(area, start: dt.date, end: dt.date):
    orgs = _in_area(area).filter(status__in=[V.REGISTERED, V.FILED]).distinct().count()
    Person = apps.get_model("people", "Person")
    residents = Person.objects.filter(region__path__startswith=area.path, moved_out__isnull=True).count()
    if not residents:
        return None
    return round(orgs * 10000 / residents, 1)


def filed_groups(area, start: dt.date, end: dt.date):
    return _in_area(area).filter(status=V.FILED).distinct().count()


def in_catalogue(area, start: dt.date, end: dt.date):
    return _in_area(area).filter(standing__included=True, status=V.REGISTERED).distinct().count()
