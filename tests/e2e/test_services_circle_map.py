"""Phone width: the public community page draws the 10-/15-minute service circle — the community's outline,
its service points, and the walking circles around the resident's position (or a 15-minute circle around
each point before the resident shares a position). No base tiles, no inline script."""
import pytest

from tests.e2e.conftest import shot

pytestmark = pytest.mark.e2e


def test_service_circle_map_on_a_phone(page, live_server, transactional_db):
    from civicgrid.services.models import ServicePoint
    from tests.factories import build_territory

    t = build_territory()
    a1 = t.communities["A1"]
    ServicePoint.objects.create(community=a1, name="A1长者食堂", kind="canteen", address="A1路1号",
                                hours="每日 11:00-13:00", lng=116.006, lat=39.9055)
    ServicePoint.objects.create(community=a1, name="A1日间照料中心", kind="daycare", address="A1路8号",
                                hours="8:00-17:30", lng=116.002, lat=39.902)
    ServicePoint.objects.create(community=t.communities["A2"], name="A2服务站", kind="station", address="A2路9号",
                                hours="9:00-17:00", lng=116.030, lat=39.918)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto(f"{live_server.url}/services/r/c/{a1.code}/")
    page.wait_for_selector("#sv-map path.sv-ring-15")
    assert page.locator("#sv-map path.sv-ring-15").count() == 2  # one 15-minute circle per A1 point
    assert page.locator("#sv-map path.sv-point").count() == 2
    assert page.locator("#sv-map .leaflet-tile").count() == 0

    page.goto(f"{live_server.url}/services/r/c/{a1.code}/?lng=116.005&lat=39.905")
    page.wait_for_selector("#sv-map path.sv-ring-10")
    assert page.locator("#sv-map path.sv-ring-10").count() == 1 and page.locator("#sv-map path.sv-ring-15").count() == 1
    assert page.locator("#sv-map path.sv-me").count() == 1
    labels = page.inner_text("#sv-map")
    assert "我的位置" in labels and "A1长者食堂（步行约" in labels and "A2服务站" not in labels
    assert "10分钟步行圈" in page.inner_text("#sv-legend")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors
    page.locator("#sv-map").scroll_into_view_if_needed()
    shot(page, "services_circle_map_phone")
