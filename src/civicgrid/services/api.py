"""/api/v1/services/: the catalogue, orders (scoped list, one, one step).

Errors use the API's one shape (api/errors.py): a workflow refusal is 409 `services.conflict` /
`services.illegal_action`; bad input 422; out of reach 404 `not_found`; a role refusal 403 `forbidden`.
A provider's account sees and acts on its own orders only (selectors.orders).
"""
from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema
from pydantic import Field

from civicgrid.api.errors import COMMON, ApiError, ErrorOut

from . import selectors, services
from . import workflow as W
from .errors import IllegalAction

router = Router(tags=["社区服务超市"])


class ItemOut(Schema):
    code: str
    name: str
    series: str
    kind: str
    pricing: str
    price: str
    subsidy: str
    eligible_kinds: list[str]
    accept_minutes: int
    arrive_minutes: int
    is_venue: bool


class OrderOut(Schema):
    number: str
    state: str
    state_label: str
    channel: str
    item_code: str
    item_name: str
    name_masked: str
    phone_masked: str
    address_masked: str
    region_code: str
    scheduled_for: dt.datetime
    provider: str = ""
    price: str
    subsidy: str
    due_at: dt.datetime | None = None
    is_overdue: bool
    tier: str
    rating: int | None = None
    case_number: str = ""
    version: int
    actions: list[str] = []


class OrderPage(Schema):
    count: int
    items: list[OrderOut]


class ActIn(Schema):
    action: str = Field(..., max_length=30)
    note: str = Field("", max_length=2000)
    expected_version: int | None = Field(None, ge=0, le=2_000_000_000)
    provider_id: int | None = Field(None, ge=1, le=2_000_000_000, description="assign：服务商")
    rating: int | None = Field(None, ge=1, le=5, description="confirm：评分")
    rating_note: str = Field("", max_length=300)
    lng: float | None = Field(None, ge=-180, le=180, description="check_in：签到经度")
    lat: float | None = Field(None, ge=-90, le=90)


def _out(user, o) -> dict:
    return {
        "number": o.number, "state": o.state, "state_label": o.state_label, "channel": o.channel,
        "item_code": o.item.code, "item_name": o.item.name, "name_masked": o.name_masked,
        "phone_masked": o.phone_masked, "address_masked": o.address_masked, "region_code": o.region.code,
        "scheduled_for": o.scheduled_for, "provider": o.provider.name if o.provider_id else "",
        "price": f"{o.price}", "subsidy": f"{o.subsidy}", "due_at": o.due_at, "is_overdue": o.is_overdue,
        "tier": o.tier, "rating": o.rating, "case_number": o.case_number, "version": o.version,
        "actions": [t.action for t in services.available_actions(user, o)],
    }


def _get(user, number: str):
    o = selectors.orders(user).filter(number=number).first()
    if o is None:
        raise ApiError(404, "not_found", f"订单 {number} 不存在或不在您的管辖范围内。")
    return o


@router.get("/items", response={200: list[ItemOut], **COMMON}, summary="服务项目目录")
def list_items(request):
    return [{"code": i.code, "name": i.name, "series": i.series.name, "kind": i.kind, "pricing": i.pricing,
             "price": f"{i.price}", "subsidy": f"{i.subsidy}", "eligible_kinds": i.eligible_kinds,
             "accept_minutes": i.accept_minutes, "arrive_minutes": i.arrive_minutes, "is_venue": i.is_venue}
            for i in selectors.orderable_items()]


@router.get("/orders", response={200: OrderPage, **COMMON}, summary="订单列表（管辖范围内 / 本服务商）")
def list_orders(request, state: str = Query("open", max_length=20), limit: int = Query(50, ge=1, le=200),
                offset: int = Query(0, ge=0, le=1_000_000)):
    qs = selectors.orders(request.user, state=state)
    return {"count": qs.count(), "items": [_out(request.user, o) for o in qs[offset:offset + limit]]}


@router.get("/orders/{number}", response={200: OrderOut, **COMMON}, summary="一个订单")
def get_order(request, number: str):
    return _out(request.user, _get(request.user, number))


@router.post("/orders/{number}/act", response={200: OrderOut, 409: ErrorOut, **COMMON}, summary="办理一步")
def act(request, number: str, payload: ActIn):
    o = _get(request.user, number)
    if payload.action not in W.ACTION_LABELS or payload.action in ("place", "complete", "escalate"):
        # Completion needs a photo: the provider portal's form takes the upload.
        raise IllegalAction("未知的操作，或该操作须在页面上办理（服务完成须上传照片）。")
    inputs: dict = {}
    if payload.action == "assign":
        provider = selectors.providers(request.user).filter(pk=payload.provider_id or 0).first()
        if provider is None:
            raise ApiError(422, "invalid", "服务商不存在或不在您的管辖范围内。")
        inputs["provider"] = provider
    elif payload.action == "confirm":
        inputs.update(rating=payload.rating, rating_note=payload.rating_note)
    elif payload.action == "check_in":
        inputs.update(lng=payload.lng, lat=payload.lat)
    o = services.act(request.user, o, payload.action, note=payload.note, expected_version=payload.expected_version,
                     **inputs)
    return _out(request.user, o)
