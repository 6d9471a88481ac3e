"""The location service's error codes (see core/errors.py).

They are ValidationErrors with a dotted code, so every form that reports validation problems shows
them unchanged, while a caller that must answer differently (Open311 asks for coordinates when an
address cannot be located) branches on `exc.code`, never on the message.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError

BAD_POINT = "regions.bad_point"
OUTSIDE_GRIDS = "regions.outside_grids"
BAD_NODE = "regions.bad_node"
UNLOCATABLE = "regions.unlocatable"
NO_LOCATION = "regions.no_location"


class LocationError(ValidationError):
    def __init__(self, code: str, message: str):
        super().__init__(message, code=code)
