from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from ninja import Query, Router, Schema
from pydantic import Field

from civicgrid.cases import selectors as case_selectors
from civicgrid.cases import services as case_services
from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case
from civicgrid.core.errors import problem

from .. import idempotency
from ..errors import COMMON, ApiError, ErrorOut
from ..pagination import Paged

router = Router(tags=["案件"])


class CaseIn(Schema):
    category_code: str = Field(..., min_length=5, max_length=5, pattern=r"^[0-9]{5}$", description="5 位类别编码")
    description: str = Field(..., min_length=1, max_length=2000)
    lng: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    region_code: str | None = Field(None, max_length=15, description="无坐标时：所在网格/社区/街道编码")
    address: str = Field("", max_length=200)
    urgent: bool = False
    requester_name: str = Field("", max_length=50)
    requester_phone: str = Field("", max_length=20, pattern=r"^[0-9 +()\-]*$", description="手机或固定电话，可带 +86、空格、横线")


class EventOut(Schema):
    seq: int
    action: str
    action_label: str
    from_state: str
    to_state: str
    actor_name: str
    at: dt.datetime
    note: str


class CaseOut(Schema):
    number: str
    state: str
    state_label: str
    channel: str
    category_code: str
    category_name: str
    description: str
    urgent: bool
    lng: float | None = None
    lat: float | None = None
    address: str = ""
    region_code: str
    street_code: str
    grid_code: str | None = None
    tier: str
    assigned_unit: str | None = None
    department: str | None = None
    due_at: dt.datetime | None = None
    is_overdue: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    closed_at: dt.datetime | None = None
    version: int
    requester_phone_masked: str = ""


class CaseDetailOut(CaseOut):
    events: list[EventOut]
    available_actions: list[str]


class CasePage(Schema):
    count: int
    limit: int
    offset: int
    items: list[CaseOut]


class CaseFilter(Paged):
    state: str | None = Field(None, description="状态，如 reported、dispatched、closed；open 表示所有未办结")
    category: str | None = Field(None, max_length=5, description="类别编码（5 位）或大类（2 位）")
    street: str | None = Field(None, max_length=15, description="街道编码")
    channel: str | None = None
    overdue: bool | None = None
    created_from: dt.date | None = None
    created_to: dt.date | None = None


class ActIn(Schema):
    action: str = Field(..., max_length=30)
    note: str = Field("", max_length=2000)
    expected_version: int | None = Field(None, ge=0, le=2_000_000_000)
    unit_id: int | None = Field(None, ge=1, le=2**62, description="dispatch/reroute：处置单位编号")
    hours: float | None = Field(None, gt=0, le=10_000, description="request_extension：延期工作时")
    review_date: dt.date | None = Field(None, description="suspend：复查日期")
    into: str | None = Field(None, max_length=20, description="merge：合并到的案件编号")


def case_out(c: Case) -> dict:
    return {
        "number": c.number, "state": c.state, "state_label": c.state_label, "channel": c.channel,
        "category_code": c.category.code, "category_name": c.category.name, "description": c.description,
        "urgent": c.urgent, "lng": c.lng, "lat": c.lat, "address": c.address, "region_code": c.region.code,
        "street_code": c.street.code, "grid_code": c.grid.code if c.grid_id else None, "tier": c.tier,
        "assigned_unit": c.assigned_unit.name if c.assigned_unit_id else None,
        "department": c.department.name if c.department_id else None, "due_at": c.due_at,
        "is_overdue": c.is_overdue, "created_at": c.created_at, "updated_at": c.updated_at, "closed_at": c.closed_at,
        "version": c.version, "requester_phone_masked": c.requester_phone_masked,
    }


def _json(d: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, (dt.datetime, dt.date)) else v) for k, v in d.items()}


def cases_for(user):
    return case_selectors.cases_for(user).select_related("department")


def _get(user, number: str) -> Case:
    c = cases_for(user).filter(number=number).first()
    if c is None:
        raise ApiError(404, "not_found", f"案件 {number} 不存在或不在您的管辖范围内。")
    return c


def _case_errors(fn):
    """Refusals keep their status and code from core.errors (one mapping for pages and the API);
    the cases app's state refusals keep the short codes this API has always published."""
    try:
        return fn()
    except case_services.CaseActionError as exc:
        raise ApiError(409, PUBLISHED_CODES.get(exc.code, "conflict"), exc.message)
    except ValidationError as exc:
        p = problem(exc, api=True)
        raise ApiError(p.status, p.code, p.message, p.details)


