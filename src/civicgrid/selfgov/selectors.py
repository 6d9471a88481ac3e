"""Every read a user triggers, through visible_to(user); the public board reads published items only."""
from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from civicgrid.core.scoping import get_visible_or_404, visible_to
from civicgrid.regions.models import Region

from . import workflow as W
from .models import (AdmissionItem, CharterVersion, Disclosure, EvaluationPeriod, GridReview, Meeting, Poll,
                     Proposal, SealUse, TaskRequest)


def communities(user) -> QuerySet:
    return visible_to(user, Region.objects.filter(level="community")).order_by("path")


def proposals(user, *, state: str = "") -> QuerySet:
    qs = visible_to(user, Proposal.objects.select_related("community"))
    if state == "open":
        qs = qs.filter(state__in=W.WORKFLOW.open_states)
    elif state in W.STATE_LABELS:
        qs = qs.filter(state=state)
    return qs.order_by("-is_overdue", "-created_at", "-id")


def proposal(user, number: str) -> Proposal:
    return get_visible_or_404(user, Proposal.objects.select_related("community", "proposer"), number=number)


def meetings(user) -> QuerySet:
    return visible_to(user, Meeting.objects.select_related("community")).order_by("-starts_at", "-id")


def meeting(user, pk: int) -> Meeting:
    return get_visible_or_404(user, Meeting.objects.select_related("community", "proposal"), pk=pk)


def polls(user) -> QuerySet:
    return visible_to(user, Poll.objects.select_related("community")).order_by("-opens_at", "-id")


def poll(user, pk: int) -> Poll:
    return get_visible_or_404(user, Poll.objects.select_related("community"), pk=pk)


def board(user) -> QuerySet:
    return visible_to(user, Disclosure.objects.select_related("community")).order_by("-published_on", "-id")


def tasks(user) -> QuerySet:
    return visible_to(user, TaskRequest.objects.select_related("community", "department", "item")) \
        .order_by("-requested_at", "-id")


def task(user, pk: int) -> TaskRequest:
    return get_visible_or_404(user, TaskRequest.objects.select_related("community", "department", "item"), pk=pk)


def _district_ids(user) -> list[int] | None:
    """Districts containing (or inside) the user's seats: district-wide lists every seat in it reads."""
    from civicgrid.core.scoping import scope_paths

    paths = scope_paths(user)
    if paths is None:
        return None
    return [d.pk for d in Region.objects.filter(level="district")
            if any(x.startswith(d.path) or d.path.startswith(x) for x in paths)]


def admission_list(user) -> QuerySet:
    """The district's admission list: public to every seat in the district (departments included)."""
    ids = _district_ids(user)
    qs = AdmissionItem.objects.select_related("department").filter(active=True)
    return qs if ids is None else qs.filter(district_id__in=ids)


def seal_uses(user) -> QuerySet:
    return visible_to(user, SealUse.objects.select_related("community"))


def periods(user) -> QuerySet:
    """Rounds of the user's district (a round is the district's; every seat inside it sees the published rates)."""
    ids = _district_ids(user)
    return EvaluationPeriod.objects.all() if ids is None else EvaluationPeriod.objects.filter(district_id__in=ids)


def reviews(user, period) -> QuerySet:
    return visible_to(user, GridReview.objects.filter(period=period).select_related("grid", "grid__parent"))


# -- public (no account): the board and the resident pages of one community -------------------------
def public_community(code: str) -> Region:
    c = Region.objects.filter(level="community", code=(code or "")[:15]).first()
    if c is None:
        raise Http404("社区不存在")
    return c


def public_board(community) -> QuerySet:
    return Disclosure.objects.filter(community=community).order_by("-published_on", "-id")


def public_proposals(community) -> QuerySet:
    return Proposal.objects.filter(community=community).order_by("-created_at", "-id")


def public_polls(community) -> QuerySet:
    return Poll.objects.filter(community=community).order_by("-opens_at", "-id")


def public_charters(community) -> QuerySet:
    return CharterVersion.objects.filter(community=community).select_related("adopted_by")


def nav_badges(user) -> list[tuple[str, str, str]]:
    qs = visible_to(user, Proposal.objects.filter(state__in=[W.COMMITTEE, W.MEETING, W.EXECUTING]))
    n, overdue = qs.count(), qs.filter(is_overdue=True).count()
    out = [(str(n), "", "待办议题")] if n else []
    if overdue:
        out.append((f"超期 {overdue}", "badge-overdue", "超期议题"))
    return out


def open_period(community):
    """The district's evaluation round running today (ratings are taken until a month after its end)."""
    import datetime as dt

    from django.utils import timezone

    today = timezone.localdate()
    district = Region.objects.filter(level="district", pk__in=[community.parent.parent_id]).first() \
        if community.parent_id else None
    if district is None:
        return None
    return EvaluationPeriod.objects.filter(district=district, start__lte=today,
                                           end__gte=today - dt.timedelta(days=31)).order_by("-start").first()


def serving_units(community) -> QuerySet:
    """Department units whose service area contains the community (the street's local units)."""
    from civicgrid.departments.models import DepartmentUnit

    paths = [community.path[:i + 1] for i, c in enumerate(community.path) if c == "/"]
    return DepartmentUnit.objects.filter(region__path__in=paths, region__level="street").select_related("department") \
        .order_by("name")


def published_period(community):
    """The latest round of the community's district that has ended: its rates are published."""
    from django.utils import timezone

    if not community.parent_id:
        return None
    return EvaluationPeriod.objects.filter(district_id=community.parent.parent_id, end__lt=timezone.localdate()) \
        .order_by("-end").first()
