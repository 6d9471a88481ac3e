"""The one doorway to territory questions (where is this node, which street/district is above it).

Kept in one small adapter so that when the shared location service lands, mediation changes here only.
"""
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
    if region is None:
        raise ValidationError("请选择纠纷发生地（网格、社区或街道）。")
    if region.level not in ("grid", "community", "street"):
        raise ValidationError("纠纷发生地须精确到街道、社区或网格。")
    c = chain(region)
    if "street" not in c or "district" not in c:
        raise ValidationError("所选区域不在任何街道之下。")
    return Place(region=region, community=c.get("community"), street=c["street"], district=c["district"])


def ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def children(area: Region):
    return Region.objects.filter(parent=area).order_by("code")
