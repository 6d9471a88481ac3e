"""Every read a user triggers. Territorial seats see their node's plans (core.scoping.visible_to);
the assigned seats (助老员、社工、志愿者) see only the people they keep a rhythm for or stand on duty for."""
from __future__ import annotations

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404

from civicgrid.core.scoping import sees_everything, user_roles, visible_to
from civicgrid.regions.models import Region

from . import workflow as W
from .models import Alert, CarePlan, Contact, Miss, Rhythm


def _held(user) -> set[str]:
    return {s.role for s in user_roles(user)}


def plans(user) -> QuerySet[CarePlan]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return CarePlan.objects.none()
    if sees_everything(user):
        return CarePlan.objects.all()
    held = _held(user)
    territorial = tuple(r for r in held if r in W.TERRITORIAL)
    assigned = tuple(r for r in held if r in W.ASSIGNED_ROLES)
    q = Q(pk__in=[])
    if territorial:
        q |= Q(pk__in=visible_to(user, CarePlan.objects.all(), roles=territorial).values("pk"))
    if assigned:
        mine = CarePlan.objects.filter(Q(rhythms__worker=user) | Q(responders__user=user))
        q |= Q(pk__in=visible_to(user, mine, roles=assigned).values("pk"))
    return CarePlan.objects.filter(q)


def plan(user, pk) -> CarePlan:
    found = plans(user).select_related("person__room__building", "community", "region").filter(pk=pk).first()
    if found is None:
        raise Http404("关爱计划不存在或不在您的管辖范围内")
    return found


def is_assigned(user, plan_id: int) -> bool:
    return (Rhythm.objects.filter(plan_id=plan_id, worker=user).exists()
            or plan_id in set(CarePlan.objects.filter(responders__user=user).values_list("pk", flat=True)))


def due(user, day: dt.date, *, until: dt.date | None = None) -> QuerySet[Rhythm]:
    """The user's own due list: every active rhythm whose window has begun by `until` (default: today).
    One indexed query over the stored window (worker, active, next_due)."""
    return (Rhythm.objects.filter(worker=user, active=True, plan__ended_on__isnull=True,
                                  next_due__lte=until or day)
            .select_related("plan__person__room__building", "plan__region")
            .order_by("due_by", "kind", "plan_id"))


def due_in_scope(user, day: dt.date) -> QuerySet[Rhythm]:
    """Today's due rows for every worker in the user's scope (supervisors, the benchmark)."""
    return (Rhythm.objects.filter(active=True, plan__ended_on__isnull=True, next_due__lte=day,
                                  plan__in=plans(user))
            .select_related("plan__person", "worker").order_by("worker_id", "due_by", "kind"))


def rhythm(user, pk) -> Rhythm:
    """A rhythm the user may log a contact for: their own, or any in a plan they see as a territorial seat."""
    found = (Rhythm.objects.filter(plan__in=plans(user)).select_related("plan__person__room__building", "worker")
             .filter(pk=pk).first())
    if found is None:
        raise Http404("关爱节奏不存在或不在您的管辖范围内")
    return found


def contacts(user, plan_obj: CarePlan, limit: int = 30) -> list[Contact]:
    return list(plan_obj.contacts.select_related("worker", "rhythm")[:limit])


def misses(user) -> QuerySet[Miss]:
    return Miss.objects.filter(plan__in=plans(user)).select_related("plan__person", "rhythm", "worker")


def alerts(user, *, state: str = "open") -> QuerySet[Alert]:
    qs = Alert.objects.filter(plan__in=plans(user)).select_related("plan__person", "community")
    if state == "open":
        qs = qs.filter(state__in=W.WORKFLOW.open_states)
    elif state in W.STATE_LABELS:
        qs = qs.filter(state=state)
    return qs.order_by("-raised_at", "-id")


def alert(user, number: str) -> Alert:
    found = alerts(user, state="all").select_related("plan__person__room__building", "region").filter(
        number=str(number)[:20]).first()
    if found is None:
        raise Http404("求助不存在或不在您的管辖范围内")
    return found


def communities(user) -> QuerySet[Region]:
    """Communities the overview may show: inside a territorial seat's node."""
    if sees_everything(user):
        return Region.objects.filter(level="community").order_by("code")
    territorial = tuple(r for r in _held(user) if r in W.TERRITORIAL)
    if not territorial:
        return Region.objects.none()
    return visible_to(user, Region.objects.filter(level="community"), roles=territorial).order_by("code")


def nav_badges(user) -> list[tuple[str, str, str]]:
    import django.utils.timezone as tz

    out = []
    n = due(user, tz.localdate()).count()
    if n:
        out.append((str(n), "", "今日待联系"))
    open_alerts = alerts(user).count()
    if open_alerts:
        out.append((f"求助 {open_alerts}", "badge-overdue", "待处置的紧急求助"))
    return out


# Which seat keeps a rhythm in which capacity (Rhythm.worker_kind).
KEEPER_KINDS = {W.CARE_HELPER: "helper", W.SOCIAL_WORKER: "social_worker", W.CARE_VOLUNTEER: "volunteer",
                "grid_worker": "grid_worker"}


def keepers_for(plan_obj: CarePlan) -> list[tuple[str, object, str]]:
    """Who may keep a rhythm of this plan: (value "user:kind", user, kind) for each care or grid seat at the
    person's grid, community or above (services._may_keep checks the same again on save)."""
    from civicgrid.core.models import Role

    parts = [p for p in plan_obj.region.path.strip("/").split("/") if p]
    paths = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
    seats = (Role.objects.filter(role__in=KEEPER_KINDS, region__path__in=paths, user__is_active=True)
             .select_related("user").order_by("role", "user__display_name", "user_id"))
    out, seen = [], set()
    for s in seats:
        key = f"{s.user_id}:{KEEPER_KINDS[s.role]}"
        if key not in seen:
            seen.add(key)
            out.append((key, s.user, KEEPER_KINDS[s.role]))
    return out


def chain_communities(user) -> QuerySet[Region]:
    """Communities whose escalation chain the user may set: community staff's own, a street's communities."""
    if sees_everything(user):
        return Region.objects.filter(level="community").order_by("code")
    roles = tuple(r for r in _held(user) if r in W.SUPERVISORS)
    if not roles:
        return Region.objects.none()
    return visible_to(user, Region.objects.filter(level="community"), roles=roles).order_by("code")


def chain_community(user, code: str) -> Region:
    found = chain_communities(user).filter(code=str(code)[:20]).first()
    if found is None:
        raise Http404("社区不存在或不在您的管辖范围内")
    return found
