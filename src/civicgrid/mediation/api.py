"""/api/v1/mediation/: disputes (scoped list, one, register, act) and the monthly report.

Errors use the API's one shape (api/errors.py, statuses from core.errors): a workflow refusal is 409
`mediation.conflict` / `mediation.illegal_action`; bad input 422; out of scope 404 `not_found`; a
role refusal 403 `forbidden`.
"""
from __future__ import annotations

import datetime as dt
import decimal

from ninja import Query, Router, Schema, Status
from pydantic import Field

from civicgrid.api.errors import COMMON, ApiError, ErrorOut

from . import report, selectors, services
from .errors import IllegalAction
from . import workflow as W

router = Router(tags=["矛盾纠纷调解"])


class PartyIn(Schema):
    side: str = Field(..., pattern="^(applicant|respondent)$")
    name: str = Field(..., min_length=1, max_length=50)
    phone: str = Field("", max_length=20, pattern=r"^[0-9 \-]*$")
    id_number: str = Field("", max_length=20)
    consent: bool = False


class DisputeIn(Schema):
    source: str = Field(..., pattern="^(screening|walk_in|hotline)$")
    type: str = Field(..., max_length=10)
    summary: str = Field(..., min_length=1, max_length=2000)
    region_code: str = Field(..., max_length=15, description="发生地：网格/社区/街道编码")
    address: str = Field("", max_length=200)
    amount: decimal.Decimal | None = Field(None, ge=0, le=999999999999)
    risk_level: str = Field("low", pattern="^(low|medium|high|critical)$")
    risk_flags: list[str] = Field(default_factory=list, max_length=10)
    parties: list[PartyIn] = Field(..., min_length=1, max_length=20)


class PartyOut(Schema):
    side: str
    name_masked: str
    phone_masked: str
    consent: bool


class DisputeOut(Schema):
    number: str
    state: str
    state_label: str
    source: str
    type: str
    summary: str
    tier: str
    risk_level: str
    risk_flags: list[str]
    region_code: str
    street_code: str
    due_at: dt.datetime | None = None
    is_overdue: bool
    created_at: dt.datetime
    version: int
    case_number: str = ""
    parties: list[PartyOut] = []
    actions: list[str] = []


class DisputePage(Schema):
    count: int
    items: list[DisputeOut]


class ActIn(Schema):
    action: str = Field(..., max_length=30)
    note: str = Field("", max_length=2000)
    expected_version: int | None = Field(None, ge=0, le=2_000_000_000)
    consent: bool | None = None
    text: str | None = Field(None, max_length=8000, description="agree：协议内容")
    confirmed: bool = False
    kept: bool | None = Field(None, description="follow_up：协议是否履行")
    month: int | None = Field(None, ge=1, le=3)
    channel: str | None = Field(None, max_length=15, description="refer：court/legal_aid/petition/arbitration")
    receiver: str = Field("", max_length=100)
    answer: str | None = Field(None, max_length=4000)
    risk: str | None = Field(None, max_length=10)
    flags: list[str] = Field(default_factory=list, max_length=10)
    session: dict | None = Field(None, description="record_session：attendees, applicant_statement, respondent_statement, outcome")


class ReportRow(Schema):
    region_code: str
    region_name: str
    screenings: int
    nothing_found: int
    found: int
    mediated: int
    agreements: int
    success_rate: float | None
    referrals: int
    risk: int


class ReportOut(Schema):
    area_code: str
    month: str
    rows: list[ReportRow]
    total: ReportRow


def _out(user, d) -> dict:
    return {
        "number": d.number, "state": d.state, "state_label": d.state_label, "source": d.source, "type": d.type,
        "summary": d.summary, "tier": d.tier, "risk_level": d.risk_level, "risk_flags": d.risk_flags,
        "region_code": d.region.code, "street_code": d.street.code, "due_at": d.due_at, "is_overdue": d.is_overdue,
        "created_at": d.created_at, "version": d.version, "case_number": d.case_number,
        "parties": [{"side": p.side, "name_masked": p.name_masked, "phone_masked": p.phone_masked,
                     "consent": p.consent} for p in d.parties.all()],
        "actions": [t.action for t in services.available_actions(user, d)],
    }


