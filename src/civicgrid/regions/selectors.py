"""Reads of the territory tree, always through jurisdiction scoping (public reads say so)."""
from __future__ import annotations

from django.db.models import QuerySet

from civicgrid.core.scoping import visible_to

from . import geo
from .models import Region


def regions_for(user) -> QuerySet[Region]:
    return visible_to(user, Region.objects.all())


def children_for(user, parent: Region | None) -> QuerySet[Region]:
    qs = regions_for(user)
    return qs.filter(parent=parent) if parent else qs.filter(parent__isnull=True)


def top_regions_for(user) -> list[Region]:
    """The highest nodes the user can see (their seats), for the start of a drill-down."""
    visible = list(regions_for(user).order_by("path"))
    tops, seen = [], []
    for r in visible:
        if not any(r.path.startswith(p) for p in seen):
            tops.append(r)
            seen.append(r.path)
    return tops


def public_grid_at(lng: float, lat: float) -> Region | None:
    """Public (实名制公示): anyone may learn which grid covers a point."""
    return geo.grid_at(lng, lat)
