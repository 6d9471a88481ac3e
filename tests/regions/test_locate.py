"""One location service: the same address text lands in the same place from every channel, and a
building found from the text gives the case its point (map point and heat cell)."""
import math
import re

import pytest
from django.core.exceptions import ValidationError

from civicgrid.api import services as api_services
from civicgrid.cases.models import Case, Category
from civicgrid.core.sms import MemorySMSBackend
from civicgrid.dashboard.fold import fold
from civicgrid.dashboard.models import HeatCell
from civicgrid.hotline import services as hotline
from civicgrid.people.models import Building
from civicgrid.regions import errors as E
from civicgrid.regions import locate

pytestmark = pytest.mark.django_db
B_LNG, B_LAT = 116.015, 39.905  # inside grid A1b (the second grid of community A1)


@pytest.fixture
def building(territory):
    return Building.objects.create(community=territory.communities["A1"], grid=territory.grid("A1b"), name="3号楼",
                                   address="柚塘路12号", lng=B_LNG, lat=B_LAT)


def _resident_session(client, phone="13912345678"):
    client.post("/r/", {"step": "send_code", "phone": phone})
    code = re.search(r"验证码是 (\d{6})", MemorySMSBackend.outbox[-1][1]).group(1)
    client.post("/r/", {"step": "verify", "code": code})


