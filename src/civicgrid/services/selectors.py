"""Every read a user triggers: staff through visible_to(user) (core scoping), a provider's account through
its provider (only the orders assigned to it), the public through the catalogue."""
from __future__ import annotations

import math

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from civicgrid.core.scoping import visible_to
from civicgrid.regions.models import Region

from . import workflow as W
from .models import (JointMeeting, Order, Provider, ProviderStaff, ServiceItem, ServicePoint, ServiceSeries,
                     Venue)
from .services import provider_of

ORDER_RELATED = ("item", "item__series", "provider", "region", "community", "street", "venue", "staff")


def orders(user, *, state: str = "", today: bool = False, provider: Provider | None = None) -> QuerySet:
    """Orders the user may see: a provider's account its own; staff those in their jurisdiction."""
    mine = provider_of(user)
    if mine is not None:
        qs = Order.objects.filter(provider=mine)
    else:
        qs = visible_to(user, Order.objects.all())
        if provider is not None:
            qs = qs.filter(provider=provider)
    qs = qs.select_related(*ORDER_RELATED)
    if state == "open":
        qs = qs.filter(state__in=W.WORKFLOW.open_states)
    elif state == "overdue":
        qs = qs.filter(state__in=W.WORKFLOW.open_states, is_overdue=True)
    elif state in W.STATE_LABELS:
        qs = qs.filter(state=state)
    if today:
        day = timezone.localdate()
        qs = qs.filter(Q(scheduled_for__date=day) | Q(created_at__date=day) | Q(state__in=W.WORKFLOW.open_states,
                                                                                 scheduled_for__date__lt=day))
    return qs.order_by("-is_overdue", "scheduled_for", "-id")


def order(user, number: str) -> Order:
    """One order, or 404 — identical for absent and out of reach (a provider's account: not theirs)."""
    obj = orders(user).filter(number=number).first()
    if obj is None:
        raise Http404("订单不存在或不在您的管辖范围内")
    return obj


def counts_by_state(qs) -> list[tuple[str, str, int]]:
    got = dict(qs.order_by().values_list("state").annotate(n=Count("id")))
    return [(s, label, got.get(s, 0)) for s, label in W.STATE_LABELS.items()]


def catalogue(*, community: Region | None = None) -> list[ServiceSeries]:
    """Series with their items in the shelf order; with a community, only items someone offers there."""
    items = ServiceItem.objects.filter(active=True)
    if community is not None:
        paths = [p for p in _ancestors(community.path)]
        items = items.filter(Q(offers__area__path__in=paths) | Q(is_venue=True)).distinct()
    return list(ServiceSeries.objects.prefetch_related(Prefetch("items", queryset=items.order_by("code")))
                .order_by("order", "code"))


def _ancestors(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def orderable_items() -> QuerySet:
    return ServiceItem.objects.filter(active=True).select_related("series").order_by("series__order", "code")


def venues(community: Region | None) -> QuerySet:
    qs = Venue.objects.filter(active=True).select_related("community")
    return qs.filter(community=community) if community is not None else qs.none()


def providers(user) -> QuerySet:
    qs = visible_to(user, Provider.objects.select_related("region"))
    return qs.annotate(open_orders=Count("orders", filter=Q(orders__state__in=(W.ASSIGNED, W.ACCEPTED, W.IN_SERVICE)),
                                         distinct=True)).order_by("status", "name")


def provider(user, pk) -> Provider:
    obj = providers(user).filter(pk=pk).first()
    if obj is None:
        raise Http404("服务商不存在或不在您的管辖范围内")
    return obj


def staff_of(provider: Provider) -> QuerySet:
    return ProviderStaff.objects.filter(provider=provider).order_by("-active", "id")


def meetings(user) -> QuerySet:
    return visible_to(user, JointMeeting.objects.select_related("region")).order_by("-held_on")


def communities(user) -> QuerySet:
    return visible_to(user, Region.objects.filter(level="community")).order_by("code")


def public_communities() -> QuerySet:
    return Region.objects.filter(level="community").order_by("code")


WALK_M_PER_MIN = 70  # an older resident's pace; 10 minutes ≈ 700 m, 15 ≈ 1 km
DETOUR = 1.3         # street grid: the walk is about a third longer than the straight line


def walking_minutes(lng1, lat1, lng2, lat2) -> int:
    r = 6371000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2)
    metres = 2 * r * math.asin(math.sqrt(a)) * DETOUR
    return max(1, round(metres / WALK_M_PER_MIN))


def service_circle(community: Region, *, lng=None, lat=None) -> list[dict]:
    """The community's service points (and its neighbours' within 15 minutes), with the walking time
    from a point (a building) when one is given: the 10-/15-minute service circle."""
    street_path = community.path.rsplit("/", 2)[0] + "/"
    points = list(ServicePoint.objects.filter(community__path__startswith=street_path).select_related("community"))
    rows = []
    for p in points:
        minutes = walking_minutes(lng, lat, p.lng, p.lat) if None not in (lng, lat, p.lng, p.lat) else None
        if p.community_id != community.pk and (minutes is None or minutes > 15):
            continue
        band = "" if minutes is None else ("10分钟" if minutes <= 10 else ("15分钟" if minutes <= 15 else "15分钟外"))
        rows.append({"point": p, "minutes": minutes, "band": band})
    rows.sort(key=lambda r: (r["minutes"] is None, r["minutes"] or 0, r["point"].name))
    return rows


def nav_badges(user) -> list[tuple[str, str, str]]:
    qs = orders(user).filter(state__in=W.WORKFLOW.open_states)
    waiting = qs.filter(state=W.ASSIGNED if provider_of(user) else W.PLACED).count()
    overdue = qs.filter(is_overdue=True).count()
    out = [(str(waiting), "", "待接单" if provider_of(user) else "待派单")] if waiting else []
    if overdue:
        out.append((f"超时 {overdue}", "badge-overdue", "超时订单"))
    return out


def item(code: str, *, venue: bool | None = None) -> ServiceItem | None:
    qs = ServiceItem.objects.filter(code=(code or "")[:20], active=True)
    if venue is not None:
        qs = qs.filter(is_venue=venue)
    return qs.first()


def assignable_provider(pk) -> Provider | None:
    """A provider chosen by hand on an order page; the assign step itself checks area, item and status."""
    return Provider.objects.filter(pk=pk).first() if pk else None


def venues_for(user) -> QuerySet:
    return visible_to(user, Venue.objects.filter(active=True).select_related("community"))


def meeting_areas(user) -> QuerySet:
    return visible_to(user, Region.objects.filter(level__in=["community", "street"])).order_by("path")


def meeting_area(user, code: str) -> Region | None:
    return meeting_areas(user).filter(code=(code or "")[:15]).first()


def resident_orders(phone: str) -> QuerySet:
    """The orders placed with this (verified) phone number."""
    from civicgrid.core.crypto import lookup_hash

    return (Order.objects.filter(phone_hash=lookup_hash(phone)).select_related("item", "provider")
            .order_by("-created_at"))


def orders_of_person(person, limit: int = 20) -> list[Order]:
    """A register resident's latest orders, for a page that has already checked the person is in reach
    (the care plan page, through care/services_adapter.py)."""
    return list(Order.objects.filter(person=person).select_related("item", "provider")
                .order_by("-scheduled_for", "-id")[:limit])
