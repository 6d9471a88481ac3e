"""Pages: masked everywhere, reveal through the page writes audit, and 404 outside jurisdiction on every view."""
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from civicgrid.core.models import AuditEntry
from civicgrid.people import services

from .conftest import ident
from .test_import import as_csv, good_rows


@pytest.fixture
def world(homes):
    t = homes["t"]
    staff = t.users["staff_A1"]
    tag = services.add_tag(staff, homes["p_a"], "elderly_alone", reason="独居", worker=t.users["worker_A1a"])
    services.add_tag(staff, homes["p_a"], "drug_rehab", reason="社区戒毒决定书")
    place = services.create_place(staff, kind="restaurant", name="老王面馆", community=t.communities["A1"],
                                  contact_phone="13511112222", lng=116.005, lat=39.905)
    from civicgrid.people import importer

    job = importer.create_job(staff, as_csv(good_rows()), "residents")
    return homes | {"tag": tag, "place": place, "job": job}


def client_for(client, user):
    client.force_login(user)
    return client


def object_urls(w):
    p, tag, place, job = w["p_a"], w["tag"], w["place"], w["job"]
    return {
        "get": [reverse("people:person", args=[p.pk]), reverse("people:person_edit", args=[p.pk]),
                reverse("people:building", args=[w["b_a"].pk]), reverse("people:room", args=[w["r_a"].pk]),
                reverse("people:person_new", args=[w["r_a"].pk]), reverse("people:place", args=[place.pk]),
                reverse("people:import_job", args=[job.pk]), reverse("people:import_status", args=[job.pk]),
                reverse("people:import_report", args=[job.pk])],
        "post": [(reverse("people:person_reveal", args=[p.pk]), {"field": "phone", "reason": "核实来电人身份"}),
                 (reverse("people:person_record", args=[p.pk]), {"reason": "本人书面申请"}),
                 (reverse("people:tag_add", args=[p.pk]), {"kind": "low_income"}),
                 (reverse("people:visit_add", args=[p.pk]), {"kind": "home", "note": "x"}),
                 (reverse("people:tag_end", args=[tag.pk]), {}),
                 (reverse("people:room_add", args=[w["b_a"].pk]), {"entrance": "1单元", "number": "101"}),
                 (reverse("people:person_edit", args=[p.pk]), {"name": "改名", "id_type": "resident_id",
                                                               "registration": "local"}),
                 (reverse("people:place", args=[place.pk]), {"fire_extinguishers_ok": "1"})],
    }


@pytest.mark.parametrize("username", ["staff_B1", "worker_A2a", "dispatcher_B"])
def test_every_object_view_is_404_outside_jurisdiction(world, client, username):
    c = client_for(client, world["t"].users[username])
    urls = object_urls(world)
    for url in urls["get"]:
        assert c.get(url).status_code == 404, url
    for url, data in urls["post"]:
        assert c.post(url, data).status_code == 404, url
    assert not AuditEntry.objects.filter(action__in=["person.reveal", "person.subject_access", "person.update"]).exists()
    assert world["p_a"].__class__.objects.get(pk=world["p_a"].pk).name == "张建国"


def test_lists_show_only_jurisdiction(world, client):
    c = client_for(client, world["t"].users["staff_B1"])
    for url in [reverse("people:index") + "?q=建", reverse("people:buildings"), reverse("people:care"),
                reverse("people:places"), reverse("people:index") + "?q=" + ident(11)]:
        body = c.get(url).content.decode()
        assert "张建国" not in body and "老王面馆" not in body and "1号楼" not in body, url
    assert "李建华" in c.get(reverse("people:index") + "?q=建").content.decode()


def test_pages_mask_identity_and_phone(world, client):
    c = client_for(client, world["t"].users["staff_A1"])
    p = world["p_a"]
    pages = [reverse("people:person", args=[p.pk]), reverse("people:index") + "?q=张",
             reverse("people:room", args=[world["r_a"].pk]), reverse("people:care"),
             reverse("people:place", args=[world["place"].pk]), reverse("people:person_edit", args=[p.pk])]
    for url in pages:
        body = c.get(url).content.decode()
        assert ident(11) not in body and "13812345678" not in body and "13511112222" not in body, url
    body = c.get(pages[0]).content.decode()
    assert "1101**********" + ident(11)[-4:] in body and "138****5678" in body


