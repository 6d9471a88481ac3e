"""The plan's settings pages: who keeps each rhythm, the duty chain of responders, device issuing (key shown
once, revoked with a reason) and a community's escalation chain in minutes. Every change is audited; bad
input is refused in Chinese and changes nothing; seats and jurisdiction are checked before the form."""
import json

import pytest

from civicgrid.care import devices as D
from civicgrid.care import services as S
from civicgrid.care.models import AlertChainStep, Device, Responder, Rhythm
from civicgrid.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def _msgs(r) -> str:
    return " ".join(str(m) for m in r.wsgi_request._messages)


def test_community_staff_changes_who_keeps_a_rhythm(care, client):
    plan = care.plan["A1"]
    daily, weekly = plan.rhythms.get(kind="daily_call"), plan.rhythms.get(kind="weekly_home")
    client.force_login(care.users["staff_A1"])
    page = client.get(f"/care/plans/{plan.pk}/edit/").content.decode()
    other = care.users["helper_A1b"]
    assert f'value="{other.pk}:helper"' in page and "助老员乙（助老员）" in page
    assert f'value="{care.users["helper_B1"].pk}:helper"' not in page  # another community's helper
    r = client.post(f"/care/plans/{plan.pk}/keepers/", {f"rhythm_{daily.pk}": f"{other.pk}:helper"})
    assert r.status_code == 302 and "已调整 1 个节奏" in _msgs(r)
    daily.refresh_from_db()
    assert (daily.worker, daily.worker_kind) == (other, "helper")
    entry = AuditEntry.objects.filter(action="care.assign").latest("id")
    assert entry.detail["rhythm"] == "daily_call" and entry.detail["to"] == other.pk


def test_a_bad_keeper_changes_nothing_even_beside_a_good_one(care, client):
    plan = care.plan["A1"]
    daily, weekly = plan.rhythms.get(kind="daily_call"), plan.rhythms.get(kind="weekly_home")
    before = {r.pk: r.worker_id for r in Rhythm.objects.filter(plan=plan)}
    client.force_login(care.users["staff_A1"])
    for bad in (f"{care.users['helper_B1'].pk}:helper", "abc", f"{care.users['helper_A1b'].pk}:boss"):
        r = client.post(f"/care/plans/{plan.pk}/keepers/", {f"rhythm_{daily.pk}": bad,
                                                           f"rhythm_{weekly.pk}": f"{care.users['helper_A1b'].pk}:helper"})
        assert r.status_code == 302 and "日电话的责任人无效" in _msgs(r)
    assert {r.pk: r.worker_id for r in Rhythm.objects.filter(plan=plan)} == before
    assert not AuditEntry.objects.filter(action="care.assign").exists()


def test_seats_and_jurisdiction_are_checked_before_the_form(care, client):
    plan = care.plan["A1"]
    client.force_login(care.users["helper_A1"])  # keeps the rhythms, may not change the settings
    r = client.get(f"/care/plans/{plan.pk}/edit/")
    assert r.status_code == 403 and "此操作需要以下角色之一" in r.content.decode()
    daily = plan.rhythms.get(kind="daily_call")
    r = client.post(f"/care/plans/{plan.pk}/keepers/", {f"rhythm_{daily.pk}": f"{care.users['helper_A1'].pk}:helper"})
    assert r.status_code == 403
    client.force_login(care.users["staff_B1"])
    for url in (f"/care/plans/{plan.pk}/edit/", f"/care/plans/{plan.pk}/responders/"):
        r = client.post(url, {"action": "add", "kind": "family", "name": "王芳", "phone": "13800001234"}) \
            if url.endswith("responders/") else client.get(url)
        assert r.status_code == 404 and "不在您的管辖范围内" in r.content.decode()
    assert not Responder.objects.exists()
    client.force_login(care.users["social_A1"])  # keeps the monthly visit: responders and devices, not keepers
    page = client.get(f"/care/plans/{plan.pk}/edit/").content.decode()
    assert 'id="responder-form"' in page and 'id="device-form"' in page and 'id="keepers-form"' not in page


