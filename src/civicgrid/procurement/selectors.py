"""Every read: staff through visible_to (a street's own calls, a department unit's own calls), the
organisation portal through OrgAccount (its own bids and contracts only), reviewers through their panel
seat — and scores are withheld from everyone but their author until the whole panel has submitted."""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from civicgrid.core.scoping import get_visible_or_404, visible_to
from civicgrid.orgs.models import OrgAccount

from . import workflow as W
from .models import (Bid, BidDocument, Call, Contract, FundSource, LedgerEntry, Milestone, MilestoneReport,
                     PanelSeat, Score)

PUBLIC_STATES = (W.PUBLISHED, W.REVIEWING, W.AWARDED)


def calls(user, *, state: str = "") -> QuerySet:
    qs = visible_to(user, Call.objects.select_related("region", "unit", "fund"))
    if state in W.STATE_LABELS:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-id")


def call(user, number: str) -> Call:
    return get_visible_or_404(user, Call.objects.select_related("region", "unit", "fund"), number=number)


def funds(user) -> QuerySet:
    return visible_to(user, FundSource.objects.select_related("region", "unit"))


def fund(user, pk: int) -> FundSource:
    return get_visible_or_404(user, FundSource.objects.select_related("region", "unit"), pk=pk)


def contracts(user) -> QuerySet:
    return visible_to(user, Contract.objects.select_related("call", "organisation", "fund"))


def contract(user, number: str) -> Contract:
    """A contract in the user's jurisdiction (staff of the buying unit)."""
    return get_visible_or_404(user, Contract.objects.select_related("call", "organisation", "fund", "bid"),
                              number=number)


def ledger(user) -> QuerySet:
    return visible_to(user, LedgerEntry.objects.select_related("fund", "contract"))


# -- the organisation's portal ------------------------------------------------------------------------

def my_bids(user) -> QuerySet:
    """Bids of the organisations this user acts for: never another organisation's."""
    return (Bid.objects.filter(organisation__accounts__user=user).select_related("call", "organisation")
            .order_by("-submitted_at"))


def my_contracts(user) -> QuerySet:
    return (Contract.objects.filter(organisation__accounts__user=user)
            .select_related("call", "organisation").order_by("-signed_on"))


def open_calls() -> QuerySet:
    return Call.objects.filter(state=W.PUBLISHED).select_related("region", "fund").order_by("bid_deadline")


# -- public pages -----------------------------------------------------------------------------------------

def public_calls() -> QuerySet:
    return Call.objects.filter(state__in=PUBLIC_STATES).select_related("region", "fund").order_by("-published_at")


def public_call(number: str) -> Call:
    c = public_calls().filter(number=number).first()
    if c is None:
        raise Http404("该项目不存在或尚未发布。")
    return c


def award_table(call: Call) -> list[dict]:
    """The published result: each bid's rank, total and per-criterion averages (members anonymised)."""
    if call.state != W.AWARDED:
        return []
    crit = list(call.criteria.all())
    seats = {s.pk: i for i, s in enumerate(call.panel.order_by("id"), 1)}
    rows = []
    for b in call.bids.exclude(state="withdrawn").select_related("organisation").order_by("rank"):
        per_crit, members = {}, {}
        for s in b.scores.all():
            per_crit.setdefault(s.criterion_id, []).append(s.value)
            members.setdefault(seats[s.seat_id], {})[s.criterion_id] = s.value
        rows.append({"bid": b, "total": b.total, "rank": b.rank,
                     "criteria": [sum(per_crit.get(c.pk, [0])) / max(1, len(per_crit.get(c.pk, []))) for c in crit],
                     "members": sorted(members.items())})
    return rows


# -- the panel: scores stay secret until everyone has submitted ---------------------------------------------

def panel_calls(user) -> QuerySet:
    return (Call.objects.filter(panel__user=user).select_related("region").order_by("-created_at")
            if user.is_authenticated else Call.objects.none())


def panel_call(user, number: str) -> tuple[Call, PanelSeat]:
    c = Call.objects.filter(number=number).select_related("region").first()
    seat = PanelSeat.objects.filter(call=c, user=user).first() if c else None
    if seat is None:
        raise Http404("您不是该项目的评审专家，或项目不存在。")
    return c, seat


def scores(user, call: Call) -> QuerySet:
    """The scores `user` may read: their own, until every member has submitted; then all of them.
    The chair is a member like the others here: no early look."""
    qs = Score.objects.filter(bid__call=call).select_related("seat__user", "bid__organisation", "criterion")
    if call.scoring_complete() or call.state == W.AWARDED:
        return qs
    return qs.filter(seat__user=user)


def panel_progress(call: Call) -> dict:
    """Who has submitted (not what they scored): the chair and purchaser need to know when to award."""
    seats = list(call.panel.select_related("user"))
    return {"seats": seats, "submitted": sum(1 for s in seats if s.submitted_at), "total": len(seats),
            "complete": call.scoring_complete()}


def may_read_file(request, relpath: str) -> bool:
    """/media/procurement/…: bid documents and evidence for staff in scope, the owning organisation and
    the call's panel."""
    user = request.user
    if not user.is_authenticated:
        return False
    path = "procurement/" + relpath if not relpath.startswith("procurement/") else relpath
    doc = BidDocument.objects.filter(file=path).select_related("bid__call").first()
    if doc is not None:
        return (visible_to(user, BidDocument.objects.filter(pk=doc.pk)).exists()
                or OrgAccount.objects.filter(user=user, organisation_id=doc.bid.organisation_id).exists()
                or PanelSeat.objects.filter(call=doc.bid.call, user=user).exists())
    rep = MilestoneReport.objects.filter(evidence=path).select_related("milestone__contract").first()
    if rep is not None:
        return (visible_to(user, MilestoneReport.objects.filter(pk=rep.pk)).exists()
                or OrgAccount.objects.filter(user=user, organisation_id=rep.milestone.contract.organisation_id).exists())
    return False


def nav_badges(user) -> list:
    return []


def call_exists(number: str) -> bool:
    return Call.objects.filter(number=number).exists()


def contract_exists(number: str) -> bool:
    return Contract.objects.filter(number=number).exists()


def contract_for_account(user, number: str):
    """The contract when `user` acts for its organisation (the portal), else None."""
    if not user.is_authenticated:
        return None
    return (Contract.objects.select_related("call", "organisation", "fund", "bid")
            .filter(number=number, organisation__accounts__user=user).first())


def reviewers() -> QuerySet:
    """Users holding a reviewer seat (the pool a panel is drawn from)."""
    from civicgrid.core.models import User

    return User.objects.filter(roles__role=W.REVIEWER, is_active=True).distinct().order_by("username")


def fund_exists(pk: int) -> bool:
    return FundSource.objects.filter(pk=pk).exists()