def _get(user, number: str):
    d = selectors.disputes(user, state="").filter(number=number).first()
    if d is None:
        raise ApiError(404, "not_found", f"纠纷 {number} 不存在或不在您的管辖范围内。")
    return d


def _refusals(fn):
    """Refusals propagate to api/errors.py, which maps every one through core.errors.problem."""
    return fn()


@router.get("/disputes", response={200: DisputePage, **COMMON}, summary="纠纷列表（管辖范围内）")
def list_disputes(request, state: str = Query("open", max_length=20), limit: int = Query(50, ge=1, le=200),
                  offset: int = Query(0, ge=0, le=1_000_000)):
    qs = selectors.disputes(request.user, state=state).prefetch_related("parties")
    return {"count": qs.count(), "items": [_out(request.user, d) for d in qs[offset:offset + limit]]}


@router.get("/disputes/{number}", response={200: DisputeOut, **COMMON}, summary="一件纠纷")
def get_dispute(request, number: str):
    return _out(request.user, _get(request.user, number))


@router.post("/disputes", response={201: DisputeOut, **COMMON}, summary="登记纠纷")
def create_dispute(request, payload: DisputeIn):
    region = selectors.places(request.user).filter(code=payload.region_code).first()
    if region is None:
        raise ApiError(422, "invalid", f"区域 {payload.region_code} 不存在或不在您的管辖范围内。")
    d = _refusals(lambda: services.register(
        request.user, source=payload.source, type=payload.type, summary=payload.summary, region=region,
        address=payload.address, amount=payload.amount, risk_level=payload.risk_level, risk_flags=payload.risk_flags,
        parties=[p.dict() for p in payload.parties]))
    return Status(201, _out(request.user, d))


@router.post("/disputes/{number}/act", response={200: DisputeOut, 409: ErrorOut, **COMMON}, summary="办理一步")
def act(request, number: str, payload: ActIn):
    d = _get(request.user, number)
    if payload.action not in W.ACTION_LABELS:
        raise IllegalAction("未知的操作。")
    inputs = {k: v for k, v in {
        "consent": payload.consent, "text": payload.text, "confirmed": payload.confirmed, "kept": payload.kept,
        "month": payload.month, "channel": payload.channel, "receiver": payload.receiver, "answer": payload.answer,
        "risk": payload.risk, "flags": payload.flags, "session": payload.session,
    }.items() if v is not None}
    allowed = {"accept": {"consent"}, "agree": {"text", "confirmed"}, "follow_up": {"kept", "month"},
               "refer": {"channel", "receiver"}, "answer_referral": {"answer"}, "assess_risk": {"risk", "flags"},
               "record_session": {"session"}}.get(payload.action, set())
    inputs = {k: v for k, v in inputs.items() if k in allowed}
    if payload.action == "record_session" and inputs.get("session"):
        s = dict(inputs["session"])
        s.pop("room", None)  # rooms are chosen on the screen; the API records the place as text
        if isinstance(s.get("at"), str):
            try:
                s["at"] = dt.datetime.fromisoformat(s["at"])
            except ValueError:
                raise ApiError(422, "invalid", "调解时间格式不正确（ISO 8601）。")
        inputs["session"] = s
    d = _refusals(lambda: services.act(request.user, d, payload.action, note=payload.note,
                                       expected_version=payload.expected_version, **inputs))
    return _out(request.user, d)


@router.get("/report", response={200: ReportOut, **COMMON}, summary="矛盾纠纷排查月报")
def monthly_report(request, area: str = Query(..., max_length=15), month: str = Query(..., pattern=r"^\d{4}-\d{2}$")):
    region = selectors.report_areas(request.user).filter(code=area).first()
    if region is None:
        raise ApiError(404, "not_found", f"区域 {area} 不存在或不在您的管辖范围内。")
    y, m = (int(x) for x in month.split("-"))
    if not 1 <= m <= 12:
        raise ApiError(422, "invalid", "月份不正确。")
    data = report.monthly(region, dt.date(y, m, 1))

    def row(r, region):
        return {"region_code": region.code, "region_name": region.name,
                **{k: r[k] for k, _ in report.COLUMNS}}

    return {"area_code": region.code, "month": month, "rows": [row(r, r["region"]) for r in data["rows"]],
            "total": row(data["total"], region)}
