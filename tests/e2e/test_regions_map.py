"""Browser: a street dispatcher logs in, opens the map and drills down from street to community."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dispatcher_drills_down_on_the_map_at_phone_width(page, live_server, territory):
    login(page, live_server, "dispatcher_A")
    page.goto(f"{live_server.url}/regions/map/")
    # One seat, so the map opens inside street A showing its two communities, not street B.
    a1 = territory.communities["A1"]
    page.wait_for_selector(f"path.region-{a1.code}")
    assert page.locator("#panel-title").inner_text() == "A街道"
    assert page.locator(f"path.region-{territory.communities['A2'].code}").count() == 1
    assert page.locator(f"path.region-{territory.streets['B'].code}").count() == 0
    assert page.locator("#region-map .leaflet-tile").count() == 0  # no base tiles configured

    page.locator(f"path.region-{a1.code}").click()
    page.wait_for_selector(f"path.region-{territory.grid('A1a').code}")
    assert page.locator("#panel-title").inner_text() == "A1社区"
    assert page.locator("#map-crumbs").inner_text().split(" › ") == ["我的辖区", "A街道", "A1社区"]
    assert page.locator(f"path.region-{territory.grid('A2a').code}").count() == 0
    assert "code=" + a1.code in page.url

    page.locator(f"path.region-{territory.grid('A1a').code}").click()
    page.wait_for_selector("#map-panel .roster-person")
    assert page.locator("#panel-title").inner_text() == "A1社区第1网格"
    assert page.locator('#map-panel a[href="tel:13800000100"]').count() == 1
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "regions-map-phone")
