"""Parties picked from the resident register on the registration form (issue 12: the picker)."""
import pytest
from django.urls import reverse

from civicgrid.core.models import AuditEntry
from civicgrid.mediation.models import Dispute
from civicgrid.people import services as people
from tests.people.conftest import ident


@pytest.fixture
def residents(world):
    t = world
    b_a = people.create_building(t.users["staff_A1"], community=t.communities["A1"], name="1号楼",
                                 address="学院路12号院", lng=116.005, lat=39.905)
    b_b = people.create_building(t.users["staff_B1"], community=t.communities["B1"], name="9号楼",
                                 address="清华东路3号", lng=116.025, lat=39.905)
    a = people.create_person(t.users["staff_A1"], {"name": "张建国", "id_number": ident(11), "phone": "13812345678"},
                             room=people.room_at(t.users["staff_A1"], b_a, "2单元", "201"))
    b = people.create_person(t.users["staff_B1"], {"name": "张建华", "id_number": ident(22), "phone": "13998765432"},
                             room=people.room_at(t.users["staff_B1"], b_b, "1单元", "101"))
    return {"a": a, "b": b}


FORM = {"source": "walk_in", "type": "neighbour", "summary": "楼上漏水", "risk_level": "low",
        "applicant_consent": "on", "respondent_name": "刘建国", "respondent_consent": "on"}


def test_search_lists_only_residents_in_scope_masked_and_is_logged(world, residents, client):
    client.force_login(world.users["staff_A1"])
    resp = client.get(reverse("mediation:residents"), {"q": "张建", "side": "applicant"})
    body = resp.content.decode()
    assert resp.status_code == 200
    assert f'data-pick-person="{residents["a"].pk}"' in body and "138****5678" in body
    assert "13812345678" not in body and ident(11) not in body
    assert "张建华" not in body and f'data-pick-person="{residents["b"].pk}"' not in body  # street B's resident
    entry = AuditEntry.objects.filter(action="person.search").latest("at")
    assert entry.detail["via"] == "mediation.party_picker" and entry.detail["results"] == 1


def test_a_mediator_without_register_access_is_refused_with_the_reason(world, residents, client):
    client.force_login(world.users["mediator_A1"])
    resp = client.get(reverse("mediation:residents"), {"q": "张建"})
    assert resp.status_code == 403 and "居民基础信息库仅限" in resp.content.decode()
    assert not AuditEntry.objects.filter(action="person.search").exists()
    # The form shows no picker to them, and a crafted person id is refused with the reason.
    assert "data-pick-search" not in client.get(reverse("mediation:new")).content.decode()
    resp = client.post(reverse("mediation:new"), {**FORM, "region": world.grids["A1a"].code,
                                                  "applicant_person": residents["a"].pk})
    assert resp.status_code == 400 and "不能从居民登记中选择当事人" in resp.content.decode()
    assert not Dispute.objects.exists()


def test_a_picked_resident_becomes_the_party_with_the_registers_data(world, residents, client):
    client.force_login(world.users["staff_A1"])
    assert "data-pick-search" in client.get(reverse("mediation:new")).content.decode()
    resp = client.post(reverse("mediation:new"), {**FORM, "region": world.grids["A1a"].code,
                                                  "applicant_person": residents["a"].pk})
    assert resp.status_code == 302, resp.content.decode()[:2000]
    party = Dispute.objects.get().parties.get(side="applicant")
    assert party.person_id == residents["a"].pk
    assert (party.name, party.phone, party.id_number) == ("张建国", "13812345678", ident(11))


def test_a_resident_outside_the_jurisdiction_cannot_be_picked(world, residents, client):
    client.force_login(world.users["staff_A1"])
    resp = client.post(reverse("mediation:new"), {**FORM, "region": world.grids["A1a"].code,
                                                  "applicant_person": residents["b"].pk})
    assert resp.status_code == 400 and "所选居民不存在或不在您的管辖范围内" in resp.content.decode()
    assert not Dispute.objects.exists()


def test_neither_a_name_nor_a_picked_resident_is_refused(world, client):
    client.force_login(world.users["staff_A1"])
    resp = client.post(reverse("mediation:new"), {**FORM, "region": world.grids["A1a"].code})
    assert resp.status_code == 400 and "请填写申请方姓名，或从居民登记中选择" in resp.content.decode()
