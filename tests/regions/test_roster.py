"""The public grid roster (实名制公示): what anyone may learn, and nothing more."""
from __future__ import annotations

import pytest
from django.urls import reverse

from civicgrid.core import roles as R
from civicgrid.core.models import Role
from civicgrid.regions import addresses
from tests.factories import make_user

pytestmark = pytest.mark.django_db

INSIDE_A1A = {"lng": "116.005", "lat": "39.905"}


def test_grid_at_point_returns_grid_chain_and_people(client, territory):
    resp = client.get(reverse("regions:public_grid_at"), INSIDE_A1A)
    assert resp.status_code == 200
    data = resp.json()
    assert data["grid"]["code"] == territory.grid("A1a").code
    assert data["community"]["name"] == "A1社区" and data["street"]["name"] == "A街道"
    assert data["district"]["name"] == "测试区"
    worker = next(p for p in data["people"] if p["role"] == "网格员")
    assert worker["phone"] == "13800000100" and worker["title"] == "专职网格员"


def test_public_answers_leak_no_usernames_or_ids(client, territory):
    from civicgrid.core.models import User

    nameless = User.objects.create_user("secret-login-7", password="x-123456789", phone="13811112222")
    Role.objects.create(user=nameless, role=R.GRID_WORKER, region=territory.grid("A1a"), title="兼职网格员")
    body = client.get(reverse("regions:public_grid_at"), INSIDE_A1A).content.decode()
    assert "secret-login-7" not in body and "13811112222" in body
    assert f'"id"' not in body and "username" not in body
    for person in client.get(reverse("regions:public_grid_at"), INSIDE_A1A).json()["people"]:
        assert set(person) == {"name", "role", "title", "phone", "serves_from"}


def test_roster_has_community_staff_and_street_unit_people_but_not_hidden_or_district_seats(client, territory):
    staff_seat = Role.objects.get(user=territory.users["staff_A1"])
    hidden = make_user("hidden_worker", R.GRID_WORKER, territory.grid("A1a"), name="不公示者", phone="13812345678")
    Role.objects.filter(user=hidden).update(public=False)
    data = client.get(reverse("regions:public_roster", args=[territory.grid("A1a").code])).json()
    names = [p["name"] for p in data["people"]]
    assert "staff_A1" in names                    # community staff of the grid's community
    assert "urban_A" in names                     # department handler at street A's unit
    assert "urban_district" not in names          # district-level desk: not on grid rosters
    assert "不公示者" not in names
    assert "staff_A2" not in names                # another community
    # Grid people come first, then community, then departments.
    assert names.index("worker_A1a") < names.index("staff_A1") < names.index("urban_A")
    staff_seat.public = False
    staff_seat.save()
    data = client.get(reverse("regions:public_roster", args=[territory.grid("A1a").code])).json()
    assert "staff_A1" not in [p["name"] for p in data["people"]]
    b_names = [p["name"] for p in client.get(reverse("regions:public_roster",
                                                     args=[territory.grid("B1a").code])).json()["people"]]
    assert "urban_A" not in b_names and "urban_B" in b_names


def test_inactive_users_drop_off_the_roster(client, territory):
    u = territory.users["worker_A1a"]
    u.is_active = False
    u.save()
    data = client.get(reverse("regions:public_roster", args=[territory.grid("A1a").code])).json()
    assert "worker_A1a" not in [p["name"] for p in data["people"]]


def test_point_outside_every_grid_and_bad_points(client, territory):
    resp = client.get(reverse("regions:public_grid_at"), {"lng": "120.0", "lat": "30.0"})
    assert resp.status_code == 404 and "不在任何" in resp.json()["error"]
    for bad in [{"lng": "abc", "lat": "39.9"}, {"lng": "116"}, {"lng": "200", "lat": "39.9"},
                {"lng": "nan", "lat": "39.9"}]:
        resp = client.get(reverse("regions:public_grid_at"), bad)
        assert resp.status_code == 400 and "经纬度" in resp.json()["error"]


