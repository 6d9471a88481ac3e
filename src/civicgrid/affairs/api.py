"""/api/v1/affairs/: the catalogue (public data), applications in scope, one application, one step.

Errors use the API's one shape (api/errors.py): a workflow refusal is 409 `affairs.conflict` /
`affairs.illegal_action`; bad input 422; out of scope 404 `not_found`; a role refusal 403 `forbidden`.
The applicant's personal data is masked here; revealing is a screen action with a reason.
"""
from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema
from pydantic import Field

from civicgrid.api.errors import COMMON, ApiError, ErrorOut

from . import selectors, services
from . import workflow as W
from .errors import IllegalAction

router = Router(tags=["一门式受理"])


class ItemOut(Schema):
    code: str
    name: str
    department: str
    version: int
    total_days: int
    fee: str
    result_kind: str
    materials: list[dict]
    fields: list[dict]


class ApplicationOut(Schema):
    number: str
    item_code: str
    item_version: int
    state: str
    state_label: str
    tier: str
    region_code: str
    unit: str = ""
    applicant_masked: str
    phone_masked: str
    created_at: dt.datetime
    due_at: dt.datetime | None = None
    total_due: dt.datetime | None = None
    is_overdue: bool
    version: int
    missing: list[str] = []
    actions: list[str] = []


class ApplicationPage(Schema):
    count: int
    items: list[ApplicationOut]


class ActIn(Schema):
    action: str = Field(..., max_length=30)
    note: str = Field("", max_length=2000)
    expected_version: int | None = Field(None, ge=0, le=2_000_000_000)
    materials: list[str] = Field(default_factory=list, max_length=40, description="supplement：补正的材料编码")
    missing: list[str] = Field(default_factory=list, max_length=40, description="return：需补正的材料编码")
    legal_basis: str = Field("", max_length=300, description="reject：法律依据")
    result_number: str = Field("", max_length=40, description="approve：结果文号")
    method: str = Field("", max_length=10, description="deliver：window/post")
    signed_by: str = Field("", max_length=50, description="deliver：签收人")


def _out(user, a, *, actions: bool = True) -> dict:
    return {
        "number": a.number, "item_code": a.item.code, "item_version": a.item_version.version, "state": a.state,
        "state_label": a.state_label, "tier": a.tier, "region_code": a.region.code,
        "unit": a.unit.name if a.unit_id else "", "applicant_masked": a.name_masked, "phone_masked": a.phone_masked,
        "created_at": a.created_at, "due_at": a.due_at, "total_due": a.total_due, "is_overdue": a.is_overdue,
        "version": a.version, "missing": [m.code for m in services.missing_materials(a)] if actions else [],
        "actions": [t.action for t in services.available_actions(user, a)] if actions else [],
    }


def _get(user, number: str):
    a = selectors.applications(user).select_related("item_version").filter(number=number[:20]).first()
    if a is None:
        raise ApiError(404, "not_found", f"申请 {number} 不存在或不在您的管辖范围内。")
    return a


@router.get("/items", response={200: list[ItemOut], **COMMON}, summary="事项目录（现行版本）")
def list_items(request):
    return [{"code": i.code, "name": i.name, "department": i.department.name, "version": i.current.version,
             "total_days": i.current.total_days, "fee": str(i.current.fee), "result_kind": i.current.result_kind,
             "materials": i.current.materials, "fields": i.current.fields} for i in selectors.items()]


@router.get("/applications", response={200: ApplicationPage, **COMMON}, summary="申请列表（管辖范围内）")
def list_applications(request, state: str = Query("open", max_length=20), overdue: bool = False,
                      limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000)):
    qs = selectors.applications(request.user, state=state, overdue=overdue).select_related("item_version")
    qs = qs.order_by("-created_at", "-id")
    return {"count": qs.count(), "items": [_out(request.user, a, actions=False) for a in qs[offset:offset + limit]]}


@router.get("/applications/{number}", response={200: ApplicationOut, **COMMON}, summary="一件申请")
def get_application(request, number: str):
    return _out(request.user, _get(request.user, number))


@router.post("/applications/{number}/act", response={200: ApplicationOut, 409: ErrorOut, **COMMON},
             summary="办理一步")
def act(request, number: str, payload: ActIn):
    from .views import require_actor

    require_actor(request.user)
    a = _get(request.user, number)
    if payload.action not in W.ACTION_LABELS or payload.action == "supervise":
        raise IllegalAction("未知的操作。")
    allowed = {"supplement": {"materials"}, "return": {"missing"}, "reject": {"legal_basis"},
               "approve": {"result_number"}, "deliver": {"method", "signed_by"}}.get(payload.action, set())
    inputs = {k: getattr(payload, k) for k in allowed}
    a = services.act(request.user, a, payload.action, note=payload.note, expected_version=payload.expected_version,
                     **inputs)
    return _out(request.user, a)
