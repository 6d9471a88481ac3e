"""Open311 GeoReport v2 over cases: /open311/v2/{discovery,services,requests,tokens}.{json|xml}.

- services are the active categories the city publishes (kinds 部件/事件; our social-governance
  extension classes are not published: disputes and care matters are not for a public tracker);
- requests POST needs an api_key (a client application's key); it creates a case through
  cases.services.intake with channel "api", acting as the application's service user, so the
  same jurisdiction rules as the screens apply; the answer carries service_request_id and token;
- status: open while the case is in any open state, closed when closed, not filed or merged;
  status_notes is the public label of the state, never an internal note;
- errors: [{"code": 400, "description": "..."}] / <errors><error>…</error></errors>, HTTP 400/403/404.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from civicgrid.core.crypto import redact_text
from civicgrid.api import tokens
from civicgrid.core import params as P
from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case, Category

from .formats import error, render
from .models import RequestToken, ServiceAttribute

PUBLISHED_KINDS = ("component", "event")
MAX_RESULTS = 1000
DEFAULT_WINDOW = dt.timedelta(days=90)
CLOSED_NOTES = {W.CLOSED: "已办结", W.NOT_FILED: "经核实不予立案", W.MERGED: "与同一问题合并办理"}


def iso(value) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def published_categories():
    return Category.objects.filter(active=True, kind__in=PUBLISHED_KINDS).order_by("code")


def _attributes(code: str) -> list[ServiceAttribute]:
    return list(ServiceAttribute.objects.filter(service_code=code))


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
    with_attrs = set(ServiceAttribute.objects.values_list("service_code", flat=True))
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
    return {
        "service_request_id": c.number, "status": "open" if open_ else "closed",
        "status_notes": c.state_label if open_ else CLOSED_NOTES.get(c.state, "已办结"),
        "service_name": c.category.name, "service_code": c.category.code,
        # Public endpoint: numbers a resident typed into the text are masked.
        "description": redact_text(c.description),
        "agency_responsible": agency, "service_notice": "",
        "requested_datetime": iso(c.created_at), "updated_datetime": iso(c.updated_at),
        "expected_datetime": iso(c.handle_due or c.due_at) if open_ else None,
        "address": c.address, "address_id": "", "zipcode": "",
        "lat": c.lat, "long": c.lng, "media_url": photo,
    }


def _public_cases():
    return (Case.objects.select_related("category", "department", "assigned_unit__department", "street")
            .filter(category__kind__in=PUBLISHED_KINDS))


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
    p = request.POST
    token = _client_for(p.get("api_key", ""))
    if token is None:
        return error(fmt, 403, "api_key was not provided or is invalid / api_key 缺失或无效")
    code = p.get("service_code", "").strip()
    if not code:
        return error(fmt, 400, "service_code was not provided / 缺少 service_code")
    category = published_categories().filter(code=code).first()
    if category is None:
        return error(fmt, 404, f"service_code {code} not found / 服务编码不存在")
    lat, lng = p.get("lat", "").strip(), p.get("long", "").strip()
    address = p.get("address_string", "").strip()
    if not (lat and lng) and not address and not p.get("address_id", "").strip():
        return error(fmt, 400, "a location is required: lat & long, address_string or address_id / 缺少位置")
    # attribute[code]=value, checked against the service definition
    given = {}
    for key in p:
        m = re.fullmatch(r"attribute\[(.+)\]", key)
        if m:
            given[m.group(1)] = p.getlist(key)
    lines = []
    for a in _attributes(code):
        values = [v for v in given.get(a.code, []) if v.strip()]
        if a.required and a.variable and not values:
            return error(fmt, 400, f"attribute[{a.code}] is required / 缺少必填属性：{a.description}")
        if not values:
            continue
        if a.datatype in ("singlevaluelist", "multivaluelist"):
            keys = {str(v.get("key")): str(v.get("name")) for v in a.values or []}
            bad = [v for v in values if v not in keys]
            if bad or (a.datatype == "singlevaluelist" and len(values) > 1):
                return error(fmt, 400, f"attribute[{a.code}] has an invalid value / 属性取值无效")
            shown = "、".join(keys[v] for v in values)
        elif a.datatype == "number":
            try:
                float(values[0])
            except ValueError:
                return error(fmt, 400, f"attribute[{a.code}] must be a number / 属性须为数字")
            shown = values[0]
        else:
            shown = values[0]
        lines.append(f"{a.description}：{shown}"[:300])
    description = p.get("description", "").strip() or category.name
    if lines:
        description += "\n" + "\n".join(lines)
    name = (p.get("last_name", "").strip() + p.get("first_name", "").strip())[:50]
    phone = re.sub(r"[^\d]", "", p.get("phone", ""))[:15]
    if p.get("media_url", "").strip():
        description += f"\n图片链接：{p['media_url'].strip()[:300]}"
    if address and not (lat and lng):
        from civicgrid.hotline.services import resolve_place

        place = resolve_place(address=address, within=token.client.region)
        if place is None:
            return error(fmt, 400, "address_string could not be located; send lat & long / 地址无法定位，请提供坐标")
        region, lat_f, lng_f = place[0], None, None
    else:
        region = None
        try:
            lat_f, lng_f = float(lat), float(lng)
        except ValueError:
            return error(fmt, 400, "lat and long must be numbers / 坐标须为数字")
    from civicgrid.cases import services as case_services

    actor = token.client.user
    try:
        with transaction.atomic():
            case = case_services.intake(
                actor, channel="api", category=category, description=description[:2000], lng=lng_f, lat=lat_f,
                grid=region if region is not None and region.level == "grid" else None, region=region,
                address=address, requester_name=name, requester_phone=phone, source=f"open311:{token.client.name}"[:100])
            rt = RequestToken.objects.create(token=secrets.token_hex(16), case=case, client=token.client)
    except ValidationError as exc:
        return error(fmt, 400, "；".join(exc.messages))
    except PermissionDenied as exc:
        return error(fmt, 403, str(exc))
    return render(fmt, "service_requests", [{"service_request_id": case.number, "token": rt.token,
                                             "service_notice": "", "account_id": p.get("account_id", "")}])


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
    rt = RequestToken.objects.select_related("case").filter(token=token).first()
    if rt is None:
        return error(fmt, 404, f"token {token} not found / token 不存在")
    return render(fmt, "service_requests", [{"service_request_id": rt.case.number, "token": rt.token}])


def root(request):
    return error("xml", 404, "use discovery.xml, services.xml, requests.xml … / 请使用规范中的端点")


def not_found(request, rest=""):
    fmt = "json" if rest.endswith(".json") else "xml"
    return error(fmt, 404, "no such endpoint / 没有这个端点")
