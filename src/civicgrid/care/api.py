"""/api/v1/care/: the helper's due list and contact log, alerts (scoped list, one, raise, act), and the
device endpoint for emergency buttons (signed, see devices.py; no user token).

Errors use the API's one shape (api/errors.py): care seats only (403 forbidden otherwise); out of scope
404 not_found; workflow refusals 409 care.conflict / care.illegal_action; bad input 422.
"""
from __future__ import annotations

import datetime as dt
import math

from django.http import Http404
from django.core.exceptions import ValidationError
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field

from civicgrid.api.errors import COMMON, ApiError, ErrorOut
from civicgrid.core.params import BadParameter, loads_bounded

from . import access, devices, selectors, services
from . import workflow as W
from .models import FINDINGS, CarePlan

router = Router(tags=["为老关怀与紧急援助"])
ID_MAX = 2**31 - 1


class DueOut(Schema):
    rhythm_id: int
    plan_id: int
    kind: str
    kind_label: str
    contact: str
    next_due: dt.date
    due_by: dt.date
    overdue: bool
    person_name_masked: str
    person_phone_masked: str


class ContactIn(Schema):
    rhythm_id: int = Field(..., ge=1, le=ID_MAX)
    reached: bool
    contact: str | None = Field(None, pattern="^(call|visit)$")
    findings: list[str] = Field(default_factory=list, max_length=len(FINDINGS))
    note: str = Field("", max_length=1000)
    follow_up: bool = False
    follow_up_note: str = Field("", max_length=200)
    lng: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


class ContactOut(Schema):
    id: int
    reached: bool
    on_time: bool
    location_check: str
    distance_m: int | None = None
    follow_up: bool


class AlertOut(Schema):
    number: str
    state: str
    state_label: str
    source: str
    kind: str
    level: int
    person_name_masked: str
    location_masked: str
    health_masked: str
    raised_at: dt.datetime
    acknowledged_at: dt.datetime | None = None
    arrived_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    outcome: str = ""
    due_at: dt.datetime | None = None
    version: int
    actions: list[str] = []
    timeline: list[dict] = []


class AlertIn(Schema):
    plan_id: int = Field(..., ge=1, le=ID_MAX)
    kind: str = Field(..., pattern="^(button|fall|health|no_contact|other)$")
    note: str = Field("", max_length=500)
    location: str = Field("", max_length=300)
    health: str = Field("", max_length=500)


class ActIn(Schema):
    action: str = Field(..., max_length=20)
    note: str = Field("", max_length=1000)
    outcome: str | None = Field(None, max_length=12)
    expected_version: int | None = Field(None, ge=0, le=ID_MAX)
    lng: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


class DeviceAlertOut(Schema):
    number: str
    state: str


def _require(request):
    if not access.has_access(request.user):
        raise ApiError(403, "forbidden", access.REFUSAL)


def _masked(value: str) -> str:
    return "已加密" if value else ""


def _alert_out(user, a) -> dict:
    return {
        "number": a.number, "state": a.state, "state_label": a.state_label, "source": a.source, "kind": a.kind,
        "level": a.level, "person_name_masked": str(a.plan.person), "location_masked": _masked(a.location),
        "health_masked": _masked(a.health), "raised_at": a.raised_at, "acknowledged_at": a.acknowledged_at,
        "arrived_at": a.arrived_at, "closed_at": a.closed_at, "outcome": a.outcome, "due_at": a.due_at,
        "version": a.version, "actions": services.available_actions(user, a),
        "timeline": [{"seq": e.seq, "action": e.action, "label": e.action_label, "at": e.at.isoformat(),
                      "actor": e.actor_name, "note": e.note} for e in a.events.all()],
    }


def _alert(user, number: str):
    try:
        return selectors.alert(user, number)
    except Http404:  # one message for absent and out of scope
        raise ApiError(404, "not_found", f"求助 {number[:20]} 不存在或不在您的管辖范围内。")


@router.get("/due", response={200: list[DueOut], **COMMON}, summary="我的待联系清单（今日或本周）")
def due(request, scope: str = Query("today", pattern="^(today|week)$")):
    _require(request)
    today = timezone.localdate()
    until = today + dt.timedelta(days=6 - today.weekday()) if scope == "week" else today
    return [{"rhythm_id": r.pk, "plan_id": r.plan_id, "kind": r.kind, "kind_label": r.get_kind_display(),
             "contact": r.contact, "next_due": r.next_due, "due_by": r.due_by, "overdue": r.due_by < today,
             "person_name_masked": str(r.plan.person), "person_phone_masked": r.plan.person.phone_masked}
            for r in selectors.due(request.user, today, until=until)]


