"""Template helpers for pages with a map."""
from __future__ import annotations

import json

from django import template

from civicgrid.regions import roster

register = template.Library()


@register.simple_tag
def public_extent_json() -> str:
    """[west, south, east, north] of all grids as JSON (lng first), for a map's first view; "" if none.

    Autoescaped where used (a data- attribute), so it cannot break out of the attribute."""
    ext = roster.public_extent()
    return json.dumps(ext) if ext else ""
