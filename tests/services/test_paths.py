"""Every order path through the shared engine: assigned by the rules, declined and reassigned,
checked in, completed with a photo, confirmed and rated, closed; complaint → case; cancellation."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.cases import photos
from civicgrid.services import services as S
from civicgrid.services import workflow as W
from civicgrid.services.matrix import photo_bytes, region_point
from civicgrid.services.models import Order, Provider

from .conftest import T0, place

pytestmark = pytest.mark.django_db


def serve(t, o, provider_key="good", now=T0):
    pu = t.users[f"prov_{provider_key}"]
    o = S.act(pu, o, "accept", now=now + dt.timedelta(minutes=5))
    x, y = region_point(t.grids["A1a"])
    o = S.act(pu, o, "check_in", lng=x, lat=y, now=now + dt.timedelta(minutes=55))
    return S.act(pu, o, "complete", note="已送餐到家", photo=photos.prepare(photo_bytes()),
                 now=now + dt.timedelta(minutes=80))


def test_placed_order_is_assigned_by_the_rules_to_the_best_rated_provider(world):
    o = place(world)
    assert o.state == W.ASSIGNED and o.provider == world.providers["good"]
    assert [e.action for e in o.events.all()] == ["place", "assign"]
    assert o.events.last().data["how"] == "rule"
    # Accept within the item's 30 minutes.
    assert o.due_at == T0 + dt.timedelta(minutes=30)


def test_rule_as_data_prefers_the_lighter_load(world):
    from civicgrid.services.models import AssignmentRule

    AssignmentRule.objects.create(name="均衡派单", series=world.items["meal"].series, prefer="load")
    first = place(world)
    second = place(world, now=T0 + dt.timedelta(minutes=1))
    assert {first.provider.name, second.provider.name} == {"乐龄助餐社", "颐家厨房"}


def test_rule_minimum_rating_keeps_low_rated_providers_out(world):
    from civicgrid.services.models import AssignmentRule

    AssignmentRule.objects.create(name="高分", item=world.items["meal"], min_rating=5, prefer="load")
    Provider.objects.filter(pk=world.providers["good"].pk).update(status="suspended")
    o = place(world)
    assert o.state == W.PLACED and o.provider is None  # nobody left: waits for the desk


def test_declined_order_is_reassigned_to_the_next_provider(world):
    o = place(world)
    o = S.act(world.users["prov_good"], o, "decline", note="人手不足", now=T0 + dt.timedelta(minutes=3))
    assert o.state == W.ASSIGNED and o.provider == world.providers["ok"]
    assert o.declined_by == [world.providers["good"].pk]
    assert [e.action for e in o.events.all()] == ["place", "assign", "decline", "assign"]
    # The second decline leaves nobody: the order waits for the desk, who assign by hand — but not back.
    o = S.act(world.users["prov_ok"], o, "decline", note="不在服务时间", now=T0 + dt.timedelta(minutes=6))
    assert o.state == W.PLACED and o.provider is None
    with pytest.raises(ValidationError, match="不在该区域"):
        S.act(world.users["centre_A1"], o, "assign", provider=world.providers["B"])
    o = S.act(world.users["centre_A1"], o, "assign", provider=world.providers["good"], note="电话协调后同意")
    assert o.state == W.ASSIGNED and o.events.last().data["how"] == "hand"


def test_decline_needs_a_reason_and_only_the_assigned_provider_may(world):
    o = place(world)
    with pytest.raises(ValidationError, match="理由"):
        S.act(world.users["prov_good"], o, "decline")
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        S.act(world.users["prov_ok"], o, "accept")  # not theirs: refused before anything
    with pytest.raises(PermissionDenied, match="须由承接订单的服务商"):
        S.act(world.users["centre_A1"], o, "accept")


def test_completed_and_rated_then_closed_by_the_desk(world):
    x, y = region_point(world.grids["A1a"])
    o = serve(world, place(world, lng=x + 0.0002, lat=y))  # the address's point: the check-in is measured
    assert o.state == W.COMPLETED and o.photo.name.startswith("services/") and o.on_time is True
    assert o.checkin_distance is not None and 10 < o.checkin_distance < 50
    o = S.resident_act("139 1234 5678", o, "confirm", rating=5, rating_note="很好", now=T0 + dt.timedelta(hours=3))
    assert o.state == W.CONFIRMED and o.rating == 5
    p = Provider.objects.get(pk=world.providers["good"].pk)
    assert (p.rating_sum, p.rating_count) == (55, 11)
    o = S.act(world.users["centre_A1"], o, "close", now=T0 + dt.timedelta(hours=4))
    assert o.state == W.CLOSED and o.closed_at is not None and not o.is_open
    assert o.events.get(action="confirm").actor is None and o.events.get(action="confirm").actor_name == "居民本人（短信验证）"


def test_completion_needs_a_photo_and_a_note(world):
    pu = world.users["prov_good"]
    o = S.act(pu, place(world), "accept")
    o = S.act(pu, o, "check_in", lng=116.005, lat=39.905)
    with pytest.raises(ValidationError, match="服务照片"):
        S.act(pu, o, "complete", note="已完成")
    with pytest.raises(ValidationError, match="说明"):
        S.act(pu, o, "complete", photo=photos.prepare(photo_bytes()))
    assert Order.objects.get(pk=o.pk).state == W.IN_SERVICE


def test_check_in_needs_a_location_and_records_lateness(world):
    pu = world.users["prov_good"]
    o = S.act(pu, place(world), "accept", now=T0 + dt.timedelta(minutes=2))
    with pytest.raises(ValidationError, match="定位"):
        S.act(pu, o, "check_in")
    # Booked for T0+1h, arrive within 30 minutes: 1h45 is late.
    o = S.act(pu, o, "check_in", lng=116.005, lat=39.905, now=T0 + dt.timedelta(hours=1, minutes=45))
    assert o.on_time is False and o.events.last().data["on_time"] is False


def test_another_phone_cannot_confirm(world):
    o = serve(world, place(world))
    with pytest.raises(PermissionDenied):
        S.resident_act("13800000000", o, "confirm", rating=1)


def test_complaint_becomes_a_case_in_the_closed_loop(world):
    from civicgrid.cases.models import Case

    o = serve(world, place(world))
    o = S.resident_act("13912345678", o, "complain", note="饭菜是凉的", now=T0 + dt.timedelta(hours=2))
    assert o.state == W.COMPLAINED and o.case_number
    case = Case.objects.get(number=o.case_number)
    assert o.number in case.description and "饭菜是凉的" in case.description
    assert case.region == world.grids["A1a"] and case.category.code == "51001"
    assert Provider.objects.get(pk=world.providers["good"].pk).complaints == 1
    assert o.events.last().data["case"] == case.number


def test_staff_take_a_complaint_on_the_phone_after_closing(world):
    o = serve(world, place(world))
    o = S.act(world.users["centre_A1"], o, "close")
    o = S.act(world.users["worker_A1a"], o, "complain", note="上门人员态度差")
    assert o.state == W.COMPLAINED and o.case_number


def test_hotline_operator_orders_for_a_caller(world):
    o = place(world, who="operator")
    assert o.channel == "hotline" and o.state == W.ASSIGNED
    assert o.events.first().actor_role == "hotline_operator"


def test_resident_orders_with_the_verified_phone_only(world):
    r = S.Resident("13912345678")
    o = place(world, who=None, **{}) if False else S.place_order(
        r, item=world.items["meal"], name="王秀英", phone="13912345678", address="幸福小区3号楼", region=world.grids["A1a"],
        scheduled_for=T0 + dt.timedelta(hours=2), now=T0)
    assert o.channel == "resident" and o.person == world.person and o.placed_by is None
    with pytest.raises(PermissionDenied, match="已验证的手机号"):
        S.place_order(r, item=world.items["meal"], name="别人", phone="13800000000", address="幸福小区",
                      region=world.grids["A1a"], scheduled_for=T0 + dt.timedelta(hours=2), now=T0)


def test_eligibility_by_care_group(world):
    world.items["meal"].eligible_kinds = ["very_old"]
    world.items["meal"].save()
    with pytest.raises(ValidationError, match="仅限高龄老人"):
        place(world)
    world.items["meal"].eligible_kinds = ["elderly_alone"]
    world.items["meal"].save()
    assert place(world).person == world.person


def test_placing_outside_the_jurisdiction_is_refused(world):
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        place(world, who="staff_B1")
    with pytest.raises(PermissionDenied, match="代居民下单需要以下角色之一"):
        place(world, who="urban_A")


def test_bad_input_is_refused_with_the_reason_and_nothing_saved(world):
    for kw, why in [({"phone": "abc"}, "电话"), ({"address": ""}, "服务地址"), ({"name": "x" * 51}, "姓名"),
                    ({"scheduled_for": T0 - dt.timedelta(hours=1)}, "早于现在"),
                    ({"scheduled_for": "明天"}, "格式"), ({"scheduled_for": T0 + dt.timedelta(days=90)}, "60 天")]:
        with pytest.raises(ValidationError, match=why):
            place(world, **kw)
    assert not Order.objects.exists()


def test_cancel_gives_the_subsidy_back(world):
    from .conftest import fund

    fund(world, monthly="12")
    o = place(world)
    assert o.subsidy == 5
    o = S.resident_act("13912345678", o, "cancel", note="不需要了")
    assert o.state == W.CANCELLED and o.subsidy == 0
    assert sorted(b.amount for b in o.subsidy_bookings.all()) == [-5, 5]
    assert place(world).subsidy == 5  # the budget is whole again


def test_venue_booking_goes_through_the_same_flow_and_refuses_a_clash(world):
    from civicgrid.services import matrix as MX
    from civicgrid.services.models import Venue

    keeper = MX.provider("A1社区党群服务中心", world.communities["A1"], [], kind="community", username="keeper_A1")
    room = Venue.objects.create(community=world.communities["A1"], name="A1多功能活动室", keeper=keeper)
    start = T0 + dt.timedelta(days=1)
    o = place(world, item=world.items["room"], venue=room, scheduled_for=start,
              scheduled_until=start + dt.timedelta(hours=2), note="老年合唱团排练")
    assert o.state == W.ASSIGNED and o.provider == keeper and o.price == 0
    with pytest.raises(ValidationError, match="已被预约"):
        place(world, item=world.items["room"], venue=room, scheduled_for=start + dt.timedelta(hours=1))
    from civicgrid.core.models import User

    o = S.act(User.objects.get(username="keeper_A1"), o, "accept")
    assert o.state == W.ACCEPTED


def test_place_order_is_the_door_for_the_care_app(world):
    """care calls services.place_order(actor, item=, name=, phone=, address=, scheduled_for=, person=,
    channel="care"): the person's own region places it."""
    o = S.place_order(world.users["worker_A1a"], item=world.items["meal"], name=world.person.name,
                      phone=world.person.phone, address="幸福小区3号楼", person=world.person, channel="care",
                      scheduled_for=T0 + dt.timedelta(hours=3), now=T0)
    assert o.channel == "care" and o.region == world.grids["A1a"] and o.state == W.ASSIGNED
