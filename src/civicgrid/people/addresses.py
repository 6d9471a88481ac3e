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


# Places a resident may look for by name: open to the public anyway. Rental houses are homes and key
# units are sensitive sites; neither is offered to a public search.
PUBLIC_PLACE_KINDS = ("shop", "restaurant", "school", "clinic", "enterprise")


def resolve_place_name(text: str):
    """Public places (shops, schools, clinics …) whose name or address contains the text and that
    have a point: [(label, lng, lat, grid)]. Only the place's name, address and point leave here:
    never its contact person, phone or credit code."""
    from django.db.models import Value
    from django.db.models.functions import Concat

    from .models import Place

    text = "".join((text or "").split())
    if len(text) < 2:
        return []
    qs = (Place.objects.filter(kind__in=PUBLIC_PLACE_KINDS, lng__isnull=False, lat__isnull=False)
          .select_related("grid").annotate(label=Concat("address", Value(" "), "name"))
          .filter(label__contains=text).order_by("name")[:10])
    return [(f"{p.name}（{p.address}）" if p.address else p.name, p.lng, p.lat, p.grid) for p in qs]