def _by_channel(t, client, address: str) -> dict[str, Case]:
    """One report with only address text through each door: console → case, resident page,
    Open311, the JSON API and the staff report form."""
    cat = Category.objects.get(code="06002")
    out = {}
    contact = hotline.record_contact(t.users["operator"], subject="楼道堆物", address=address, caller_phone="13900001111")
    out["hotline"] = hotline.to_case(t.users["operator"], contact, category=cat).case

    _resident_session(client)
    r = client.post("/r/", {"step": "report", "category": "06002", "description": "楼道堆物", "address": address})
    assert r.status_code == 302, r.content.decode()
    out["resident"] = Case.objects.filter(channel="resident").latest("pk")

    key = api_services.create_client(None, name="app", region=t.district)[1]
    r = client.post("/open311/v2/requests.json", {"api_key": key, "service_code": "01037", "address_string": address,
                                                   "description": "路灯不亮"})
    assert r.status_code == 200, r.content.decode()
    out["open311"] = Case.objects.get(number=r.json()[0]["service_request_id"])

    token = api_services.issue_token(None, user=t.users["commander"], name="t")[1]
    r = client.post("/api/v1/cases", {"category_code": "06002", "description": "楼道堆物", "address": address},
                    content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 201, r.content.decode()
    out["api"] = Case.objects.get(number=r.json()["number"])

    client.force_login(t.users["staff_A1"])
    r = client.post("/cases/report/", {"category": cat.pk, "description": "楼道堆物", "address": address})
    assert r.status_code == 302, r.content.decode()
    out["form"] = Case.objects.filter(channel="community").latest("pk")
    return out


def test_same_building_address_lands_in_the_same_grid_with_its_point_from_every_channel(territory, building, client):
    cases = _by_channel(territory, client, "柚塘路12号3号楼")
    for channel, c in cases.items():
        assert (c.region, c.grid, c.community, c.street) == (territory.grid("A1b"), territory.grid("A1b"),
                                                               territory.communities["A1"], territory.streets["A"]), channel
        assert (c.lng, c.lat) == (B_LNG, B_LAT), channel


def test_same_community_text_lands_at_that_community_from_every_channel(territory, client):
    """Text that names a community (no building) places the case at the community, never at an
    arbitrary grid inside it — the same from each door."""
    cases = _by_channel(territory, client, "A2社区菜市场门口")
    for channel, c in cases.items():
        assert (c.region, c.grid, c.community) == (territory.communities["A2"], None, territory.communities["A2"]), channel
        assert c.lng is None and c.lat is None, channel


def test_hotline_case_at_a_building_gets_the_point_and_a_heat_cell(territory, building):
    """The console resolves the address to the building: the contact, then the case, keep its point,
    and the dashboard's heat cell for that day counts it."""
    t = territory
    contact = hotline.record_contact(t.users["operator"], subject="楼道堆物", address="柚塘路12号3号楼")
    assert (contact.grid, contact.lng, contact.lat) == (t.grid("A1b"), B_LNG, B_LAT)
    case = hotline.to_case(t.users["operator"], contact, category=Category.objects.get(code="06002")).case
    assert (case.lng, case.lat, case.grid) == (B_LNG, B_LAT, t.grid("A1b"))
    fold()  # the live path appends; the board folds before it reads
    cell = HeatCell.objects.get(region=t.grid("A1b"))
    assert (cell.x, cell.y, cell.n) == (math.floor(B_LNG * HeatCell.CELL), math.floor(B_LAT * HeatCell.CELL), 1)


def test_resident_report_from_building_address_keeps_the_point(territory, building):
    """The old resident path kept only the grid (place[0]): no map point, no heat cell."""
    case = hotline.resident_report("13912345678", ip="9.9.9.9", category=Category.objects.get(code="06002"),
                                   description="楼道堆物", address="柚塘路12号3号楼")
    assert (case.lng, case.lat, case.grid) == (B_LNG, B_LAT, territory.grid("A1b"))
    fold()
    assert HeatCell.objects.filter(region=territory.grid("A1b")).exists()


def test_precedence_point_then_region_then_address(territory, building):
    t = territory
    # a point wins over everything else
    p = locate.locate(lng=116.035, lat=39.915, region=t.grid("A1a"), address="柚塘路12号3号楼")
    assert p.grid == t.grid("B2b") and p.source == "point"
    # a chosen region wins over the address text
    p = locate.locate(region=t.communities["B1"], address="柚塘路12号3号楼")
    assert (p.region, p.grid, p.street, p.source) == (t.communities["B1"], None, t.streets["B"], "region")
    # a point outside every grid falls back to the region, and is kept for the map
    p = locate.locate(lng=120.0, lat=30.0, region=t.grid("A1a"))
    assert (p.grid, p.lng, p.lat) == (t.grid("A1a"), 120.0, 30.0)
    # a building object gives its point
    p = locate.locate(building=building)
    assert (p.grid, p.lng, p.source) == (t.grid("A1b"), B_LNG, "building")
    # a grid named in the text beats its community and street
    p = locate.locate(address="A街道A1社区第1网格旁")
    assert p.region == t.grid("A1a")
    # nothing locatable
    assert locate.locate(address="不存在的地方") is None


def test_address_is_searched_only_within_the_given_area(territory):
    t = territory
    assert locate.locate(address="B1社区东门", within=t.streets["A"]) is None
    assert locate.locate(address="B1社区东门", within=t.streets["B"]).region == t.communities["B1"]


def test_refusals_carry_stable_codes(territory):
    t = territory
    cases = [({"lng": "abc", "lat": "1"}, E.BAD_POINT), ({"lng": 200, "lat": 1}, E.BAD_POINT),
             ({"lng": float("nan"), "lat": 39.9}, E.BAD_POINT), ({"lng": 120.0, "lat": 30.0}, E.OUTSIDE_GRIDS),
             ({"region": t.district}, E.BAD_NODE), ({"address": "不存在的地方"}, E.UNLOCATABLE), ({}, E.NO_LOCATION)]
    for kw, code in cases:
        with pytest.raises(ValidationError) as exc:
            locate.require(**kw)
        assert exc.value.code == code, kw


def test_open311_unlocatable_address_asks_for_coordinates(territory, client):
    key = api_services.create_client(None, name="app", region=territory.district)[1]
    r = client.post("/open311/v2/requests.json", {"api_key": key, "service_code": "01037",
                                                   "address_string": "不存在的地方"})
    assert r.status_code == 400 and "send lat & long" in r.json()[0]["description"]
    assert not Case.objects.exists()