def test_reveal_through_page_shows_value_once_and_audits(world, client):
    staff = world["t"].users["staff_A1"]
    c = client_for(client, staff)
    p = world["p_a"]
    r = c.post(reverse("people:person_reveal", args=[p.pk]), {"field": "id_number", "reason": ""})
    assert r.status_code == 400 and "事由" in r.content.decode() and ident(11) not in r.content.decode()
    r = c.post(reverse("people:person_reveal", args=[p.pk]), {"field": "id_number", "reason": "核实低保材料"})
    assert r.status_code == 200 and ident(11) in r.content.decode() and r["Cache-Control"] == "no-store"
    assert ident(11) not in c.get(reverse("people:person", args=[p.pk])).content.decode()
    e = AuditEntry.objects.get(action="person.reveal")
    assert e.reason == "核实低保材料" and e.actor == staff
    assert "核实低保材料" in c.get(reverse("people:person", args=[p.pk])).content.decode()  # own access history


def test_dispatcher_page_has_no_reveal_and_no_managed_tags(world, client):
    c = client_for(client, world["t"].users["dispatcher_A"])
    body = c.get(reverse("people:person", args=[world["p_a"].pk])).content.decode()
    assert "独居老人" in body and "社区戒毒" not in body and "person_reveal" not in body
    assert "/reveal/" not in body
    r = c.post(reverse("people:person_reveal", args=[world["p_a"].pk]), {"field": "phone", "reason": "核实来电人身份"})
    assert r.status_code == 302 and not AuditEntry.objects.filter(action="person.reveal").exists()
    # The filter for a managed group finds nobody for a role that may not see it.
    assert "张建国" not in c.get(reverse("people:index") + "?tag=drug_rehab").content.decode()


def test_export_view_masked_and_logged(world, client):
    c = client_for(client, world["t"].users["staff_A1"])
    r = c.post(reverse("people:export"), {"q": "张"})
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][5] == "138****5678"
    r = c.post(reverse("people:export"), {"q": "张", "unmasked": "1"})
    assert r.status_code == 302  # no permission: refused, nothing exported
    assert AuditEntry.objects.filter(action="person.export").count() == 1


def test_grid_worker_adds_corrects_and_visits(world, client):
    worker = world["t"].users["worker_A1a"]
    c = client_for(client, worker)
    r = c.post(reverse("people:person_new", args=[world["r_a"].pk]),
               {"name": "马小跳", "id_type": "resident_id", "id_number": ident(77), "registration": "floating",
                "phone": "13700001111"})
    assert r.status_code == 302
    new = world["p_a"].__class__.objects.get(name="马小跳")
    assert new.grid == world["t"].grid("A1a") and new.phone == "13700001111"
    r = c.post(reverse("people:person_new", args=[world["r_a"].pk]),
               {"name": "错号", "id_type": "resident_id", "id_number": ident(78)[:-1] + "0", "registration": "local"})
    if not ident(78).endswith("0"):
        assert r.status_code == 400 and "校验位错误" in r.content.decode()
    r = c.post(reverse("people:person_edit", args=[new.pk]), {"name": "马小跳", "id_type": "resident_id",
                                                              "registration": "local", "phone": ""})
    new.refresh_from_db()
    assert r.status_code == 302 and new.registration == "local" and new.phone == "13700001111"
    r = c.post(reverse("people:visit_add", args=[new.pk]), {"kind": "home", "note": "新住户登记"})
    assert new.visits.get().note == "新住户登记"
    assert "马小跳" in c.get(reverse("people:room", args=[world["r_a"].pk])).content.decode()


