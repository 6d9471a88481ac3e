"""Address search for the public roster: from what a resident types to the grid that serves it.

Resolvers are pluggable because the best answer lives in other apps: regions knows the names of
communities and grids; the people app knows buildings and their street addresses and registers
a resolver of its own from its AppConfig.ready().

The contract: a resolver is `fn(text) -> iterable`, each item either an AddressMatch or a tuple
`(label, lng, lat, grid)`; `grid` may be None when a point is known (the grid is then looked up
from the point) and lng/lat may be None when only the grid is known. Resolvers run in `order`
(lower first); results are merged, one match per grid, up to the limit.

A match may also say which larger node the text named (`region`: a community or street whose
name is in the address): the roster lists that node's grids, while locating a case
(regions/locate.py) places it at the named node rather than at an arbitrary grid inside it.
This registry is the only place address text is turned into territory: the roster, the
hotline, residents' reports, Open311 and the API all come through it (via locate.py).
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
    region: Region | None = None  # the community/street the text named, when it named no single grid


Resolver = Callable[[str], Iterable]
_resolvers: list[tuple[int, str, Resolver]] = []


def register_resolver(fn: Resolver, *, order: int = 50) -> None:
    """Add a resolver; lower `order` runs first. Registering the same function twice is a no-op."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    if any(n == name for _, n, _ in _resolvers):
        return
    _resolvers.append((order, name, fn))
    _resolvers.sort(key=lambda t: (t[0], t[1]))


def clean_query(raw: str | None, *, max_length: int = MAX_QUERY_LENGTH) -> str:
    q = " ".join((raw or "").split())
    if not q:
        raise ValidationError("请输入小区、社区、网格名称或地址")
    if len(q) > max_length:
        raise ValidationError(f"查询内容过长（最多 {max_length} 个字）")
    return q


def _as_match(item) -> AddressMatch | None:
    if isinstance(item, AddressMatch):
        return item
    label, lng, lat, grid = item
    if grid is None and lng is not None and lat is not None:
        from . import geo

        grid = geo.grid_at(lng, lat)
    return AddressMatch(grid, str(label), lng, lat) if grid is not None else None


def resolve(raw: str | None, limit: int = 20, *, within: Region | None = None,
            max_length: int = MAX_QUERY_LENGTH) -> list[AddressMatch]:
    """Grids matching what the resident typed, best first. Raises ValidationError on bad input.

    `within` keeps only grids under that node (an operator's district, an API client's area)."""
    q = clean_query(raw, max_length=max_length)
    seen: set[int] = set()
    out: list[AddressMatch] = []
    for _, _, fn in list(_resolvers):
        for item in fn(q):
            m = _as_match(item)
            if m is None or m.grid.pk in seen or m.grid.level != codes.GRID:
                continue
            if within is not None and not m.grid.path.startswith(within.path):
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


def _names_in(q: str, limit: int) -> list[Region]:
    """Grids, communities and streets whose name occurs inside the text (a whole address such as
    "柚塘居社区 3 号楼"), most specific first: a grid before its community before its street, a
    longer name before a shorter one. A community's name also counts without its 社区/村 suffix
    when what is left is still specific (two characters or more)."""
    compact = "".join(q.split())
    found: list[tuple[int, int, str, int]] = []
    rank = {codes.GRID: 0, codes.COMMUNITY: 1, codes.STREET: 2}
    rows = Region.objects.filter(level__in=list(rank)).values_list("pk", "name", "level", "code").iterator()
    for pk, name, level, code in rows:
        if not name:
            continue
        short = name.removesuffix("社区").removesuffix("村委会").removesuffix("村").removesuffix("街道")
        hit = name if name in compact else (short if len(short) >= 2 and short in compact else "")
        if hit:
            found.append((rank[level], -len(hit), code, pk))
    found.sort()
    by_pk = Region.objects.select_related("parent__parent").in_bulk([pk for *_, pk in found[:limit]])
    return [by_pk[pk] for *_, pk in found[:limit] if pk in by_pk]


def region_name_resolver(q: str, limit: int = 20) -> list[AddressMatch]:
    """By region names and codes: a grid's code or name, a community's name (→ its grids), or an
    address that contains a grid's, community's or street's name ("柚塘居社区 3 号楼" → that
    community's grids, marked with the community so a case is placed at the community)."""
    base = Region.objects.select_related("parent__parent")
    if q.isdigit() and len(q) == codes.CODE_LENGTH[codes.GRID]:
        return [AddressMatch(g, _grid_label(g)) for g in base.filter(level=codes.GRID, code=q)]
    grids = list(base.filter(level=codes.GRID, name__icontains=q).order_by("code")[:limit])
    communities = list(Region.objects.filter(level=codes.COMMUNITY, name__icontains=q).order_by("code")[:limit])
    out = [AddressMatch(g, _grid_label(g)) for g in grids]
    if not grids and not communities:
        named = _names_in(q, limit)
        out = [AddressMatch(r, _grid_label(r)) for r in named if r.level == codes.GRID]
        larger = [r for r in named if r.level != codes.GRID]
    else:
        larger = communities
    for node in larger:
        if len(out) >= limit:
            break
        out += [AddressMatch(g, _grid_label(g), region=node)
                for g in base.filter(level=codes.GRID, path__startswith=node.path).order_by("code")[:limit - len(out)]]
    return out[:limit]


register_resolver(region_name_resolver, order=50)