def test_roster_by_code_only_for_grids(client, territory):
    assert client.get(reverse("regions:public_roster", args=[territory.communities["A1"].code])).status_code == 404
    assert client.get(reverse("regions:public_roster", args=["abc"])).status_code == 404
    assert client.get(reverse("regions:public_roster", args=["110108001001009"])).status_code == 404


def test_search_by_community_name_grid_name_address_and_code(client, territory):
    url = reverse("regions:public_search")
    codes = lambda q: [m["grid_code"] for m in client.get(url, {"q": q}).json()["matches"]]  # noqa: E731
    a1 = [territory.grid("A1a").code, territory.grid("A1b").code]
    assert codes("A1社区") == a1
    assert codes("北京市测试区A1社区 5 号楼 2 单元") == a1     # an address containing the community
    assert codes("A2社区第2网格") == [territory.grid("A2b").code]
    assert codes(territory.grid("B2a").code) == [territory.grid("B2a").code]
    assert codes("不存在的地方") == []
    resp = client.get(url, {"q": "  "})
    assert resp.status_code == 400 and "请输入" in resp.json()["error"]
    resp = client.get(url, {"q": "长" * 61})
    assert resp.status_code == 400 and "过长" in resp.json()["error"]


def test_pluggable_resolver_by_point(client, territory, monkeypatch):
    monkeypatch.setattr(addresses, "_resolvers", list(addresses._resolvers))

    def buildings(text):
        return [("幸福里 8 号楼", 116.035, 39.915, None)] if "幸福里" in text else []

    addresses.register_resolver(buildings, order=10)
    data = client.get(reverse("regions:public_search"), {"q": "幸福里8号楼"}).json()
    assert data["matches"] == [{"grid_code": territory.grid("B2b").code, "grid_name": "B2社区第2网格",
                                "label": "幸福里 8 号楼", "community": "B2社区", "point": [116.035, 39.915]}]


def test_public_grid_outlines_filtered_by_bbox(client, territory):
    url = reverse("regions:public_grids")
    everything = client.get(url).json()
    assert len(everything["features"]) == 8 and everything["truncated"] is False
    assert set(everything["features"][0]["properties"]) == {"code", "name", "kind", "community", "street"}
    assert everything["features"][0]["properties"]["community"] == "A1社区"
    assert everything["features"][0]["properties"]["street"] == "A街道"
    west = client.get(url, {"bbox": "116.0,39.9,116.015,39.92"}).json()
    assert {f["properties"]["code"][:9] for f in west["features"]} == {"110108001"}
    assert client.get(url, {"bbox": "1,2,3"}).status_code == 400
    assert client.get(url, {"bbox": "5,2,3,4"}).status_code == 400


def test_roster_page_flows(client, territory):
    url = reverse("regions:roster")
    page = client.get(url)
    assert page.status_code == 200 and "网格实名制公示" in page.content.decode()
    assert "/static/vendor/htmx/htmx.min.js" in page.content.decode()
    html = client.get(url, {"q": "A1社区"}).content.decode()
    assert "找到 2 个网格" in html and f"?grid={territory.grid('A1a').code}" in html
    html = client.get(url, {"grid": territory.grid("A1a").code}).content.decode()
    assert 'href="tel:13800000100"' in html and "A1社区第1网格" in html and "A街道" in html
    html = client.get(url, INSIDE_A1A).content.decode()
    assert "A1社区第1网格" in html
    resp = client.get(url, {"q": ""})
    assert resp.status_code == 400 and "请输入" in resp.content.decode()
    resp = client.get(url, {"lng": "x", "lat": "1"})
    assert resp.status_code == 400 and "经纬度格式错误" in resp.content.decode()
    assert client.get(url, {"grid": "123"}).status_code == 404
    assert "没有找到" in client.get(url, {"q": "火星基地"}).content.decode()


def test_roster_page_htmx_gets_only_the_fragment(client, territory):
    resp = client.get(reverse("regions:roster"), {"grid": territory.grid("B1a").code}, HTTP_HX_REQUEST="true")
    html = resp.content.decode()
    assert "<html" not in html and 'data-grid-code="%s"' % territory.grid("B1a").code in html
