"""Phone width: a helper orders a subsidised meal delivery for an elder from her care plan; the register's
phone stays masked, a refused time keeps the form with the services app's reason, the plan then lists the
order with its state and the subsidy drawn. Screenshots of each step; then the plan settings at desk width."""
import datetime as dt
import decimal

import pytest

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e


def test_helper_orders_a_meal_from_the_care_plan_on_a_phone(page, live_server, transactional_db):
    from django.utils import timezone

    from civicgrid.care import services as S
    from civicgrid.care import workflow as W
    from civicgrid.services import matrix as MX
    from civicgrid.services.models import Entitlement, Fund, Order
    from tests.care.conftest import make_elder
    from tests.factories import build_territory, make_user

    t = build_territory()
    make_user("helper_A1", W.CARE_HELPER, t.communities["A1"], name="李助老", phone="13600000111")
    wang = make_elder(t, "A1", seq=1, name="王秀英")
    plan = S.create_plan(t.users["staff_A1"], wang)
    cat = MX.catalogue()
    MX.provider("乐龄助餐社", t.communities["A1"], [cat["meal"], cat["repair"]], area=t.streets["A"], username="prov_A")
    fund = Fund.objects.create(name="养老服务补贴资金", region=t.district, year=timezone.localdate().year,
                               budget=decimal.Decimal("10000"))
    Entitlement.objects.create(fund=fund, kind="elderly_alone", period="month", amount=decimal.Decimal("60"))

    login(page, live_server, "helper_A1")
    page.goto(f"{live_server.url}/care/plans/{plan.pk}/")
    page.click("#order-link")
    page.wait_for_selector("#order-form")
    assert "13912345678" not in page.content() and "139****5678" in page.get_attribute("#phone", "placeholder")
    page.check("input[name=item][value='S01-02']")
    page.fill("#scheduled_for", "2020-01-01T11:00")  # in the past: the services app refuses
    page.click("#place-order")
    page.wait_for_selector(".msg-error")
    assert "预约时间不能早于现在" in page.inner_text(".msg-error") and Order.objects.count() == 0
    when = timezone.localtime(timezone.now() + dt.timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    page.fill("#scheduled_for", when)
    page.fill("#note", "少盐，软一点")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "care_order_form_phone")
    page.click("#place-order")
    page.wait_for_selector(".msg-success")
    o = Order.objects.get()
    assert (o.channel, o.person_id, o.subsidy, o.state) == ("care", wang.pk, decimal.Decimal("5"), "assigned")
    orders = page.inner_text("#orders")
    assert o.number in orders and "待接单" in orders and "补贴 5 元" in orders
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "care_plan_orders_phone")


def test_plan_settings_at_desk_width(desktop_page, live_server, transactional_db):
    from civicgrid.care import services as S
    from civicgrid.care import workflow as W
    from civicgrid.care.models import Device, Responder
    from tests.care.conftest import make_elder
    from tests.factories import build_territory, make_user

    t = build_territory()
    make_user("helper_A1", W.CARE_HELPER, t.communities["A1"], name="李助老")
    make_user("helper_A1b", W.CARE_HELPER, t.communities["A1"], name="钱助老")
    plan = S.create_plan(t.users["staff_A1"], make_elder(t, "A1", seq=1, name="王秀英"))
    page = desktop_page
    login(page, live_server, "staff_A1")
    page.goto(f"{live_server.url}/care/plans/{plan.pk}/edit/")
    page.fill("#r-name", "王芳")
    page.fill("#r-phone", "13800001234")
    page.fill("#r-relation", "女儿")
    page.click("#responder-form button[type=submit]")
    page.wait_for_selector(".msg-success")
    assert "138****1234" in page.inner_text("#responders") and Responder.objects.count() == 1
    page.fill("#d-serial", "SOS-3001")
    page.click("#device-form button[type=submit]")
    page.wait_for_selector("#device-key")
    assert page.inner_text("#device-key").strip() == Device.objects.get().key
    shot(page, "care_plan_settings_desk")
    page.goto(f"{live_server.url}/care/plans/{plan.pk}/edit/")  # shown once: never again
    assert page.locator("#device-key").count() == 0 and "SOS-3001" in page.inner_text("#devices")
