"""Desktop width: the hotline operator orders a meal delivery for a caller during the call; the provider
accepts, checks in and completes through its portal; the service desk closes the order.
Phone width: the resident's order page (SMS-confirmed, no account) — screenshot looked at."""
import datetime as dt

import pytest

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e


def _world():
    from civicgrid.services import matrix as MX
    from civicgrid.services import workflow as W
    from tests.factories import build_territory, make_user

    t = build_territory()
    make_user("centre_A1", W.SERVICE_CENTRE, t.communities["A1"], name="A1社区服务站")
    cat = MX.catalogue()
    MX.provider("乐龄助餐社", t.communities["A1"], [cat["meal"]], area=t.streets["A"], username="prov_good", rating=5)
    from civicgrid.core.models import User

    u = User.objects.get(username="prov_good")
    u.set_password("pass-1234")
    u.save()
    return t


def test_hotline_orders_a_meal_and_the_desk_closes_it(desktop_page, live_server, transactional_db, tmp_path):
    from civicgrid.hotline import services as H
    from civicgrid.services import workflow as W
    from civicgrid.services.matrix import photo_bytes
    from civicgrid.services.models import Order

    t = _world()
    page = desktop_page
    call = H.record_contact(t.users["operator"], subject="独居老人想订午餐送上门", caller_phone="13912345678",
                            caller_name="王秀英", address="幸福小区3号楼2单元501")

    # The operator, during the call: the order form comes prefilled from the call.
    login(page, live_server, "operator")
    page.goto(f"{live_server.url}/services/new/?call={call.number}")
    assert page.input_value("#id_phone") == "13912345678" and page.input_value("#id_name") == "王秀英"
    page.select_option("#id_item", "S01-02")
    page.select_option("#id_community", t.communities["A1"].code)
    page.fill("#id_note", "少盐少油")
    shot(page, "services_hotline_order_desktop")
    page.click("#place-order")
    page.wait_for_selector("#order-state")
    o = Order.objects.get()
    assert o.channel == "hotline" and o.hotline_contact == call.number
    assert page.inner_text("#order-state") == "待接单" and "乐龄助餐社" in page.inner_text("#order-provider")
    assert "139****5678" in page.inner_text("#orderer-phone")

    # The provider, in its portal.
    page.context.clear_cookies()
    login(page, live_server, "prov_good")
    page.goto(f"{live_server.url}/services/portal/")
    page.click(f"text={o.number}")
    page.click("#act-accept button")
    page.wait_for_selector("text=待上门")
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": 116.005, "latitude": 39.905})
    page.click("#act-check_in button")
    page.wait_for_selector("text=服务中")
    img = tmp_path / "meal.jpg"
    img.write_bytes(photo_bytes())
    page.set_input_files("#act-complete input[type=file]", str(img))
    page.fill("#act-complete textarea", "已送餐到家，老人用餐正常")
    page.click("#act-complete button")
    page.wait_for_selector("#order-state:has-text('待确认')")
    o.refresh_from_db()
    assert o.state == W.COMPLETED and o.checkin_lng == pytest.approx(116.005) and o.photo

    # The service desk closes it.
    page.context.clear_cookies()
    login(page, live_server, "centre_A1")
    page.goto(f"{live_server.url}/services/")
    assert o.number in page.inner_text("main")
    shot(page, "services_desk_desktop")
    page.click(f"text={o.number}")
    page.click("#act-close button")
    page.wait_for_selector("#order-state:has-text('已办结')")
    o.refresh_from_db()
    assert o.state == W.CLOSED
    assert [e.action for e in o.events.all()] == ["place", "assign", "accept", "check_in", "complete", "close"]
    shot(page, "services_closed_desktop")


def test_resident_order_page_on_a_phone(page, live_server, transactional_db, settings):
    from civicgrid.core import sms

    settings.SMS_BACKEND = "civicgrid.core.sms.MemorySMSBackend"
    t = _world()
    page.goto(f"{live_server.url}/services/r/order/?item=S01-02&c={t.communities['A1'].code}")
    page.fill("#id_phone", "13912345678")
    page.click("#send-code")
    page.wait_for_selector("#id_code")
    code = sms.MemorySMSBackend.outbox[-1][1].split("验证码是 ")[1][:6]
    page.fill("#id_code", code)
    page.click("#verify-code")
    page.wait_for_selector("#resident-order-form")
    page.fill("#id_name", "王秀英")
    page.fill("#id_address", "幸福小区3号楼2单元501")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "services_resident_order_phone")
    page.click("#submit-order")
    page.wait_for_selector(".sv-mine")
    assert "助餐送餐上门" in page.inner_text("main") and "待接单" in page.inner_text("main")
    shot(page, "services_resident_mine_phone")