def test_care_list_shows_overdue(world, client):
    c = client_for(client, world["t"].users["worker_A1a"])
    body = c.get(reverse("people:care")).content.decode()
    assert "张建国" in body and "从未走访" in body
    services.log_visit(world["t"].users["worker_A1a"], world["p_a"], note="ok")
    body = c.get(reverse("people:care")).content.decode()
    assert "没有待走访的对象" in body and "张建国" not in body  # visited today: nothing due


def test_import_pages_flow(world, client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}  # the worker
    c = client_for(client, world["t"].users["staff_A1"])
    r = c.post(reverse("people:import"), {"kind": "residents", "file": as_csv(good_rows())})
    assert r.status_code == 302
    job_url = r["Location"]
    body = c.get(job_url).content.decode()
    assert "核对列与字段的对应" in body
    data = {f"map_{k}": v for k, v in {"name": 0, "sex": 1, "id_number": 2, "phone": 3, "registration": 4,
                                        "community": 5, "building": 6, "entrance": 7, "room": 8, "household": 9,
                                        "relation": 10}.items()} | {"mode": "accept_good"}
    assert c.post(job_url, data).status_code == 302
    status = c.get(job_url + "status/").json()
    assert status["finished"] and status["accepted"] == 3 and status["rejected"] == 0
    r = c.post(reverse("people:import"), {"kind": "residents"})
    assert r.status_code == 400 and "请选择" in r.content.decode()
    assert c.get(reverse("people:import"), follow=False).status_code == 200
    c2 = client_for(client, world["t"].users["worker_A1a"])
    assert c2.get(reverse("people:import")).status_code == 403


def test_api_router_masks_and_scopes(world):
    from ninja.testing import TestClient

    from civicgrid.people.api import router

    staff = world["t"].users["staff_A1"]
    client = TestClient(router)
    r = client.get("/people?q=张", user=staff)
    assert r.status_code == 200
    body = r.content.decode()
    assert ident(11) not in body and "13812345678" not in body
    item = r.json()["items"][0]
    assert item["id_number_masked"] == "1101**********" + ident(11)[-4:] and item["phone_masked"] == "138****5678"
    assert "社区戒毒康复人员" in item["tags"]
    r = client.get(f"/people/{world['p_a'].pk}", user=world["t"].users["dispatcher_A"])
    assert r.status_code == 200 and "社区戒毒康复人员" not in r.json()["tags"]
    assert client.get(f"/people/{world['p_a'].pk}", user=world["t"].users["staff_B1"]).status_code == 404
    assert client.get("/people?q=张", user=world["t"].users["staff_B1"]).json()["count"] == 0


def test_opening_a_person_is_logged_and_tag_end_keeps_reason(world, client):
    staff = world["t"].users["staff_A1"]
    c = client_for(client, staff)
    c.get(reverse("people:person", args=[world["p_a"].pk]))
    assert AuditEntry.objects.filter(action="person.view", object_id=str(world["p_a"].pk), actor=staff).count() == 1
    c.post(reverse("people:tag_end", args=[world["tag"].pk]), {"reason": "随子女迁居"})
    world["tag"].refresh_from_db()
    assert world["tag"].end is not None and "随子女迁居" in world["tag"].reason


def test_rooms_in_natural_order(world, client):
    staff = world["t"].users["staff_A1"]
    for n in ["1001", "902", "101"]:
        services.room_at(staff, world["b_a"], "2单元", n)
    body = client_for(client, staff).get(reverse("people:building", args=[world["b_a"].pk])).content.decode()
    assert body.index(">101<") < body.index(">201<") < body.index(">902<") < body.index(">1001<")


def test_public_roster_resolves_building_addresses(world, client):
    from civicgrid.regions import addresses

    matches = addresses.resolve("学院路12号院1号楼")
    assert [m.grid for m in matches][:1] == [world["t"].grid("A1a")]
    assert matches[0].label == "学院路12号院1号楼"
    assert addresses.resolve("火星路") == []


