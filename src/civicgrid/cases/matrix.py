"""Objects for the jurisdiction matrix (cases/manifest.py routes): one case in street A, one in street B."""
from __future__ import annotations


def _categories():
    from .models import Category
    from .shipped import ensure_categories

    ensure_categories()  # the shipped catalogue (as `migrate` would load it)
    return Category.objects.get(code="09006")


def objects(t) -> dict:
    from . import services

    category = _categories()
    out = {}
    for side, grid, worker in (("in", "A1a", "worker_A1a"), ("out", "B1a", "worker_B1a")):
        g = t.grids[grid]
        lng, lat = g.label_lng, g.label_lat
        out[f"case_{side}"] = services.intake(t.users[worker], channel="grid_worker", category=category,
                                              description=f"{grid}网格的占道经营", lng=lng, lat=lat,
                                              requester_phone="13911112222")
    return out
