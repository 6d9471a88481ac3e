"""Browser: a resident (no login) finds their grid's roster by address, and by tapping the map."""
from __future__ import annotations

import pytest

from tests.e2e.conftest import shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_resident_finds_grid_roster_by_address_at_phone_width(page, live_server, territory):
    page.goto(f"{live_server.url}/regions/roster/")
    page.wait_for_selector("#roster-map path.leaflet-interactive")
    page.fill("#roster-q", "测试区A1社区 3 号楼")
    page.click("form.roster-search button[type=submit]")
    page.wait_for_selector(".match-list a")
    assert page.locator(".match-list a").count() == 2
    page.locator(".match-list a", has_text="A1社区第1网格").click()
    card = page.locator(".roster-card")
    card.wait_for()
    assert card.get_attribute("data-grid-code") == territory.grid("A1a").code
    assert "A街道" in card.inner_text() and "A1社区" in card.inner_text()
    phone = card.locator('a[href="tel:13800000100"]')
    assert phone.inner_text() == "13800000100"
    assert "worker_A1a" in card.inner_text()  # the factory's display name
    assert f"grid={territory.grid('A1a').code}" in page.url  # shareable, reloadable
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "regions-roster-phone")


def test_resident_taps_the_map_to_find_the_grid(page, live_server, territory):
    page.goto(f"{live_server.url}/regions/roster/")
    target = territory.grid("B2b")
    page.wait_for_selector("#roster-map path.leaflet-interactive")
    # Tap the grid on the map (the click falls through the outline to the map, which asks the
    # server which grid covers that point).
    page.locator(f"#roster-map path.grid-{target.code}").click()
    card = page.locator(".roster-card")
    card.wait_for()
    assert card.get_attribute("data-grid-code") == target.code
    assert "B2社区第2网格" in card.inner_text()
