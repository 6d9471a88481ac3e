"""JSON for the maps.

Staff (login required, scoped by jurisdiction): a node of the territory tree with its visible
children as GeoJSON, for the drill-down map. A node outside the user's subtree answers 404 exactly
like a node that does not exist.

Public (no login): which grid covers a point, a grid's roster, address search and grid outlines.
These answer only what the disclosure board shows (regions/roster.py).
"""
from __future__ import annotations

import math

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.views.decorators.http import require_GET

from . import addresses, codes, roster, selectors
from .models import Region


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status, json_dumps_params={"ensure_ascii": False})


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _summary(region: Region, n_children: int, n_grids: int) -> dict:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "level_label": region.level_label,
        "grid_kind": region.grid_kind,
        "grid_kind_label": region.get_grid_kind_display() if region.grid_kind else "",
        "children": n_children,
        "grids": n_grids,
        "bbox": None if region.min_lng is None else [region.min_lng, region.min_lat, region.max_lng, region.max_lat],
        "label": None if region.label_lng is None else [region.label_lng, region.label_lat],
    }


def _feature(region: Region, n_children: int, n_grids: int) -> dict:
    return {"type": "Feature", "geometry": region.geometry, "properties": _summary(region, n_children, n_grids)}


@login_required
@require_GET
def node(request, code: str | None = None):
    """The drill-down step: `code` (or the user's top nodes when absent) and its children."""
    user = request.user
    if code is None:
        current, crumbs, kids = None, [], selectors.top_regions_for(user)
    else:
        current = selectors.node_for(user, code)
        crumbs = selectors.visible_ancestors(user, current)
        kids = list(selectors.children_for(user, current).order_by("code"))
    counted = selectors.with_counts(user, kids + ([current] if current else []))
    by_pk = {r.pk: (n, g) for r, n, g in counted}
    data = {
        "node": None,
        "breadcrumbs": [{"code": a.code, "name": a.name, "level_label": a.level_label} for a in crumbs],
        "children": {"type": "FeatureCollection", "features": [_feature(k, *by_pk[k.pk]) for k in kids]},
        "roster": None,
    }
    if current is not None:
        data["node"] = {**_summary(current, *by_pk[current.pk]), "geometry": current.geometry}
        if current.level == codes.GRID:
            data["roster"] = roster.people_for(current)
    return _json(data)


def _float(value: str | None, lo: float, hi: float) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError from None
    if not math.isfinite(x) or not lo <= x <= hi:
        raise ValueError
    return x


def parse_point(params) -> tuple[float, float]:
    """(lng, lat) from query parameters; ValidationError with a Chinese message otherwise."""
    try:
        return _float(params.get("lng"), -180, 180), _float(params.get("lat"), -90, 90)
    except ValueError:
        raise ValidationError("经纬度格式错误：需要 lng（经度 −180～180）和 lat（纬度 −90～90）两个数值") from None


@require_GET
def public_grid_at(request):
    try:
        lng, lat = parse_point(request.GET)
    except ValidationError as exc:
        return _error(exc.messages[0], 400)
    grid = roster.grid_at(lng, lat)
    if grid is None:
        return _error("该位置不在任何已划定的网格内", 404)
    return _json(roster.card(grid))


@require_GET
def public_roster(request, code: str):
    grid = roster.grid_by_code(code)
    if grid is None:
        raise Http404("没有这个网格")
    return _json(roster.card(grid))


@require_GET
def public_search(request):
    try:
        matches = addresses.resolve(request.GET.get("q"))
    except ValidationError as exc:
        return _error(exc.messages[0], 400)
    # Public: names and points only (the map pickers and the roster place a pin from them). The
    # point is the building's or place's own, else the grid's label point; [lng, lat] order.
    out = []
    for m in matches:
        point = [m.lng, m.lat] if m.lng is not None else (
            [m.grid.label_lng, m.grid.label_lat] if m.grid.label_lng is not None else None)
        community = m.grid.parent if m.grid.parent_id else None
        out.append({"grid_code": m.grid.code, "grid_name": m.grid.name, "label": m.label,
                    "community": community.name if community else "", "point": point})
    return _json({"matches": out})


@require_GET
def public_grids(request):
    bbox = None
    if request.GET.get("bbox"):
        try:
            w, s, e, n = (float(x) for x in request.GET["bbox"].split(","))
            if not all(map(math.isfinite, (w, s, e, n))) or w > e or s > n:
                raise ValueError
            bbox = (w, s, e, n)
        except ValueError:
            return _error("bbox 格式错误：应为 西,南,东,北 四个数值", 400)
    features, truncated = roster.public_grid_features(bbox)
    response = _json({"type": "FeatureCollection", "features": features, "truncated": truncated})
    response["Cache-Control"] = "public, max-age=300"
    return response
