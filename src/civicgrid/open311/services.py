"""Open311's service and its public reads. A GeoReport v2 POST becomes a case through the same intake as every channel.

    submit(token, fields) -> RequestToken

`token` is the client application's key (checked by the view: tokens.resolve_client_key); the case is
taken in as that application's service user, with channel "api", so the jurisdiction, location
(regions/locate.py: point, else address text within the client's area) and phone rules are the
ones every other door applies. The request token the client polls is created in the same
transaction as the case: a case never exists without it, nor a token without its case.
"""
from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field


from civicgrid.cases import services as case_services
from civicgrid.cases.models import Case, Category
from civicgrid.regions.errors import UNLOCATABLE, LocationError

from .errors import BadRequest, UnknownService
from .models import RequestToken, ServiceAttribute

PUBLISHED_KINDS = ("component", "event")


def published_categories():
    return Category.objects.filter(active=True, kind__in=PUBLISHED_KINDS).order_by("code")


# What a POST needs to know about its service changes rarely (an administrator's edit) and is read
# by every POST: kept per process for CATALOGUE_SECONDS. A saved category or attribute clears this
# process's copy at once (apps.py); other app servers see an edit within CATALOGUE_SECONDS.
CATALOGUE_SECONDS = 30
_catalogue: dict[tuple[str, str], tuple[float, object]] = {}


def forget_catalogue(**kwargs) -> None:
    _catalogue.clear()


def _remember(kind: str, code: str, load):
    now = time.monotonic()
    hit = _catalogue.get((kind, code))
    if hit is None or hit[0] <= now:
        if len(_catalogue) > 5000:  # unknown codes sent by a client must not grow it without bound
            _catalogue.clear()
        hit = _catalogue[(kind, code)] = (now + CATALOGUE_SECONDS, load())
    return hit[1]


def attributes_of(code: str) -> list[ServiceAttribute]:
    return list(_remember("attributes", code, lambda: list(ServiceAttribute.objects.filter(service_code=code))))


def published_category(code: str) -> Category | None:
    """The active, published category with this code (cached as above), or None."""
    return _remember("category", code, lambda: published_categories().filter(code=code).first())


# Reads of a public tracker: GeoReport v2 shows every published request to anyone (descriptions
# are redacted by the view), so these are not scoped to a user.
def codes_with_attributes() -> set[str]:
    return set(ServiceAttribute.objects.values_list("service_code", flat=True))


def public_cases():
    return (Case.objects.select_related("category", "department", "assigned_unit__department", "street")
            .filter(category__kind__in=PUBLISHED_KINDS))


def request_token(token: str) -> RequestToken | None:
    return RequestToken.objects.select_related("case").filter(token=token).first()


@dataclass
class RequestFields:
    """What a GeoReport v2 POST carries, as the view parsed it (all strings, untrusted)."""

    service_code: str = ""
    lat: str = ""
    long: str = ""
    address_string: str = ""
    address_id: str = ""
    description: str = ""
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    media_url: str = ""
    attributes: dict[str, list[str]] = field(default_factory=dict)


def _attribute_lines(code: str, given: dict[str, list[str]]) -> list[str]:
    """attribute[code]=value checked against the service definition, as lines for the description."""
    lines = []
    for a in attributes_of(code):
        values = [v for v in given.get(a.code, []) if v.strip()]
        if a.required and a.variable and not values:
            raise BadRequest(f"attribute[{a.code}] is required / 缺少必填属性：{a.description}")
        if not values:
            continue
        if a.datatype in ("singlevaluelist", "multivaluelist"):
            keys = {str(v.get("key")): str(v.get("name")) for v in a.values or []}
            bad = [v for v in values if v not in keys]
            if bad or (a.datatype == "singlevaluelist" and len(values) > 1):
                raise BadRequest(f"attribute[{a.code}] has an invalid value / 属性取值无效")
            shown = "、".join(keys[v] for v in values)
        elif a.datatype == "number":
            try:
                float(values[0])
            except ValueError:
                raise BadRequest(f"attribute[{a.code}] must be a number / 属性须为数字")
            shown = values[0]
        else:
            shown = values[0]
        lines.append(f"{a.description}：{shown}"[:300])
    return lines


def submit(token, f: RequestFields) -> RequestToken:
    """Create the case and its request token. Raises open311 errors, ValidationError or PermissionDenied."""
    code = f.service_code.strip()
    if not code:
        raise BadRequest("service_code was not provided / 缺少 service_code")
    category = published_category(code)
    if category is None:
        raise UnknownService(f"service_code {code} not found / 服务编码不存在")
    lat, lng, address = f.lat.strip(), f.long.strip(), f.address_string.strip()
    if not (lat and lng) and not address and not f.address_id.strip():
        raise BadRequest("a location is required: lat & long, address_string or address_id / 缺少位置")
    if lat and lng:
        try:
            float(lat), float(lng)
        except ValueError:
            raise BadRequest("lat and long must be numbers / 坐标须为数字")
    elif not address:
        raise BadRequest("address_id is not supported here; send lat & long or address_string / 请提供坐标或地址")
    lines = _attribute_lines(code, f.attributes)
    description = f.description.strip() or category.name
    if lines:
        description += "\n" + "\n".join(lines)
    if f.media_url.strip():
        description += f"\n图片链接：{f.media_url.strip()[:300]}"
    name = (f.last_name.strip() + f.first_name.strip())[:50]
    client = token.client
    made = []
    try:
        case_services.intake(
            token.client.user, channel="api", category=category, description=description[:2000],
            lng=lng or None, lat=lat or None, address=address, within=client.region,
            requester_name=name, requester_phone=f.phone, source=f"open311:{client.name}"[:100],
            # written with the case's own rows: a case never exists without its token, nor a token without its case
            then=lambda case: made.append(RequestToken(token=secrets.token_hex(16), case=case, client=client)) or made)
    except LocationError as exc:
        if exc.code == UNLOCATABLE:
            raise BadRequest("address_string could not be located; send lat & long / 地址无法定位，请提供坐标")
        raise
    return made[0]
