"""The manifest contract: roles, nav, labels, routes, KPIs and personal data come from the manifests."""
import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.core import manifest as M
from civicgrid.core import roles as R
from civicgrid.core.models import Role


@pytest.fixture
def extra_role(monkeypatch):
    """An app-declared role, as a new app's manifest would add it (no migration)."""
    extra = M.AppManifest(app="extra", roles=(M.RoleDef("test_extra_role", "试验角色", frozenset({"community"}),
                                                        capabilities=frozenset({"reveal"})),),
                          audit_subjects={"dispute": "矛盾纠纷"}, audit_verbs={"mediate": "调解"})
    original = M.manifests()
    monkeypatch.setattr(M, "manifests", lambda: (*original, extra))
    M.role_defs.cache_clear()
    yield
    M.role_defs.cache_clear()


def test_a_new_role_needs_no_migration_and_validates_its_level(territory, extra_role):
    t = territory
    user = t.users["staff_A1"]
    assert dict(R.role_choices())["test_extra_role"] == "试验角色"
    Role(user=user, role="test_extra_role", region=t.communities["A1"]).full_clean(exclude=["user"])
    with pytest.raises(ValidationError, match="只能设在社区/村级区域"):
        Role(user=user, role="test_extra_role", region=t.grids["A1a"]).clean()
    with pytest.raises(ValidationError, match="未知角色"):
        Role(user=user, role="nobody", region=t.grids["A1a"]).clean()
    # Its personal-data capabilities come with it.
    seat = Role.objects.create(user=t.users["worker_A2a"], role="test_extra_role", region=t.communities["A2"])
    from civicgrid.people.permissions import capabilities_of

    assert "reveal" in capabilities_of(type(seat.user).objects.get(pk=seat.user_id))


def test_audit_labels_come_from_manifests(extra_role):
    from civicgrid.core.audit_labels import action_label

    assert action_label("dispute.mediate") == "调解（矛盾纠纷）"
    assert action_label("case.file") == "立案（案件）"  # from cases/manifest.py


def test_navigation_is_per_role_with_badges(territory, client):
    t = territory
    client.force_login(t.users["worker_A1a"])
    body = client.get("/").content.decode()
    assert "我的网格" in body and 'class="cases-nav"' in body and "考核评价" not in body.split("</nav>")[0]
    client.force_login(t.users["dispatcher_A"])
    nav = client.get("/").content.decode().split("</nav>")[0]
    assert "考核评价" in nav and "我的网格" not in nav
    client.logout()
    nav = client.get("/regions/roster/").content.decode().split("</nav>")[0]
    assert all(label in nav for label in ("我要反映", "查询进度", "查找我的网格", "工作人员登录"))
    assert "工作台" not in nav


def test_every_encrypted_field_is_declared_personal_data():
    from civicgrid.people.keyrotation import encrypted_columns, encrypted_fields_in_models

    declared = {(m._meta.label, c) for m, _t, c in encrypted_columns()}
    actual = {(m._meta.label, c) for m, _t, c in encrypted_fields_in_models()}
    assert declared == actual


def test_board_lists_every_manifest_kpi(territory, client):
    client.force_login(territory.users["commander"])
    body = client.get("/dashboard/board/").content.decode()
    for _m, k in M.each("kpis"):
        assert f'data-kpi="{k.code}"' in body and k.formula in body


def test_kernel_node_in_scope(territory):
    from civicgrid.core.scoping import node_in_scope, require_node_in_scope

    t = territory
    assert node_in_scope(t.users["staff_A1"], t.grids["A1a"])
    assert not node_in_scope(t.users["staff_A1"], t.grids["B1a"])
    assert not node_in_scope(t.users["staff_A1"], t.streets["A"])  # above the seat
    assert node_in_scope(t.users["urban_A"], t.grids["A1a"])  # the unit's service area
    assert not node_in_scope(t.users["urban_A"], t.grids["A1a"], roles=(R.GRID_WORKER,))
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        require_node_in_scope(t.users["dispatcher_A"], t.grids["B1a"])


def test_seed_apps_lists_every_seeder(capsys):
    from django.core.management import call_command

    call_command("seed-apps", "--list")
    out = capsys.readouterr().out
    assert out.index("regions") < out.index("people") < out.index("cases")


def test_subject_access_copy_includes_other_apps_records_in_scope(territory):
    """The copy lists the cases reported under the person's phone (declared personal data of the cases
    app), only inside the requester's jurisdiction."""
    from civicgrid.cases import services as cases
    from civicgrid.cases.matrix import _categories
    from civicgrid.people import services as people
    from tests.people.conftest import ident

    t = territory
    staff = t.users["staff_A1"]
    b = people.create_building(staff, community=t.communities["A1"], name="1号楼", lng=116.005, lat=39.905)
    p = people.create_person(staff, {"name": "张建国", "id_number": ident(11), "phone": "13812345678"},
                             room=people.room_at(staff, b, "1单元", "101"))
    cat = _categories()
    mine = cases.intake(t.users["worker_A1a"], channel="grid_worker", category=cat, description="楼道堆物",
                        lng=116.005, lat=39.905, requester_phone="138 1234 5678")
    theirs = cases.intake(t.users["worker_B1a"], channel="grid_worker", category=cat, description="B街道的事",
                          lng=116.025, lat=39.905, requester_phone="13812345678")
    rec = people.subject_access_record(staff, p, "本人书面申请查阅")
    numbers = [r["编号"] for r in rec["其他业务记录"]]
    assert mine.number in numbers and theirs.number not in numbers
    row = next(r for r in rec["其他业务记录"] if r["编号"] == mine.number)
    assert row["类别"] == "案件" and row["内容"]["问题描述（自由文本）"] == "楼道堆物"
