"""Every read a user triggers, through visible_to(user) (core scoping); the public page by number + phone."""
from __future__ import annotations

import datetime as dt

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from civicgrid.core.crypto import lookup_hash
from civicgrid.core.phones import normalise_phone
from civicgrid.core.scoping import get_visible_or_404, visible_to

from . import workflow as W
from .models import Application, Item, ItemVersion, Rating, Window

LIST_FIELDS = ("id", "number", "state", "tier", "item__name", "created_at", "due_at", "is_overdue", "total_due",
               "region__name", "unit__name", "version")


def applications(user, *, state: str = "", item: int | None = None, overdue: bool = False) -> QuerySet:
    qs = visible_to(user, Application.objects.select_related("item", "region", "unit", "window"), roles=W.VIEWERS)
    if state == "open":
        qs = qs.filter(state__in=W.WORKFLOW.open_states)
    elif state in W.STATE_LABELS:
        qs = qs.filter(state=state)
    if item:
        qs = qs.filter(item_id=item)
    if overdue:
        qs = qs.filter(state__in=W.WORKFLOW.open_states, is_overdue=True)
    return qs


def window_worklist(user, *, today: dt.date | None = None) -> dict:
    """The window's desk: waiting for documents, ready to hand over, and today's acceptances."""
    today = today or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    base = visible_to(user, Application.objects.select_related("item", "region"), roles=(W.CLERK,))
    return {
        "correction": base.filter(state=W.CORRECTION).order_by("-created_at")[:50],
        "deliver": base.filter(state=W.DELIVER).order_by("due_at")[:50],
        "today": base.filter(created_at__gte=start).order_by("-created_at")[:50],
    }


def review_queue(user) -> QuerySet:
    return visible_to(user, Application.objects.select_related("item", "region"), roles=(W.REVIEWER,)).filter(
        state=W.REVIEW).order_by("due_at")


def department_queue(user) -> QuerySet:
    """What is routed to the user's department units for a decision, most urgent first."""
    return visible_to(user, Application.objects.select_related("item", "region", "unit"), roles=(W.DECIDER,)).filter(
        state=W.DECIDE).order_by("due_at")


def _viewable(user, qs: QuerySet) -> QuerySet:
    return visible_to(user, qs, roles=W.VIEWERS)


def overdue(user) -> QuerySet:
    return applications(user, overdue=True).order_by("due_at")


def application(user, number: str) -> Application:
    return get_visible_or_404(user, _viewable(user, Application.objects.select_related(
        "item", "item_version", "region", "street", "district", "unit", "window", "department")), number=number)


def public_application(number: str, phone: str) -> Application | None:
    """The applicant's own application: its number and the phone given at the window must both match."""
    number = (number or "").strip().upper()[:20]
    phone = normalise_phone(phone or "")
    if not number or not phone:
        return None
    return (Application.objects.select_related("item", "item_version", "window", "department")
            .filter(number=number, phone_hash=lookup_hash(phone)).first())


def public_timeline(a: Application) -> list[dict]:
    """What the applicant may read: the steps and when, never staff names or internal notes — except the
    reasons given to them (补正 and 不予批准 are written for the applicant)."""
    out = []
    for e in a.events.all():
        text = ""
        if e.action in ("return", "reject", "accept_incomplete"):
            text = e.note
        out.append({"at": e.at, "label": W.ACTION_LABELS.get(e.action, e.action), "text": text})
    return out


def items(user=None, *, active_only: bool = True) -> QuerySet:
    qs = Item.objects.select_related("department", "current")
    if active_only:
        qs = qs.filter(active=True, current__isnull=False)
    return qs.order_by("code")


def item_versions(item: Item) -> QuerySet:
    return ItemVersion.objects.filter(item=item).order_by("-version")


def windows_for(user) -> QuerySet:
    return visible_to(user, Window.objects.filter(active=True).select_related("region"), roles=(W.CLERK,))


def windows_in_scope(user) -> QuerySet:
    return visible_to(user, Window.objects.all(), roles=W.VIEWERS)


def residents_for(user) -> QuerySet:
    """The register as a window clerk may search it: the clerk's seats only, living residents only."""
    from civicgrid.people.models import Person

    return visible_to(user, Person.objects.filter(moved_out__isnull=True, anonymised_at__isnull=True),
                      roles=(W.CLERK,))


def find_residents(user, q: str) -> QuerySet:
    from civicgrid.people import search as S
    from civicgrid.people.models import Room

    rooms = visible_to(user, Room.objects.all(), roles=(W.CLERK,))
    return S.search(residents_for(user), q, rooms).select_related("community", "room__building", "room__entrance")[:20]


def resident(user, pk: int):
    return get_visible_or_404(user, residents_for(user), pk=pk)


def ratings_for(user) -> QuerySet:
    return visible_to(user, Rating.objects.select_related("application", "item", "window"), roles=W.VIEWERS)


def poor_unanswered(user) -> QuerySet:
    return ratings_for(user).filter(score__in=W.POOR, answered_at__isnull=True).order_by("answer_due")


def item_stats(user, start: dt.date, end: dt.date) -> list[dict]:
    """Per item: applications accepted in the period, decided, on time, average working days."""
    lo = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    hi = timezone.make_aware(dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min))
    qs = _viewable(user, Application.objects.filter(created_at__gte=lo, created_at__lt=hi))
    rows = (qs.values("item__code", "item__name").annotate(
        total=Count("id"), decided=Count("id", filter=Q(decided_at__isnull=False)),
        on_time=Count("id", filter=Q(decision_on_time=True)), overdue=Count("id", filter=Q(is_overdue=True)),
        avg_days=Avg("working_days")).order_by("-total", "item__code"))
    return list(rows)


def published_rates(by: str) -> list[dict]:
    """好差评 rates, published: per window, item or department (no personal data in them)."""
    field = {"window": "window__name", "item": "item__name", "department": "department__name"}[by]
    rows = (Rating.objects.exclude(**{f"{field}__isnull": True}).values(field).annotate(
        total=Count("id"), good=Count("id", filter=Q(score__gte=4)), poor=Count("id", filter=Q(score__in=W.POOR)),
        answered=Count("id", filter=Q(score__in=W.POOR, answered_at__isnull=False))).order_by(field))
    out = []
    for r in rows:
        out.append({"name": r[field], "total": r["total"], "poor": r["poor"], "answered": r["answered"],
                    "good_rate": round(100 * r["good"] / r["total"], 1) if r["total"] else None})
    return out


def nav_badges(user) -> list[tuple[str, str, str]]:
    qs = _viewable(user, Application.objects.filter(state__in=W.WORKFLOW.open_states))
    n, late = qs.count(), qs.filter(is_overdue=True).count()
    out = [(str(n), "", "在办申请")] if n else []
    if late:
        out.append((f"超期 {late}", "badge-overdue", "超期申请"))
    return out
