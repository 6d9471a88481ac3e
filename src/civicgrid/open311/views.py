"""Open311 GeoReport v2 over cases: /open311/v2/{discovery,services,requests,tokens}.{json|xml}.

- services are the active categories the city publishes (kinds 部件/事件; our social-governance
  extension classes are not published: disputes and care matters are not for a public tracker);
- requests POST needs an api_key (a client application's key); open311.services.submit creates a
  case through cases.services.intake with channel "api", acting as the application's service user, so the
  same jurisdiction rules as the screens apply; the answer carries service_request_id and token;
- status: open while the case is in any open state, closed when closed, not filed or merged;
  status_notes is the public label of the state, never an internal note;
- errors: [{"code": 400, "description": "..."}] / <errors><error>…</error></errors>, HTTP 400/403/404.
"""
from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from civicgrid.core.crypto import redact_text
from civicgrid.api import idempotency, tokens
from civicgrid.api.errors import ApiError
from civicgrid.core import params as P
from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case
from civicgrid.core.errors import USER_ERRORS, problem

from . import services as submission  # the view `services` below is GeoReport's endpoint name
from .errors import BadKey
from .formats import error, render

PUBLISHED_KINDS = submission.PUBLISHED_KINDS
MAX_RESULTS = 1000
DEFAULT_WINDOW = dt.timedelta(days=90)
CLOSED_NOTES = {W.CLOSED: "已办结", W.NOT_FILED: "经核实不予立案", W.MERGED: "与同一问题合并办理"}


def iso(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


published_categories = submission.published_categories
_attributes = submission.attributes_of


# -- discovery -------------------------------------------------------------------------------
def discovery(request, fmt):
    url = request.build_absolute_uri(reverse("open311:root"))
    data = {
        "changeset": iso(timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)),
        "contact": "请联系本区热线（12345）或系统管理员以获取 api_key。",
        "key_service": "api_key 由系统管理员在管理后台“接入应用”页面签发，或运行 civicgrid create-api-key 应用名称。",
        "endpoints": [{
            "specification": "http://wiki.open311.org/GeoReport_v2", "url": url.rstrip("/"),
            "changeset": iso(timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)),
            "type": "production", "formats": ["text/xml", "application/json"],
        }],
    }
    return render(fmt, "discovery", data)


# -- services --------------------------------------------------------------------------------
def services(request, fmt):
    with_attrs = submission.codes_with_attributes()
    data = [{"service_code": c.code, "service_name": c.name, "description": f"{c.major_name} · {c.name}",
             "metadata": c.code in with_attrs, "type": "realtime", "keywords": c.major_name, "group": c.major_name}
            for c in published_categories()]
    return render(fmt, "services", data)


def service_definition(request, code, fmt):
    if not published_categories().filter(code=code).exists():
        return error(fmt, 404, f"service_code {code} not found / 服务编码不存在")
    attrs = [{"variable": a.variable, "code": a.code, "datatype": a.datatype, "required": a.required,
              "datatype_description": a.datatype_description, "order": a.order, "description": a.description,
              "values": [{"key": str(v.get("key", "")), "name": str(v.get("name", ""))} for v in (a.values or [])]}
             for a in _attributes(code)]
    return render(fmt, "service_definition", {"service_code": code, "attributes": attrs})


# -- requests --------------------------------------------------------------------------------
def _case_out(request, c: Case) -> dict:
    open_ = c.state not in W.TERMINAL
    photo = None
    first = c.events.filter(seq=1).first()
    if first is not None:
        att = first.attachments.filter(kind="before").first()
        if att is not None:  # re-encoded on upload: no EXIF, no GPS
            photo = request.build_absolute_uri(att.image.url)
    agency = (c.department.name if c.department_id else
              (c.assigned_unit.department.name if c.assigned_unit_id else f"{c.street.name}办事处"))
    out = {
        "service_request_id": c.number, "status": "open" if open_ else "closed",
        "status_notes": c.state_label if open_ else CLOSED_NOTES.get(c.state, "已办结"),
        "service_name": c.category.name, "service_code": c.category.code,
        "description": c.description,
        "agency_responsible": agency, "service_notice": "",
        "requested_datetime": iso(c.created_at), "updated_datetime": iso(c.updated_at),
        "expected_datetime": iso(c.handle_due or c.due_at) if open_ else None,
        "address": c.address, "address_id": "", "zipcode": "",
        "lat": c.lat, "long": c.lng, "media_url": photo,
    }
    # Public endpoint: identity and phone numbers that anyone typed into any text field (description,
    # address, notes …) are masked. Applied to every text field, so a field added later is covered.
    return {k: redact_text(v) if isinstance(v, str) and k not in _NOT_FREE_TEXT else v for k, v in out.items()}


# Fields the system itself writes (numbers, codes, dates, URLs): never personal data, never masked —
# the case number is 13 digits and must stay whole.
_NOT_FREE_TEXT = {"service_request_id", "service_code", "requested_datetime", "updated_datetime",
                  "expected_datetime", "media_url", "status"}


