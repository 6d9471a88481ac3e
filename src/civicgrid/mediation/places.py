"""Mediation's one doorway to territory questions: where a dispute is (the shared location service,
regions/locate.py) and the chain of nodes above it. Kept in one small adapter so a change in the
regions app touches mediation here only."""
from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from civicgrid.regions.models import Region


@dataclass(frozen=True)
class Place:
    region: Region
    community: Region | None
    street: Region
    district: Region


def chain(region: Region) -> dict[str, Region]:
    """{level: Region} for the node and every ancestor, in one query."""
    codes = [c for c in region.path.strip("/").split("/") if c]
    return {r.level: r for r in Region.objects.filter(code__in=codes)}


def place_of(region: Region | None) -> Place:
    from civicgrid.regions import locate

    if region is None:
        raise ValidationError("请选择纠纷发生地（网格、社区或街道）。")
    p = locate.require(region=region)
    return Place(region=p.region, community=p.community, street=p.street, district=p.district)


def ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def children(area: Region):
    return Region.objects.filter(parent=area).order_by("code")
