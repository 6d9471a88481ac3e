"""Every read a user triggers, always through visible_to(user) (core scoping)."""
from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet

from civicgrid.core.scoping import get_visible_or_404, visible_to
from civicgrid.regions.models import Region

from . import workflow as W
from .models import Dispute, MediationRoom, Mediator, Screening


def disputes(user, *, state: str = "", tier: str = "", risky: bool = False) -> QuerySet:
    qs = visible_to(user, Dispute.objects.select_related("region", "street", "community"))
    if state == "open":
        qs = qs.filter(state__in=W.WORKFLOW.open_states)
    elif state in W.STATE_LABELS:
        qs = qs.filter(state=state)
    if tier in W.TIER_LABELS:
        qs = qs.filter(tier=tier)
    if risky:
        qs = qs.filter(Q(risk_level__in=["high", "critical"]) | Q(alerts__isnull=False)).distinct()
    return qs.order_by("-is_overdue", "due_at", "-id")


def dispute(user, number: str) -> Dispute:
    return get_visible_or_404(user, Dispute.objects.select_related("region", "street", "community", "district", "room"),
                              number=number)


def mediators(user, *, active_only: bool = False) -> QuerySet:
    """Mediators in scope with their load: open disputes they are assigned to now."""
    qs = visible_to(user, Mediator.objects.select_related("region"))
    if active_only:
        qs = qs.filter(active=True)
    return qs.annotate(load=Count("disputes", filter=Q(disputes__state__in=W.WORKFLOW.open_states), distinct=True))


def rooms(user, *, active_only: bool = False) -> QuerySet:
    qs = visible_to(user, MediationRoom.objects.select_related("region", "lead"))
    if active_only:
        qs = qs.filter(active=True)
    return qs.annotate(load=Count("disputes", filter=Q(disputes__state__in=W.WORKFLOW.open_states), distinct=True))


def screenings(user, week: dt.date) -> QuerySet:
    return visible_to(user, Screening.objects.select_related("region", "by")).filter(week=week)


def coverage(user, week: dt.date) -> dict:
    """Which grids in scope have a screening record this week (their own, or their community's)."""
    grids = list(visible_to(user, Region.objects.filter(level="grid")).order_by("code"))
    done = {s.region.path: s for s in screenings(user, week)}
    rows, covered = [], 0
    for g in grids:
        parent_path = g.path.rsplit("/", 2)[0] + "/"
        s = done.get(g.path) or done.get(parent_path)
        covered += s is not None
        rows.append({"grid": g, "screening": s})
    return {"rows": rows, "covered": covered, "total": len(grids),
            "nothing_found": sum(1 for s in done.values() if s.found == 0)}


def report_areas(user) -> QuerySet:
    return visible_to(user, Region.objects.filter(level__in=["community", "street", "district"])).order_by("path")


def screenable(user) -> QuerySet:
    return visible_to(user, Region.objects.filter(level__in=["grid", "community"])).order_by("path")


def places(user) -> QuerySet:
    return visible_to(user, Region.objects.filter(level__in=["grid", "community", "street"])).order_by("path")


def nav_badges(user) -> list[tuple[str, str, str]]:
    """The navigation badge: open disputes in scope, and how many are overdue."""
    qs = visible_to(user, Dispute.objects.filter(state__in=W.WORKFLOW.open_states))
    n, overdue = qs.count(), qs.filter(is_overdue=True).count()
    out = [(str(n), "", "在办纠纷")] if n else []
    if overdue:
        out.append((f"超期 {overdue}", "badge-overdue", "超期纠纷"))
    return out


def register_matches(user, q: str, *, limit: int = 8) -> list:
    """Residents from the register matching `q`, for the party picker: the people app's own scoped search
    (register access required; the caller logs the search), at most `limit`, masked by the template."""
    from civicgrid.people import selectors as people
    from civicgrid.people.permissions import require_register_access

    require_register_access(user)
    return list(people.search_people(user, q)[:limit])


def may_pick_residents(user) -> bool:
    from civicgrid.people.permissions import has_register_access

    return has_register_access(user)