_public_cases = submission.public_cases


def _parse_date(value: str, name: str):
    try:
        return P.parse_datetime(value, name, field=name)
    except P.BadParameter as exc:
        # GeoReport clients are machines in any country: the reason in English, then in Chinese.
        raise ValidationError(f"{name} must be a W3C datetime between {P.DATE_MIN.year} and {P.DATE_MAX.year}, "
                              f"e.g. 2024-05-01T08:00:00+08:00 / {exc.messages[0]}") from None


def _list(request, fmt):
    q = request.GET
    qs = _public_cases()
    ids = [i.strip() for i in q.get("service_request_id", "").split(",") if i.strip()]
    if ids:  # "all other parameters are ignored" when ids are given
        qs = qs.filter(number__in=ids[:MAX_RESULTS])
    else:
        codes = [c.strip() for c in q.get("service_code", "").split(",") if c.strip()]
        if codes:
            qs = qs.filter(category__code__in=codes)
        try:
            start = _parse_date(q["start_date"], "start_date") if q.get("start_date") else None
            end = _parse_date(q["end_date"], "end_date") if q.get("end_date") else None
        except ValidationError as exc:
            return error(fmt, 400, exc.messages[0])
        if start is None and end is None:
            start = timezone.now() - DEFAULT_WINDOW
        if start is not None:
            qs = qs.filter(created_at__gte=start)
        if end is not None:
            qs = qs.filter(created_at__lte=end)
        statuses = {s.strip() for s in q.get("status", "").split(",") if s.strip()}
        if statuses - {"open", "closed"}:
            return error(fmt, 400, "status must be open, closed or open,closed")
        if statuses == {"open"}:
            qs = qs.exclude(state__in=W.TERMINAL)
        elif statuses == {"closed"}:
            qs = qs.filter(state__in=W.TERMINAL)
    data = [_case_out(request, c) for c in qs.order_by("-created_at")[:MAX_RESULTS]]
    return render(fmt, "service_requests", data)


def _client_for(api_key: str):
    """The client application's active key; a user's /api/v1 token is not an api_key."""
    return tokens.resolve_client_key(api_key)


def _create(request, fmt):
    """Parse the POST, hand it to open311.services.submit, render its answer or its refusal.

    With an `Idempotency-Key` header (as on /api/v1), a retry of the same request by the same client
    application — after a timeout, a dropped connection, a server killed mid-request — gets the first
    answer again (header Idempotent-Replayed) and never makes a second case; the same key with a
    different request is refused (422)."""
    p = request.POST
    token = _client_for(p.get("api_key", ""))
    if token is None:
        return _refusal(fmt, BadKey())
    given = {}
    for key in p:
        m = re.fullmatch(r"attribute\[(.+)\]", key)
        if m:
            given[m.group(1)] = p.getlist(key)
    fields = submission.RequestFields(
        **{name: p.get(name, "") for name in ("service_code", "lat", "long", "address_string", "address_id",
                                             "description", "first_name", "last_name", "phone", "media_url")},
        attributes=given)

    def make():
        try:
            rt = submission.submit(token, fields)
        except USER_ERRORS as exc:
            resp = _refusal(fmt, exc)
        else:
            resp = render(fmt, "service_requests", [{"service_request_id": rt.case.number, "token": rt.token,
                                                     "service_notice": "", "account_id": p.get("account_id", "")}])
        return resp.status_code, resp.content.decode("utf-8")

    ctype = "text/xml; charset=utf-8" if fmt == "xml" else "application/json; charset=utf-8"
    try:
        return idempotency.run(request, make, credential=f"client:{token.client_id}", content_type=ctype)
    except ApiError as exc:  # the key reused for another request, or too long
        return error(fmt, exc.status, exc.message)


def _refusal(fmt, exc):
    pr = problem(exc)
    return error(fmt, pr.status, pr.message)


@csrf_exempt  # a machine API authenticated by api_key, not by a browser session
def requests_(request, fmt):
    if request.method == "POST":
        return _create(request, fmt)
    if request.method == "GET":
        return _list(request, fmt)
    resp = error(fmt, 405, "method not allowed")
    resp["Allow"] = "GET, POST"
    return resp


def request_detail(request, rid, fmt):
    c = _public_cases().filter(number=rid).first()
    if c is None:
        return error(fmt, 404, f"service_request_id {rid} not found / 诉求编号不存在")
    return render(fmt, "service_requests", [_case_out(request, c)])


def token_detail(request, token, fmt):
    rt = submission.request_token(token)
    if rt is None:
        return error(fmt, 404, f"token {token} not found / token 不存在")
    return render(fmt, "service_requests", [{"service_request_id": rt.case.number, "token": rt.token}])


def root(request):
    return error("xml", 404, "use discovery.xml, services.xml, requests.xml … / 请使用规范中的端点")


def not_found(request, rest=""):
    fmt = "json" if rest.endswith(".json") else "xml"
    return error(fmt, 404, "no such endpoint / 没有这个端点")
