from django.conf import settings
from django.templatetags.static import static

from . import roles as R
from .scoping import user_roles


def civicgrid(request):
    user = getattr(request, "user", None)
    seats = user_roles(user) if user is not None else []
    return {
        "user_roles": seats,
        "role_labels": R.ROLE_LABELS,
        "map_tile_url": settings.MAP_TILE_URL,
        "map_tile_attribution": settings.MAP_TILE_ATTRIBUTION,
        # Read by static/civicgrid/cg.js (maps load Leaflet lazily from these URLs).
        "cg_config": {
            "tiles": settings.MAP_TILE_URL,
            "tile_attribution": settings.MAP_TILE_ATTRIBUTION,
            "attribution": settings.MAP_ATTRIBUTION,
            "leaflet_js": static("vendor/leaflet/leaflet.js"),
            "leaflet_css": static("vendor/leaflet/leaflet.css"),
        },
    }
