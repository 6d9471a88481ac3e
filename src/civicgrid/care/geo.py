"""Distance between a worker's phone position and the person's home (its building's point)."""
from __future__ import annotations

import math

NEAR_METRES = 200  # a home visit logged farther than this from the address is flagged, not refused


def metres(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    r = 6371000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(min(1.0, math.sqrt(a)))


def home_point(person) -> tuple[float, float] | None:
    room = getattr(person, "room", None)
    b = room.building if room is not None else None
    if b is not None and b.lng is not None and b.lat is not None:
        return b.lng, b.lat
    return None


def clean_point(lng, lat) -> tuple[float, float] | None:
    """A phone's position, or None when absent or nonsense (never an error: the check says 未定位)."""
    try:
        x, y = float(lng), float(lat)
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(x) and math.isfinite(y)) or not (-180 <= x <= 180 and -90 <= y <= 90):
        return None
    return x, y
