"""A district commander opens the map, drills into a street, opens the KPI board, clicks a figure
and lands on the cases behind it."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect
from django.utils import timezone

from tests.cases.conftest import cats  # noqa: F401  (a fixture: reloads categories after a flush)

from .conftest import login, shot


@pytest.fixture
def cases_in_both_streets(territory, cats):
    from civicgrid.cases import services as S

    t = territory
    cat = cats["01037"]
    now = timezone.now() - dt.timedelta(hours=3)
    made = []
    for i, (who, lng, lat) in enumerate([("worker_A1a", 116.005, 39.905), ("worker_A1a", 116.006, 39.906),
                                         ("worker_B1a", 116.025, 39.905)]):
        made.append(S.intake(t.users[who], channel="grid_worker", category=cat, description="路灯不亮",
                             lng=lng, lat=lat, now=now + dt.timedelta(minutes=i)))
    return t, made


def test_commander_drills_from_map_to_the_cases_behind_a_figure(desktop_page, live_server, cases_in_both_streets):
    t, made = cases_in_both_streets
    page = desktop_page
    login(page, live_server, "commander")
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#dash-panel table")  # the htmx panel with the streets
    page.wait_for_selector("#dash-map[data-grids='8']")  # all eight grids drawn
    assert page.locator("#panel-title").inner_text().startswith("测试区")
    shot(page, "dashboard_map_district")
    page.click("#dash-panel a.drill:has-text('A街道')")
    # A locator, not wait_for_function: the page's CSP (no 'unsafe-eval') refuses Playwright's string predicates.
    expect(page.locator("#panel-title")).to_have_text(re.compile("^A街道"))
    page.wait_for_selector(f"#dash-map[data-area='{t.streets['A'].code}'][data-grids='4'][data-markers='2']")
    assert "area=" + t.streets["A"].code in page.url
    assert page.locator(".crumbs strong").inner_text() == "A街道"
    shot(page, "dashboard_map_street_A")
    page.click("#dash-panel a:has-text('打开指标看板')")
    page.wait_for_selector("#c-channel canvas")
    assert page.locator("h1").inner_text() == "指标看板 · A街道"
    reported = page.locator("a.kpi[data-figure='reported'] b")
    assert reported.inner_text() == "2"
    shot(page, "dashboard_board_street_A")
    reported.click()
    page.wait_for_selector("#case-list")
    assert "共 2 件" in page.locator("#case-count").inner_text()
    rows = page.locator("#case-list tbody tr").all_inner_texts()
    assert sorted(r.split()[0] for r in rows) == sorted(c.number for c in made[:2])
    shot(page, "dashboard_cases_behind_figure")


def test_map_at_phone_width(page, live_server, cases_in_both_streets):
    login(page, live_server, "commander")
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#dash-panel table")
    page.wait_for_selector("#dash-map[data-grids='8'][data-markers='3']")
    shot(page, "dashboard_map_phone")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
