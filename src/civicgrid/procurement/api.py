"""/api/v1/procurement/: calls (scoped), the panel's scores (secret until complete), the organisation's
own bids and contracts, and a fund's reconciliation.

A role outside the buyers' staff, or an object of another unit, is refused 403 `forbidden`; an absent
object 404 `not_found`.
"""
from __future__ import annotations

import datetime as dt
import decimal

from ninja import Query, Router, Schema

from civicgrid.api.errors import COMMON, ApiError
from civicgrid.core.scoping import has_role, sees_everything

from . import selectors, services
from . import workflow as W
from .manifest import STAFF_ROLES

router = Router(tags=["政府购买服务"])


class CallOut(Schema):
    number: str
    title: str
    kind: str
    state: str
    state_label: str
    purchaser: str
    fund: str
    budget: decimal.Decimal
    bid_deadline: dt.datetime
    eligibility: str
    criteria: list[dict]
    bids: int
    version: int


class CallPage(Schema):
    count: int
    items: list[CallOut]


class ScoreOut(Schema):
    member: str
    organisation: str
    criterion: str
    value: decimal.Decimal


class ScoresOut(Schema):
    complete: bool
    submitted: int
    total: int
    items: list[ScoreOut]


class BidOut(Schema):
    call: str
    title: str
    organisation: str
    amount: decimal.Decimal
    state: str
    total: decimal.Decimal | None = None
    rank: int | None = None


class ContractOut(Schema):
    number: str
    call: str
    organisation: str
    amount: decimal.Decimal
    paid: decimal.Decimal
    state: str
    milestones: list[dict]


class ReconOut(Schema):
    fund: str
    amount: decimal.Decimal
    committed: decimal.Decimal
    paid: decimal.Decimal
    uncommitted: decimal.Decimal
    ok: bool
    contracts: list[dict]


def _guard(user) -> None:
    if not (sees_everything(user) or has_role(user, *STAFF_ROLES)):
        raise ApiError(403, "forbidden", "需要购买服务经办、指挥中心等角色。")


def _call_out(c) -> dict:
    return {"number": c.number, "title": c.title, "kind": c.kind, "state": c.state, "state_label": c.state_label,
            "purchaser": c.purchaser, "fund": str(c.fund), "budget": c.budget, "bid_deadline": c.bid_deadline,
            "eligibility": c.eligibility, "version": c.version, "bids": c.bids.count(),
            "criteria": [{"name": x.name, "weight": x.weight} for x in c.criteria.all()]}


@router.get("/calls", response={200: CallPage, **COMMON}, summary="项目（管辖范围内）")
def list_calls(request, state: str = Query("", max_length=20), limit: int = Query(50, ge=1, le=200),
               offset: int = Query(0, ge=0, le=1_000_000)):
    _guard(request.user)
    qs = selectors.calls(request.user, state=state)
    return {"count": qs.count(), "items": [_call_out(c) for c in qs[offset:offset + limit]]}


@router.get("/calls/{number}", response={200: CallOut, **COMMON}, summary="一个项目")
def get_call(request, number: str):
    _guard(request.user)
    c = selectors.calls(request.user).filter(number=number).first()
    if c is None:
        if selectors.call_exists(number):
            raise ApiError(403, "forbidden", f"项目 {number} 不在您的管辖范围内。")
        raise ApiError(404, "not_found", f"项目 {number} 不存在。")
    return _call_out(c)


@router.get("/panel/{number}/scores", response={200: ScoresOut, **COMMON},
            summary="评分（全体评委提交前只返回本人评分）")
def panel_scores(request, number: str):
    if not (sees_everything(request.user) or has_role(request.user, W.REVIEWER)):
        raise ApiError(403, "forbidden", "需要评审专家角色。")
    c = selectors.panel_calls(request.user).filter(number=number).first()
    if c is None:
        raise ApiError(403 if selectors.call_exists(number) else 404,
                       "forbidden" if selectors.call_exists(number) else "not_found", "您不是该项目的评审专家。")
    p = selectors.panel_progress(c)
    items = [{"member": s.seat.user.name, "organisation": s.bid.organisation.name, "criterion": s.criterion.name,
              "value": s.value} for s in selectors.scores(request.user, c)]
    return {"complete": p["complete"], "submitted": p["submitted"], "total": p["total"], "items": items}


@router.get("/my/bids", response={200: list[BidOut], **COMMON}, summary="本机构的投标（机构门户）")
def my_bids(request):
    return [{"call": b.call.number, "title": b.call.title, "organisation": b.organisation.name, "amount": b.amount,
             "state": b.state, "total": b.total, "rank": b.rank} for b in selectors.my_bids(request.user)[:200]]


@router.get("/my/contracts", response={200: list[ContractOut], **COMMON}, summary="本机构的合同（机构门户）")
def my_contracts(request):
    return [{"number": c.number, "call": c.call.number, "organisation": c.organisation.name, "amount": c.amount,
             "paid": c.paid(), "state": c.state,
             "milestones": [{"seq": m.seq, "title": m.title, "state": m.state, "payment": str(m.payment),
                             "due_on": m.due_on.isoformat()} for m in c.milestones.all()]}
            for c in selectors.my_contracts(request.user)[:200]]


@router.get("/funds/{pk}/reconciliation", response={200: ReconOut, **COMMON}, summary="资金对账（按资金、按合同）")
def reconciliation(request, pk: int):
    _guard(request.user)
    f = selectors.funds(request.user).filter(pk=pk).first()
    if f is None:
        if selectors.fund_exists(pk):
            raise ApiError(403, "forbidden", "该资金不在您的管辖范围内。")
        raise ApiError(404, "not_found", "资金来源不存在。")
    r = services.reconcile(f)
    return {"fund": str(f), "amount": r["amount"], "committed": r["committed"], "paid": r["paid"],
            "uncommitted": r["uncommitted"], "ok": r["ok"],
            "contracts": [{"number": x["contract"].number, "amount": str(x["amount"]), "paid": str(x["paid"]),
                           "balance": str(x["balance"]), "ok": x["ok"]} for x in r["contracts"]]}