PUBLISHED_CODES = {"cases.conflict": "conflict", "cases.illegal_action": "illegal_action"}


@router.post("/cases", response={201: CaseOut, 409: ErrorOut, **COMMON}, summary="上报案件（支持 Idempotency-Key）")
def create_case(request, payload: CaseIn):
    category = case_selectors.active_category(code=payload.category_code)
    if category is None:
        raise ApiError(422, "invalid", f"类别 {payload.category_code} 不存在或未启用。",
                       [{"loc": ["body", "payload", "category_code"], "message": "未知类别", "type": "value_error"}])
    region = None
    if payload.region_code:
        region = case_selectors.report_region(request.user, payload.region_code)
        if region is None:
            raise ApiError(422, "invalid", f"区域 {payload.region_code} 不存在或不在您的管辖范围内。")

    def make():
        c = _case_errors(lambda: case_services.intake(
            request.user, channel="api", category=category, description=payload.description, lng=payload.lng,
            lat=payload.lat, region=region, address=payload.address, urgent=payload.urgent, requester_name=payload.requester_name,
            requester_phone=payload.requester_phone,
            source=f"api:{getattr(getattr(request, 'api_token', None), 'prefix', '')}"))
        # The new case, read back as the caller sees it (the API client always sees what it reported).
        return 201, _json(case_out(cases_for(request.user).filter(pk=c.pk).first() or c))

    return idempotency.run(request, make)


@router.get("/cases", response={200: CasePage, **COMMON}, summary="案件列表（管辖范围内，分页）")
def list_cases(request, f: Query[CaseFilter]):
    qs = cases_for(request.user)
    if f.state == "open":
        qs = qs.exclude(state__in=W.TERMINAL)
    elif f.state:
        qs = qs.filter(state=f.state)
    if f.category:
        qs = qs.filter(category__code=f.category) if len(f.category) == 5 else qs.filter(category__code__startswith=f.category)
    if f.street:
        qs = qs.filter(street__code=f.street)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.overdue is not None:
        qs = qs.filter(is_overdue=f.overdue)
    if f.created_from:
        qs = qs.filter(created_at__date__gte=f.created_from)
    if f.created_to:
        qs = qs.filter(created_at__date__lte=f.created_to)
    qs = qs.order_by("-created_at", "-id")
    return {"count": qs.count(), "limit": f.limit, "offset": f.offset,
            "items": [case_out(c) for c in qs[f.offset:f.offset + f.limit]]}


def _detail(user, c: Case) -> dict:
    out = case_out(c)
    out["events"] = [{"seq": e.seq, "action": e.action, "action_label": e.action_label, "from_state": e.from_state,
                      "to_state": e.to_state, "actor_name": e.actor_name, "at": e.at, "note": e.note}
                     for e in c.events.order_by("seq")]
    out["available_actions"] = [t.action for t in case_services.available_actions(user, c)]
    return out


@router.get("/cases/{number}", response={200: CaseDetailOut, **COMMON}, summary="案件详情与流转记录")
def get_case(request, number: str):
    return _detail(request.user, _get(request.user, number))


@router.post("/cases/{number}/actions", response={200: CaseDetailOut, 409: ErrorOut, **COMMON},
             summary="办理案件（流转一步）")
def act_on_case(request, number: str, payload: ActIn):
    c = _get(request.user, number)
    if payload.action not in W.ACTION_LABELS or payload.action == "report":
        raise ApiError(422, "invalid", f"未知的操作“{payload.action}”。",
                       [{"loc": ["body", "payload", "action"], "message": "可选：" + "、".join(
                           a for a in W.ACTION_LABELS if a != "report"), "type": "value_error"}])
    unit = None
    if payload.unit_id is not None:
        unit = case_services.dispatch_units(request.user, c).filter(pk=payload.unit_id).first()
        if unit is None:
            raise ApiError(422, "invalid", "处置单位不存在或不可派遣。")
    into = _get(request.user, payload.into) if payload.into else None

    def do():
        updated = _case_errors(lambda: case_services.act(
            request.user, c, payload.action, note=payload.note, expected_version=payload.expected_version,
            unit=unit, hours=payload.hours, review_date=payload.review_date, into=into))
        fresh = cases_for(request.user).filter(pk=updated.pk).first() or updated
        return 200, _json_detail(_detail(request.user, fresh))

    return idempotency.run(request, do)


def _json_detail(d: dict) -> dict:
    d = _json(d)
    d["events"] = [_json(e) for e in d["events"]]
    return d