@router.post("/contacts", response={201: ContactOut, **COMMON}, summary="记录一次联系（电话或上门）")
def log_contact(request, payload: ContactIn):
    _require(request)
    try:
        rhythm = selectors.rhythm(request.user, payload.rhythm_id)
    except Http404:
        raise ApiError(404, "not_found", "关爱节奏不存在或不在您的管辖范围内。")
    c = services.log_contact(request.user, rhythm, reached=payload.reached, contact=payload.contact,
                             findings=payload.findings, note=payload.note, follow_up=payload.follow_up,
                             follow_up_note=payload.follow_up_note, lng=payload.lng, lat=payload.lat)
    return 201, {"id": c.pk, "reached": c.reached, "on_time": c.on_time, "location_check": c.location_check,
                 "distance_m": c.distance_m, "follow_up": c.follow_up}


@router.get("/alerts", response={200: list[AlertOut], **COMMON}, summary="紧急求助（管辖或负责范围内）")
def list_alerts(request, state: str = Query("open", max_length=20), limit: int = Query(50, ge=1, le=200)):
    _require(request)
    return [_alert_out(request.user, a) for a in selectors.alerts(request.user, state=state)[:limit]]


@router.get("/alerts/{number}", response={200: AlertOut, **COMMON}, summary="一条求助及其完整时间线")
def get_alert(request, number: str):
    _require(request)
    return _alert_out(request.user, _alert(request.user, number))


@router.post("/alerts", response={201: AlertOut, **COMMON}, summary="登记来电求助")
def raise_alert(request, payload: AlertIn):
    _require(request)
    plan = selectors.plans(request.user).filter(pk=payload.plan_id).first()
    if plan is None:
        raise ApiError(404, "not_found", "关爱计划不存在或不在您的管辖范围内。")
    a = services.raise_alert(request.user, plan, source="call", kind=payload.kind, note=payload.note,
                             location=payload.location, health=payload.health)
    return 201, _alert_out(request.user, a)


@router.post("/alerts/{number}/actions", response={200: AlertOut, 409: ErrorOut, **COMMON}, summary="响应、到场、处置")
def act(request, number: str, payload: ActIn):
    _require(request)
    a = _alert(request.user, number)
    a = services.act_alert(request.user, a, payload.action, note=payload.note, outcome=payload.outcome,
                           expected_version=payload.expected_version, lng=payload.lng, lat=payload.lat)
    return _alert_out(request.user, a)


def _device_payload(body: bytes) -> dict:
    if not body.strip():
        return {}
    try:
        data = loads_bounded(body)
    except (BadParameter, ValueError):
        raise ApiError(422, "invalid", "请求体须为 JSON 对象。")
    if not isinstance(data, dict):
        raise ApiError(422, "invalid", "请求体须为 JSON 对象。")
    return data


def _number(value, lo: float, hi: float) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    value = float(value)
    return value if math.isfinite(value) and lo <= value <= hi else None


@router.post("/device/alerts", auth=None, response={201: DeviceAlertOut, 400: ErrorOut, 401: ErrorOut, 422: ErrorOut},
             summary="紧急呼叫设备上报（设备密钥签名，见说明）",
             description=devices.__doc__)
def device_alert(request):
    from django.http.request import RawPostDataException

    try:
        body = request.body
    except RawPostDataException:  # a form post already consumed the stream: not what a device sends
        raise ApiError(422, "invalid", "设备请求体须为 JSON（Content-Type: application/json）。")
    try:
        device = devices.verify(request.headers, body)
    except devices.DeviceRefused as exc:
        raise ApiError(exc.status, exc.code, exc.message)
    data = _device_payload(body)
    lng, lat = _number(data.get("lng"), -180, 180), _number(data.get("lat"), -90, 90)
    location = f"{lng:.6f},{lat:.6f}" if lng is not None and lat is not None else ""
    heart = _number(data.get("heart_rate"), 0, 400)
    health = f"心率 {int(heart)}" if heart is not None else ""
    kind = data.get("kind") if data.get("kind") in W.ALERT_KINDS else "button"
    try:
        a = services.device_alert(device, kind=kind, location=location, health=health)
    except ValidationError as exc:
        raise ApiError(422, "invalid", "；".join(exc.messages))
    return 201, {"number": a.number, "state": a.state}
