"""The public grid roster (网格实名制公示): who serves a grid, by name, role and phone.

These reads are public by design (no login, no jurisdiction): a resident must be able to find
the people responsible for where they live. So they return only what a disclosure board shows:
the grid, its community and street by name and code, and for each person name, role, title and
work phone — in clear, masked or not at all, as the workforce's rule for their staff type says
(workforce.selectors.roster_phone_rules). Never usernames, ids, or anything about seats marked not public.

Who is on a grid's roster, and why:
- roles held at the grid itself (grid workers 网格员), marked public;
- community staff at the grid's community marked public (the grid leader 网格长 and others the
  community chooses to show), because they answer for every grid of the community;
- department handlers at the active units serving the grid's street, marked public (the
  community police officer 社区民警, the urban-management officer 城管队员 …): the street-level
  units are the "条" that sink into the grids. District-level desks are not on grid rosters.
"""
from __future__ import annotations

from django.db.models import Q

from civicgrid.core import roles as R
from civicgrid.core.models import Role

from . import codes, geo
from .models import Region

# Roster order: the grid's own people first, then the community, then the departments.
_ROLE_ORDER = {R.GRID_WORKER: 0, R.COMMUNITY_STAFF: 1, R.DEPARTMENT_HANDLER: 2}


def grid_by_code(code: str) -> Region | None:
    """A grid by its 15-digit code, or None (anything else, a street say, is not public here)."""
    code = (code or "").strip()
    if not (code.isdigit() and code.isascii() and len(code) == codes.CODE_LENGTH[codes.GRID]):
        return None
    return Region.objects.select_related("parent__parent__parent").filter(code=code, level=codes.GRID).first()


def grid_at(lng: float, lat: float) -> Region | None:
    return geo.grid_at(lng, lat)


def _chain(grid: Region) -> dict[str, Region | None]:
    community = grid.parent if grid.parent_id else None
    street = community.parent if community and community.parent_id else None
    district = street.parent if street and street.parent_id else None
    return {"community": community, "street": street, "district": district}


def people_for(grid: Region) -> list[dict]:
    chain = _chain(grid)
    where = Q(region=grid)
    if chain["community"]:
        where |= Q(region=chain["community"], role=R.COMMUNITY_STAFF)
    if chain["street"]:
        where |= Q(department_unit__region=chain["street"], department_unit__active=True,
                   role=R.DEPARTMENT_HANDLER)
    seats = list(Role.objects.filter(where, public=True, user__is_active=True)
                 .select_related("user", "department_unit"))
    phone = _phone_rule(seats)
    people = []
    for s in seats:
        people.append({
            # display_name only: User.name falls back to the login name, which is not public.
            "name": s.user.display_name or "（未填写姓名）",
            "role": s.label,
            "title": s.title,
            "phone": phone(s),
            "serves_from": s.department_unit.name if s.department_unit_id else s.region.name,
            "_order": (_ROLE_ORDER.get(s.role, 9), s.department_unit.name if s.department_unit_id else "",
                       s.title, s.user.display_name),
        })
    people.sort(key=lambda p: p.pop("_order"))
    return people


def _phone_rule(seats):
    """How each seat's work phone shows: the workforce's disclosure rule per staff type (in clear,
    masked or hidden), asked of its selectors; without the workforce app, as the seat is marked."""
    from django.apps import apps

    if not apps.is_installed("civicgrid.workforce"):
        return lambda s: s.user.phone
    from civicgrid.workforce import selectors as workforce

    rules = workforce.roster_phone_rules([s.pk for s in seats])
    return lambda s: workforce.roster_phone(s.user.phone, rules[s.pk])


def _node(region: Region | None) -> dict | None:
    return {"code": region.code, "name": region.name} if region else None


def card(grid: Region) -> dict:
    """Everything the public roster shows about one grid (JSON-ready)."""
    chain = _chain(grid)
    return {
        "grid": {"code": grid.code, "name": grid.name, "kind": grid.get_grid_kind_display()},
        "community": _node(chain["community"]),
        "street": _node(chain["street"]),
        "district": _node(chain["district"]),
        "people": people_for(grid),
    }


def public_grid_features(bbox: tuple[float, float, float, float] | None, limit: int = 3000) -> tuple[list[dict], bool]:
    """Grid outlines (code, name, polygon) meeting a bounding box, for the public map.

    Returns (features, truncated). A whole city can hold tens of thousands of grids, so the map
    asks for what is on screen and is told when it should zoom in.
    """
    qs = Region.objects.filter(level=codes.GRID, geometry__isnull=False)
    if bbox:
        w, s, e, n = bbox
        qs = qs.filter(max_lng__gte=w, min_lng__lte=e, max_lat__gte=s, min_lat__lte=n)
    rows = list(qs.order_by("code").values("code", "name", "grid_kind", "geometry", "parent__name",
                                           "parent__parent__name")[: limit + 1])
    truncated = len(rows) > limit
    # community/street: the maps label those areas at lower zooms than the grids (no tile server).
    return [{"type": "Feature", "geometry": r["geometry"],
             "properties": {"code": r["code"], "name": r["name"], "kind": r["grid_kind"],
                            "community": r["parent__name"] or "", "street": r["parent__parent__name"] or ""}}
            for r in rows[:limit]], truncated


def public_extent() -> list[float] | None:
    """[west, south, east, north] around every grid, for the public map's first view."""
    from django.db.models import Max, Min

    agg = Region.objects.filter(level=codes.GRID, geometry__isnull=False).aggregate(
        w=Min("min_lng"), s=Min("min_lat"), e=Max("max_lng"), n=Max("max_lat"))
    return None if agg["w"] is None else [agg["w"], agg["s"], agg["e"], agg["n"]]
