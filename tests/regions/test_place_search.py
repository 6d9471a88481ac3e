"""Search by building and by public place name (13.4): names and points only, never personal data."""
from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(territory):
    from civicgrid.people import services as P

    admin = territory.users["staff_A1"]  # community staff collect base data
    a1 = territory.communities["A1"]
    P.create_building(admin, community=a1, name="7号楼", address="柚塘居小区", lng=116.012, lat=39.905)
    P.create_place(admin, kind="shop", name="惠民超市", community=a1, address="学院路3号", lng=116.004, lat=39.906,
                   contact_name="张三", contact_phone="13812345678")
    P.create_place(admin, kind="rental", name="惠民出租屋", community=a1, address="学院路5号", lng=116.005, lat=39.906,
                   contact_name="李四", contact_phone="13987654321")
    return territory


def test_a_resident_finds_a_building_and_a_shop_with_their_points(client, places):
    url = reverse("regions:public_search")
    building = client.get(url, {"q": "柚塘居小区7号楼"}).json()["matches"]
    assert building[0]["grid_code"] == places.grid("A1b").code
    assert building[0]["point"] == [116.012, 39.905] and building[0]["community"] == "A1社区"
    shop = client.get(url, {"q": "惠民"})
    body = shop.content.decode()
    found = shop.json()["matches"]
    assert [m["label"] for m in found] == ["惠民超市（学院路3号）"]
    assert found[0]["point"] == [116.004, 39.906] and found[0]["grid_code"] == places.grid("A1a").code
    # A rental house is a home: not searchable in public. No contact person or phone ever leaves.
    assert "出租屋" not in body and "张三" not in body and "13812345678" not in body and "李四" not in body


def test_a_community_match_comes_with_its_grid_label_point(client, places):
    found = client.get(reverse("regions:public_search"), {"q": "A2社区"}).json()["matches"]
    assert {m["community"] for m in found} == {"A2社区"}
    assert all(m["point"] is None or len(m["point"]) == 2 for m in found)