def test_responders_added_with_protected_contacts_and_removed_with_a_reason(care, client):
    plan = care.plan["A1"]
    client.force_login(care.users["staff_A1"])
    url = f"/care/plans/{plan.pk}/responders/"
    r = client.post(url, {"action": "add", "kind": "family", "name": "王芳", "phone": "138-0000-1234",
                          "relation": "女儿", "duty_from": "20:00", "duty_to": "08:00"})
    assert r.status_code == 302 and "已登记响应人" in _msgs(r)
    x = Responder.objects.get()
    assert (x.name, x.phone, x.relation) == ("王芳", "13800001234", "女儿") and x.on_duty(__import__("datetime").time(23))
    page = client.get(f"/care/plans/{plan.pk}/edit/").content.decode()
    assert "13800001234" not in page and "王芳" not in page and "138****1234" in page and "20:00—08:00" in page
    assert "13800001234" not in json.dumps(AuditEntry.objects.filter(action="care.responder_add").latest("id").detail)
    r = client.post(url, {"action": "add", "kind": "neighbour", "account": f"{care.users['volunteer_A1'].pk}:volunteer"})
    assert r.status_code == 302 and Responder.objects.filter(user=care.users["volunteer_A1"]).exists()

    for bad, reason in [({"kind": "family", "name": "李四"}, "须填写姓名和电话"),
                        ({"kind": "boss", "name": "李四", "phone": "13800001235"}, "响应人类别无效"),
                        ({"kind": "family", "name": "李四", "phone": "13800001235", "duty_from": "25:99",
                          "duty_to": "08:00"}, "值守开始时间格式应为"),
                        ({"kind": "family", "name": "李四", "phone": "13800001235", "duty_from": "08:00"},
                         "须同时填写开始和结束"),
                        ({"kind": "family", "account": f"{care.users['helper_B1'].pk}:helper"}, "不在该居民所在社区"),
                        ({"kind": "family", "name": "李四", "phone": "电话"}, "电话号码只能包含数字")]:
        r = client.post(url, {"action": "add", **bad})
        assert r.status_code == 302 and reason in _msgs(r), (bad, _msgs(r))
    assert Responder.objects.count() == 2

    r = client.post(url, {"action": "remove", "responder": x.pk, "reason": ""})
    assert "请填写移除响应人的原因" in _msgs(r) and Responder.objects.filter(pk=x.pk).exists()
    other = S.add_responder(care.users["staff_B1"], care.plan["B1"], "family", name="赵六", phone="13800009999")
    r = client.post(url, {"action": "remove", "responder": other.pk, "reason": "搬走了"})
    assert "不在此关爱计划中" in _msgs(r) and Responder.objects.filter(pk=other.pk).exists()
    r = client.post(url, {"action": "remove", "responder": x.pk, "reason": "女儿已搬往外地"})
    assert not Responder.objects.filter(pk=x.pk).exists()
    entry = AuditEntry.objects.filter(action="care.responder_remove").get()
    assert entry.reason == "女儿已搬往外地" and entry.detail["kind"] == "family"


