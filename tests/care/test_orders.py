"""Care services ordered through the service supermarket: from a person's plan page a care worker orders an
item the person is entitled to; the services app places it (channel "care"), books the subsidy and refuses
with its own reasons; care's jurisdiction decides who may order for whom."""
import datetime as dt
import decimal

import pytest
from django.utils import timezone

from civicgrid.services.models import Order, ServiceItem, SubsidyBooking

pytestmark = pytest.mark.django_db


@pytest.fixture
def market(care):
    """The care fixture plus a catalogue: a meal subsidised for older people living alone (5 元 per order,
    5 元 a month), a nursing item for disabled residents only, providers in streets A and B."""
    from civicgrid.services import matrix as MX
    from civicgrid.services.models import Entitlement, Fund

    t = care
    cat = MX.catalogue()
    cat["meal"].eligible_kinds = ["elderly_alone"]
    cat["meal"].save(update_fields=["eligible_kinds"])
    cat["nursing"] = ServiceItem.objects.create(series=cat["meal"].series, code="S01-09", name="康复护理",
                                                pricing="paid", price=decimal.Decimal("80"),
                                                eligible_kinds=["disabled"])
    MX.provider("乐龄助餐社", t.communities["A1"], [cat["meal"], cat["nursing"]], area=t.streets["A"],
                username="prov_A")
    MX.provider("B街道助餐社", t.communities["B1"], [cat["meal"]], area=t.streets["B"], username="prov_B")
    fund = Fund.objects.create(name="养老服务补贴资金", region=t.district, year=timezone.localdate().year,
                               budget=decimal.Decimal("10000"))
    Entitlement.objects.create(fund=fund, kind="elderly_alone", period="month", amount=decimal.Decimal("5"))
    t.items = cat
    return t


def _when(hours=3) -> str:
    return timezone.localtime(timezone.now() + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M")


def _order(client, plan, **data):
    body = {"item": "S01-02", "scheduled_for": _when(), "name": "王秀英", "phone": "",
            "address": "A1路12号院3号楼1单元101室", "note": "少盐"}
    body.update(data)
    return client.post(f"/care/plans/{plan.pk}/order/", body)


def test_a_helper_orders_a_subsidised_meal_from_the_plan(market, client):
    plan = market.plan["A1"]
    client.force_login(market.users["helper_A1"])
    form = client.get(f"/care/plans/{plan.pk}/order/").content.decode()
    assert "助餐送餐上门" in form and "本期补贴余额 5 元" in form
    assert "康复护理" not in form  # for disabled residents only: not offered to her
    assert "13912345678" not in form and "139****5678" in form  # the register's phone, masked
    assert "3号楼1单元101室" in form  # the address prefilled from the register

    r = _order(client, plan)
    assert r.status_code == 302 and r["Location"] == f"/care/plans/{plan.pk}/"
    o = Order.objects.get()
    assert (o.channel, o.person_id, o.placed_by_id) == ("care", plan.person_id, market.users["helper_A1"].pk)
    assert o.phone == "13912345678"  # the register's number, since none was typed
    assert o.state == "assigned" and o.provider.name == "乐龄助餐社"  # the services app's rules assigned it
    assert o.subsidy == decimal.Decimal("5")
    booking = SubsidyBooking.objects.get(order=o)
    assert (booking.person_id, booking.amount) == (plan.person_id, decimal.Decimal("5"))

    page = client.get(f"/care/plans/{plan.pk}/").content.decode()
    assert o.number in page and "待接单" in page and "补贴 5 元" in page and "关爱计划" in page


def test_an_exhausted_budget_is_told_and_the_order_is_at_full_price(market, client):
    plan = market.plan["A1"]
    client.force_login(market.users["helper_A1"])
    _order(client, plan)
    r = _order(client, plan, scheduled_for=_when(5))
    assert r.status_code == 302
    second = Order.objects.order_by("-id").first()
    assert second.subsidy == 0
    msgs = [str(m) for m in r.wsgi_request._messages]
    assert any("补贴额度已用完" in m for m in msgs)
    assert "本期补贴余额 0 元" in client.get(f"/care/plans/{plan.pk}/order/").content.decode()


@pytest.mark.parametrize("data, reason", [
    ({"item": "S01-09"}, "仅限残疾人"),                  # not entitled (the services app's rule)
    ({"item": "NOPE-1"}, "请选择在架的服务项目"),          # unknown item
    ({"item": "S08-01"}, "请选择在架的服务项目"),          # a venue booking is not a care service
    ({"scheduled_for": "2020-01-01T10:00"}, "预约时间不能早于现在"),
    ({"scheduled_for": "明天上午"}, "预约时间格式应为"),
    ({"scheduled_for": _when(24 * 90)}, "只能预约 60 天以内"),
    ({"address": ""}, "请填写服务地址"),
    ({"phone": "abc"}, "电话号码只能包含数字"),
])
def test_a_refused_order_shows_the_services_reason_and_saves_nothing(market, client, data, reason):
    plan = market.plan["A1"]
    client.force_login(market.users["helper_A1"])
    r = _order(client, plan, **data)
    body = r.content.decode()
    assert r.status_code == 400, body[:300]
    assert reason in body and 'id="order-form"' in body
    assert not Order.objects.exists() and not SubsidyBooking.objects.exists()


def test_only_the_people_in_reach_and_only_ordering_seats(market, client):
    from civicgrid.care import services as S

    plan = market.plan["A1"]
    for name in ("helper_B1", "helper_A1b", "staff_B1"):  # another community; same community, not her person
        client.force_login(market.users[name])
        r = _order(client, plan)
        assert r.status_code == 404 and "不在您的管辖范围内" in r.content.decode(), name
    S.add_responder(market.users["staff_A1"], plan, "neighbour", user=market.users["volunteer_A1"])
    client.force_login(market.users["volunteer_A1"])
    assert client.get(f"/care/plans/{plan.pk}/").status_code == 200  # on the duty chain: sees the plan
    r = _order(client, plan)
    assert r.status_code == 403 and "代关爱对象下单仅限" in r.content.decode()
    assert "服务超市代下单" not in client.get(f"/care/plans/{plan.pk}/").content.decode()
    assert not Order.objects.exists()
    client.force_login(market.users["worker_A1a"])  # the grid worker of the person's grid may
    assert _order(client, plan).status_code == 302
    assert Order.objects.get().channel == "care"


def test_a_helper_cannot_use_the_care_channel_elsewhere():
    """The care seats are placers only for channel "care" (the adapter); the desk's pages stay closed."""
    from civicgrid.services import workflow as SW

    assert "care_helper" not in SW.PLACERS and "care_helper" in SW.CARE_PLACERS
