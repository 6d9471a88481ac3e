"""GeoJSON import of the territory tree.

The file is a FeatureCollection; each Feature's properties carry `code`, `name`, `level`
(city/district/street/community/grid or 市/区/街道/社区/网格), `kind` for grids
(community/key_unit/road or 社区网格/重点单位网格/道路网格) and `parent_code` (empty for a root).
Geometry is a WGS-84 Polygon or MultiPolygon, or null.

Rules (what staff are told on the import page):
- Order inside the file does not matter: features are processed from the top level down, so a
  parent may come later in the file than its children. A parent may also already exist.
- A code that already exists is an update when the level and the parent are the same: name,
  kind and boundary are replaced. A null geometry or a missing kind in an update leaves the
  stored boundary or kind as it is (so a codes-only list, e.g. the statistical division list,
  can be re-imported without wiping drawn grids). A different level or parent is an error:
  codes are identities and a region is not moved by an import.
- Everything is checked before anything is written, and the writes run in one transaction, so a
  file with any error changes nothing. Errors are reported per feature (index and code).
- Grid tiling is checked per community when the community has a boundary and at least one of its
  grids has one: grids outside the community, sibling grids overlapping each other, and parts of
  the community covered by no grid are errors when larger than settings.GRID_TILING_TOLERANCE_M2.
  All grid kinds (community, key-unit, road) are siblings that together tile the community.
  Only problems this import touches are reported: a problem among grids the file does not
  mention, in a community the file does not mention, is left alone.
- Areas are computed in a local equirectangular approximation around the community's centroid
  (metres per degree of latitude and longitude from the WGS-84 ellipsoid series): the error is
  far below a square metre for community-sized areas, and it needs no pyproj.

Permission: a superuser, or a system administrator for what lies inside their jurisdiction
(the same rule as services.create_region/update_region). There is no anonymous "system" actor:
the `import-regions` command acts as a named user (--as) or the installation's superuser.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from shapely.geometry import shape

from civicgrid.core import audit
from civicgrid.core.params import JSON_MAX_DEPTH, JSONTooDeep, loads_bounded
from civicgrid.core import roles as R
from civicgrid.core.scoping import has_role, sees_everything, visible_to

from . import codes, geo, services
from .models import Region

LEVEL_ALIASES = {
    "city": codes.CITY, "市": codes.CITY, "地级市": codes.CITY,
    "district": codes.DISTRICT, "区": codes.DISTRICT, "县": codes.DISTRICT, "区县": codes.DISTRICT,
    "县级市": codes.DISTRICT, "旗": codes.DISTRICT,
    "street": codes.STREET, "街道": codes.STREET, "镇": codes.STREET, "乡": codes.STREET,
    "街道/镇": codes.STREET, "乡镇": codes.STREET, "乡镇街道": codes.STREET,
    "community": codes.COMMUNITY, "社区": codes.COMMUNITY, "村": codes.COMMUNITY, "社区/村": codes.COMMUNITY,
    "居委会": codes.COMMUNITY, "村委会": codes.COMMUNITY,
    "grid": codes.GRID, "网格": codes.GRID,
}
KIND_ALIASES = {
    "community": "community", "社区网格": "community", "社区": "community",
    "key_unit": "key_unit", "重点单位网格": "key_unit", "重点单位": "key_unit",
    "road": "road", "道路网格": "road", "道路": "road",
}
ACTION_LABELS = {"create": "新增", "update": "更新", "unchanged": "无变化", "": "—"}


@dataclass
class FeatureReport:
    index: int  # 0-based position in the file's "features" array
    code: str = ""
    name: str = ""
    level: str = ""
    action: str = ""  # create | update | unchanged ("" while the feature has errors)
    errors: list[str] = field(default_factory=list)

    @property
    def number(self) -> int:
        """1-based, as staff count features."""
        return self.index + 1

    @property
    def level_label(self) -> str:
        return codes.LEVEL_LABELS.get(self.level, self.level)

    @property
    def action_label(self) -> str:
        return ACTION_LABELS.get(self.action, self.action)

    def as_dict(self) -> dict:
        return {"index": self.index, "code": self.code, "name": self.name, "level": self.level,
                "action": self.action, "errors": list(self.errors)}


@dataclass
class ImportReport:
    dry_run: bool
    features: list[FeatureReport] = field(default_factory=list)
    file_errors: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.file_errors and not any(f.errors for f in self.features)

    @property
    def failed_features(self) -> list[FeatureReport]:
        return [f for f in self.features if f.errors]

    def count(self, action: str) -> int:
        return sum(1 for f in self.features if f.action == action)

    @property
    def counts(self) -> dict:
        return {"features": len(self.features), "created": self.count("create"),
                "updated": self.count("update"), "unchanged": self.count("unchanged"),
                "failed": len(self.failed_features)}

    def summary(self) -> str:
        c = self.counts
        if self.file_errors:
            return "文件无法导入：" + "；".join(self.file_errors)
        if not self.ok:
            return (f"共 {c['features']} 个要素，其中 {c['failed']} 个有错误；"
                    "导入未执行，系统中的数据没有任何改变。")
        what = f"新增 {c['created']} 个，更新 {c['updated']} 个，无变化 {c['unchanged']} 个"
        if self.committed:
            return f"导入成功：共 {c['features']} 个要素，{what}。"
        return f"试运行通过：共 {c['features']} 个要素，将{what}。尚未写入。"

    def as_dict(self) -> dict:
        return {"ok": self.ok, "dry_run": self.dry_run, "committed": self.committed, "counts": self.counts,
                "file_errors": list(self.file_errors), "features": [f.as_dict() for f in self.features]}


@dataclass(eq=False)
class _Item:
    report: FeatureReport
    code: str
    name: str
    level: str
    kind: str | None
    parent_code: str | None
    geometry: dict | None
    geom: Any = None  # shapely geometry when the feature's boundary is valid
    kind_invalid: bool = False
    existing: Region | None = None
    parent_item: "_Item | None" = None
    parent_region: Region | None = None
    anchor: Region | None = None  # the nearest existing region at or above this one
    processed: bool = False
    saved: Region | None = None

    @property
    def errors(self) -> list[str]:
        return self.report.errors


def can_import(actor) -> bool:
    return bool(actor is not None and getattr(actor, "is_authenticated", False) and actor.is_active
                and (sees_everything(actor) or has_role(actor, R.SYSTEM_ADMIN)))


def import_geojson(actor, data: dict | bytes | str, *, dry_run: bool = False) -> ImportReport:
    """Check a GeoJSON FeatureCollection of regions and, unless dry_run or any error, write it."""
    if not can_import(actor):
        raise PermissionDenied("只有系统管理员可以导入区域和网格")
    report = ImportReport(dry_run=dry_run)
    features = _parse_collection(data, report)
    if features is None:
        return report
    try:
        with transaction.atomic():
            items = _read_features(features, report)
            _resolve(actor, items, report)
            _check_tiling(items)
            if report.ok:
                _plan_actions(items)
                if not dry_run:
                    _apply(actor, items, report)
    except IntegrityError:
        # Another import or edit wrote one of these codes between our checks and our writes.
        for f in report.features:
            f.action = ""
        report.committed = False
        report.file_errors.append("导入时区域数据被其他操作同时修改，本次导入未执行，请重试")
    return report


# ---------------------------------------------------------------------------------------- parsing

def _parse_collection(data, report: ImportReport) -> list | None:
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).decode("utf-8-sig")
        except UnicodeDecodeError:
            report.file_errors.append("文件不是 UTF-8 编码的文本，请以 UTF-8 保存 GeoJSON 文件")
            return None
    if isinstance(data, str):
        try:
            # Bounded: a 100 000-deep array would otherwise end in RecursionError (a 500, a traceback).
            data = loads_bounded(data)
        except JSONTooDeep:
            report.file_errors.append(f"文件嵌套层数超过 {JSON_MAX_DEPTH} 层，不是有效的 GeoJSON")
            return None
        except json.JSONDecodeError as exc:
            report.file_errors.append(f"文件不是有效的 JSON：第 {exc.lineno} 行第 {exc.colno} 列附近有语法错误")
            return None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        got = data.get("type") if isinstance(data, dict) else type(data).__name__
        report.file_errors.append(f"文件必须是 GeoJSON FeatureCollection（收到“{got}”）")
        return None
    features = data.get("features")
    if not isinstance(features, list):
        report.file_errors.append("FeatureCollection 缺少 features 数组")
        return None
    if not features:
        report.file_errors.append("文件中没有任何要素")
        return None
    return features


def _text(value) -> str | None:
    """A code or name as text; JSON numbers are accepted for codes typed into spreadsheets."""
    if value is None:
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return None


def _read_features(features: list, report: ImportReport) -> list[_Item]:
    items: list[_Item] = []
    first_index: dict[str, int] = {}
    for index, feature in enumerate(features):
        fr = FeatureReport(index=index)
        report.features.append(fr)
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            fr.errors.append("不是 GeoJSON Feature 对象")
            continue
        props = feature.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            fr.errors.append("properties 必须是对象")
            continue
        code = _text(props.get("code"))
        fr.code = code or ""
        if not code:
            fr.errors.append("缺少编码（properties.code）")
        name = _text(props.get("name")) or ""
        fr.name = name
        if not name:
            fr.errors.append("缺少名称（properties.name）")
        elif len(name) > 100:
            fr.errors.append("名称不能超过 100 个字")
        raw_level = props.get("level")
        level = LEVEL_ALIASES.get(raw_level.strip().lower() if isinstance(raw_level, str) else raw_level)
        if level is None:
            fr.errors.append(f"层级“{raw_level if raw_level is not None else ''}”无法识别，"
                             "应为 city/district/street/community/grid 或 市/区/街道/社区/网格")
        fr.level = level or ""
        raw_kind = props.get("kind", props.get("grid_kind"))
        kind = None
        if raw_kind not in (None, ""):
            kind = KIND_ALIASES.get(raw_kind.strip().lower() if isinstance(raw_kind, str) else raw_kind)
            if kind is None:
                fr.errors.append(f"网格类型“{raw_kind}”无法识别，应为 community/key_unit/road "
                                 "或 社区网格/重点单位网格/道路网格")
            elif level is not None and level != codes.GRID:
                fr.errors.append("只有网格才有网格类型（kind），其他层级请留空")
        parent_code = _text(props.get("parent_code")) or None
        if props.get("parent_code") not in (None, "") and parent_code is None:
            fr.errors.append("上级编码（parent_code）必须是文本")
        geometry = feature.get("geometry")
        geo_errors = services.geometry_errors(geometry)
        fr.errors.extend(geo_errors)
        if code:
            if code in first_index:
                fr.errors.append(f"编码“{code}”与第 {first_index[code] + 1} 个要素重复")
            else:
                first_index[code] = index
        if code and level is not None and code in first_index and first_index[code] == index:
            item = _Item(report=fr, code=code, name=name, level=level, kind=kind, parent_code=parent_code,
                         geometry=geometry, kind_invalid=raw_kind not in (None, "") and kind is None)
            if geometry is not None and not geo_errors:
                item.geom = shape(geometry)
            items.append(item)
    return items


# -------------------------------------------------------------------------------------- resolving

def _resolve(actor, items: list[_Item], report: ImportReport) -> None:
    by_code = {it.code: it for it in items}
    wanted = set(by_code) | {it.parent_code for it in items if it.parent_code}
    in_db = {r.code: r for r in Region.objects.filter(code__in=wanted).select_related("parent")}
    visible = set(visible_to(actor, Region.objects.filter(code__in=list(in_db))).values_list("code", flat=True))
    permission_cache: dict[int | None, str | None] = {}
    # Features too broken to become items (no level, say) can still be named as someone's parent.
    unusable: dict[str, FeatureReport] = {}
    for f in report.features:
        if f.code and f.code not in by_code and f.code not in unusable:
            unusable[f.code] = f

    def permission_error(anchor: Region | None) -> str | None:
        key = anchor.pk if anchor is not None else None
        if key not in permission_cache:
            try:
                services._require_admin_over(actor, anchor)
                permission_cache[key] = None
            except PermissionDenied as exc:
                permission_cache[key] = str(exc)
        return permission_cache[key]

    for it in sorted(items, key=lambda i: (codes.LEVELS.index(i.level), i.report.index)):
        it.existing = in_db.get(it.code)
        parent_level = parent_code = None
        if it.parent_code:
            parent_code = it.parent_code
            if it.parent_code in by_code:
                it.parent_item = by_code[it.parent_code]
                parent_level = it.parent_item.level
                if it.parent_item.errors and it.parent_item is not it:
                    it.errors.append(f"上级“{it.parent_code}”（第 {it.parent_item.report.number} 个要素）有错误")
            elif it.parent_code in unusable:
                it.errors.append(f"上级“{it.parent_code}”（第 {unusable[it.parent_code].number} 个要素）有错误")
            elif it.parent_code in in_db and (it.parent_code in visible or _same_parent(in_db.get(it.code), it)):
                # An admin may update their own top node although its parent lies above them.
                it.parent_region = in_db[it.parent_code]
                parent_level = it.parent_region.level
            elif it.parent_code in in_db:
                it.errors.append(f"上级“{it.parent_code}”不在您的管辖范围内")
            else:
                it.errors.append(f"上级编码“{it.parent_code}”不存在：文件中和系统中都没有这个区域")
        if parent_level is not None or not it.parent_code:
            it.errors.extend(codes.code_errors(it.level, it.code, parent_level, parent_code))

        if it.existing is not None:
            ex = it.existing
            if it.code not in visible:
                it.errors.append(f"编码“{it.code}”已被您管辖范围之外的区域使用")
            else:
                if ex.level != it.level:
                    it.errors.append(f"编码“{it.code}”已存在，层级为{ex.level_label}，与文件中的"
                                     f"{codes.LEVEL_LABELS[it.level]}不一致（编码是区域的身份，层级不能改变）")
                ex_parent = ex.parent.code if ex.parent_id else None
                if ex_parent != it.parent_code:
                    it.errors.append(f"编码“{it.code}”已存在，上级为“{ex_parent or '无'}”，与文件中的"
                                     f"“{it.parent_code or '无'}”不一致（导入不能把区域移到其他上级）")
                err = permission_error(ex)
                if err:
                    it.errors.append(err)
            it.anchor = ex
        else:
            if it.parent_region is not None:
                anchor = it.parent_region
            elif it.parent_item is not None and it.parent_item.processed:
                anchor = it.parent_item.anchor
            else:
                anchor = None
            if it.parent_code is None or it.parent_region is not None or (
                    it.parent_item is not None and it.parent_item.processed):
                err = permission_error(anchor)
                if err:
                    it.errors.append(err)
            it.anchor = anchor

        if it.level == codes.GRID and it.kind is None and not it.kind_invalid:
            if it.existing is not None and it.existing.grid_kind:
                it.kind = it.existing.grid_kind
            else:
                it.errors.append("网格必须指定类型（kind）：community/key_unit/road 或 社区网格/重点单位网格/道路网格")
        if it.level != codes.GRID:
            it.kind = ""
        it.processed = True


def _same_parent(existing: Region | None, it: _Item) -> bool:
    return (existing is not None and existing.parent_id is not None
            and existing.parent.code == it.parent_code)


# ----------------------------------------------------------------------------------------- tiling

def metres_per_degree(lat: float) -> tuple[float, float]:
    """(metres per degree of longitude, of latitude) at `lat` on the WGS-84 ellipsoid."""
    phi = math.radians(lat)
    per_lat = 111132.92 - 559.82 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
    per_lng = 111412.84 * math.cos(phi) - 93.5 * math.cos(3 * phi)
    return per_lng, per_lat


def area_m2(geom, lat: float) -> float:
    """Area in square metres of a small lon/lat geometry near latitude `lat` (local approximation)."""
    per_lng, per_lat = metres_per_degree(lat)
    return geom.area * per_lng * per_lat


def _stored_geom(region: Region):
    if not region.geometry:
        return None
    try:
        g = shape(region.geometry)
    except Exception:  # shapely raises several types on a malformed stored geometry; treat it as absent
        return None
    return g if g.is_valid else shapely.make_valid(g)


@dataclass
class _Tile:
    code: str
    geom: Any
    item: _Item | None  # None for a grid the file does not mention


def _check_tiling(items: list[_Item]) -> None:
    tol = float(settings.GRID_TILING_TOLERANCE_M2)
    file_communities = {it.code: it for it in items if it.level == codes.COMMUNITY}
    file_grids = [it for it in items if it.level == codes.GRID]
    affected = set(file_communities) | {it.parent_code for it in file_grids if it.parent_code}
    if not affected:
        return
    db_communities = {r.code: r for r in Region.objects.filter(code__in=affected, level=codes.COMMUNITY)}
    db_grids: dict[str, list[Region]] = {}
    for g in Region.objects.filter(level=codes.GRID, parent__code__in=affected,
                                   geometry__isnull=False).select_related("parent"):
        db_grids.setdefault(g.parent.code, []).append(g)
    file_codes = {it.code for it in items}

    for ccode in sorted(affected):
        citem = file_communities.get(ccode)
        if citem is not None and citem.errors:
            continue  # its own errors are already reported; tiling against a bad boundary is noise
        if citem is not None and citem.geom is not None:
            community = citem.geom
        elif ccode in db_communities:
            community = _stored_geom(db_communities[ccode])
        else:
            community = None
        if community is None:
            continue
        tiles: list[_Tile] = []
        for g in db_grids.get(ccode, []):
            if g.code not in file_codes:
                gg = _stored_geom(g)
                if gg is not None:
                    tiles.append(_Tile(g.code, gg, None))
        grid_items = [it for it in file_grids if it.parent_code == ccode]
        skip = False
        for it in grid_items:
            if it.errors:
                # Already refused (bad code, boundary, parent…): tiling it would add noise, and a
                # gap computed without it would mislead.
                skip = True
                continue
            geom = it.geom
            if geom is None and it.geometry is None and it.existing is not None:
                geom = _stored_geom(it.existing)  # null geometry in an update keeps the stored one
            if geom is not None:
                tiles.append(_Tile(it.code, geom, it))
        if not tiles:
            continue
        lat = community.centroid.y

        def targets(*tiles_involved: _Tile) -> list[_Item]:
            mine = [t.item for t in tiles_involved if t.item is not None]
            return mine or ([citem] if citem is not None else [])

        def where(geom) -> str:
            p = geom.representative_point()
            return f"，位置约在（{p.x:.6f}, {p.y:.6f}）附近"

        for t in tiles:
            outside = t.geom.difference(community)
            a = area_m2(outside, lat)
            if a > tol:
                for target in targets(t):
                    who = "" if target is t.item else f"网格“{t.code}”"
                    target.errors.append(f"{who}超出所属社区“{ccode}”的边界约 {a:,.1f} 平方米"
                                         f"（容差 {tol:g} 平方米）{where(outside)}")
        geoms = [t.geom for t in tiles]
        tree = shapely.STRtree(geoms)
        left, right = tree.query(geoms, predicate="intersects")
        for i, j in zip(left.tolist(), right.tolist()):
            if i >= j:
                continue
            a_t, b_t = tiles[i], tiles[j]
            overlap = a_t.geom.intersection(b_t.geom)
            a = area_m2(overlap, lat)
            if a <= tol:
                continue
            for target, other in ((a_t.item, b_t), (b_t.item, a_t)):
                if target is not None:
                    ref = f"第 {other.item.report.number} 个要素" if other.item is not None else "系统中已有"
                    target.errors.append(f"与同社区网格“{other.code}”（{ref}）重叠约 {a:,.1f} 平方米"
                                         f"（容差 {tol:g} 平方米）{where(overlap)}")
            if a_t.item is None and b_t.item is None and citem is not None:
                citem.errors.append(f"网格“{a_t.code}”与“{b_t.code}”重叠约 {a:,.1f} 平方米{where(overlap)}")
        if skip:
            continue
        gap = community.difference(shapely.union_all(geoms))
        a = area_m2(gap, lat)
        if a > tol:
            parts = list(getattr(gap, "geoms", [gap]))
            biggest = max(parts, key=lambda g: g.area)
            msg = (f"社区“{ccode}”内有约 {a:,.1f} 平方米未被任何网格覆盖（容差 {tol:g} 平方米，"
                   f"共 {len(parts)} 处）{where(biggest)}")
            if citem is not None:
                citem.errors.append(msg)
            elif grid_items:
                min(grid_items, key=lambda it: it.report.index).errors.append(msg)


# ---------------------------------------------------------------------------------------- writing

def _plan_actions(items: list[_Item]) -> None:
    """What each feature will do; a dry run reports exactly what the real run would."""
    for it in items:
        ex = it.existing
        if ex is None:
            it.report.action = "create"
            continue
        changed = ex.name != it.name or ex.grid_kind != it.kind
        if it.geometry is not None:
            old = _stored_geom(ex)
            # 1e-9° is about 0.1 mm: differences below it are float noise, not an edit.
            changed = changed or old is None or not old.equals_exact(it.geom, 1e-9)
        it.report.action = "update" if changed else "unchanged"


def _apply(actor, items: list[_Item], report: ImportReport) -> None:
    for it in sorted(items, key=lambda i: (codes.LEVELS.index(i.level), i.report.index)):
        if it.existing is not None:
            region = Region.objects.select_for_update().get(pk=it.existing.pk)
            if it.report.action == "update":
                region.name, region.grid_kind = it.name, it.kind
                if it.geometry is not None:
                    services.apply_geometry(region, it.geometry)
                region.save()
        else:
            parent = it.parent_region if it.parent_region is not None else (
                it.parent_item.saved if it.parent_item is not None else None)
            region = Region(code=it.code, name=it.name, level=it.level, grid_kind=it.kind, parent=parent)
            services.apply_geometry(region, it.geometry)
            region.path = region.compute_path()
            region.save()
        it.saved = region
    # Signals already mark the index stale for each saved grid; this covers a file with no grids
    # whose community boundaries changed, and registers the after-commit mark once.
    geo.invalidate()
    ordered = sorted(items, key=lambda i: (codes.LEVELS.index(i.level), i.code))
    audit.record(actor, "region.import", None, object_type="regions.region",
                 object_id=ordered[0].code if ordered else "",
                 detail={**report.counts, "codes_sample": [it.code for it in ordered[:20]]})
    report.committed = True
