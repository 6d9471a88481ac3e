"""Every write to the territory tree. Each service takes the acting user first."""
from __future__ import annotations

import warnings

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from shapely.geometry import mapping, shape

from civicgrid.core import audit
from civicgrid.core import roles as R
from civicgrid.core.scoping import has_role, require_in_scope, sees_everything

from . import codes
from .models import Region


# GEOS explains invalidity in English; staff read Chinese. Longest prefixes first.
_VALIDITY_ZH = [
    ("Ring Self-intersection", "边界环自相交"),
    ("Self-intersection", "边界自相交"),
    ("Too few points", "边界的点太少（一个环至少需要 4 个点且首尾相同）"),
    ("Hole lies outside shell", "内环（洞）位于外环之外"),
    ("Nested holes", "内环（洞）相互嵌套"),
    ("Nested shells", "多边形的外环相互嵌套或重叠"),
    ("Interior is disconnected", "内环把多边形内部分割成了不连通的部分"),
    ("Invalid Coordinate", "含有无效坐标（如 NaN）"),
    ("Ring is not closed", "边界环未闭合"),
    ("Duplicate Rings", "存在重复的环"),
]


def _explain_invalid(geom) -> str:
    from shapely.validation import explain_validity

    reason = explain_validity(geom)
    where = ""
    if "[" in reason and reason.endswith("]"):
        reason, _, at = reason[:-1].partition("[")
        parts = at.split()
        if len(parts) >= 2:
            where = f"，位置约在（{parts[0]}, {parts[1]}）"
    for en, zh in _VALIDITY_ZH:
        if reason.startswith(en):
            return zh + where
    return reason + where


def geometry_errors(geometry: dict | None) -> list[str]:
    """Why a GeoJSON geometry is not an acceptable region boundary (empty list when it is)."""
    if geometry is None:
        return []
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        got = geometry.get("type") if isinstance(geometry, dict) else type(geometry).__name__
        return [f"边界必须是 GeoJSON Polygon 或 MultiPolygon（收到“{got}”）"]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NaN coordinates are reported below
            geom = shape(geometry)
    except Exception:  # shapely raises several types for malformed coordinates
        return ["边界坐标格式错误：应为 [经度, 纬度] 数值对组成的闭合环"]
    errors = []
    if geom.is_empty:
        return ["边界为空"]
    if not geom.is_valid:
        errors.append(f"边界多边形无效：{_explain_invalid(geom)}")
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        errors.append("边界坐标超出 WGS-84 经纬度范围（经度 −180～180，纬度 −90～90；"
                      "请检查经纬度是否写反）")
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


@transaction.atomic
def delete_region(actor, region: Region) -> None:
    """Remove a region that nothing hangs from (no children, no seats, no department units)."""
    from django.db.models import ProtectedError

    _require_admin_over(actor, region)
    region = Region.objects.select_for_update().get(pk=region.pk)
    if region.children.exists():
        raise ValidationError(f"“{region.name}”下还有下级区域，不能删除")
    snapshot = {"code": region.code, "name": region.name, "level": region.level,
                "parent": region.parent.code if region.parent_id else None}
    try:
        # The audit entry is written first so it carries the primary key the row had.
        audit.record(actor, "region.delete", region, detail=snapshot)
        with transaction.atomic():
            region.delete()
    except ProtectedError as exc:
        raise ValidationError(f"“{region.name}”仍被岗位、部门或其他记录引用，不能删除") from exc
