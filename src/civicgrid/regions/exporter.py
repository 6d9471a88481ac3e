"""GeoJSON export of the part of the territory tree a user can see.

The output is exactly what importer.import_geojson reads (properties code, name, level, kind,
parent_code; geometry WGS-84 or null), parents before children, so an export re-imports as a
no-op and can be edited in QGIS and imported back.
"""
from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied

from . import selectors
from .models import Region


def export_geojson(user, root: Region | None = None) -> dict:
    """FeatureCollection of the regions `user` can see, optionally only `root` and its subtree."""
    qs = selectors.regions_for(user)
    if root is not None:
        if not qs.filter(pk=root.pk).exists():
            raise PermissionDenied("该区域不在您的管辖范围内")
        qs = qs.filter(path__startswith=root.path)
    rows = qs.order_by("path").values_list("code", "name", "level", "grid_kind", "parent__code", "geometry")
    features = [
        {
            "type": "Feature",
            "id": code,
            "geometry": geometry,
            "properties": {"code": code, "name": name, "level": level, "kind": kind or None,
                           "parent_code": parent_code},
        }
        for code, name, level, kind, parent_code, geometry in rows
    ]
    return {"type": "FeatureCollection", "features": features}


def export_bytes(user, root: Region | None = None) -> bytes:
    """The export as UTF-8 JSON text (Chinese names unescaped, readable in any editor)."""
    return json.dumps(export_geojson(user, root), ensure_ascii=False, separators=(",", ":")).encode("utf-8")
