"""GeoJSON export: the visible subtree, in the import's own format."""
import json

import pytest
from django.core.exceptions import PermissionDenied

from civicgrid.regions import exporter


def test_export_of_the_district_has_every_region_parents_first(territory):
    fc = exporter.export_geojson(territory.users["admin"], territory.district)
    assert fc["type"] == "FeatureCollection"
    codes = [f["properties"]["code"] for f in fc["features"]]
    assert len(codes) == 1 + 2 + 4 + 8 and codes[0] == territory.district.code
    position = {c: i for i, c in enumerate(codes)}
    for f in fc["features"]:
        p = f["properties"]
        assert set(p) == {"code", "name", "level", "kind", "parent_code"}
        if p["parent_code"] in position:
            assert position[p["parent_code"]] < position[p["code"]]
    a1b = next(f for f in fc["features"] if f["properties"]["code"] == territory.grids["A1b"].code)
    assert a1b["properties"] == {"code": territory.grids["A1b"].code, "name": "A1社区第2网格", "level": "grid",
                                 "kind": "community", "parent_code": territory.communities["A1"].code}
    assert a1b["geometry"]["type"] == "Polygon"
    assert next(f for f in fc["features"] if f["properties"]["level"] == "street")["properties"]["kind"] is None


def test_export_is_scoped_to_what_the_user_sees(territory):
    fc = exporter.export_geojson(territory.users["dispatcher_A"])
    codes = {f["properties"]["code"] for f in fc["features"]}
    assert codes == {territory.streets["A"].code, *(territory.communities[k].code for k in ("A1", "A2")),
                     *(territory.grids[k].code for k in ("A1a", "A1b", "A2a", "A2b"))}
    with pytest.raises(PermissionDenied):
        exporter.export_geojson(territory.users["dispatcher_A"], territory.streets["B"])


def test_export_bytes_are_utf8_json_with_readable_chinese(territory):
    data = exporter.export_bytes(territory.users["admin"], territory.communities["A1"])
    assert "A1社区".encode("utf-8") in data
    assert len(json.loads(data)["features"]) == 3
