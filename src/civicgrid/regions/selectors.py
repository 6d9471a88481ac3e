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


# --- The map page's drill-down (regions/views_geo.py). ---------------------------------------

def node_for(user, code: str) -> Region:
    """One region by code inside the user's jurisdiction; anything else is a 404."""
    from civicgrid.core.scoping import get_visible_or_404

    return get_visible_or_404(user, Region.objects.select_related("parent"), code=code)


def visible_ancestors(user, node: Region) -> list[Region]:
    """The node's ancestors the user may see, root first: breadcrumbs never leak a level above
    the user's seat."""
    ancestors = node.ancestors()
    visible = set(regions_for(user).filter(pk__in=[a.pk for a in ancestors]).values_list("pk", flat=True))
    return [a for a in ancestors if a.pk in visible]


def with_counts(user, regions: list[Region]) -> list[tuple[Region, int, int]]:
    """(region, number of visible children, number of visible grids inside) for each region."""
    from django.db.models import Count

    if not regions:
        return []
    pks = [r.pk for r in regions]
    children = dict(regions_for(user).filter(parent__in=pks).values("parent").annotate(n=Count("pk"))
                    .values_list("parent", "n"))
    # Grids are counted by path prefix: one query over the grids' paths, not one per region.
    grid_paths = regions_for(user).filter(level="grid")
    prefix_q = None
    from django.db.models import Q

    for r in regions:
        q = Q(path__startswith=r.path)
        prefix_q = q if prefix_q is None else prefix_q | q
    counts = {r.path: 0 for r in regions}
    for path in grid_paths.filter(prefix_q).values_list("path", flat=True).iterator():
        for r in regions:
            if path.startswith(r.path):
                counts[r.path] += 1
    return [(r, children.get(r.pk, 0), counts[r.path]) for r in regions]