def test_a_device_key_is_shown_once_and_a_revoked_device_signs_nothing(care, client):
    plan = care.plan["A1"]
    client.force_login(care.users["social_A1"])
    url = f"/care/plans/{plan.pk}/devices/"
    r = client.post(url, {"action": "issue", "serial": "SOS-0042", "kind": "pendant"})
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    d = Device.objects.get()
    page = r.content.decode()
    assert d.key in page and "只显示这一次" in page
    key = d.key
    assert key not in client.get(f"/care/plans/{plan.pk}/edit/").content.decode()  # never again
    assert key not in json.dumps(AuditEntry.objects.get(action="care.device_issue").detail)

    for bad, reason in [({"serial": "SOS-0042", "kind": "pendant"}, "该设备编号已登记"),
                        ({"serial": "SOS 1;drop", "kind": "pendant"}, "设备编号须为字母、数字或连字符"),
                        ({"serial": "SOS-7", "kind": "rocket"}, "设备类型无效")]:
        r = client.post(url, {"action": "issue", **bad})
        assert r.status_code == 302 and reason in _msgs(r)
    assert Device.objects.count() == 1

    r = client.post(url, {"action": "revoke", "device": d.pk, "reason": " "})
    assert "请填写停用设备的原因" in _msgs(r)
    r = client.post(url, {"action": "revoke", "device": d.pk, "reason": "老人反映设备丢失"})
    assert r.status_code == 302 and "已停用设备 SOS-0042" in _msgs(r)
    d.refresh_from_db()
    assert not d.active
    entry = AuditEntry.objects.get(action="care.device_revoke")
    assert entry.reason == "老人反映设备丢失" and entry.detail["serial"] == "SOS-0042"
    body = json.dumps({"kind": "fall"}).encode()
    r = client.post("/api/v1/care/device/alerts", body, content_type="application/json",
                    **D.signed_headers(key, d.serial, body))
    assert r.status_code == 401 and r.json()["error"]["code"] == "care.unknown_device"
    client.force_login(care.users["worker_A1a"])  # a grid worker may not issue devices
    r = client.post(url, {"action": "issue", "serial": "SOS-0043", "kind": "button"})
    assert r.status_code == 403 and "此操作需要以下角色之一" in r.content.decode()


def test_the_escalation_chain_is_set_in_minutes_per_community(care, client):
    community = care.communities["A1"]
    client.force_login(care.users["staff_A1"])
    url = f"/care/chain/{community.code}/"
    page = client.get(url).content.decode()
    assert 'value="5"' in page and 'value="15"' in page  # the default chain, shown for editing
    r = client.post(url, {"after_0": "0", "kinds_0": ["helper", "family"], "after_1": "3", "kinds_1": ["community"],
                          "after_2": "10", "kinds_2": ["street"]})
    assert r.status_code == 302
    assert [(s.level, s.after_minutes, s.kinds) for s in AlertChainStep.objects.filter(community=community)] == [
        (0, 0, ["helper", "family"]), (1, 3, ["community"]), (2, 10, ["street"])]
    assert AuditEntry.objects.filter(action="care.chain_set").exists()
    a = S.raise_alert(care.users["staff_A1"], care.plan["A1"], source="call", kind="fall")
    assert [s["after"] for s in a.chain] == [0, 3, 10]

    for bad, reason in [({"after_0": "2", "kinds_0": ["helper"]}, "第一级须在发起时"),
                        ({"after_0": "0", "kinds_0": ["helper"], "after_1": "abc", "kinds_1": ["community"]},
                         "须为整数"),
                        ({"after_0": "0", "kinds_0": ["helper"], "after_1": "0", "kinds_1": ["community"]}, "须递增"),
                        ({"after_0": "0", "kinds_0": ["helper"], "after_1": "99999", "kinds_1": ["street"]},
                         "超出允许范围"),
                        ({"after_0": "0", "kinds_0": ["mayor"]}, "通知对象无效"),
                        ({"after_0": "0"}, "至少通知一类人"),
                        ({}, "上报链至少要有一级")]:
        r = client.post(url, bad)
        assert r.status_code == 400 and reason in r.content.decode(), (bad, r.content.decode()[-600:])
    assert AlertChainStep.objects.filter(community=community).count() == 3  # the saved chain stands
    r = client.post(url, {"action": "default"})
    assert [s.after_minutes for s in AlertChainStep.objects.filter(community=community)] == [0, 5, 15]


def test_the_chain_is_for_supervisors_of_that_community(care, client):
    url = f"/care/chain/{care.communities['A1'].code}/"
    client.force_login(care.users["helper_A1"])
    r = client.get(url)
    assert r.status_code == 403 and "设置逐级上报仅限" in r.content.decode()
    client.force_login(care.users["staff_B1"])
    r = client.post(url, {"after_0": "0", "kinds_0": ["helper"]})
    assert r.status_code == 404 and "不在您的管辖范围内" in r.content.decode()
    client.force_login(care.users["dispatcher_A"])
    assert client.get(url).status_code == 200
    assert not AlertChainStep.objects.exists()
