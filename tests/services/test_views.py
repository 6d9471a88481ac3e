"""The pages: desk, new order (hotline prefill), order page with reveal, provider portal, resident pages."""
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from civicgrid.services import services as S
from civicgrid.services import workflow as W
from civicgrid.services.models import Order

pytestmark = pytest.mark.django_db


def _place(world, **kw):
    kw.setdefault("item", world.items["meal"])
    return S.place_order(world.users["centre_A1"], name="王秀英", phone="13912345678", address="幸福小区3号楼2单元501",
                         region=world.grids["A1a"], scheduled_for=timezone.now() + dt.timedelta(hours=1), **kw)


def test_desk_shows_todays_orders_by_state_masked(world, client):
    o = _place(world)
    client.force_login(world.users["centre_A1"])
    body = client.get(reverse("services:desk")).content.decode()
    assert o.number in body and "王*英" in body and "王秀英" not in body and "待接单" in body


def test_hotline_operator_order_form_prefilled_from_the_call(world, client):
    from civicgrid.hotline import services as H

    c = H.record_contact(world.users["operator"], subject="老人要订午餐送上门", caller_phone="13912345678",
                         caller_name="王秀英", address="幸福小区3号楼")
    client.force_login(world.users["operator"])
    body = client.get(reverse("services:new") + f"?call={c.number}").content.decode()
    assert "13912345678" in body and c.number in body
    # Another operator's scope, or a made-up number: no prefill, no error.
    assert client.get(reverse("services:new") + "?call=NOPE").status_code == 200
    resp = client.post(reverse("services:new"), {
        "call": c.number, "item": "S01-02", "name": "王秀英", "phone": "13912345678", "community": world.communities["A1"].code,
        "address": "幸福小区3号楼", "scheduled_for": (timezone.localtime() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")})
    o = Order.objects.get()
    assert resp.status_code == 302 and o.channel == "hotline" and o.hotline_contact == c.number


def test_new_order_bad_input_keeps_the_form(world, client):
    client.force_login(world.users["centre_A1"])
    resp = client.post(reverse("services:new"), {"item": "S01-02", "name": "王秀英", "phone": "12", "address": "幸福小区",
                                                 "scheduled_for": "不是时间"})
    assert resp.status_code == 400 and "预约时间" in resp.content.decode() and 'value="王秀英"' in resp.content.decode()
    assert not Order.objects.exists()


def test_reveal_shows_the_value_once_without_the_session(world, client):
    o = _place(world)
    client.force_login(world.users["centre_A1"])
    resp = client.post(reverse("services:reveal", args=[o.number]), {"field": "phone", "reason": "电话约上门时间"})
    assert resp.status_code == 200 and "13912345678" in resp.content.decode() and resp["Cache-Control"] == "no-store"
    assert "13912345678" not in str(dict(client.session))
    assert "13912345678" not in client.get(reverse("services:order", args=[o.number])).content.decode()


def test_provider_portal_and_actions(world, client):
    from civicgrid.cases import photos
    from civicgrid.services.matrix import photo_bytes

    o = _place(world)
    client.force_login(world.users["prov_good"])
    assert client.get(reverse("services:desk"))["Location"].endswith(reverse("services:portal"))
    body = client.get(reverse("services:portal")).content.decode()
    assert o.number in body and "乐龄助餐社" in body
    # Another provider: nothing, and the order itself is not found.
    client.force_login(world.users["prov_ok"])
    assert o.number not in client.get(reverse("services:portal")).content.decode()
    assert client.get(reverse("services:order", args=[o.number])).status_code == 404
    client.force_login(world.users["prov_good"])
    url = reverse("services:act", args=[o.number])
    client.post(url, {"action": "accept", "version": o.version})
    client.post(url, {"action": "check_in", "lng": "116.005", "lat": "39.905"})
    import io

    f = io.BytesIO(photo_bytes())
    f.name = "done.jpg"
    client.post(url, {"action": "complete", "note": "已送达", "photo": f})
    o.refresh_from_db()
    assert o.state == W.COMPLETED and o.photo
    # The photo is served to the provider and the desk, not to another provider.
    assert client.get(o.photo.url).status_code == 200
    client.force_login(world.users["prov_ok"])
    assert client.get(o.photo.url).status_code == 404
    client.force_login(world.users["centre_A1"])
    assert client.get(o.photo.url).status_code == 200
    client.post(url, {"action": "close"})
    o.refresh_from_db()
    assert o.state == W.CLOSED


def test_stale_version_is_a_conflict_not_a_500(world, client):
    o = _place(world)
    client.force_login(world.users["prov_good"])
    resp = client.post(reverse("services:act", args=[o.number]), {"action": "accept", "version": "999"}, follow=True)
    assert resp.status_code == 200 and "已被他人处理" in resp.content.decode()


def test_resident_orders_from_the_phone_page_confirmed_by_sms(world, client, settings):
    from civicgrid.core import sms

    settings.SMS_BACKEND = "civicgrid.core.sms.MemorySMSBackend"
    url = reverse("services:resident_order")
    assert client.get(url + f"?item=S01-02&c={world.communities['A1'].code}").status_code == 200
    client.post(url, {"step": "send_code", "phone": "13912345678"})
    code = sms.MemorySMSBackend.outbox[-1][1].split("验证码是 ")[1][:6]
    client.post(url, {"step": "verify", "code": code})
    resp = client.post(url, {"step": "order", "item": "S01-02", "community": world.communities["A1"].code, "name": "王秀英",
                             "address": "幸福小区3号楼", "scheduled_for": (timezone.localtime() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")})
    assert resp.status_code == 302
    o = Order.objects.get()
    assert o.channel == "resident" and o.state == W.ASSIGNED and o.person == world.person
    body = client.get(reverse("services:resident_mine")).content.decode()
    assert o.number in body and "取消订单" in body
    client.post(reverse("services:resident_mine"), {"number": o.number, "action": "cancel", "note": "不需要了"})
    o.refresh_from_db()
    assert o.state == W.CANCELLED


def test_public_catalogue_and_service_circle(world, client):
    from civicgrid.services.models import ServicePoint

    ServicePoint.objects.create(community=world.communities["A1"], name="A1长者食堂", kind="canteen", address="A1路1号",
                                hours="每日 11:00-13:00", lng=116.006, lat=39.9055)
    ServicePoint.objects.create(community=world.communities["A2"], name="A2服务站", kind="station", address="A2路9号",
                                hours="9:00-17:00", lng=116.030, lat=39.918)
    url = reverse("services:public_community", args=[world.communities["A1"].code])
    body = client.get(url).content.decode()
    assert "A1长者食堂" in body and "助餐送餐上门" in body and "A2服务站" not in body
    body = client.get(url + "?lng=116.005&lat=39.905").content.decode()
    assert "步行约" in body and "10分钟服务圈" in body and "A2服务站" not in body  # far: outside 15 minutes
    assert client.get(url + "?lng=abc&lat=1").status_code == 200
    assert client.get(reverse("services:public_community", args=["nope"])).status_code == 404


def test_provider_page_suspend_with_reason(world, client):
    p = world.providers["good"]
    client.force_login(world.users["centre_A1"])
    client.post(reverse("services:provider", args=[p.pk]), {"status": "suspended", "reason": ""})
    p.refresh_from_db()
    assert p.status == "active"
    client.post(reverse("services:provider", args=[p.pk]), {"status": "suspended", "reason": "投诉较多，暂停整改"})
    p.refresh_from_db()
    assert p.status == "suspended" and p.status_reason == "投诉较多，暂停整改"


def test_joint_meeting_minutes_and_follow_up(world, client):
    from civicgrid.services.models import JointMeeting

    client.force_login(world.users["centre_A1"])
    client.post(reverse("services:meetings"), {"region": world.communities["A1"].code, "held_on": "2026-03-01",
                                               "attendees": "乐龄助餐社、颐家厨房", "minutes": "通报上月投诉",
                                               "decisions": "投诉48小时内回访"})
    m = JointMeeting.objects.get()
    client.post(reverse("services:meetings"), {"meeting": m.pk, "follow_up": "已落实回访"})
    m.refresh_from_db()
    assert m.follow_up == "已落实回访" and m.followed_up_at
    client.force_login(world.users["staff_B1"])
    assert "通报上月投诉" not in client.get(reverse("services:meetings")).content.decode()


def test_desk_records_a_vetting_document_with_its_expiry(world, client):
    p = world.providers["good"]
    client.force_login(world.users["centre_A1"])
    url = reverse("services:provider", args=[p.pk])
    client.post(url, {"what": "document", "kind": "insurance", "number": "BX2026", "expires_on": "2001-01-01"})
    assert not p.documents.exists()  # already expired: refused with the reason
    client.post(url, {"what": "document", "kind": "insurance", "number": "BX2026", "expires_on": "2099-01-01"})
    d = p.documents.get()
    assert d.number == "BX2026" and d.checked_by == world.users["centre_A1"]
    assert client.post(url, {"what": "document", "kind": "x", "expires_on": "bad"}).status_code == 302
