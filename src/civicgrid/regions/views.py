from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse

from . import addresses, roster, selectors
from .views_geo import parse_point


@login_required
def map_page(request):
    return render(request, "regions/map.html", {
        "tops": selectors.top_regions_for(request.user),
        "map_settings": {
            "tiles": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "start": request.GET.get("code", "")[:15],
            "topUrl": reverse("regions:geo_top"),
            "nodeUrl": reverse("regions:geo_node", args=["CODE"]),
        },
    })


def roster_page(request):
    """Public (实名制公示): find a grid by address, by grid code, or by a point on the map, and show
    who serves it. htmx requests get only the result fragment."""
    q = request.GET.get("q", "")
    result = {"q": q, "grid": None, "card": None, "matches": None, "error": ""}
    status = 200
    try:
        if request.GET.get("grid"):
            grid = roster.grid_by_code(request.GET["grid"])
            if grid is None:
                result["error"], status = "没有找到这个网格编码。", 404
            else:
                result["card"] = roster.card(grid)
        elif "lng" in request.GET or "lat" in request.GET:
            lng, lat = parse_point(request.GET)
            grid = roster.grid_at(lng, lat)
            if grid is None:
                result["error"] = "这个位置不在任何已划定的网格内，请换个位置或输入地址查询。"
            else:
                result["card"] = roster.card(grid)
        elif "q" in request.GET:
            matches = addresses.resolve(q)
            if len(matches) == 1:
                result["card"] = roster.card(matches[0].grid)
            elif matches:
                result["matches"] = matches
            else:
                result["error"] = f"没有找到与“{addresses.clean_query(q)}”相符的小区、社区或网格，请换个说法，或在地图上点选位置。"
    except ValidationError as exc:
        result["error"], status = exc.messages[0], 400
    template = "regions/_roster_result.html" if getattr(request, "htmx", False) else "regions/roster.html"
    context = dict(result)
    if template == "regions/roster.html":
        context["roster_settings"] = {
            "tiles": settings.MAP_TILE_URL,
            "attribution": settings.MAP_TILE_ATTRIBUTION,
            "extent": roster.public_extent(),
            "gridsUrl": reverse("regions:public_grids"),
            "pageUrl": reverse("regions:roster"),
        }
    return render(request, template, context, status=status)
