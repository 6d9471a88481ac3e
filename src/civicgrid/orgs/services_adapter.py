"""The one place the registry reads the services app (the community service supermarket): which of its
providers is this organisation, and what services it offers there. Shown on the organisation page."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProvidedService:
    provider: str
    status: str
    region: str
    items: list[str]


def services_of(org) -> list[ProvidedService]:
    from civicgrid.services.models import Provider

    out = []
    for p in Provider.objects.filter(organisation=org).select_related("region").prefetch_related("offers__item"):
        items = sorted({o.item.name for o in p.offers.all()})
        out.append(ProvidedService(provider=p.name, status=p.get_status_display(), region=p.region.name, items=items))
    return out
