"""Subsidies and their limits, the deadline sweep, jurisdiction, personal data."""
import datetime as dt
import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.services import selectors
from civicgrid.services import services as S
from civicgrid.services import workflow as W
from civicgrid.services.models import Order, SubsidyBooking

from .conftest import T0, fund, place

pytestmark = pytest.mark.django_db
D = decimal.Decimal


# -- subsidies ---------------------------------------------------------------------------------------
def test_subsidy_is_booked_to_the_fund_per_person_and_month(world):
    f = fund(world, monthly="12")
    o = place(world)
    assert (o.price, o.subsidy, o.pays) == (D("15"), D("5"), D("10"))
    b = SubsidyBooking.objects.get(order=o)
    assert (b.fund, b.person, b.period, b.amount) == (f, world.person, "2026-03", D("5"))


def test_subsidy_limit_per_month_is_enforced(world):
    fund(world, monthly="12")
    got = [place(world, now=T0 + dt.timedelta(minutes=i)).subsidy for i in range(4)]
    assert got == [D("5"), D("5"), D("2"), D("0")]  # 12 a month: the third gets what is left
    assert sum(b.amount for b in SubsidyBooking.objects.all()) == D("12")
    last = Order.objects.order_by("-id").first()
    assert last.pays == D("15")
    # A new month brings a new budget.
    april = place(world, now=dt.datetime(2026, 4, 1, 9, tzinfo=T0.tzinfo))
    assert april.subsidy == D("5") and april.subsidy_bookings.get().period == "2026-04"


def test_fund_budget_is_a_limit_too(world):
    fund(world, monthly="100", budget="7")
    assert [place(world, now=T0 + dt.timedelta(minutes=i)).subsidy for i in range(2)] == [D("5"), D("2")]


def test_no_subsidy_for_someone_outside_the_care_groups(world):
    fund(world)
    o = place(world, phone="13800001111", name="李四")
    assert o.person is None and o.subsidy == 0 and not SubsidyBooking.objects.exists()


def test_yearly_entitlement(world):
    from civicgrid.people.models import PersonTag
    from civicgrid.services.models import Entitlement

    f = fund(world, monthly="0")
    PersonTag.objects.create(person=world.person, kind="low_income", start=dt.date(2025, 1, 1))
    Entitlement.objects.create(fund=f, kind="low_income", period="year", amount=D("8"))
    a = place(world)
    b = place(world, now=dt.datetime(2026, 6, 1, 9, tzinfo=T0.tzinfo))
    assert (a.subsidy, b.subsidy) == (D("5"), D("3"))
    assert {x.period for x in SubsidyBooking.objects.all()} == {"2026"}


# -- the sweep ----------------------------------------------------------------------------------------
def test_overdue_acceptance_is_flagged_and_escalated(world):
    o = place(world)
    assert o.due_at == T0 + dt.timedelta(minutes=30)
    counts = S.sweep(T0 + dt.timedelta(minutes=25))
    assert counts["warned"] == 1 and Order.objects.get(pk=o.pk).is_warned
    counts = S.sweep(T0 + dt.timedelta(minutes=31))
    o = Order.objects.get(pk=o.pk)
    assert counts["overdue"] == 1 and counts["escalated"] == 1
    assert o.is_overdue and o.tier == W.STREET and o.state == W.ASSIGNED
    assert o.events.last().action == "escalate" and o.events.last().data == {"from_tier": "community", "to_tier": "street"}
    from civicgrid.core.notifications import Notification

    assert Notification.objects.filter(recipient=world.users["prov_good"], title__contains="超时").exists()
    assert Notification.objects.filter(recipient=world.users["dispatcher_A"], title__contains="超时上报").exists()
    # A second sweep does nothing more.
    assert S.sweep(T0 + dt.timedelta(minutes=40))["overdue"] == 0


def test_overdue_arrival_counts_from_the_booked_time(world):
    o = place(world)  # booked for T0 + 1h, arrive within 30 minutes
    o = S.act(world.users["prov_good"], o, "accept", now=T0 + dt.timedelta(minutes=5))
    assert o.arrive_due == T0 + dt.timedelta(minutes=90) and o.due_at == o.arrive_due
    assert S.sweep(T0 + dt.timedelta(minutes=89))["overdue"] == 0
    assert S.sweep(T0 + dt.timedelta(minutes=91))["overdue"] == 1
    o = Order.objects.get(pk=o.pk)
    assert o.is_overdue and o.tier == W.STREET
    # Checking in late records it; the next step's clock starts clean.
    o = S.act(world.users["prov_good"], o, "check_in", lng=116.005, lat=39.905, now=T0 + dt.timedelta(minutes=100))
    assert o.on_time is False and not o.is_overdue and o.due_at is None


