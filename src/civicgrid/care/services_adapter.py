"""The one place care talks to the service supermarket (civicgrid.services).

A care worker orders a catalogue item for a person in their care plan: which items the person may
order (the services app's rule — care-group eligibility and the items offered in the community), what
subsidy is left, placing the order (channel "care", the register's person linked) and the person's
orders for the plan page. Everything else about orders (assignment, states, subsidy booking) is the
services app's; care never reads its models except through the functions here.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone


@dataclass(frozen=True)
class Offer:
    """One item the person may order, as the care order form shows it."""

    code: str
    name: str
    series: str
    price_label: str
    subsidy_left: Decimal | None  # None: not a subsidised item (or the person has no entitlement)


def _services():
    from civicgrid.services import selectors, services

    return services, selectors


def offers_for(person, community, when: dt.datetime | None = None) -> list[Offer]:
    """The active items offered in the person's community (venues aside) the person is entitled to order."""
    services, selectors = _services()
    when = when or timezone.now()
    kinds = services.open_kinds(person, timezone.localtime(when).date())
    out = []
    for series in selectors.catalogue(community=community):
        for item in series.items.all():
            if item.is_venue or (item.eligible_kinds and not kinds.intersection(item.eligible_kinds)):
                continue
            left = None
            if item.pricing == "subsidised" and item.subsidy > 0:
                ents = list(services.entitlements_for(person, item, person.region, when))
                if ents:
                    left = max(services.subsidy_left(person, e, when) for e in ents)
            out.append(Offer(item.code, item.name, series.name, item.price_label, left))
    return out


def place_for_plan(actor, plan, *, item_code: str, scheduled_for, name: str, phone: str, address: str,
                   note: str = "", now: dt.datetime | None = None):
    """下单 for the plan's person through services.place_order (which checks the seat, eligibility, the time
    and books the subsidy). An unknown or withdrawn item is refused with the services app's own reason."""
    services, selectors = _services()
    item = selectors.item(item_code, venue=False)
    return services.place_order(actor, item=item, name=name, phone=phone, address=address,
                                scheduled_for=scheduled_for, person=plan.person, region=plan.person.region,
                                note=note, channel="care", now=now)


def orders_of(person, limit: int = 20) -> list:
    """The person's latest orders (the caller has checked the plan is in the user's reach)."""
    _, selectors = _services()
    return selectors.orders_of_person(person, limit=limit)


def subsidy_note(order) -> str:
    """Why a subsidised order drew less than the item's subsidy (the services app books what is left)."""
    item = order.item
    if item.pricing != "subsidised" or item.subsidy <= 0 or order.subsidy >= min(item.subsidy, order.price):
        return ""
    return "补贴额度已用完，按原价收费" if not order.subsidy else f"补贴额度不足，仅补贴 {order.subsidy.normalize():f} 元"


def address_of(person) -> str:
    """The register's address of the person's room, to prefill the order (the worker may correct it)."""
    return str(person.room) if person.room_id else ""
