from __future__ import annotations

from django.db.models import Q
from ninja import Query, Router, Schema
from pydantic import Field

from civicgrid.regions import selectors
from civicgrid.regions.models import Region

from ..errors import COMMON, ApiError
from ..pagination import Paged
from ..schemas import GridLookupOut, RegionDetailOut, RegionOut, RegionPage

router = Router(tags=["区域与网格"])


class RegionFilter(Paged):
    level: str | None = Field(None, description="city | district | street | community | grid")
    parent: str | None = Field(None, description="上级区域编码")
    q: str | None = Field(None, max_length=50, description="名称或编码包含")
    limit: int = Field(50, ge=1, le=500)


@router.get("/regions", response={200: RegionPage, **COMMON}, summary="区域列表（管辖范围内）")
def list_regions(request, f: Query[RegionFilter]):
    qs = selectors.regions_for(request.user).order_by("code")
    if f.level:
        qs = qs.filter(level=f.level)
    if f.parent:
        qs = qs.filter(parent__code=f.parent)
    if f.q:
        qs = qs.filter(Q(name__contains=f.q) | Q(code__startswith=f.q))
    qs = qs.select_related("parent")
    items = [RegionOut.from_region(r) for r in qs[f.offset:f.offset + f.limit]]
    return {"count": qs.count(), "limit": f.limit, "offset": f.offset, "items": items}


@router.get("/regions/{code}", response={200: RegionDetailOut, **COMMON}, summary="区域详情")
def get_region(request, code: str):
    r = selectors.regions_for(request.user).filter(code=code).first()
    if r is None:
        raise ApiError(404, "not_found", f"区域 {code} 不存在或不在您的管辖范围内。")
    out = RegionOut.from_region(r)
    out["geometry"] = r.geometry
    out["bbox"] = [r.min_lng, r.min_lat, r.max_lng, r.max_lat] if r.min_lng is not None else None
    out["label_point"] = [r.label_lng, r.label_lat] if r.label_lng is not None else None
    return out


class PointQuery(Schema):
    lng: float = Field(..., ge=-180, le=180, description="经度（WGS-84）")
    lat: float = Field(..., ge=-90, le=90, description="纬度（WGS-84）")


@router.get("/grid-lookup", response={200: GridLookupOut, **COMMON}, summary="按坐标查网格")
def grid_lookup(request, p: Query[PointQuery]):
    """Which grid covers a point (public information: the grid roster is published)."""
    from civicgrid.regions.geo import locate

    loc = locate(p.lng, p.lat)
    if loc is None:
        raise ApiError(404, "not_found", "该坐标不在任何网格内。")

    def one(r):
        return RegionOut.from_region(r) if r is not None else None

    return {"lng": p.lng, "lat": p.lat, "grid": one(loc.grid), "community": one(loc.community),
            "street": one(loc.street), "district": one(loc.district)}
