"""Browser: maps people can read without a tile server (names at sensible zooms, search, the grid
named before submit) and the attribution the installation chose, nothing else."""
from __future__ import annotations

import pytest

from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _zoom(page, map_sel, button, times):
    for _ in range(times):
        page.click(f"{map_sel} .leaflet-control-zoom-{button}")
        page.wait_for_timeout(350)


def test_no_leaflet_flag_or_external_link_by_default(page, live_server, territory):
    page.goto(f"{live_server.url}/regions/roster/")
    page.wait_for_selector("#roster-map path.leaflet-interactive")
    assert page.locator("#roster-map .leaflet-control-attribution").count() == 0
    assert page.locator("#roster-map a[href^='http']").count() == 0
    assert "Leaflet" not in page.locator("#roster-map").inner_text()


def test_configured_attribution_and_tile_credit_as_plain_text(page, live_server, territory, settings):
    settings.MAP_ATTRIBUTION = "青禾区网格化服务管理中心"
    settings.MAP_TILE_ATTRIBUTION = "底图：测试测绘局"
    # Same-origin tile URL: the tiles 404, which is fine; what matters is the credit line.
    settings.MAP_TILE_URL = f"{live_server.url}/static/no-tiles/{{z}}/{{x}}/{{y}}.png"
    page.goto(f"{live_server.url}/regions/roster/")
    page.wait_for_selector("#roster-map path.leaflet-interactive")
    credit = page.locator("#roster-map .leaflet-control-attribution")
    assert credit.inner_text() == "青禾区网格化服务管理中心, 底图：测试测绘局"
    assert credit.locator("a, svg").count() == 0


def test_tile_credit_is_not_shown_without_tiles(page, live_server, territory, settings):
    settings.MAP_TILE_ATTRIBUTION = "底图：测试测绘局"
    page.goto(f"{live_server.url}/regions/roster/")
    page.wait_for_selector("#roster-map path.leaflet-interactive")
    assert page.locator("#roster-map .leaflet-control-attribution").count() == 0


def test_street_community_and_grid_names_at_their_zooms(page, live_server, territory):
    page.goto(f"{live_server.url}/regions/roster/")
    page.wait_for_selector("#roster-map path.leaflet-interactive")
    _zoom(page, "#roster-map", "out", 3)
    page.wait_for_selector("#roster-map .area-street span:has-text('A街道')")
    assert page.locator("#roster-map .area-community").count() == 0
    assert page.locator("#roster-map .region-label").count() == 0
    _zoom(page, "#roster-map", "in", 4)  # into the community band
    page.wait_for_selector("#roster-map .area-community span:has-text('A1社区')")
    shot(page, "maps-roster-community-labels-phone")
    _zoom(page, "#roster-map", "in", 2)
    page.wait_for_selector("#roster-map .region-label:has-text('网格')")
    shot(page, "maps-roster-grid-labels-phone")


def test_report_picker_search_places_the_point_and_names_the_grid(page, live_server, territory):
    login(page, live_server, "worker_A1a")
    page.goto(f"{live_server.url}/cases/report/")
    page.fill("#place-q", "A2社区第2网格")
    page.click("#place-go")
    hit = page.locator("#place-results .place-hit").first
    hit.wait_for()
    assert "A2社区" in hit.inner_text()
    hit.click()
    page.wait_for_selector("#grid-confirm:has-text('您选择的位置属于 A2社区第2网格')")
    assert page.locator("#id_lng").input_value() != "" and page.locator("#id_lat").input_value() != ""
    assert "经度" in page.locator("#locate-status").inner_text()
    # The map shows the chosen point as a marker that can be dragged to correct it.
    page.click("#pick-open")  # the map is opened on request: 40 KB a phone on 3G need not fetch otherwise
    page.wait_for_selector("#pick-map .leaflet-marker-draggable")
    before = page.locator("#id_lng").input_value()
    # Tapping the map moves the point there (the marker can also be dragged).
    page.locator("#pick-map").scroll_into_view_if_needed()
    box = page.locator("#pick-map").bounding_box()
    page.mouse.click(box["x"] + 40, box["y"] + box["height"] / 2)
    page.wait_for_selector("#locate-status:has-text('已选位置')")
    assert page.locator("#id_lng").input_value() != before
    page.wait_for_selector("#grid-confirm:has-text('您选择的位置属于')")
    shot(page, "maps-report-picker-phone")
