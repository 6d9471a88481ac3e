"""The security model, end to end: staff of street A can neither read nor change anything of street B,
through any screen, the API or the admin. Every object here lies in street B; every request is made
by someone whose seat is in street A.
"""
import pytest
from django.urls import reverse

from civicgrid.cases import services as cases
from civicgrid.cases.models import Case, Category
from civicgrid.people import services as people
from tests.cases.conftest import P_B1a, jpeg, load_categories
from tests.people.conftest import ident

A_USERS = ["dispatcher_A", "staff_A1", "worker_A1a", "urban_A"]


@pytest.fixture
def street_b(territory):
    t = territory
    if not Category.objects.exists():
        load_categories()
    case = cases.intake(t.users["worker_B1a"], channel="grid_worker", category=Category.objects.get(code="09006"),
                        description="B街道的占道经营", lng=P_B1a[0], lat=P_B1a[1], photos=[jpeg()],
                        requester_phone="13911112222")
    staff = t.users["staff_B1"]
    building = people.create_building(staff, community=t.communities["B1"], name="9号楼", address="清华东路3号",
                                      lng=P_B1a[0], lat=P_B1a[1])
    room = people.room_at(staff, building, "1单元", "101")
    person = people.create_person(staff, {"name": "李建华", "id_number": ident(22), "phone": "13998765432"},
                                  room=room)
    return {"t": t, "case": case, "building": building, "room": room, "person": person,
            "street": t.streets["B"], "grid": t.grids["B1a"]}


def reads(b):
    case, person = b["case"], b["person"]
    return [
        reverse("cases:detail", args=[case.number]),
        reverse("people:person", args=[person.pk]),
        reverse("people:building", args=[b["building"].pk]),
        reverse("people:room", args=[b["room"].pk]),
        reverse("regions:geo_node", args=[b["street"].code]),
        reverse("regions:geo_node", args=[b["grid"].code]),
        reverse("dashboard:board") + f"?area={b['street'].code}",
        reverse("dashboard:map_data") + f"?area={b['street'].code}",
        reverse("dashboard:panel") + f"?area={b['street'].code}",
        reverse("media", args=[case.events.get(seq=1).attachments.get().thumbnail.name]) + "?x",
    ]


@pytest.mark.parametrize("username", A_USERS)
def test_reads_of_street_b_are_not_found(street_b, client, username):
    client.force_login(street_b["t"].users[username])
    for url in reads(street_b):
        if "/media/" in url and street_b["case"].category.kind in ("component", "event"):
            continue  # Open311 publishes a request's first photo to everyone: see test_media.py
        resp = client.get(url)
        assert resp.status_code in (403, 404), (username, url, resp.status_code)


@pytest.mark.parametrize("username", A_USERS)
def test_lists_and_searches_do_not_show_street_b(street_b, client, username):
    client.force_login(street_b["t"].users[username])
    case, person = street_b["case"], street_b["person"]
    for url, secret in [
        (reverse("cases:worklist") + "?scope=all", case.number),
        (reverse("cases:export"), case.number),
        (reverse("people:index") + "?q=李建", "李建华"),
        (reverse("people:index") + "?q=5432", "李建华"),
        (reverse("people:buildings"), "清华东路"),
    ]:
        resp = client.get(url)
        body = resp.content.decode("utf-8", "ignore") if not url.endswith("export") else ""
        if resp.status_code == 200 and resp.get("Content-Type", "").startswith("application/vnd.openxml"):
            import io

            from openpyxl import load_workbook

            wb = load_workbook(io.BytesIO(resp.content))
            body = " ".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)
        assert secret not in body, (username, url)


@pytest.mark.parametrize("username", ["dispatcher_A", "staff_A1", "urban_A"])
def test_changes_to_street_b_are_refused_and_change_nothing(street_b, client, username):
    t = street_b["t"]
    client.force_login(t.users[username])
    case, person = street_b["case"], street_b["person"]
    before = (case.state, case.version)
    for action in ("file", "take", "not_file"):
        resp = client.post(reverse("cases:act", args=[case.number]), {"action": action, "note": "越权",
                                                                       "version": case.version})
        assert resp.status_code in (403, 404), (username, action, resp.status_code)
    case.refresh_from_db()
    assert (case.state, case.version) == before
    resp = client.post(reverse("people:person_reveal", args=[person.pk]), {"field": "id_number", "reason": "越权查看身份证号"})
    assert resp.status_code in (403, 404)
    resp = client.post(reverse("people:person_record", args=[person.pk]), {"reason": "越权调取个人全部信息"})
    assert resp.status_code in (403, 404)
    resp = client.post(reverse("people:person_edit", args=[person.pk]), {"name": "被篡改"})
    assert resp.status_code in (403, 404)
    person.refresh_from_db()
    assert person.name == "李建华"
    from civicgrid.core.models import AuditEntry

    assert not AuditEntry.objects.filter(action="person.reveal", actor=t.users[username]).exists()


def test_api_is_scoped_the_same_way(street_b, client):
    from civicgrid.api import services as api_services

    t = street_b["t"]
    _, raw = api_services.issue_token(t.users["admin"], user=t.users["dispatcher_A"], name="测试")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get(f"/api/v1/cases/{street_b['case'].number}", **headers).status_code == 404
    listing = client.get("/api/v1/cases", **headers).json()
    assert street_b["case"].number not in str(listing)
    assert client.get(f"/api/v1/regions/{street_b['street'].code}", **headers).status_code == 404
    resp = client.post(f"/api/v1/cases/{street_b['case'].number}/act", {"action": "file", "note": "x"},
                       content_type="application/json", **headers)
    assert resp.status_code in (403, 404)
    assert Case.objects.get(pk=street_b["case"].pk).state == street_b["case"].state
