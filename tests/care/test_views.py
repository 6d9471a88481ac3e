"""Jurisdiction (a helper sees only their people; a community only its own), the phone pages and the
API's refusals."""
import datetime as dt
import json

import pytest

from civicgrid.care import services as S
from civicgrid.care.models import Contact

pytestmark = pytest.mark.django_db


def _token(t, user):
    from civicgrid.api import services as api_services

    return api_services.issue_token(t.users["admin"], user=user, name="t")[1]


def test_a_helper_sees_only_their_people(care, client):
    from civicgrid.care import selectors

    a1, b1 = care.plan["A1"], care.plan["B1"]
    assert list(selectors.plans(care.users["helper_A1"])) == [a1]
    assert list(selectors.plans(care.users["helper_A1b"])) == []  # same community, not her people
    assert list(selectors.plans(care.users["volunteer_A1"])) == []  # not on the duty chain yet
    S.add_responder(care.users["staff_A1"], a1, "neighbour", user=care.users["volunteer_A1"])
    assert list(selectors.plans(care.users["volunteer_A1"])) == [a1]
    client.force_login(care.users["helper_A1b"])
    r = client.get(f"/care/plans/{a1.pk}/")
    assert r.status_code == 404 and "不在您的管辖范围内" in r.content.decode()
    rhythm = a1.rhythms.get(kind="daily_call")
    r = client.post(f"/care/due/{rhythm.pk}/log/", {"reached": "1"})
    assert r.status_code == 404 and not Contact.objects.exists()
    client.force_login(care.users["helper_A1"])
    assert client.get(f"/care/plans/{a1.pk}/").status_code == 200
    assert client.get(f"/care/plans/{b1.pk}/").status_code == 404


def test_a_community_sees_only_its_own_and_the_street_sees_both_of_its_communities(care, client):
    from civicgrid.care import selectors
    from tests.care.conftest import make_elder

    a2 = S.create_plan(care.users["staff_A2"], make_elder(care, "A2", seq=5, name="孙德明"))
    assert set(selectors.plans(care.users["staff_A1"])) == {care.plan["A1"]}
    assert set(selectors.plans(care.users["staff_A2"])) == {a2}
    assert set(selectors.plans(care.users["dispatcher_A"])) == {care.plan["A1"], a2}
    assert set(selectors.plans(care.users["worker_A1a"])) == {care.plan["A1"]}
    client.force_login(care.users["staff_A1"])
    body = client.get("/care/overview/").content.decode()
    assert "A1社区" in body and "A2社区" not in body and "B1社区" not in body
    body = client.get("/care/plans/").content.decode()
    assert "王秀英" in body and "孙德明" not in body and "赵桂兰" not in body


def test_departments_and_the_hotline_are_refused_with_the_reason(care, client):
    for name in ("operator", "urban_A"):
        client.force_login(care.users[name])
        r = client.get("/care/")
        assert r.status_code == 403 and "为老关怀仅限" in r.content.decode()
        raw = _token(care, care.users[name])
        r = client.post("/api/v1/care/contacts", json.dumps({"rhythm_id": 1, "reached": True}),
                        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden")
        r = client.post("/api/v1/care/alerts", json.dumps({"plan_id": care.plan["A1"].pk, "kind": "fall"}),
                        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert (r.status_code, r.json()["error"]["code"]) == (403, "forbidden")


def test_the_api_due_list_and_contact_log_for_the_helper(care, client, monkeypatch):
    from civicgrid.care import models as M

    helper = care.users["helper_A1"]
    today = dt.date.today()
    M.Rhythm.objects.filter(plan=care.plan["A1"]).update(next_due=today, due_by=today)
    raw = _token(care, helper)
    rows = client.get("/api/v1/care/due", HTTP_AUTHORIZATION=f"Bearer {raw}").json()
    assert {r["kind"] for r in rows} == {"daily_call", "weekly_home"}
    assert rows[0]["person_name_masked"].startswith("王*英") and rows[0]["person_phone_masked"] == "139****5678"
    call = next(r for r in rows if r["kind"] == "daily_call")
    r = client.post("/api/v1/care/contacts", json.dumps({"rhythm_id": call["rhythm_id"], "reached": True,
                                                         "findings": ["mood"], "note": "有点想女儿"}),
                    content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert r.status_code == 201 and r.json()["on_time"]
    other = _token(care, care.users["helper_B1"])
    r = client.post("/api/v1/care/contacts", json.dumps({"rhythm_id": call["rhythm_id"], "reached": True}),
                    content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {other}")
    assert (r.status_code, r.json()["error"]["code"]) == (404, "not_found")


def test_calling_reveals_the_number_to_the_helper_once_and_logs_it(care, client):
    from civicgrid.core.models import AuditEntry

    client.force_login(care.users["helper_A1"])
    r = client.post(f"/care/plans/{care.plan['A1'].pk}/call/")
    assert r.status_code == 302 and r["Location"] == "tel:13912345678" and r["Cache-Control"] == "no-store"
    assert AuditEntry.objects.filter(action="care_plan.call", actor=care.users["helper_A1"]).count() == 1
    client.force_login(care.users["volunteer_A1"])
    assert client.post(f"/care/plans/{care.plan['A1'].pk}/call/").status_code == 404  # not on her chain


def test_phone_pages_render_and_a_bad_form_keeps_what_was_typed(care, client):
    helper = care.users["helper_A1"]
    client.force_login(helper)
    rhythm = care.plan["A1"].rhythms.get(kind="weekly_home")
    r = client.post(f"/care/due/{rhythm.pk}/log/", {"reached": "1", "note": "血压偏高", "follow_up": "1"})
    assert r.status_code == 400 and "跟进事项" in r.content.decode() and "血压偏高" in r.content.decode()
    assert not Contact.objects.exists()
    for url in ("/care/", "/care/?scope=week", "/care/alerts/", "/care/alerts/new/", f"/care/plans/{care.plan['A1'].pk}/"):
        assert client.get(url).status_code == 200, url
    r = client.get("/care/overview/?month=0001-01")
    assert r.status_code == 200 and "月份" in r.content.decode()


def test_overview_figures(care):
    from civicgrid.care import overview as O
    from tests.care.conftest import at

    helper = care.users["helper_A1"]
    plan = care.plan["A1"]
    plan.person.tags.update(start=dt.date(2025, 1, 1))  # in the care group during the month measured
    S.log_contact(helper, plan.rhythms.get(kind="daily_call"), reached=True, now=at(2025, 9, 22, 9, 0))
    S.sweep_misses(dt.date(2025, 9, 24))  # 09-23's call missed
    a = S.raise_alert(helper, plan, source="call", kind="fall", now=at(2025, 9, 24, 9, 0))
    S.act_alert(helper, a, "acknowledge", now=at(2025, 9, 24, 9, 3))
    f = O.figures([care.communities["A1"]], dt.date(2025, 9, 1), dt.date(2025, 9, 30))[care.communities["A1"].pk]
    assert (f["members"], f["planned"], f["alerts"], f["acknowledged"], f["response"]) == (1, 1, 1, 1, 3.0)
    assert f["on_time"] == 1 and f["missed"] >= 1
    assert O.kpi_coverage(care.streets["A"], dt.date(2025, 9, 1), dt.date(2025, 9, 30)) == 1.0
    assert O.kpi_response(care.district, dt.date(2025, 9, 1), dt.date(2025, 9, 30)) == 3.0