def test_grid_worker_registers_building_in_own_grid_only(world, client):
    t = world["t"]
    c = client_for(client, t.users["worker_A1a"])
    page = c.get(reverse("people:building_new")).content.decode()
    assert "A1社区第1网格" in page and "A1社区第2网格" not in page
    r = c.post(reverse("people:building_new"), {"area": t.grid("A1a").pk, "name": "7号楼", "lng": "116.003",
                                                "lat": "39.903", "floors": "6"})
    assert r.status_code == 302
    from civicgrid.people.models import Building

    assert Building.objects.get(name="7号楼").grid == t.grid("A1a")
    r = c.post(reverse("people:building_new"), {"area": t.grid("A1a").pk, "name": "8号楼", "lng": "116.015",
                                                "lat": "39.905"})
    assert r.status_code == 400 and not Building.objects.filter(name="8号楼").exists()
    r = c.post(reverse("people:building_new"), {"area": t.grid("A2a").pk, "name": "19号楼"})
    assert r.status_code == 400 and not Building.objects.filter(name="19号楼").exists()
    r = c.post(reverse("people:place_new"), {"kind": "shop", "name": "小卖部", "area": t.grid("A1a").pk})
    assert r.status_code == 302


def test_person_page_lists_cases_from_their_phone_or_building(world, client):
    from civicgrid.cases import services as case_services
    from civicgrid.cases.models import Category

    worker = world["t"].users["worker_A1a"]
    cat = Category.objects.order_by("code").first()
    by_phone = case_services.intake(worker, channel="grid_worker", category=cat, description="楼道灯不亮",
                                    lng=116.004, lat=39.904, requester_phone="13812345678")
    at_building = case_services.intake(worker, channel="grid_worker", category=cat, description="垃圾满溢",
                                       lng=116.006, lat=39.906, address="学院路12号院1号楼东侧")
    elsewhere = case_services.intake(worker, channel="grid_worker", category=cat, description="井盖缺失",
                                     lng=116.007, lat=39.907, address="学院路14号")
    body = client_for(client, world["t"].users["staff_A1"]).get(
        reverse("people:person", args=[world["p_a"].pk])).content.decode()
    assert by_phone.number in body and at_building.number in body and elsewhere.number not in body


@pytest.mark.django_db
def test_room_with_an_over_long_number_is_refused_with_the_reason(client, territory):
    """PostgreSQL refuses a value longer than the column (a 500 before); the service says why first."""
    from civicgrid.people.models import Building, Room

    building = Building.objects.filter(grid=territory.grids["A1a"]).first() or Building.objects.create(
        name="9号楼", community=territory.communities["A1"], grid=territory.grids["A1a"])
    client.force_login(territory.users["staff_A1"])
    r = client.post(f"/people/buildings/{building.pk}/rooms/", {"entrance": "1", "number": "9" * 2000}, follow=True)
    assert "室不能超过 20 个字" in r.content.decode()
    assert not Room.objects.filter(building=building, number__startswith="999").exists()


def test_register_pages_read_as_ids_show_the_search_in_order(homes, client):
    """The register page reads its residents as ids, then the page's rows with their rooms and grids
    (people_by_id): page after page the same residents in the same (name, id) order as the search,
    each row with its room, and the count."""
    from civicgrid.people import selectors

    t, staff = homes["t"], homes["t"].users["staff_A1"]
    for i in range(40):  # two pages and a bit of 张…, in rooms of the building
        room = services.room_at(staff, homes["b_a"], f"{1 + i % 3}单元", f"{100 + i}")
        services.create_person(staff, {"name": f"张{'甲乙丙丁戊'[i % 5]}{'一二三四五六七八'[i // 5]}",
                                             "id_number": ident(100 + i)},
                               room=room)
    expected = list(selectors.search_people(staff, q="张").order_by("name", "id"))
    assert len(expected) == 41
    c = client_for(client, staff)
    shown = []
    for number in (1, 2):
        page = c.get(reverse("people:index"), {"q": "张", "page": number}).context["page"]
        rows = list(page)
        assert all(p.room and p.room.building_id == homes["b_a"].pk and p.community_id for p in rows)
        shown += [p.pk for p in rows]
        assert page.count_label == "41"
    assert shown == [p.pk for p in expected]
