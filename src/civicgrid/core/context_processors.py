from django.conf import settings

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
    }
