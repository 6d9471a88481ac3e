"""The drill-down map page and its JSON: every answer scoped by jurisdiction."""
from __future__ import annotations

import json

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def test_map_page_needs_login(client):
    resp = client.get(reverse("regions:map"))
    assert resp.status_code == 302 and "/login/" in resp["Location"]
    resp = client.get(reverse("regions:geo_top"))
    assert resp.status_code == 302


def test_map_page_loads_vendored_leaflet_and_no_tiles_by_default(client, territory, settings):
    settings.MAP_TILE_URL = ""
    resp = _get(client, territory.users["commander"], reverse("regions:map"))
    html = resp.content.decode()
    assert resp.status_code == 200
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/regions/map.js" in html
    assert "网格地图" in html
    assert resp.context["map_settings"]["tiles"] == ""


def test_map_page_passes_a_configured_tile_url(client, territory, settings):
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    resp = _get(client, territory.users["commander"], reverse("regions:map"))
    settings_json = resp.content.decode().split('id="map-settings" type="application/json">')[1].split("</script>")[0]
    assert json.loads(settings_json)["tiles"] == "https://tiles.example.org/{z}/{x}/{y}.png"


def test_top_nodes_are_the_users_seats(client, territory):
    data = _get(client, territory.users["dispatcher_A"], reverse("regions:geo_top")).json()
    assert [f["properties"]["code"] for f in data["children"]["features"]] == [territory.streets["A"].code]
    data = _get(client, territory.users["commander"], reverse("regions:geo_top")).json()
    assert [f["properties"]["name"] for f in data["children"]["features"]] == ["测试区"]
    assert data["node"] is None


def test_street_node_lists_its_communities_with_counts_and_polygons(client, territory):
    street = territory.streets["A"]
    data = _get(client, territory.users["dispatcher_A"], reverse("regions:geo_node", args=[street.code])).json()
    assert data["node"]["code"] == street.code and data["node"]["level"] == "street"
    assert data["node"]["children"] == 2 and data["node"]["grids"] == 4
    assert data["node"]["geometry"]["type"] == "Polygon"
    feats = data["children"]["features"]
    assert [f["properties"]["name"] for f in feats] == ["A1社区", "A2社区"]
    assert all(f["properties"]["grids"] == 2 and f["properties"]["children"] == 2 for f in feats)
    assert feats[0]["geometry"]["coordinates"][0][0] == [116.0, 39.9]
    # The district above the dispatcher's seat is not in the breadcrumbs.
    assert data["breadcrumbs"] == []
    assert data["roster"] is None


def test_commander_drills_down_with_breadcrumbs(client, territory):
    user = territory.users["commander"]
    district = _get(client, user, reverse("regions:geo_node", args=[territory.district.code])).json()
    assert [f["properties"]["name"] for f in district["children"]["features"]] == ["A街道", "B街道"]
    assert district["node"]["grids"] == 8
    grid = territory.grid("B2a")
    data = _get(client, user, reverse("regions:geo_node", args=[grid.code])).json()
    assert [c["name"] for c in data["breadcrumbs"]] == ["测试区", "B街道", "B2社区"]
    assert data["children"]["features"] == []
    assert data["node"]["level"] == "grid" and data["node"]["grid_kind_label"] == "社区网格"


def test_grid_node_carries_its_roster(client, territory):
    data = _get(client, territory.users["dispatcher_A"],
                reverse("regions:geo_node", args=[territory.grid("A1a").code])).json()
    phones = [p["phone"] for p in data["roster"]]
    assert "13800000100" in phones


@pytest.mark.parametrize("key", ["street_B", "grid_B1a", "district", "missing"])
def test_out_of_jurisdiction_nodes_answer_404(client, territory, key):
    code = {"street_B": territory.streets["B"].code, "grid_B1a": territory.grid("B1a").code,
            "district": territory.district.code, "missing": "110108009000"}[key]
    resp = _get(client, territory.users["dispatcher_A"], reverse("regions:geo_node", args=[code]))
    assert resp.status_code == 404


def test_department_unit_sees_its_street(client, territory):
    data = _get(client, territory.users["urban_A"], reverse("regions:geo_top")).json()
    assert [f["properties"]["code"] for f in data["children"]["features"]] == [territory.streets["A"].code]
    resp = client.get(reverse("regions:geo_node", args=[territory.streets["B"].code]))
    assert resp.status_code == 404


def test_home_lists_the_map_once(client, territory):
    resp = _get(client, territory.users["commander"], reverse("core:home"))
    assert resp.content.decode().count(f'href="{reverse("regions:map")}"') == 2  # nav bar + one card
