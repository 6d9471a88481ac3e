"""/api/v1/orgs/: the registry (scoped list, one organisation) and the catalogue with reasons.

Errors use the API's one shape (api/errors.py): a role outside the registry's readers 403 `forbidden`,
an organisation outside the jurisdiction 404 `not_found`.
"""
from __future__ import annotations

import datetime as dt

from ninja import Query, Router, Schema

from civicgrid.api.errors import COMMON, ApiError
from civicgrid.core.scoping import has_role, sees_everything

from . import rules, selectors
from .manifest import OVERSEERS

router = Router(tags=["社会组织"])


class ResultOut(Schema):
    label: str
    ok: bool
    detail: str


class OrgOut(Schema):
    id: int
    name: str
    kind: str
    status: str
    credit_code: str
    region_code: str
    domains: list[str]
    is_hub: bool
    hub_id: int | None = None
    party_coverage: str
    credit_status: str
    credit_label: str
    in_catalogue: bool
    catalogue_reasons: list[ResultOut] = []
    grade: str = ""


class OrgPage(Schema):
    count: int
    items: list[OrgOut]


def _guard(user) -> None:
    if not (sees_everything(user) or has_role(user, *OVERSEERS)):
        raise ApiError(403, "forbidden", "需要社会组织登记管理、购买服务或指挥中心等角色。")


def _out(o, full=False) -> dict:
    standing = getattr(o, "standing", None)
    g = selectors.current_grade(o) if full else None
    return {"id": o.pk, "name": o.name, "kind": o.kind, "status": o.status, "credit_code": o.credit_code,
            "region_code": o.region.code, "domains": o.domains, "is_hub": o.is_hub, "hub_id": o.hub_id,
            "party_coverage": o.party_coverage, "credit_status": o.credit_status,
            "credit_label": rules.label_of(o.credit_status), "in_catalogue": bool(standing and standing.included),
            "catalogue_reasons": [{k: r[k] for k in ("label", "ok", "detail")} for r in (standing.results if standing else [])],
            "grade": str(g) if g else ""}


@router.get("/organisations", response={200: OrgPage, **COMMON}, summary="社会组织（管辖范围内）")
def list_orgs(request, q: str = Query("", max_length=50), kind: str = Query("", max_length=12),
              limit: int = Query(50, ge=1, le=200), offset: int = Query(0, ge=0, le=1_000_000)):
    _guard(request.user)
    qs = selectors.organisations(request.user, q=q, kind=kind)
    return {"count": qs.count(), "items": [_out(o) for o in qs[offset:offset + limit]]}


@router.get("/organisations/{pk}", response={200: OrgOut, **COMMON}, summary="一家社会组织，含推荐目录原因")
def get_org(request, pk: int):
    _guard(request.user)
    o = selectors.organisations(request.user).filter(pk=pk).first()
    if o is None:
        raise ApiError(404, "not_found", "社会组织不存在或不在您的管辖范围内。")
    return _out(o, full=True)


@router.get("/catalogue", response={200: OrgPage, **COMMON}, summary="推荐目录（可查历史某日）")
def catalogue(request, on: dt.date | None = None):
    _guard(request.user)
    if on is not None:
        from django.utils import timezone

        qs = selectors.catalogue_on(request.user, timezone.make_aware(dt.datetime.combine(on, dt.time.max)))
    else:
        qs = selectors.organisations(request.user).filter(standing__included=True)
    return {"count": qs.count(), "items": [_out(o) for o in qs.select_related("region", "standing")[:500]]}