# -- jurisdiction ----------------------------------------------------------------------------------------
def test_a_provider_sees_only_its_own_orders(world):
    mine = place(world)
    other = place(world, now=T0 + dt.timedelta(minutes=1))
    S.act(world.users["prov_good"], other, "decline", note="忙")  # → 颐家厨房
    b_order = place(world, who="staff_B1", region=world.grids["B1a"], phone="13800002222", name="赵六")
    assert set(selectors.orders(world.users["prov_good"])) == {mine}
    assert set(selectors.orders(world.users["prov_ok"])) == {Order.objects.get(pk=other.pk)}
    assert set(selectors.orders(world.users["prov_B"])) == {b_order}
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.order(world.users["prov_ok"], mine.number)
    # A provider account holds no seat: nothing of the territory is visible to it elsewhere.
    from civicgrid.core.scoping import visible_to
    from civicgrid.people.models import Person

    assert not visible_to(world.users["prov_good"], Person.objects.all()).exists()


def test_a_community_desk_sees_only_its_community(world):
    a1 = place(world)
    a2 = place(world, who="staff_A2", region=world.grids["A2a"], phone="13800003333", name="钱七")
    assert set(selectors.orders(world.users["centre_A1"])) == {a1}
    assert set(selectors.orders(world.users["staff_A2"])) == {a2}
    assert set(selectors.orders(world.users["dispatcher_A"])) == {a1, a2}
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        S.act(world.users["staff_A2"], a1, "cancel", note="越权")
    assert Order.objects.get(pk=a1.pk).state == W.ASSIGNED


# -- personal data ----------------------------------------------------------------------------------------
def test_orderer_data_is_encrypted_and_masked(world):
    from django.db import connection

    o = place(world)
    with connection.cursor() as c:
        c.execute("SELECT name, phone, address FROM services_order WHERE id = %s", [o.pk])
        raw = " ".join(c.fetchone())
    assert "王秀英" not in raw and "13912345678" not in raw and "幸福小区" not in raw
    assert (o.name_masked, o.phone_masked, o.address_masked) == ("王*英", "139****5678", "幸福小区3号楼****")


def test_reveal_needs_a_reason_and_is_audited(world):
    from civicgrid.core.models import AuditEntry

    o = place(world)
    with pytest.raises(ValidationError, match="事由"):
        S.reveal_orderer(world.users["centre_A1"], o, "phone", "看")
    assert S.reveal_orderer(world.users["centre_A1"], o, "phone", "电话约上门时间") == "13912345678"
    e = AuditEntry.objects.get(action="order.reveal")
    assert e.detail == {"fields": ["phone"]} and e.reason == "电话约上门时间"
    assert "13912345678" not in str(e.detail) + e.object_repr
    with pytest.raises(PermissionDenied):
        S.reveal_orderer(world.users["staff_B1"], o, "phone", "电话约上门时间")
    # The provider may reach the door only once it has accepted the order.
    with pytest.raises(PermissionDenied):
        S.reveal_orderer(world.users["prov_good"], o, "address", "上门服务需要地址")
    o = S.act(world.users["prov_good"], o, "accept")
    assert S.reveal_orderer(world.users["prov_good"], o, "phone", "上门前电话联系") == "13912345678"
    with pytest.raises(PermissionDenied):
        S.reveal_orderer(world.users["prov_ok"], o, "phone", "上门前电话联系")


def test_provider_suspension_with_reason_takes_it_out_of_assignment(world):
    p = world.providers["good"]
    with pytest.raises(ValidationError, match="理由"):
        S.set_provider_status(world.users["centre_A1"], p, "suspended", "")
    with pytest.raises(PermissionDenied):
        S.set_provider_status(world.users["staff_B1"], p, "suspended", "投诉较多")
    S.set_provider_status(world.users["centre_A1"], p, "suspended", "一周内投诉三次，暂停整改")
    assert place(world).provider == world.providers["ok"]
    S.set_provider_status(world.users["centre_A1"], p, "active", "整改完成，恢复服务")
    assert [c.to_status for c in p.status_changes.all()] == ["active", "suspended"]


def test_document_expiry_reminders(world):
    from civicgrid.core.notifications import Notification
    from civicgrid.services.models import ProviderDocument

    p = world.providers["good"]
    ProviderDocument.objects.create(provider=p, kind="insurance", expires_on=dt.date(2026, 3, 20))
    ProviderDocument.objects.create(provider=p, kind="licence", expires_on=dt.date(2027, 3, 20))
    assert S.remind_documents(dt.date(2026, 3, 4)) == 1
    assert Notification.objects.filter(recipient=world.users["prov_good"], title__contains="2026-03-20").exists()
    assert Notification.objects.filter(recipient=world.users["centre_A1"]).exists()
    assert S.remind_documents(dt.date(2026, 3, 5)) == 0  # once a week
    assert S.remind_documents(dt.date(2026, 3, 12)) == 1


def test_kpis(world):
    from civicgrid.services import report

    from .test_paths import serve

    o = serve(world, place(world))
    S.resident_act("13912345678", o, "confirm", rating=5)
    late = S.act(world.users["prov_good"], place(world, now=T0 + dt.timedelta(minutes=1)), "accept",
                 now=T0 + dt.timedelta(minutes=2))
    S.act(world.users["prov_good"], late, "check_in", lng=116.0, lat=39.9, now=T0 + dt.timedelta(hours=3))
    f = report.figures(world.district, dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert (f["orders"], f["on_time_rate"], f["satisfaction"]) == (2, 0.5, 1.0)
    assert report.kpi_orders(world.streets["B"], dt.date(2026, 3, 1), dt.date(2026, 3, 31)) == 0
