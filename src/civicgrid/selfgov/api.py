"""/api/v1/selfgov/: proposals (scoped), a community's public board, a department's task request,
a period's published unit satisfaction rates. Errors in the API's one shape (api/errors.py)."""
from __future__ import annotations

import datetime as dt
import decimal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from civicgrid.api.errors import COMMON, ApiError, ErrorOut

from . import evaluation, selectors, services

router = Router(tags=["居民自治与共治考评"])


class ProposalOut(Schema):
    number: str
    community_code: str
    title: str
    state: str
    state_label: str
    support_count: int
    support_threshold: int
    responsible: str
    execute_due: dt.date | None = None
    is_overdue: bool
    created_at: dt.datetime


class ProposalPage(Schema):
    count: int
    items: list[ProposalOut]


class DisclosureOut(Schema):
    kind: str
    title: str
    body: str
    amount: decimal.Decimal | None = None
    recipients: list[str]
    published_on: dt.date
    publisher_name: str


class TaskIn(Schema):
    community_code: str = Field(..., max_length=15)
    title: str = Field(..., min_length=1, max_length=100)
    reference: str = Field("", max_length=20)


class TaskOut(Schema):
    id: int
    state: str
    reference: str
    funding: decimal.Decimal


class RateOut(Schema):
    unit: str
    ratings: int
    satisfied: int
    rate: decimal.Decimal


def _p(p) -> dict:
    return {"number": p.number, "community_code": p.community.code, "title": p.title, "state": p.state,
            "state_label": p.state_label, "support_count": p.support_count, "support_threshold": p.support_threshold,
            "responsible": p.responsible, "execute_due": p.execute_due, "is_overdue": p.is_overdue,
            "created_at": p.created_at}


@router.get("/proposals", response={200: ProposalPage, **COMMON}, summary="居民议题（管辖范围内）")
def list_proposals(request, state: str = Query("", max_length=20), limit: int = Query(50, ge=1, le=200),
                   offset: int = Query(0, ge=0, le=1_000_000)):
    qs = selectors.proposals(request.user, state=state)
    return {"count": qs.count(), "items": [_p(p) for p in qs[offset:offset + limit]]}


@router.get("/proposals/{number}", response={200: ProposalOut, **COMMON}, summary="一个议题")
def get_proposal(request, number: str):
    from .views import desk_roles

    desk_roles(request.user)
    p = selectors.proposals(request.user).filter(number=number[:20]).first()
    if p is None:
        raise ApiError(404, "not_found", f"议题 {number[:20]} 不存在或不在您的管辖范围内。")
    return _p(p)


@router.get("/board/{code}", response={200: list[DisclosureOut], **COMMON}, summary="社区居务公开栏")
def board(request, code: str):
    """The same items as the public page /selfgov/board/<code>/ (public by law: 居务公开)."""
    from civicgrid.regions.models import Region

    community = Region.objects.filter(level="community", code=code[:15]).first()  # the board is public
    if community is None:
        raise ApiError(404, "not_found", "社区不存在。")
    return list(selectors.public_board(community)[:100])


@router.post("/tasks", response={201: TaskOut, 409: ErrorOut, **COMMON}, summary="职能部门向居委会下派事项（准入清单）")
def request_task(request, payload: TaskIn):
    from civicgrid.regions.models import Region

    community = Region.objects.filter(level="community", code=payload.community_code).first()
    if community is None:
        raise ApiError(422, "invalid", f"社区 {payload.community_code} 不存在。")
    t = services.request_task(request.user, community, title=payload.title, reference=payload.reference)
    return Status(201, {"id": t.pk, "state": t.state, "reference": t.item.reference, "funding": t.item.funding})


@router.get("/evaluation/{pk}/rates", response={200: list[RateOut], **COMMON}, summary="驻区单位满意率")
def rates(request, pk: int):
    period = selectors.periods(request.user).filter(pk=pk).first()
    if period is None:
        raise ApiError(404, "not_found", "考评周期不存在或不在您的管辖范围内。")
    return [{"unit": r["unit"].name, "ratings": r["n"], "satisfied": r["satisfied"], "rate": r["rate"]}
            for r in evaluation.unit_rates(period)]
