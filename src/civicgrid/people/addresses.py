"""Address resolver for the public roster page ("which grid serves my building?")."""
from __future__ import annotations


def resolve_building_address(text: str):
    """Buildings whose address+name contain the text and have a point: [(label, lng, lat, grid)].

    Public: only the building's address and location leave this function, nothing about residents.
    """
    from django.db.models import Value
    from django.db.models.functions import Concat

    from .models import Building

    text = "".join((text or "").split())
    if len(text) < 2:
        return []
    qs = (Building.objects.filter(lng__isnull=False, lat__isnull=False).select_related("grid")
          .annotate(label=Concat("address", "name", Value(""))).filter(label__contains=text)[:10])
    return [(b.label, b.lng, b.lat, b.grid) for b in qs]
