"""JSON API for residents (django-ninja router). Masked exactly like the pages; reveal is not offered
over the API — it needs a person at a screen giving a reason.

Mount with `api.add_router("", civicgrid.people.api.router)` in civicgrid/api/api.py.
"""
from __future__ import annotations

from django.http import Http404
from ninja import Query, Router, Schema
from pydantic import Field

from civicgrid.api.errors import COMMON
from civicgrid.api.pagination import Paged

from . import selectors, services
from .permissions import require_register_access

router = Router(tags=["基础数据"])


class PersonOut(Schema):
    id: int
    name: str
    sex: str
    birth_year: int | None
    id_type: str
    id_number_masked: str
    phone_masked: str
    registration: str
    community: str
    grid: str | None
    address: str | None
    tags: list[str]


class PersonPage(Schema):
    count: int
    items: list[PersonOut]


class PersonQuery(Paged):
    q: str = Field("", max_length=60, description="姓名片段、电话尾号、完整证件号或地址")


def _out(user, p) -> dict:
    return {"id": p.pk, "name": p.name, "sex": p.sex, "birth_year": p.birth_date.year if p.birth_date else None,
            "id_type": p.id_type, "id_number_masked": p.id_masked, "phone_masked": p.phone_masked,
            "registration": p.registration, "community": p.community.name,
            "grid": p.grid.name if p.grid_id else None, "address": str(p.room) if p.room_id else None,
            "tags": [t.label for t in selectors.tags_of(user, p) if t.end is None]}


@router.get("/people", response={200: PersonPage, **COMMON}, summary="居民查询（管辖范围内，证件号与电话打码；每次调用均记入审计日志）")
def list_people(request, f: Query[PersonQuery]):
    require_register_access(request.user)
    qs = selectors.search_people(request.user, f.q).order_by("name", "id")
    count = qs.count()
    page = list(qs[f.offset:f.offset + f.limit])
    # Every call is logged, every page and without a query too: a client paging through the list is
    # reading the register, and one line for its first page would hide the rest (issue 11 item 11).
    services.record_search(request.user, {"q": f.q}, count,
                           extra={"via": "api", "offset": f.offset, "returned": len(page)})
    return {"count": count, "items": [_out(request.user, p) for p in page]}


@router.get("/people/{pk}", response={200: PersonOut, **COMMON}, summary="居民详情（打码；记入审计日志）")
def get_person(request, pk: int):
    require_register_access(request.user)
    try:
        person = selectors.person_for(request.user, pk)
    except Http404:
        from ninja.errors import HttpError

        raise HttpError(404, "居民不存在或不在您的管辖范围内") from None
    # The same rule as the person page: opening a record is an access to personal data.
    services.record_view(request.user, person, via="api")
    return _out(request.user, person)
