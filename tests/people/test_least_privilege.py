"""Least privilege for personal data (issue 11 items 3 and 11).

A department handler (and a hotline operator) never sees the resident register — not on a page, not
in the export, not over the API — and meets residents only as the requesters of cases it handles.
The README's role × personal-data table is computed here from the code, row by row, so the two
cannot drift apart. API reads of residents are audited like the person page.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from civicgrid.cases import services as cases
from civicgrid.cases.models import Case
from civicgrid.core import roles as R
from civicgrid.core.models import AuditEntry, User
from civicgrid.core.scoping import visible_to
from civicgrid.people import capabilities as C
from civicgrid.people import selectors
from civicgrid.people.permissions import capabilities_of, has_register_access
from tests.cases.conftest import P_A1a, load_categories

from .test_views import world  # noqa: F401  (the fixture: a resident of A1 with tags, a place, an import job)

README = Path(__file__).resolve().parents[2] / "README.md"


def _api(client, user, url):
    from civicgrid.api import services as api_services

    admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        "root", password="pass-1234", display_name="超级管理员")
    _, raw = api_services.issue_token(admin, user=user, name=f"t-{user.username}")
    return client.get(url, HTTP_AUTHORIZATION=f"Bearer {raw}")


def register_urls(w):
    p = w["p_a"]
    return [reverse("people:index") + "?q=张", reverse("people:index") + "?grid=" + str(w["t"].grids["A1a"].pk),
            reverse("people:care"), reverse("people:buildings"), reverse("people:places"), reverse("people:import"),
            reverse("people:person", args=[p.pk]), reverse("people:person_edit", args=[p.pk]),
            reverse("people:building", args=[w["b_a"].pk]), reverse("people:room", args=[w["r_a"].pk]),
            reverse("people:place", args=[w["place"].pk])]


@pytest.mark.parametrize("username", ["urban_A", "urban_district", "operator"])
def test_department_and_hotline_are_refused_the_register_with_the_reason(world, client, username):
    """urban_A's unit serves street A, where 张建国 lives: before the fix it saw him on every page."""
    user = world["t"].users[username]
    client.force_login(user)
    for url in register_urls(world):
        resp = client.get(url)
        body = resp.content.decode()
        assert resp.status_code == 403, (url, resp.status_code)
        assert "部门处置人员和热线话务员" in body and "张建国" not in body, url
    resp = client.post(reverse("people:export"), {"q": "张"})
    assert resp.status_code == 403 and "部门处置人员和热线话务员" in resp.content.decode()
    assert not resp.get("Content-Type", "").startswith("application/vnd.openxml")
    assert not AuditEntry.objects.filter(actor=user, action__in=["person.view", "person.export"]).exists()
    # The selectors themselves give nothing, whatever view or task would call them.
    assert not selectors.people_for(user).exists()
    assert not selectors.search_people(user, "张").exists()
    assert selectors.care_list(user) == []
    assert not selectors.buildings_for(user).exists() and not selectors.places_for(user).exists()


@pytest.mark.parametrize("username", ["urban_A", "operator"])
def test_api_refuses_the_register_to_department_and_hotline(world, client, username):
    user = world["t"].users[username]
    for url in ["/api/v1/people", "/api/v1/people?q=张", f"/api/v1/people/{world['p_a'].pk}"]:
        resp = _api(client, user, url)
        assert resp.status_code == 403, (url, resp.status_code)
        err = resp.json()["error"]
        assert err["code"] == "forbidden" and "部门处置人员和热线话务员" in err["message"]


def test_department_meets_the_resident_only_as_requester_of_its_own_case(world, client):
    """What a department still sees: the requester of a case assigned to its unit, masked, and in
    full only after giving a reason — and nothing of a case assigned elsewhere."""
    from civicgrid.cases.models import Category

    t = world["t"]
    if not Category.objects.exists():
        load_categories()
    cat = Category.objects.get(code="09006")
    mine = cases.intake(t.users["worker_A1a"], channel="grid_worker", category=cat, description="占道经营",
                        lng=P_A1a[0], lat=P_A1a[1], requester_name="张建国", requester_phone="13812345678")
    other = cases.intake(t.users["worker_A1a"], channel="grid_worker", category=cat, description="占道经营二",
                         lng=P_A1a[0], lat=P_A1a[1], requester_name="张建国", requester_phone="13812345678")
    disp = t.users["dispatcher_A"]
    mine = cases.act(disp, cases.act(disp, mine, "file"), "dispatch", unit=t.units[("urban", "A")])
    other = cases.act(disp, cases.act(disp, other, "file"), "dispatch", unit=t.units[("police", "A")])
    urban = t.users["urban_A"]
    assert list(visible_to(urban, Case.objects.filter(pk__in=[mine.pk, other.pk]))) == [mine]
    client.force_login(urban)
    page = client.get(reverse("cases:detail", args=[mine.number])).content.decode()
    assert "13812345678" not in page and "138****5678" in page
    assert client.get(reverse("cases:detail", args=[other.number])).status_code == 404
    revealed = client.post(reverse("cases:reveal", args=[mine.number]), {"reason": "联系诉求人核实现场"})
    assert revealed.status_code == 200 and "13812345678" in revealed.content.decode()
    entry = AuditEntry.objects.get(actor=urban, action="case.reveal_requester")
    assert entry.object_id == str(mine.pk) and entry.reason == "联系诉求人核实现场"
    assert client.post(reverse("cases:reveal", args=[other.number]), {"reason": "联系诉求人核实现场"}).status_code == 404


# ---------------------------------------------------------------- item 11: API reads are audited

