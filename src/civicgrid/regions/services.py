"""Every write to the territory tree. Each service takes the acting user first."""
from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from shapely.geometry import mapping, shape

from civicgrid.core import audit
from civicgrid.core import roles as R
from civicgrid.core.scoping import has_role, require_in_scope, sees_everything

from . import codes
from .models import Region


def geometry_errors(geometry: dict | None) -> list[str]:
    """Why a GeoJSON geometry is not an acceptable region boundary (empty list when it is)."""
    if geometry is None:
        return []
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        return ["边界必须是 GeoJSON Polygon 或 MultiPolygon"]
    try:
        geom = shape(geometry)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        return [f"边界坐标格式错误：{exc}"]
    errors = []
    if geom.is_empty:
        errors.append("边界为空")
    elif not geom.is_valid:
        from shapely.validation import explain_validity

        errors.append(f"边界多边形无效：{explain_validity(geom)}")
    minx, miny, maxx, maxy = geom.bounds if not geom.is_empty else (0, 0, 0, 0)
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        errors.append("边界坐标超出 WGS-84 经纬度范围（经度 −180～180，纬度 −90～90）")
    return errors


def apply_geometry(region: Region, geometry: dict | None) -> None:
    """Set geometry and its cached bounding box and label point (in memory; caller saves)."""
    region.geometry = geometry
    if geometry is None:
        region.min_lng = region.min_lat = region.max_lng = region.max_lat = None
        region.label_lng = region.label_lat = None
        return
    geom = shape(geometry)
    region.geometry = mapping(geom)
    region.min_lng, region.min_lat, region.max_lng, region.max_lat = geom.bounds
    label = geom.representative_point()
    region.label_lng, region.label_lat = label.x, label.y


def _require_admin_over(actor, parent: Region | None) -> None:
    if sees_everything(actor):
        return
    if not has_role(actor, R.SYSTEM_ADMIN):
        raise PermissionDenied("只有系统管理员可以维护区域和网格")
    if parent is None:
        raise PermissionDenied("只有超级管理员可以创建顶级区域")
    require_in_scope(actor, parent, roles=(R.SYSTEM_ADMIN,))


def validate_region(region: Region) -> None:
    parent = region.parent
    errs = codes.code_errors(region.level, region.code, parent.level if parent else None,
                             parent.code if parent else None)
    if region.level == codes.GRID and region.grid_kind not in dict(Region.GRID_KIND_CHOICES):
        errs.append("网格必须指定类型：社区网格、重点单位网格或道路网格")
    if region.level != codes.GRID and region.grid_kind:
        errs.append("只有网格才有网格类型")
    if not (region.name or "").strip():
        errs.append("名称不能为空")
    dup = Region.objects.filter(code=region.code).exclude(pk=region.pk).first()
    if dup:
        errs.append(f"编码“{region.code}”已被“{dup.name}”使用")
    geo_errs = geometry_errors(region.geometry)
    if errs or geo_errs:
        raise ValidationError({**({"code": errs} if errs else {}), **({"geometry": geo_errs} if geo_errs else {})})


@transaction.atomic
def create_region(actor, *, code: str, name: str, level: str, parent: Region | None = None,
                  grid_kind: str = "", geometry: dict | None = None) -> Region:
    _require_admin_over(actor, parent)
    region = Region(code=code.strip(), name=name.strip(), level=level, parent=parent, grid_kind=grid_kind)
    region.geometry = geometry
    validate_region(region)
    apply_geometry(region, geometry)
    region.path = region.compute_path()
    region.save()
    audit.record(actor, "region.create", region, detail={"code": region.code, "level": level})
    return region


@transaction.atomic
def update_region(actor, region: Region, *, name: str | None = None, geometry: dict | None = ...,
                  grid_kind: str | None = None) -> Region:
    """Change what may change: name, kind and boundary. Codes are identities and stay put."""
    _require_admin_over(actor, region)
    region = Region.objects.select_for_update().get(pk=region.pk)
    before = {"name": region.name, "grid_kind": region.grid_kind}
    if name is not None:
        region.name = name.strip()
    if grid_kind is not None:
        region.grid_kind = grid_kind
    if geometry is not ...:
        region.geometry = geometry
    validate_region(region)
    if geometry is not ...:
        apply_geometry(region, geometry)
    region.save()
    audit.record(actor, "region.update", region,
                 detail={"before": before, "after": {"name": region.name, "grid_kind": region.grid_kind},
                         "geometry_changed": geometry is not ...})
    return region
