"""The screens (phone first), the print page, the monthly report, the API, and what the manifest adds."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from civicgrid.core.models import AuditEntry
from civicgrid.mediation import services as S
from civicgrid.mediation import workflow as W
from civicgrid.mediation.models import Dispute

from .conftest import AGREEMENT, SESSION, register


def now_register(world, **kw):
    return register(world, now=timezone.now() - dt.timedelta(hours=2), **kw)


def test_register_a_dispute_on_the_form_then_work_it_on_the_detail_page(world, client):
    client.force_login(world.users["mediator_A1"])
    resp = client.get(reverse("mediation:new"))
    assert resp.status_code == 200 and 'name="applicant_name"' in resp.content.decode()
    resp = client.post(reverse("mediation:new"), {
        "source": "walk_in", "type": "neighbour", "region": world.grids["A1a"].code, "summary": "楼上漏水",
        "risk_level": "low", "applicant_name": "张秀兰", "applicant_phone": "139 1234 5678", "applicant_consent": "on",
        "respondent_name": "刘建国", "respondent_consent": "on"})
    d = Dispute.objects.get()
    assert resp.status_code == 302 and resp["Location"] == reverse("mediation:detail", args=[d.number])
    body = client.get(resp["Location"]).content.decode()
    assert "139****5678" in body and "13912345678" not in body and "张*兰" in body
    assert "<script>" not in body  # CSP: behaviour lives in static files
    for action, extra in [("accept", {}), ("record_session", {k: v for k, v in SESSION.items()}),
                          ("agree", {"text": AGREEMENT, "confirmed": "1"})]:
        d.refresh_from_db()
        resp = client.post(reverse("mediation:act", args=[d.number]), {"action": action, "version": d.version, **extra})
        assert resp.status_code == 302, (action, resp.content)
    d.refresh_from_db()
    assert d.state == W.AGREED
    page = client.get(reverse("mediation:agreement", args=[d.number])).content.decode()
    assert "人民调解协议书" in page and AGREEMENT[:10] in page and "mediation/mediation.css" in page
    assert "data-print" in page and "<script>" not in page


def test_a_refused_step_shows_its_reason(world, client):
    d = now_register(world)
    client.force_login(world.users["mediator_A1"])
    resp = client.post(reverse("mediation:act", args=[d.number]), {"action": "agree", "version": d.version},
                       follow=True)
    assert "不能达成协议" in resp.content.decode()
    client.force_login(world.users["worker_A1a"])
    resp = client.post(reverse("mediation:act", args=[d.number]), {"action": "accept"})
    assert resp.status_code == 403 and "需要以下角色之一：人民调解员" in resp.content.decode()


def test_out_of_scope_pages_are_not_found_and_change_nothing(world, client):
    d = now_register(world)
    client.force_login(world.users["mediator_A1"])
    assert client.get(reverse("mediation:detail", args=[d.number])).status_code == 200
    client.force_login(world.users["mediator_B1"])
    # Outside the jurisdiction is indistinguishable from absent (core.scoping.get_visible_or_404).
    resp = client.get(reverse("mediation:detail", args=[d.number]))
    assert resp.status_code == 404 and "不在您的管辖范围内" in resp.content.decode()
    resp = client.post(reverse("mediation:act", args=[d.number]), {"action": "accept"})
    assert resp.status_code == 404
    resp = client.post(reverse("mediation:reveal", args=[d.number]), {"field": "phone", "reason": "越权查看电话"})
    assert resp.status_code == 404
    assert d.number not in client.get(reverse("mediation:worklist") + "?state=all").content.decode()
    d.refresh_from_db()
    assert (d.state, d.version) == (W.REGISTERED, 1)
    assert not AuditEntry.objects.filter(action="dispute.reveal_party").exists()


def test_registering_needs_a_registering_role(world, client):
    client.force_login(world.users["urban_A"])
    resp = client.get(reverse("mediation:new"))
    assert resp.status_code == 403 and "登记纠纷需要以下角色之一" in resp.content.decode()


def test_reveal_on_the_page_is_logged(world, client):
    d = now_register(world)
    p = d.parties.get(side="applicant")
    client.force_login(world.users["mediator_A1"])
    resp = client.post(reverse("mediation:reveal", args=[d.number]),
                       {"party": p.pk, "field": "phone", "reason": "电话约调解时间"}, follow=True)
    assert "13912345678" in resp.content.decode() and resp["Cache-Control"] == "no-store"
    assert AuditEntry.objects.get(action="dispute.reveal_party").reason == "电话约调解时间"
    # The full value travels only in that response: nothing of it is kept in the session store.
    from django.contrib.sessions.models import Session

    stored = "".join(str(s.get_decoded()) for s in Session.objects.all())
    assert "13912345678" not in stored and "mediation-reveal" not in stored
    # Shown once: a reload is masked again.
    assert "13912345678" not in client.get(reverse("mediation:detail", args=[d.number])).content.decode()


def test_screening_page_records_nothing_found(world, client):
    client.force_login(world.users["worker_A1a"])
    resp = client.post(reverse("mediation:screening"), {"region": world.grids["A1a"].code, "found": "0"}, follow=True)
    body = resp.content.decode()
    assert "未发现矛盾纠纷" in body and "本周覆盖：1 / 1 个网格" in body


def test_register_of_mediators_and_rooms_shows_load(world, client):
    d = now_register(world)
    S.act(world.users["mediator_A1"], d, "accept", mediators=[world.mediators["A1"]])
    client.force_login(world.users["staff_A1"])
    body = client.get(reverse("mediation:register")).content.decode()
    assert "王阿姨" in body and "1/5" in body and "王阿姨调解工作室" in body and "李老伯" not in body
    resp = client.post(reverse("mediation:register"), {"what": "mediator", "name": "赵律师", "kind": "lawyer",
                                                       "region": world.communities["A1"].code,
                                                       "specialities": ["labour"]}, follow=True)
    assert "赵律师" in resp.content.decode()


def test_monthly_report_for_the_street_on_screen_in_excel_and_as_kpis(world, client):
    from openpyxl import load_workbook

    from civicgrid.mediation import report

    m = world.users["mediator_A1"]
    now = timezone.now()
    S.record_screening(world.users["worker_A1a"], region=world.grids["A1a"], found=0)
    d = S.act(m, now_register(world, risk_level="high"), "accept")
    d = S.act(m, d, "record_session", session=SESSION)
    S.act(m, d, "agree", text=AGREEMENT, confirmed=True)
    other = S.act(m, now_register(world, type="family"), "accept")
    S.act(m, other, "refer", note="调解不成", channel="legal_aid")
    now_register(world, who="mediator_B1", region=world.grids["B1a"])  # street B: not in A's figures
    month = timezone.localdate().replace(day=1)
    data = report.monthly(world.streets["A"], month)
    a1 = next(r for r in data["rows"] if r["region"] == world.communities["A1"])
    expected = {"screenings": 1, "nothing_found": 1, "found": 2, "mediated": 2, "agreements": 1,
                "success_rate": 0.5, "referrals": 1, "risk": 1}
    assert {k: a1[k] for k in expected} == expected and {k: data["total"][k] for k in expected} == expected

    client.force_login(world.users["dispatcher_A"])
    url = reverse("mediation:report") + f"?area={world.streets['A'].code}&month={month:%Y-%m}"
    body = client.get(url).content.decode()
    assert "矛盾纠纷排查月报" in body and "50.0%" in body
    resp = client.get(url + "&format=xlsx")
    wb = load_workbook(io.BytesIO(resp.content))
    rows = [[c.value for c in r] for r in wb.active.iter_rows()]
    assert ["合计", 1, 1, 2, 2, 1, "50.0%", 1, 1] in rows
    assert AuditEntry.objects.filter(action="dispute.report_export").exists()
    assert client.get(reverse("mediation:report") + f"?area={world.streets['B'].code}").status_code == 404

    from civicgrid.dashboard.kpis import all_kpis

    kpis = {k["code"]: k["value"] for k in all_kpis(world.streets["A"], month, timezone.localdate())}
    assert (kpis["mediation.found"], kpis["mediation.success_rate"], kpis["mediation.risk"]) == (2, 0.5, 1)


def test_excel_cells_cannot_run_as_formulas(world):
    import datetime as dt
    import io

    from openpyxl import load_workbook

    from civicgrid.mediation import report

    area = world.streets["A"]
    area.name = '=HYPERLINK("http://evil.example","点我")'
    data = report.monthly(area, dt.date(2026, 3, 1))
    ws = load_workbook(io.BytesIO(report.workbook(data))).active
    title = ws["A1"]
    assert title.value.startswith("=HYPERLINK") and title.data_type == "s" and title.quotePrefix
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_the_manifest_contributes_roles_nav_audit_labels_and_routes(world, client):
    from civicgrid.core import audit_labels
    from civicgrid.core import roles as R
    from civicgrid.core.manifest import routes

    assert R.label(W.MEDIATOR) == "人民调解员" and R.ROLE_LEVELS[W.SECURITY_LIAISON] == {"street", "district"}
    assert audit_labels.action_label("dispute.reveal_party").startswith("查看当事人明文")
    assert {"mediation:detail", "GET /api/v1/mediation/disputes/{number}"} <= set(routes())
    now_register(world)
    client.force_login(world.users["mediator_A1"])
    body = client.get(reverse("core:home")).content.decode()
    assert 'href="/mediation/"' in body and "矛盾调解" in body


# -- the API --------------------------------------------------------------------------------------------------
@pytest.fixture
def api(world, client):
    from civicgrid.api import services as api_services

    def headers(username):
        _, raw = api_services.issue_token(world.users["admin"], user=world.users[username], name=username)
        return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}

    return headers


def test_api_register_list_act_and_refusals(world, client, api):
    h = api("mediator_A1")
    resp = client.post("/api/v1/mediation/disputes", {
        "source": "walk_in", "type": "neighbour", "summary": "噪音扰民", "region_code": world.grids["A1a"].code,
        "parties": [{"side": "applicant", "name": "张秀兰", "phone": "13912345678", "consent": True},
                    {"side": "respondent", "name": "刘建国", "consent": True}]}, content_type="application/json", **h)
    assert resp.status_code == 201, resp.content
    out = resp.json()
    assert out["state"] == W.REGISTERED and out["parties"][0]["phone_masked"] == "139****5678"
    assert "13912345678" not in resp.content.decode() and "accept" in out["actions"]
    number = out["number"]
    resp = client.post(f"/api/v1/mediation/disputes/{number}/act", {"action": "agree"},
                       content_type="application/json", **h)
    assert resp.status_code == 409 and resp.json()["error"]["code"] == "mediation.illegal_action"
    resp = client.post(f"/api/v1/mediation/disputes/{number}/act", {"action": "accept", "expected_version": 1},
                       content_type="application/json", **h)
    assert resp.status_code == 200 and resp.json()["state"] == W.MEDIATING
    resp = client.post(f"/api/v1/mediation/disputes/{number}/act", {"action": "record_session", "session": SESSION},
                       content_type="application/json", **h)
    assert resp.status_code == 200 and resp.json()["version"] == 3
    other = api("mediator_B1")
    assert client.get(f"/api/v1/mediation/disputes/{number}", **other).status_code == 404
    assert number not in client.get("/api/v1/mediation/disputes?state=all", **other).content.decode()
    resp = client.post(f"/api/v1/mediation/disputes/{number}/act", {"action": "extend", "note": "越权"},
                       content_type="application/json", **other)
    assert resp.status_code == 404 and resp.json()["error"]["code"] == "not_found"
    resp = client.post("/api/v1/mediation/disputes", {"source": "walk_in", "type": "neighbour", "summary": "x",
                                                       "region_code": world.grids["A1a"].code,
                                                       "parties": [{"side": "applicant", "name": "甲"}]},
                       content_type="application/json", **api("urban_A"))
    assert resp.status_code == 403 and "需要以下角色之一" in resp.json()["error"]["message"]
    month = timezone.localdate().strftime("%Y-%m")
    rep = client.get(f"/api/v1/mediation/report?area={world.streets['A'].code}&month={month}", **h)
    assert rep.status_code == 404  # a community mediator cannot report on the whole street
    rep = client.get(f"/api/v1/mediation/report?area={world.communities['A1'].code}&month={month}", **h).json()
    assert rep["total"]["found"] == 1 and rep["total"]["mediated"] == 1


def test_hostile_month_and_party_are_refused_not_500(world, client):
    d = now_register(world)
    client.force_login(world.users["mediator_A1"])
    resp = client.get(reverse("mediation:report") + f"?area={world.communities['A1'].code}&month=0001-01")
    # The shared parameter parser (core/params.py): the report says what is wrong with the month.
    assert resp.status_code == 200 and "“月份”须在 1900-01 至 2100-12 之间" in resp.content.decode()
    for hostile in ("9" * 40, "x'--"):
        resp = client.post(reverse("mediation:reveal", args=[d.number]), {"party": hostile, "field": "phone",
                                                                           "reason": "电话约调解时间"})
        assert resp.status_code == 400 and "“当事人”须为整数" in resp.content.decode()  # never a 500
