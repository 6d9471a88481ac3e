"""Address search for the public roster: from what a resident types to the grid that serves it.

Resolvers are pluggable because the best answer lives in other apps: regions knows the names of
communities and grids; the people app knows buildings and their street addresses and registers
a resolver of its own from its AppConfig.ready().

The contract: a resolver is `fn(text) -> iterable`, each item either an AddressMatch or a tuple
`(label, lng, lat, grid)`; `grid` may be None when a point is known (the grid is then looked up
from the point) and lng/lat may be None when only the grid is known. Resolvers run in `order`
(lower first); results are merged, one match per grid, up to the limit.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from django.core.exceptions import ValidationError

from . import codes
from .models import Region

MAX_QUERY_LENGTH = 60


@dataclass(frozen=True)
class AddressMatch:
    grid: Region
    label: str  # what was matched, as the resident will recognise it
    lng: float | None = None
    lat: float | None = None


Resolver = Callable[[str], Iterable]
_resolvers: list[tuple[int, str, Resolver]] = []


def register_resolver(fn: Resolver, *, order: int = 50) -> None:
    """Add a resolver; lower `order` runs first. Registering the same function twice is a no-op."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    if any(n == name for _, n, _ in _resolvers):
        return
    _resolvers.append((order, name, fn))
    _resolvers.sort(key=lambda t: (t[0], t[1]))


def clean_query(raw: str | None) -> str:
    q = " ".join((raw or "").split())
    if not q:
        raise ValidationError("请输入小区、社区、网格名称或地址")
    if len(q) > MAX_QUERY_LENGTH:
        raise ValidationError(f"查询内容过长（最多 {MAX_QUERY_LENGTH} 个字）")
    return q


def _as_match(item) -> AddressMatch | None:
    if isinstance(item, AddressMatch):
        return item
    label, lng, lat, grid = item
    if grid is None and lng is not None and lat is not None:
        from . import geo

        grid = geo.grid_at(lng, lat)
    return AddressMatch(grid, str(label), lng, lat) if grid is not None else None


def resolve(raw: str | None, limit: int = 20) -> list[AddressMatch]:
    """Grids matching what the resident typed, best first. Raises ValidationError on bad input."""
    q = clean_query(raw)
    seen: set[int] = set()
    out: list[AddressMatch] = []
    for _, _, fn in list(_resolvers):
        for item in fn(q):
            m = _as_match(item)
            if m is None or m.grid.pk in seen or m.grid.level != codes.GRID:
                continue
            seen.add(m.grid.pk)
            out.append(m)
            if len(out) >= limit:
                return out
    return out


def _grid_label(grid: Region) -> str:
    community = grid.parent
    street = community.parent if community and community.parent_id else None
    parts = [p.name for p in (street, community) if p] + [grid.name]
    return " · ".join(parts)


def region_name_resolver(q: str, limit: int = 20) -> list[AddressMatch]:
    """By region names and codes: a grid's code or name, a community's name (→ its grids), or an
    address that contains a community's name ("柚塘居社区 3 号楼" → that community's grids)."""
    base = Region.objects.select_related("parent__parent")
    if q.isdigit() and len(q) == codes.CODE_LENGTH[codes.GRID]:
        return [AddressMatch(g, _grid_label(g)) for g in base.filter(level=codes.GRID, code=q)]
    grids = list(base.filter(level=codes.GRID, name__icontains=q).order_by("code")[:limit])
    communities = list(Region.objects.filter(level=codes.COMMUNITY, name__icontains=q).order_by("code")[:limit])
    if not grids and not communities:
        # The query may be a whole address: find communities whose name (with or without the
        # 社区/村 suffix, if what is left is still specific) occurs inside it.
        for pk, name in Region.objects.filter(level=codes.COMMUNITY).values_list("pk", "name").iterator():
            short = name.removesuffix("社区").removesuffix("村委会").removesuffix("村")
            if name in q or (len(short) >= 2 and short in q):
                communities.append(Region(pk=pk))
                if len(communities) >= limit:
                    break
    if communities:
        grids += list(base.filter(level=codes.GRID, parent__in=[c.pk for c in communities])
                      .order_by("code")[:limit])
    return [AddressMatch(g, _grid_label(g)) for g in grids[:limit]]


register_resolver(region_name_resolver, order=50)
