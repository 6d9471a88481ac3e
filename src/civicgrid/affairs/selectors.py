"""Every read a user triggers, through visible_to(user) (core scoping); the public page by number + phone."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone

from civicgrid.core import roles as R
from civicgrid.core.crypto import lookup_hash
from civicgrid.core.paging import count_upto
from civicgrid.core.phones import normalise_phone
from civicgrid.core.scoping import get_visible_or_404, sees_everything, user_roles, visible_to

from . import workflow as W
from .models import LATE, Application, Item, ItemVersion, Rating, Window

LIST_FIELDS = ("id", "number", "state", "tier", "item__name", "created_at", "due_at", "is_overdue", "total_due",
               "region__name", "unit__name", "version")


# What a list row (_row.html) never shows: the applicant's personal data and the form, each of them
# decrypted on load. Fifty rows of four lists decrypted some six hundred values for nothing.
NOT_IN_ROWS = ("applicant_name", "phone", "id_number", "form_data", "signed_by", "reject_reason")


def _scoped(user, qs: QuerySet, roles: tuple[str, ...]) -> QuerySet:
    """visible_to(user, qs, roles), with each seat also stated on the application's own columns.

    visible_to says "the accepting region's path starts with the seat's path", a join to the region
    table that PostgreSQL cannot follow along an index of the application table: on a million
    applications it read a community's whole history (50,000 rows) to find today's. The same seat
    said on the denormalised columns (region for a community, street, district; the unit for a
    department) lets it walk an index. An application's region is the window's, a community or a
    street (services.save_window), and street/district are that region's chain (services._chain),
    so for every seat the column condition holds for exactly the rows the path condition selects:
    the result is visible_to's, and visible_to stays the rule (a stale column could only hide a row)."""
    qs = visible_to(user, qs, roles=roles)
    hint = _seat_columns(user, roles)
    return qs if hint is None else qs.filter(hint)


def _seat_columns(user, roles: tuple[str, ...]) -> Q | None:
    """The seats visible_to counts for these roles, on the application's columns (None: no hint)."""
    if not getattr(user, "is_authenticated", False) or sees_everything(user):
        return None
    column = {W.COMMUNITY: "region_id", W.STREET: "street_id", W.DISTRICT: "district_id"}
    q = Q(pk__in=[])
    for seat in user_roles(user):
        if seat.region_id and seat.role in roles:
            if seat.region.level not in column:
                return None  # a city seat, say: no single column says it; the path alone does
            q |= Q(**{column[seat.region.level]: seat.region_id})
    if any(R.is_department_role(r) for r in roles):  # as visible_to: every unit the user serves
        units = sorted({s.department_unit_id for s in user_roles(user) if s.department_unit_id})
        if units:
            q |= Q(unit_id__in=units)
    return q


def applications(user, *, state: str = "", item: int | None = None, overdue: bool = False) -> QuerySet:
    qs = _scoped(user, Application.objects.select_related("item", "region", "unit", "window"), W.VIEWERS)
    if state == "open":
        qs = qs.filter(state__in=W.WORKFLOW.open_states)
    elif state in W.STATE_LABELS:
        qs = qs.filter(state=state)
    if item:
        qs = qs.filter(item_id=item)
    if overdue:
        qs = qs.filter(LATE)  # the late indexes' own condition
    return qs


LIST_PER_PAGE = 30


def application_page(user, number, *, state: str = "", overdue: bool = False):
    """One page of applications(), newest first: the page's rows plus one, counted up to paging.COUNT_CAP."""
    from civicgrid.core import paging

    qs = applications(user, state=state, overdue=overdue).defer(*NOT_IN_ROWS).order_by("-created_at", "-id")
    return paging.window(qs, number, LIST_PER_PAGE, cap=paging.COUNT_CAP)


# Rows of each list on a desk (the list page has the rest). The desk's cost is its rows: at fifty
# per list a clerk's desk rendered two hundred of them, two thirds of the page's time.
DESK_ROWS = 20


@dataclass
class DeskList:
    """The first DESK_ROWS of a list, and whether there are more (read as DESK_ROWS + 1 rows, not counted)."""

    rows: list
    more: bool

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def label(self) -> str:
        """"7" or "20+": what the heading says."""
        return f"{len(self.rows)}+" if self.more else str(len(self.rows))


def desk_list(qs: QuerySet) -> DeskList:
    rows = DESK_ROWS
    found = list(qs[:rows + 1])
    return DeskList(found[:rows], len(found) > rows)


def window_worklist(user, *, today: dt.date | None = None) -> dict:
    """The window's desk: waiting for documents, ready to hand over, and today's acceptances."""
    today = today or timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    base = _scoped(user, Application.objects.select_related("item", "region", "unit").defer(*NOT_IN_ROWS),
                   (W.CLERK,))
    return {
        "correction": desk_list(base.filter(state=W.CORRECTION).order_by("-created_at", "-id")),
        "deliver": desk_list(base.filter(state=W.DELIVER).order_by("due_at", "id")),
        "today": desk_list(base.filter(created_at__gte=start).order_by("-created_at", "-id")),
    }


def review_queue(user) -> QuerySet:
    return _scoped(user, Application.objects.select_related("item", "region", "unit").defer(*NOT_IN_ROWS),
                   (W.REVIEWER,)).filter(state=W.REVIEW).order_by("due_at")


def department_queue(user) -> QuerySet:
    """What is routed to the user's department units for a decision, most urgent first."""
    return _scoped(user, Application.objects.select_related("item", "region", "unit").defer(*NOT_IN_ROWS),
                   (W.DECIDER,)).filter(state=W.DECIDE).order_by("due_at")


def _viewable(user, qs: QuerySet) -> QuerySet:
    return visible_to(user, qs, roles=W.VIEWERS)


def overdue(user) -> QuerySet:
    return applications(user, overdue=True).defer(*NOT_IN_ROWS).order_by("due_at")


def application(user, number: str) -> Application:
    return get_visible_or_404(user, _viewable(user, Application.objects.select_related(
        "item", "item_version", "region", "street", "district", "unit", "window", "department")), number=number)


def public_application(number: str, phone: str) -> Application | None:
    """The applicant's own application: its number and the phone given at the window must both match."""
    number = (number or "").strip().upper()[:20]
    phone = normalise_phone(phone or "")
    if not number or not phone:
        return None
    return (Application.objects.select_related("item", "item_version", "window", "department", "rating")
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


NAV_CAP = 99  # on every page: counted only this far, the badge then says "99+" (as the cases' badge does)


def nav_badges(user) -> list[tuple[str, str, str]]:
    qs = _scoped(user, Application.objects.filter(state__in=W.WORKFLOW.open_states), W.VIEWERS)
    n = count_upto(qs, NAV_CAP)
    late = count_upto(_scoped(user, Application.objects.filter(LATE), W.VIEWERS), NAV_CAP) if n else 0
    out = [(_badge(n), "", "在办申请")] if n else []
    if late:
        out.append((f"超期 {_badge(late)}", "badge-overdue", "超期申请"))
    return out


def _badge(n: int) -> str:
    return f"{NAV_CAP}+" if n > NAV_CAP else str(n)
