"""Helpers to write GeoJSON features for import tests."""
from __future__ import annotations

import json

from civicgrid.core.models import AuditEntry
from civicgrid.regions.models import Region
from tests.factories import box


def feature(code, name, level, parent_code=None, geometry=None, kind=None, **extra) -> dict:
    props = {"code": code, "name": name, "level": level, "parent_code": parent_code}
    if kind is not None:
        props["kind"] = kind
    props.update(extra)
    return {"type": "Feature", "geometry": geometry, "properties": props}


def collection(*features) -> dict:
    return {"type": "FeatureCollection", "features": list(features)}


def as_bytes(fc: dict) -> bytes:
    return json.dumps(fc, ensure_ascii=False).encode("utf-8")


def db_state() -> tuple:
    """Everything an import could change: every region row (all fields) and the audit log size."""
    rows = tuple(Region.objects.order_by("code").values_list(
        "code", "name", "level", "grid_kind", "parent__code", "path", "geometry", "updated_at"))
    return rows, AuditEntry.objects.count()


# A new community C "110108001003" east of nothing: lng 116.04–116.06, lat 39.90–39.91, outside the
# factory district's box (the importer does not check communities against streets), with two grids.
C = "110108001003"


def new_community_fc(*, grids=None, community_geometry=None) -> dict:
    comm = feature(C, "新建社区", "community", "110108001000", community_geometry or box(116.04, 39.90, 116.06, 39.91))
    if grids is None:
        grids = [
            feature(C + "001", "新建社区第1网格", "grid", C, box(116.04, 39.90, 116.05, 39.91), "community"),
            feature(C + "002", "新建社区第2网格", "grid", C, box(116.05, 39.90, 116.06, 39.91), "road"),
        ]
    return collection(comm, *grids)
