from __future__ import annotations

from typing import Any

from ninja import Schema


class RegionOut(Schema):
    code: str
    name: str
    level: str
    level_label: str
    grid_kind: str = ""
    parent_code: str | None = None

    @staticmethod
    def from_region(r) -> dict:
        return {"code": r.code, "name": r.name, "level": r.level, "level_label": r.level_label,
                "grid_kind": r.grid_kind, "parent_code": r.path.strip("/").split("/")[-2] if r.parent_id else None}


class RegionDetailOut(RegionOut):
    geometry: dict[str, Any] | None = None
    bbox: list[float] | None = None
    label_point: list[float] | None = None


class RegionPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[RegionOut]


class GridLookupOut(Schema):
    lng: float
    lat: float
    grid: RegionOut
    community: RegionOut | None = None
    street: RegionOut | None = None
    district: RegionOut | None = None


class CategoryOut(Schema):
    code: str
    name: str
    kind: str
    major_code: str
    major_name: str
    department_code: str = ""
    default_tier: str
