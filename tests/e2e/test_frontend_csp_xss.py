"""Browser: a region named like an HTML payload is shown as text on every map (no dialog, no element
made from it), and a walk of the main pages reports no Content-Security-Policy violation."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests.cases.conftest import cats  # noqa: F401  (a fixture: reloads categories after a flush)

from .conftest import login, shot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STREET_PAYLOAD = "<img src=x onerror=alert(1)>"
GRID_PAYLOAD = "<img src=x onerror=alert(2)>网格"

# Collects the page's CSP violations; an init script is injected by the browser, not by the page,
# so the policy does not apply to it.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "") + " " + (e.sourceFile || "") + ":" + e.lineNumber);
});
"""


@pytest.fixture
def hostile(territory, cats):
    from civicgrid.cases import services as S

    t = territory
    t.streets["A"].name = STREET_PAYLOAD
    t.streets["A"].save(update_fields=["name"])
    g = t.grid("A1a")
    g.name = GRID_PAYLOAD
    g.save(update_fields=["name"])
    now = timezone.now() - dt.timedelta(hours=2)
    case = S.intake(t.users["worker_A1a"], channel="grid_worker", category=cats["01037"], description="路灯不亮",
                    lng=116.005, lat=39.905, now=now)
    return t, case


def _watch(page):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.add_init_script(WATCH)
    return dialogs


def test_hostile_region_names_stay_text_on_the_command_centre_map(desktop_page, live_server, hostile):
    t, _ = hostile
    page = desktop_page
    dialogs = _watch(page)
    login(page, live_server, "commander")
    page.goto(f"{live_server.url}/dashboard/")
    page.wait_for_selector("#dash-map[data-grids='8']")
    # The street's permanent label on the map shows the name literally.
    label = page.locator("#dash-map .region-label", has_text="onerror")
    label.first.wait_for()
    assert label.first.inner_text() == STREET_PAYLOAD
    assert page.locator("img[src='x']").count() == 0
    # Inside the community its grids are the labelled children: the grid's name is text too, and
    # the drill-down breadcrumbs (built in the browser) keep the street's name as text.
    page.goto(f"{live_server.url}/dashboard/?area={t.communities['A1'].code}")
    page.wait_for_selector(f"#dash-map[data-area='{t.communities['A1'].code}']")
    label = page.locator("#dash-map .region-label", has_text="onerror")
    label.first.wait_for()
    assert label.first.inner_text() == GRID_PAYLOAD
    assert STREET_PAYLOAD in page.locator(".crumbs").first.inner_text()
    assert page.locator("img[src='x']").count() == 0
    shot(page, "xss-command-centre-map")
    assert dialogs == []
    assert page.evaluate("window.__csp") == []


def test_hostile_region_names_stay_text_on_the_roster_and_report_picker(page, live_server, hostile):
    t, _ = hostile
    dialogs = _watch(page)
    page.goto(f"{live_server.url}/regions/roster/")
    page.wait_for_selector("#roster-map path.leaflet-interactive")
    page.locator(f"#roster-map path.grid-{t.grid('A1a').code}").click()
    card = page.locator(".roster-card")
    card.wait_for()
    assert GRID_PAYLOAD in card.inner_text()
    # Zoom in until the grid names are drawn on the map (from zoom 15 on).
    for _ in range(5):
        if page.locator("#roster-map .region-label").count():
            break
        page.click("#roster-map .leaflet-control-zoom-in")
        page.wait_for_timeout(400)
    labels = page.locator("#roster-map .region-label", has_text="onerror")
    labels.first.wait_for()
    assert labels.first.inner_text() == GRID_PAYLOAD
    assert page.locator("img[src='x']").count() == 0
    shot(page, "xss-roster-phone")

    # The grid worker's report form: the map picker names the grid of the chosen point, as text.
    login(page, live_server, "worker_A1a")
    page.context.grant_permissions([], origin=live_server.url)  # no GPS: the map is the way
    page.goto(f"{live_server.url}/cases/report/")
    page.click("#pick-open")
    page.wait_for_selector("#pick-map.leaflet-container path.leaflet-interactive")
    page.locator("#pick-map").scroll_into_view_if_needed()
    box = page.locator("#pick-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#grid-confirm:has-text('您选择的位置属于')")
    assert page.locator("#id_lng").input_value() != ""
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []
    assert page.evaluate("window.__csp") == []


MAIN_PAGES = {
    "commander": ["/", "/regions/map/", "/regions/roster/", "/cases/", "/cases/grid/", "/dashboard/",
                  "/dashboard/board/", "/dashboard/rankings/", "/dashboard/topics/", "/dashboard/reports/",
                  "/people/", "/inbox/"],
    "worker_A1a": ["/", "/cases/report/", "/cases/grid/", "/cases/", "/regions/map/", "/people/"],
    "operator": ["/hotline/", "/hotline/kb/", "/hotline/callbacks/", "/cases/report/"],
    None: ["/r/", "/r/follow/", "/regions/roster/", "/login/"],
}


def test_walk_of_the_main_pages_reports_no_csp_violation(desktop_page, live_server, hostile):
    t, case = hostile
    page = desktop_page
    dialogs = _watch(page)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # Header mistakes show as console errors (an unknown Permissions-Policy feature, a refused resource).
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and (
        "Permissions-Policy" in m.text or "Content Security Policy" in m.text or "Refused" in m.text) else None)
    # The probe proves the watcher sees a violation: an inline script added by the page is refused.
    page.goto(f"{live_server.url}/login/")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__ran = 1';
                             document.body.appendChild(s); }""")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__ran") is None
    assert any(v.startswith("script-src") for v in page.evaluate("window.__csp"))
    errors.clear()  # the probe's own refusal

    seen = {}
    for who, paths in MAIN_PAGES.items():
        page.context.clear_cookies()
        if who:
            login(page, live_server, who)
        for path in paths + ([f"/cases/{case.number}/"] if who == "commander" else []):
            response = page.goto(f"{live_server.url}{path}")
            assert response.status < 500, path
            page.wait_for_load_state("networkidle")
            page.mouse.wheel(0, 3000)  # lazy maps load when scrolled into view
            if page.locator("#pick-open").count():
                page.click("#pick-open")  # and the report pickers when asked for
            page.wait_for_timeout(300)
            seen[f"{who}:{path}"] = page.evaluate("window.__csp")
    assert {k: v for k, v in seen.items() if v} == {}
    assert errors == [] and dialogs == []