def test_api_person_read_is_audited_like_the_page(world, client):
    staff = world["t"].users["staff_A1"]
    pk = world["p_a"].pk
    resp = _api(client, staff, f"/api/v1/people/{pk}")
    assert resp.status_code == 200 and resp.json()["id_number_masked"].startswith("1101")
    entry = AuditEntry.objects.get(actor=staff, action="person.view", object_id=str(pk))
    assert entry.object_type == "people.person" and entry.detail == {"via": "api"}
    # A record out of scope is not found and not logged as viewed.
    other = world["p_b"]
    assert _api(client, staff, f"/api/v1/people/{other.pk}").status_code == 404
    assert not AuditEntry.objects.filter(action="person.view", object_id=str(other.pk)).exists()


def test_api_person_lists_are_audited_every_page_with_or_without_query(world, client):
    staff = world["t"].users["staff_A1"]
    assert _api(client, staff, "/api/v1/people").status_code == 200
    assert _api(client, staff, "/api/v1/people?offset=1&limit=1").status_code == 200
    assert _api(client, staff, "/api/v1/people?q=张&offset=0").status_code == 200
    entries = list(AuditEntry.objects.filter(actor=staff, action="person.search").order_by("pk"))
    assert [(e.detail["q"], e.detail["offset"], e.detail["via"]) for e in entries] == [
        ("", 0, "api"), ("", 1, "api"), ("张", 0, "api")]
    assert entries[0].detail["results"] == 1 and entries[0].detail["returned"] == 1
    assert entries[1].detail["returned"] == 0


def test_api_offset_past_any_list_is_refused_in_the_api_error_format(world, client):
    staff = world["t"].users["staff_A1"]
    for url in ["/api/v1/people?offset=99999999999999999999", "/api/v1/regions?offset=99999999999999999999",
                "/api/v1/cases?offset=99999999999999999999", "/api/v1/people?offset=1000001"]:
        resp = _api(client, staff, url)
        assert resp.status_code == 422, url
        err = resp.json()["error"]
        assert err["code"] == "invalid" and err["details"][0]["loc"][-1] == "offset"


# ---------------------------------------------------------------- the README table, from the code

ROLE_ROWS = [  # README label, role, where the seat is
    ("网格员", R.GRID_WORKER, "grid"), ("社区工作者", R.COMMUNITY_STAFF, "community"),
    ("街道派遣员", R.STREET_DISPATCHER, "street"), ("区指挥中心", R.DISTRICT_COMMANDER, "district"),
    ("系统管理员", R.SYSTEM_ADMIN, "district"), ("热线话务员", R.HOTLINE_OPERATOR, "district"),
    ("部门处置人员", R.DEPARTMENT_HANDLER, "unit"),
]


def _row_from_code(user, case) -> list[str]:
    """The cells of the README row for `user`, worked out from what the code lets it do."""
    from civicgrid.cases.services import can_see_requester

    register = has_register_access(user)
    caps = capabilities_of(user)
    sees_case = visible_to(user, Case.objects.filter(pk=case.pk)).exists()
    return [
        "辖区内，打码" if register else "无",
        ("无" if not register else "填写事由后逐项查看" if C.REVEAL in caps else "打码"),
        "可见" if register and C.VIEW_MANAGED in caps else "无",
        ("无" if not register else "打码（不打码须个人授权）"),
        ("无" if not sees_case else "打码，填写事由后查看" if can_see_requester(user, case) else "打码"),
        "可以" if register and C.SUBJECT_ACCESS in caps else "无",
    ]


def _readme_rows() -> dict[str, list[str]]:
    text = README.read_text(encoding="utf-8")
    section = text.split("## 个人信息：谁能看到什么", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells and not set(cells[0]) <= set("-: "):
            rows[re.sub(r"[（(].*", "", cells[0]).strip()] = cells[1:]
    return rows


def test_readme_role_by_personal_data_table_matches_the_code(world):
    from civicgrid.cases.models import Category

    t = world["t"]
    if not Category.objects.exists():
        load_categories()
    case = cases.intake(t.users["worker_A1a"], channel="grid_worker", category=Category.objects.get(code="09006"),
                        description="占道经营", lng=P_A1a[0], lat=P_A1a[1], requester_phone="13812345678")
    disp = t.users["dispatcher_A"]
    case = cases.act(disp, cases.act(disp, case, "file"), "dispatch", unit=t.units[("urban", "A")])
    seats = {"grid": "worker_A1a", "community": "staff_A1", "street": "dispatcher_A"}
    by_role = {R.DISTRICT_COMMANDER: "commander", R.SYSTEM_ADMIN: "admin", R.HOTLINE_OPERATOR: "operator",
               R.DEPARTMENT_HANDLER: "urban_A"}
    readme = _readme_rows()
    for label, role, where in ROLE_ROWS:
        user = t.users[by_role.get(role) or seats[where]]
        assert label in readme, f"README table has no row for {label}"
        assert readme[label][:6] == _row_from_code(user, case), label
    superuser = User.objects.create_superuser("root2", password="pass-1234", display_name="超级管理员")
    assert readme["超级管理员"][:6] == ["全部，打码", "填写事由后逐项查看", "可见", "打码；可选不打码（记入审计）",
                                    "打码，填写事由后查看", "可以"]
    assert has_register_access(superuser) and C.EXPORT_UNMASKED in capabilities_of(superuser)
    # Nobody exports in full by role: only by a personal grant.
    assert all(C.EXPORT_UNMASKED not in caps for caps in C.ROLE_CAPABILITIES.values())
