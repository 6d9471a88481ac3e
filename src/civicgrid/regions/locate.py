"""The one location service: a point, a building, a chosen region or address text → a Place.

Every channel that takes a report (the case form, the hotline console, residents' reports,
Open311, the API) asks this module where it is, so the same input lands in the same grid whichever
door it came through, and a point — typed, pinned or a building's — is kept for the map and the
heat cells.

    locate(lng=, lat=, building=, region=, address=, within=) -> Place | None

Precedence: a map point; else a building (its point, or its grid); else a chosen region (grid,
community or street); else the address text through the resolver registry (regions/addresses.py:
buildings first, then region names). A point outside every grid falls back to the rest when there
is one, and is refused otherwise. None means nothing was given that could be located.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from django.core.exceptions import ValidationError

from . import addresses, codes, geo
from . import errors as E
from .models import Region

LOCATABLE_LEVELS = (codes.GRID, codes.COMMUNITY, codes.STREET)


@dataclass(frozen=True)
class Place:
    region: Region              # the most precise node known: a grid, community or street
    grid: Region | None
    community: Region | None
    street: Region
    district: Region
    lng: float | None = None    # kept whenever a point is known, from whatever source
    lat: float | None = None
    source: str = ""            # "point" | "building" | "region" | "address"
    label: str = ""             # what the address text matched, as a person would recognise it


def clean_point(lng, lat) -> tuple[float, float] | None:
    """(lng, lat) as floats, None when neither is given; ValidationError for anything unusable."""
    if lng in (None, "") and lat in (None, ""):
        return None
    try:
        x, y = float(lng), float(lat)
    except (TypeError, ValueError):
        raise E.LocationError(E.BAD_POINT, "位置坐标无效，请重新定位。")
    if not (-180 <= x <= 180 and -90 <= y <= 90) or x != x or y != y:  # x != x: NaN
        raise E.LocationError(E.BAD_POINT, "位置坐标超出范围，请重新定位。")
    return x, y


def chain(region: Region) -> dict[str, Region]:
    """{level: Region} for the node and every ancestor, in one query."""
    path_codes = [c for c in region.path.strip("/").split("/") if c]
    return {r.level: r for r in Region.objects.filter(code__in=path_codes)}


def at_point(lng: float, lat: float, *, source: str = "point", label: str = "") -> Place | None:
    """The grid covering the point and its ancestors (already joined by the lookup), or None."""
    loc = geo.locate(lng, lat)
    if loc is None or loc.street is None or loc.district is None:
        return None
    return Place(region=loc.grid, grid=loc.grid, community=loc.community, street=loc.street,
                 district=loc.district, lng=lng, lat=lat, source=source, label=label)


def of_region(node: Region, *, lng: float | None = None, lat: float | None = None, source: str = "region",
              label: str = "") -> Place:
    """A grid, community or street and its ancestors; ValidationError for any other node."""
    if node.level not in LOCATABLE_LEVELS:
        raise E.LocationError(E.BAD_NODE, "位置须精确到街道、社区或网格。")
    nodes = chain(node)
    if codes.STREET not in nodes or codes.DISTRICT not in nodes:
        raise E.LocationError(E.BAD_NODE, "所选区域不在任何街道之下，无法受理。")
    return Place(region=node, grid=nodes.get(codes.GRID), community=nodes.get(codes.COMMUNITY),
                 street=nodes[codes.STREET], district=nodes[codes.DISTRICT], lng=lng, lat=lat, source=source,
                 label=label)


def of_building(building, *, label: str = "") -> Place | None:
    """A building (anything with lng, lat and grid): at its point when it has one, else its grid."""
    lng, lat, grid = getattr(building, "lng", None), getattr(building, "lat", None), getattr(building, "grid", None)
    label = label or str(building)
    if lng is not None and lat is not None:
        place = at_point(lng, lat, source="building", label=label)
        if place is not None:
            return place
    if grid is not None:
        # The register gave the building a grid but no usable point: keep its point if any anyway.
        return of_region(grid, lng=lng, lat=lat, source="building", label=label)
    return None


def from_address(text: str, *, within: Region | None = None) -> Place | None:
    """Address text through the resolver registry; the first (most specific) match wins.

    A match with a point (a building) gives that point; a match that named a community or street
    gives that node (not some grid inside it); a grid's name or code gives the grid.
    """
    text = " ".join((text or "").split())
    if not text:
        return None
    try:
        matches = addresses.resolve(text, limit=5, within=within, max_length=200)
    except ValidationError:
        return None
    if not matches:
        return None
    m = matches[0]
    if m.lng is not None and m.lat is not None:
        place = at_point(m.lng, m.lat, source="address", label=m.label)
        if place is not None:
            return place
        return of_region(m.grid, lng=m.lng, lat=m.lat, source="address", label=m.label)
    return of_region(m.region or m.grid, source="address", label=m.label)


def locate(*, lng=None, lat=None, building=None, region: Region | None = None, address: str = "",
           within: Region | None = None) -> Place | None:
    """Where a report is, by the precedence in the module docstring. ValidationError when the input
    is unusable (bad coordinates, a point outside every grid with nothing else to go on, a region
    that is not a grid, community or street); None when nothing locatable was given."""
    point = clean_point(lng, lat)
    if point is not None:
        place = at_point(*point)
        if place is not None:
            return place
        if building is None and region is None and not (address or "").strip():
            raise E.LocationError(E.OUTSIDE_GRIDS, "该位置不在本系统的任何网格内，请选择所在网格或填写地址。")
    place = None
    if building is not None:
        place = of_building(building)
    if place is None and region is not None:
        place = of_region(region)
    if place is None and (address or "").strip():
        place = from_address(address, within=within)
    if place is not None and place.lng is None and point is not None:
        # A pin just outside the mapped grids still shows where the problem is on the map.
        place = replace(place, lng=point[0], lat=point[1])
    return place


def require(*, lng=None, lat=None, building=None, region: Region | None = None, address: str = "",
            within: Region | None = None) -> Place:
    """locate(), refusing with a coded LocationError when nothing locatable was given."""
    place = locate(lng=lng, lat=lat, building=building, region=region, address=address, within=within)
    if place is None:
        text = " ".join((address or "").split())
        if text:
            raise E.LocationError(E.UNLOCATABLE, f"无法根据地址“{text[:60]}”确定位置，请在地图上选点或选择所在网格。")
        raise E.LocationError(E.NO_LOCATION, "请提供位置：定位坐标、所在网格或地址所属社区/街道。")
    return place
