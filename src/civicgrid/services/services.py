"""Every write to the service supermarket. Views, the API, the hotline order form, the care app, the demo
seeder and the sweep call these.

    place_order(actor, *, item, name, phone, address, scheduled_for, ...) -> Order   下单 (any channel)
    act(actor, order, action, *, note, expected_version, **inputs) -> Order          every later step
    resident_act(phone, order, action, **inputs) -> Order                            the orderer's own steps
    assign_automatically(order, now) -> Order                                       派单 by the rules
    set_provider_status(actor, provider, status, reason)                             暂停 / 恢复
    reveal_orderer(actor, order, field, reason) -> str                               logged reveal
    sweep(now) / remind_documents(today)                                             periodic

The mechanics (row lock, table, roles, clock, events, audit, the sweep loop) are the shared engine's
(core.workflow); this module adds each step's effect, assignment, subsidies and who is told.
Refusals: ValidationError (bad input), PermissionDenied (role/jurisdiction, with the reason),
errors.IllegalAction / OrderConflict (state; codes services.*) — each with a Chinese message fit to show.
"""
from __future__ import annotations

import datetime as dt
import decimal
import logging
import math

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core.crypto import lookup_hash
from civicgrid.core.notifications import notify
from civicgrid.core.scoping import sees_everything, user_roles, visible_to
from civicgrid.core.workflow import SYSTEM, Deadline, Machine
from civicgrid.regions import locate

from . import workflow as W
from .errors import IllegalAction, OrderConflict
from .models import (AssignmentRule, Entitlement, Fund, JointMeeting, Order, OrderEvent, OrderSerial, Provider,
                     ProviderAccount, ProviderDocument, ProviderOffer, ProviderStaff, ProviderStatusChange,
                     ServiceItem, SubsidyBooking, Venue)

log = logging.getLogger(__name__)
__all__ = ["IllegalAction", "OrderConflict", "place_order"]

ZERO = decimal.Decimal("0.00")
MAX_AHEAD = dt.timedelta(days=60)
CHECKIN_FAR = 500  # metres: a check-in farther than this from the address is flagged on the order


class Resident:
    """The orderer acting on the public phone page, identified by the phone verified by SMS.

    Not a user: the engine records the step with no account and this label (audit and event)."""

    pk = None

    def __init__(self, phone: str):
        self.phone = phone

    def __str__(self) -> str:
        return "居民本人（短信验证）"


# -- who is who ------------------------------------------------------------------------------------
def provider_of(user) -> Provider | None:
    """The provider a portal account works for (None for everyone else)."""
    if not getattr(user, "is_authenticated", False) or isinstance(user, Resident):
        return None
    cached = getattr(user, "_services_provider", False)
    if cached is False:
        acc = ProviderAccount.objects.select_related("provider").filter(user=user).first()
        cached = acc.provider if acc else None
        user._services_provider = cached
    return cached


def _ancestor_paths(path: str) -> list[str]:
    parts = [p for p in path.strip("/").split("/") if p]
    return ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]


def _seat_for(actor, roles, region) -> str:
    """The first of `roles` the actor holds over `region`; else PermissionDenied with the reason."""
    if sees_everything(actor):
        return next(r for r in roles if r != SYSTEM)
    held = [s for s in user_roles(actor) if s.role in roles and s.region_id]
    if not held:
        labels = "、".join(W.WORKFLOW.role_label(r) for r in roles if r not in (SYSTEM, W.RESIDENT))
        raise PermissionDenied(f"代居民下单需要以下角色之一：{labels}")
    for s in held:
        if region.path.startswith(s.region.path):
            return s.role
    raise PermissionDenied(f"“{region.name}”不在您的管辖范围内。")


def _users_with_role(roles, region_path: str):
    from civicgrid.core.models import User

    return User.objects.filter(is_active=True, roles__role__in=roles,
                               roles__region__path__in=_ancestor_paths(region_path)).distinct()


def desk_users(order: Order):
    """The service desk over the order's place: the centre's staff, else the community staff."""
    users = list(_users_with_role((W.SERVICE_CENTRE,), order.region.path))
    return users or list(_users_with_role((W.COMMUNITY_STAFF,), order.region.path))


def _tell(users, title: str, body: str, order: Order, *, sms: bool = False) -> int:
    n = 0
    for u in users:
        notify(u, title, body, f"/services/orders/{order.number}/", sms=sms, subject=order)
        n += 1
    return n


def _tell_provider(order: Order, title: str, body: str) -> int:
    if order.provider_id is None:
        return 0
    users = [a.user for a in order.provider.accounts.select_related("user") if a.user.is_active]
    return _tell(users, title, body, order, sms=True)


# -- input checks ----------------------------------------------------------------------------------
def _text(value, label: str, limit: int, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(f"请填写{label}。")
    if len(value) > limit:
        raise ValidationError(f"{label}不能超过 {limit} 字。")
    return value


def _when(value, label: str = "预约时间") -> dt.datetime:
    if isinstance(value, str):
        from django.utils.dateparse import parse_datetime

        try:
            parsed = parse_datetime(value.strip())
        except ValueError:
            parsed = None
        if parsed is None:
            raise ValidationError(f"{label}格式应为 YYYY-MM-DD HH:MM。")
        value = parsed
    if not isinstance(value, dt.datetime):
        raise ValidationError(f"请填写{label}。")
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    return value


def _next_number(now: dt.datetime) -> str:
    day = timezone.localtime(now).date()
    if not OrderSerial.objects.filter(day=day).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                OrderSerial.objects.create(day=day, last=1)
        except IntegrityError:  # another order created today's row first
            OrderSerial.objects.filter(day=day).update(last=F("last") + 1)
    return f"FW{day:%Y%m%d}{OrderSerial.objects.get(day=day).last:04d}"


def open_kinds(person, day: dt.date) -> set[str]:
    """The care-group kinds the person belongs to on `day` (people's tags)."""
    if person is None:
        return set()
    return set(person.tags.filter(Q(end__isnull=True) | Q(end__gte=day), start__lte=day).values_list("kind", flat=True))


def find_person(phone: str, place) -> object | None:
    """The register's resident with this phone inside the order's district (for eligibility and subsidy)."""
    from civicgrid.people.models import Person

    return (Person.objects.current().filter(phone_hash=lookup_hash(phone), region__path__startswith=place.district.path)
            .order_by("id").first())


# -- subsidies: entitlement per person per period, booked to a fund with its limits ---------------------
def _period(ent: Entitlement, when: dt.datetime) -> str:
    local = timezone.localtime(when)
    return f"{local:%Y-%m}" if ent.period == "month" else f"{local:%Y}"


def _used(qs) -> decimal.Decimal:
    return qs.aggregate(s=Sum("amount"))["s"] or ZERO


def subsidy_left(person, ent: Entitlement, when: dt.datetime) -> decimal.Decimal:
    """What the person may still draw on this entitlement in the period of `when` (and the fund still has)."""
    mine = ent.amount - _used(SubsidyBooking.objects.filter(entitlement=ent, person=person, period=_period(ent, when)))
    fund = ent.fund.budget - _used(SubsidyBooking.objects.filter(fund=ent.fund))
    return max(min(mine, fund), ZERO)


def entitlements_for(person, item: ServiceItem, region, when: dt.datetime):
    kinds = open_kinds(person, timezone.localtime(when).date())
    if not kinds:
        return Entitlement.objects.none()
    return (Entitlement.objects.select_related("fund")
            .filter(kind__in=kinds, fund__year=timezone.localtime(when).year,
                    fund__region__path__in=_ancestor_paths(region.path)))


def book_subsidy(order: Order, now: dt.datetime) -> dict:
    """Draw the item's subsidy for the order's resident, capped by their budget and the fund's.

    The fund row is locked first, so two orders cannot both take the last of a budget."""
    item = order.item
    if item.pricing != "subsidised" or not order.person_id or item.subsidy <= 0:
        return {}
    wanted = min(item.subsidy, order.price)
    best, best_left = None, ZERO
    for ent in entitlements_for(order.person, item, order.region, order.scheduled_for):
        Fund.objects.select_for_update().filter(pk=ent.fund_id).first()
        left = subsidy_left(order.person, ent, order.scheduled_for)
        if best is None or left > best_left:
            best, best_left = ent, left
    if best is None:
        return {"subsidy": "0", "subsidy_note": "不在补贴对象范围内"}
    amount = min(wanted, best_left)
    if amount > 0:
        SubsidyBooking.objects.create(fund=best.fund, entitlement=best, person=order.person, order=order,
                                      period=_period(best, order.scheduled_for), amount=amount, at=now)
    order.subsidy = amount
    order.save(update_fields=["subsidy"])
    out = {"subsidy": f"{amount}", "fund": best.fund.name, "period": _period(best, order.scheduled_for)}
    if amount < wanted:
        out["subsidy_note"] = "补贴额度已用完" if amount == 0 else f"补贴额度不足，仅补贴 {amount} 元"
    return out


def _give_back_subsidy(order: Order, now: dt.datetime, data: dict) -> None:
    for b in order.subsidy_bookings.filter(amount__gt=0):
        SubsidyBooking.objects.create(fund=b.fund, entitlement=b.entitlement, person=b.person, order=order,
                                      period=b.period, amount=-b.amount, at=now)
        data["subsidy_returned"] = f"{b.amount}"


# -- the machine ---------------------------------------------------------------------------------------
class OrderMachine(Machine):
    illegal_error = IllegalAction
    conflict_error = OrderConflict
    keeps_clock = frozenset({"escalate"})
    input_labels = {"provider": "服务商", "photo": "服务照片", "rating": "评分（1-5 星）", "lng": "签到位置"}

    def visible(self, actor, pk) -> bool:
        # A provider's account acts on the orders assigned to its provider; the orderer on their own.
        if isinstance(actor, Resident):
            return Order.objects.filter(pk=pk, phone_hash=lookup_hash(actor.phone)).exists()
        provider = provider_of(actor)
        if provider is not None and Order.objects.filter(pk=pk, provider=provider).exists():
            return True
        return super().visible(actor, pk)

    def role_refusal(self, actor, obj, row):
        if isinstance(actor, Resident):
            if W.RESIDENT in row.roles and obj.phone_hash == lookup_hash(actor.phone):
                return W.RESIDENT, ""
            return None, f"“{self.workflow.label(row.action)}”须由工作人员办理。"
        provider = provider_of(actor)
        if W.PROVIDER in row.roles:
            if provider is not None and obj.provider_id == provider.pk:
                return W.PROVIDER, ""
            if provider is not None:
                return None, "该订单不是派给贵单位的，不能操作。"
            return None, f"“{self.workflow.label(row.action)}”须由承接订单的服务商操作。"
        if provider is not None:
            return None, f"“{self.workflow.label(row.action)}”须由社区服务中心办理。"
        return super().role_refusal(actor, obj, row)

    def seat_tiers(self, actor, role: str) -> set[str]:
        return {W.LEVEL_TIER[s.region.level] for s in user_roles(actor)
                if s.role == role and s.region_id and s.region.level in W.LEVEL_TIER}

    def step_deadline(self, order, step: str) -> Deadline:
        if step == "accept":
            return Deadline(order.item.accept_minutes / 1440, "days")
        return super().step_deadline(order, step)

    def start_clock(self, order, step, now, *, due=None) -> None:
        if step == "arrive":
            # Arrival is measured from the booked time, not from the acceptance.
            due = max(order.scheduled_for, now) + dt.timedelta(minutes=order.item.arrive_minutes)
            order.arrive_due = due
            order.is_warned = order.is_overdue = False
            order.due_at, order.warn_at = due, due - dt.timedelta(minutes=order.item.arrive_minutes) * 0.2
            return
        super().start_clock(order, step, now, due=due)

    def append_event(self, obj, actor, role, action, from_state, to_state, now, *, note, data, inputs=None,
                     source=""):
        if isinstance(actor, Resident):
            actor, source = None, str(actor)
        elif actor is not None and provider_of(actor) is not None:
            source = f"{provider_of(actor).name}（{getattr(actor, 'display_name', '') or actor.username}）"
            return self.event_model.objects.create(
                order=obj, seq=obj.version, action=action, from_state=from_state, to_state=to_state, actor=actor,
                actor_name=source[:150], actor_role=role, at=now, note=note, data=data)
        return super().append_event(obj, actor, role, action, from_state, to_state, now, note=note, data=data,
                                    inputs=inputs, source=source)

    def step_label(self, order) -> str:
        return {"dispatch": "派单", "accept": "接单", "arrive": "上门", "confirm": "居民确认"}.get(
            W.STEP_OF_STATE.get(order.state) or "", order.state_label)

    def after_event(self, order, event, data: dict) -> None:
        if event.action == "assign":
            _tell_provider(order, f"新订单待接单 {order.number}",
                           f"{order.item.name}，预约 {timezone.localtime(order.scheduled_for):%m-%d %H:%M}")
        elif event.action == "escalate":
            _tell(_users_with_role(W.DESK, order.street.path), f"服务订单超时上报 {order.number}",
                  event.note[:100], order)

    def notify_overdue(self, order, now) -> None:
        _tell(desk_users(order), f"服务订单超时 {order.number}", f"{self.step_label(order)}已超过时限", order)
        if order.state in (W.ASSIGNED, W.ACCEPTED):
            _tell_provider(order, f"订单超时 {order.number}", f"{self.step_label(order)}已超过时限，请立即处理")

    def on_warn(self, order, now) -> None:
        if order.state in (W.ASSIGNED, W.ACCEPTED):
            _tell_provider(order, f"订单即将超时 {order.number}",
                           f"{self.step_label(order)}时限 {timezone.localtime(order.due_at):%m-%d %H:%M}")


# -- assignment ------------------------------------------------------------------------------------------
def _loads(provider_ids) -> dict[int, int]:
    rows = (Order.objects.filter(provider_id__in=provider_ids, state__in=(W.ASSIGNED, W.ACCEPTED, W.IN_SERVICE))
            .values("provider_id").annotate(n=Count("id")))
    return {r["provider_id"]: r["n"] for r in rows}


def _rule_for(order: Order) -> AssignmentRule | None:
    paths = _ancestor_paths(order.region.path)
    for rule in AssignmentRule.objects.filter(active=True).select_related("area"):
        if rule.item_id and rule.item_id != order.item_id:
            continue
        if rule.series_id and rule.series_id != order.item.series_id:
            continue
        if rule.area_id and rule.area.path not in paths:
            continue
        return rule
    return None


def candidates(order: Order) -> list[Provider]:
    """Providers who may take the order, best first, by the first matching AssignmentRule (as data):
    they offer the item in an area containing the order's place, are not suspended, have not declined
    it, are below their load limit and at or above the rule's minimum rating."""
    if order.venue_id:
        keeper = order.venue.keeper
        return [keeper] if keeper.status == "active" and keeper.pk not in order.declined_by else []
    paths = _ancestor_paths(order.region.path)
    offers = (ProviderOffer.objects.filter(item=order.item, area__path__in=paths, provider__status="active")
              .exclude(provider_id__in=order.declined_by).select_related("provider", "area"))
    smallest_area: dict[int, int] = {}
    providers: dict[int, Provider] = {}
    for o in offers:
        providers[o.provider_id] = o.provider
        depth = -o.area.path.count("/")
        smallest_area[o.provider_id] = min(smallest_area.get(o.provider_id, 0), depth)
    loads = _loads(list(providers))
    rule = _rule_for(order)
    min_rating = float(rule.min_rating) if rule else 0.0
    prefer = rule.prefer if rule else "rating"
    ok = [p for p in providers.values()
          if loads.get(p.pk, 0) < p.max_load and (p.rating is None or p.rating >= min_rating)]
    keys = {
        "rating": lambda p: (-(p.rating or 4.0), loads.get(p.pk, 0), p.pk),
        "load": lambda p: (loads.get(p.pk, 0), -(p.rating or 4.0), p.pk),
        "nearest_area": lambda p: (smallest_area[p.pk], -(p.rating or 4.0), loads.get(p.pk, 0), p.pk),
    }
    return sorted(ok, key=keys[prefer])


def assign_automatically(order: Order, now: dt.datetime | None = None) -> Order:
    """派单 by the rules; with no eligible provider the order waits for the desk, who is told."""
    now = now or timezone.now()
    if order.state != W.PLACED:
        return order
    found = candidates(order)
    if not found:
        _tell(desk_users(order), f"订单无可派服务商 {order.number}", f"{order.item.name}：请人工派单", order)
        return order
    rule = _rule_for(order)
    return MACHINE.act(None, order, "assign", note=f"按派单规则“{rule.name if rule else '默认：评分优先'}”自动派单",
                       inputs={"provider": found[0], "how": "rule"}, now=now)


# -- effects -----------------------------------------------------------------------------------------------
def _fx_assign(o, row, now, *, actor, data, provider, how: str = "hand", **kw):
    if not isinstance(provider, Provider):
        raise ValidationError("请选择服务商。")
    if provider.status != "active":
        raise ValidationError(f"服务商“{provider.name}”已暂停服务，不能派单。")
    if o.venue_id:
        if provider.pk != o.venue.keeper_id:
            raise ValidationError("场地预约只能派给该场地的管理方。")
    elif not ProviderOffer.objects.filter(provider=provider, item=o.item,
                                          area__path__in=_ancestor_paths(o.region.path)).exists():
        raise ValidationError(f"服务商“{provider.name}”不在该区域提供“{o.item.name}”。")
    if provider.pk == o.provider_id and o.state == W.ASSIGNED:
        raise ValidationError("订单已派给该服务商。")
    o.provider, o.assigned_at, o.staff = provider, now, None
    data.update(provider=provider.name, how=how)


def _fx_accept(o, row, now, *, data, staff=None, **kw):
    if staff is not None:
        if staff.provider_id != o.provider_id or not staff.active:
            raise ValidationError("请选择本单位在岗的服务人员。")
        o.staff = staff
        data["staff"] = staff.name_masked
    o.accepted_at = now


def _fx_decline(o, row, now, *, data, **kw):
    data["provider"] = o.provider.name
    o.declined_by = sorted({*o.declined_by, o.provider_id})
    o.provider = None
    o.staff = None


def _distance_m(lng1, lat1, lng2, lat2) -> int:
    r = 6371000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return int(2 * r * math.asin(math.sqrt(a)))


def _fx_check_in(o, row, now, *, data, lng=None, lat=None, **kw):
    point = locate.clean_point(lng, lat) if lng not in (None, "") and lat not in (None, "") else None
    if point is None:
        raise ValidationError("到达签到须提供定位（请允许手机定位后重试）。")
    o.checkin_lng, o.checkin_lat = point
    o.checked_in_at = now
    o.on_time = o.arrive_due is None or now <= o.arrive_due
    data.update(on_time=o.on_time)
    if o.lng is not None and o.lat is not None:
        o.checkin_distance = _distance_m(o.lng, o.lat, *point)
        data["distance_m"] = o.checkin_distance
        if o.checkin_distance > CHECKIN_FAR:
            data["far"] = True


def _fx_complete(o, row, now, *, data, note, photo=None, **kw):
    if photo is None:
        raise ValidationError("服务完成须上传现场照片。")
    o.photo.save(photo.image.name, photo.image, save=False)
    o.completed_at = now
    o.completion_note = note
    data["photo"] = True


def _fx_confirm(o, row, now, *, data, rating=None, rating_note: str = "", **kw):
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        raise ValidationError("请选择评分（1-5 星）。")
    if not 1 <= rating <= 5:
        raise ValidationError("评分须在 1 到 5 星之间。")
    o.rating, o.rating_note = rating, _text(rating_note, "评价", 300, required=False)
    Provider.objects.filter(pk=o.provider_id).update(rating_sum=F("rating_sum") + rating,
                                                     rating_count=F("rating_count") + 1)
    data["rating"] = rating


def _fx_close(o, row, now, *, data, **kw):
    o.closed_at = now


def _fx_complain(o, row, now, *, data, note, **kw):
    from . import cases_adapter

    case = cases_adapter.open_complaint(o, note, now=now)
    o.case_number = case.number
    Provider.objects.filter(pk=o.provider_id).update(complaints=F("complaints") + 1)
    data["case"] = case.number


def _fx_cancel(o, row, now, *, data, **kw):
    _give_back_subsidy(o, now, data)
    o.subsidy = ZERO
    o.closed_at = now


def _fx_escalate(o, row, now, *, data, **kw):
    MACHINE.escalate_tier(o, row, now, data=data)


EFFECTS = {
    "assign": _fx_assign, "accept": _fx_accept, "decline": _fx_decline, "check_in": _fx_check_in,
    "complete": _fx_complete, "confirm": _fx_confirm, "close": _fx_close, "complain": _fx_complain,
    "cancel": _fx_cancel, "escalate": _fx_escalate,
}
MACHINE = OrderMachine(W.WORKFLOW, Order, OrderEvent, event_parent="order", effects=EFFECTS)


# -- placing ------------------------------------------------------------------------------------------------
def place_order(actor, *, item: ServiceItem, name: str, phone: str, address: str, scheduled_for,
                scheduled_until=None, person=None, region=None, lng=None, lat=None, note: str = "",
                venue: Venue | None = None, channel: str = "", hotline_contact: str = "",
                now: dt.datetime | None = None, assign: bool = True) -> Order:
    """下单: an order for `item` at `scheduled_for` and `address`, from any channel.

    `actor` is the staff member, hotline operator or care worker placing it, or a `Resident` (the public
    page, phone verified by SMS). `person` links the register's resident (the care app passes it; else the
    phone finds them) for eligibility and subsidy. Assigned at once by the rules unless `assign=False`.
    """
    from civicgrid.core.phones import clean_phone

    now = now or timezone.now()
    if item is None or not item.active:
        raise ValidationError("请选择在架的服务项目。")
    name = _text(name, "下单人姓名", 50)
    phone = clean_phone(phone, required=True)
    address = _text(address, "服务地址", 200)
    note = _text(note, "需求说明", 300, required=False)
    when = _when(scheduled_for)
    if when < now - dt.timedelta(minutes=10):
        raise ValidationError("预约时间不能早于现在。")
    if when > now + MAX_AHEAD:
        raise ValidationError("只能预约 60 天以内的服务。")
    if person is not None and region is None:
        region = person.region
    place = locate.require(lng=lng or None, lat=lat or None, region=region, address=address)

    if isinstance(actor, Resident):
        role, channel = W.RESIDENT, "resident"
        if lookup_hash(clean_phone(actor.phone)) != lookup_hash(phone):
            raise PermissionDenied("只能用已验证的手机号下单。")
    elif actor is None:
        raise PermissionDenied("下单须由工作人员或已验证手机号的居民办理。")
    else:
        role = _seat_for(actor, W.PLACERS, place.region)
        channel = channel or ("hotline" if role == "hotline_operator" else "desk")
        if channel not in dict(Order.CHANNEL_CHOICES) or channel == "resident":
            raise ValidationError("下单渠道无效。")
        if person is not None and not visible_to(actor, type(person).objects.filter(pk=person.pk)).exists():
            raise PermissionDenied("所选居民不在您的管辖范围内。")
    if person is None:
        person = find_person(phone, place)

    kinds = open_kinds(person, timezone.localtime(when).date())
    if item.eligible_kinds and not kinds.intersection(item.eligible_kinds):
        raise ValidationError(f"“{item.name}”仅限{'、'.join(item.eligible_labels)}下单；"
                              "如已纳入关爱人群，请联系社区核对登记信息。")
    until = None
    if item.is_venue:
        if venue is None or not venue.active:
            raise ValidationError("请选择开放的活动场地。")
        if place.community is None or venue.community_id != place.community.pk:
            raise ValidationError("只能预约本社区的活动场地。")
        until = _when(scheduled_until, "结束时间") if scheduled_until else when + dt.timedelta(
            minutes=item.duration_minutes)
        if until <= when or until - when > dt.timedelta(hours=8):
            raise ValidationError("场地预约时长须在 8 小时以内，且结束晚于开始。")
    elif venue is not None:
        raise ValidationError("该服务项目不是场地预约。")

    with transaction.atomic():
        if item.is_venue:
            Venue.objects.select_for_update().filter(pk=venue.pk).first()  # one booking of a room at a time
            clash = Order.objects.filter(venue=venue, state__in=W.WORKFLOW.open_states + [W.CLOSED],
                                         scheduled_for__lt=until, scheduled_until__gt=when).first()
            if clash is not None:
                raise ValidationError(f"{venue.name}在该时段已被预约（{timezone.localtime(clash.scheduled_for):%H:%M}-"
                                      f"{timezone.localtime(clash.scheduled_until):%H:%M}），请换个时间。")
        o = Order(number=_next_number(now), channel=channel, item=item, venue=venue, person=person, name=name,
                  phone=phone, phone_hash=lookup_hash(phone), address=address, hotline_contact=hotline_contact[:20],
                  note=note, region=place.region, community=place.community, street=place.street,
                  district=place.district, lng=place.lng, lat=place.lat, scheduled_for=when, scheduled_until=until,
                  price=ZERO if item.pricing == "free" else item.price,
                  tier=W.COMMUNITY if place.community else W.STREET,
                  placed_by=actor if getattr(actor, "pk", None) else None, created_at=now)
        MACHINE.begin(actor if getattr(actor, "pk", None) else None, o, action="place", role=role, now=now,
                      source=str(actor) if isinstance(actor, Resident) else "",
                      data={"item": item.code, "channel": channel, "hotline": hotline_contact or None})
        booked = book_subsidy(o, now)
        if booked:
            audit.record("系统", "order.subsidy", o, detail=booked)
    if assign:
        o = assign_automatically(o, now)
    return o


# -- every later step ---------------------------------------------------------------------------------------
def act(actor, order: Order, action: str, *, note: str = "", expected_version: int | None = None,
        now: dt.datetime | None = None, **inputs) -> Order:
    """One workflow step (workflow.TRANSITIONS); inputs by action (see the effects above)."""
    now = now or timezone.now()
    o = MACHINE.act(actor, order, action, note=note, expected_version=expected_version, inputs=inputs, now=now)
    if action == "decline":
        o = assign_automatically(o, now)  # the next provider by the rules (the decliner is excluded)
    return o


def resident_act(phone: str, order: Order, action: str, **kw) -> Order:
    return act(Resident(phone), order, action, **kw)


def available_actions(user, order: Order):
    return MACHINE.available_actions(user, order)


def sweep(now: dt.datetime | None = None, *, batch: int = 500) -> dict:
    return MACHINE.sweep(now, batch=batch)


# -- personal data ------------------------------------------------------------------------------------------
REVEAL = "reveal"
REVEALABLE = {"name": "姓名", "phone": "联系电话", "address": "服务地址"}


def can_reveal(user, order: Order) -> bool:
    """The provider serving it (to reach the door), or staff in scope holding the reveal capability."""
    provider = provider_of(user)
    if provider is not None:
        return order.provider_id == provider.pk and order.state in (W.ACCEPTED, W.IN_SERVICE)
    if not visible_to(user, Order.objects.filter(pk=order.pk)).exists():
        return False
    if sees_everything(user):
        return True
    from civicgrid.core.manifest import role_defs
    from civicgrid.people.permissions import has_capability

    if has_capability(user, REVEAL):
        return True
    if any(s.role == W.SERVICE_CENTRE for s in user_roles(user)):
        return True  # the centre calls orderers to arrange the service (its own app's data only)
    defs = role_defs()
    return any(REVEAL in defs[s.role].capabilities for s in user_roles(user) if s.role in defs)


def reveal_orderer(actor, order: Order, field: str, reason: str) -> str:
    if field not in REVEALABLE:
        raise ValidationError("该字段不可查看。")
    if not can_reveal(actor, order):
        raise PermissionDenied("您没有查看该订单下单人完整信息的权限。")
    from civicgrid.core import reveal

    reason = reveal.require_reason(reason)  # the one reveal rule: a reason, one audit entry per reveal
    audit.record(actor, "order.reveal", order, detail={"fields": [field]}, reason=reason)
    return getattr(Order.objects.get(pk=order.pk), field)


# -- providers --------------------------------------------------------------------------------------------
def _require_desk(actor, region) -> None:
    _seat_for(actor, W.DESK, region)


@transaction.atomic
def set_provider_status(actor, provider: Provider, status: str, reason: str, *, now=None) -> Provider:
    """暂停服务 / 恢复服务, always with the reason; suspension takes the provider out of assignment."""
    if status not in dict(Provider.STATUS_CHOICES):
        raise ValidationError("状态无效。")
    _require_desk(actor, provider.region)
    reason = _text(reason, "理由", 300)
    if provider.status == status:
        raise ValidationError(f"服务商已是“{dict(Provider.STATUS_CHOICES)[status]}”状态。")
    now = now or timezone.now()
    provider.status, provider.status_reason = status, reason
    provider.save(update_fields=["status", "status_reason"])
    ProviderStatusChange.objects.create(provider=provider, to_status=status, reason=reason, by=actor, at=now)
    audit.record(actor, "provider.suspend" if status == "suspended" else "provider.reinstate", provider,
                 reason=reason)
    return provider


@transaction.atomic
def link_organisation(actor, provider: Provider, organisation) -> Provider:
    """Link the provider to its record in the social-organisation registry (None: unlink). The desk of
    the provider's area decides; an enterprise is not a social organisation, and a provider whose credit
    code is on file links only to the organisation with that code (the code is filled in when empty)."""
    from . import orgs_adapter

    _require_desk(actor, provider.region)
    if organisation is None:
        if provider.organisation_id is None:
            raise ValidationError("该服务商尚未关联社会组织。")
        old = provider.organisation_id
        provider.organisation = None
        provider.save(update_fields=["organisation"])
        audit.record(actor, "provider.org_unlink", provider, detail={"organisation": old})
        return provider
    if not orgs_adapter.is_organisation(organisation):
        raise ValidationError("请选择社会组织。")
    if provider.kind == "enterprise":
        raise ValidationError("企业类服务商不是社会组织，不能关联社会组织登记。")
    if provider.credit_code and organisation.credit_code and provider.credit_code != organisation.credit_code:
        raise ValidationError(f"服务商登记的统一社会信用代码 {provider.credit_code} 与{organisation.name}的"
                              f" {organisation.credit_code} 不一致，请核对。")
    taken = Provider.objects.filter(organisation=organisation).exclude(pk=provider.pk).first()
    if taken is not None:
        raise ValidationError(f"{organisation.name}已关联服务商“{taken.name}”。")
    provider.organisation = organisation
    fields = ["organisation"]
    if not provider.credit_code and organisation.credit_code:
        provider.credit_code = organisation.credit_code
        fields.append("credit_code")
    provider.save(update_fields=fields)
    audit.record(actor, "provider.org_link", provider, detail={"organisation": organisation.pk,
                                                               "credit_code": organisation.credit_code})
    return provider


@transaction.atomic
def add_staff(actor, provider: Provider, *, name: str, phone: str = "", skills: str = "",
              background_checked_on: dt.date | None = None) -> ProviderStaff:
    """Register a door-to-door worker (by the provider's own account or the centre)."""
    from civicgrid.core.phones import clean_phone

    if provider_of(actor) != provider:
        _require_desk(actor, provider.region)
    s = ProviderStaff.objects.create(provider=provider, name=_text(name, "姓名", 50), phone=clean_phone(phone),
                                     skills=_text(skills, "服务技能", 100, required=False),
                                     background_checked_on=background_checked_on)
    audit.record(actor, "provider.staff_add", provider, detail={"staff": s.pk})
    return s


DOCUMENT_WARN_DAYS = 30


@transaction.atomic
def add_document(actor, provider: Provider, *, kind: str, number: str = "", expires_on: dt.date | None = None,
                 today: dt.date | None = None) -> ProviderDocument:
    """The centre checks a vetting document (licence, insurance, background check) and records its expiry."""
    _require_desk(actor, provider.region)
    if kind not in dict(ProviderDocument.KIND_CHOICES):
        raise ValidationError("请选择材料类别。")
    if expires_on is not None and expires_on < (today or timezone.localdate()):
        raise ValidationError("有效期已过，不能作为有效资质登记。")
    doc = ProviderDocument.objects.create(provider=provider, kind=kind, number=_text(number, "编号", 50, required=False),
                                          expires_on=expires_on, checked_by=actor)
    audit.record(actor, "provider.document", provider, detail={"kind": kind})
    return doc



def expiring_documents(today: dt.date):
    return (ProviderDocument.objects.select_related("provider", "provider__region")
            .filter(expires_on__isnull=False, expires_on__lte=today + dt.timedelta(days=DOCUMENT_WARN_DAYS))
            .filter(Q(reminded_on__isnull=True) | Q(reminded_on__lt=today - dt.timedelta(days=7))))


def remind_documents(today: dt.date | None = None) -> int:
    """Vetting documents expiring within 30 days (or expired): the provider and the desk are told weekly."""
    today = today or timezone.localdate()
    n = 0
    for doc in expiring_documents(today):
        p = doc.provider
        what = "已过期" if doc.expires_on < today else f"将于 {doc.expires_on:%Y-%m-%d} 到期"
        users = [a.user for a in p.accounts.select_related("user")]
        users += list(_users_with_role(W.DESK, p.region.path))
        for u in users:
            notify(u, f"资质材料{what}：{p.name}", f"{doc.get_kind_display()}{what}，请及时更新", "/services/providers/",
                   subject=p)
        ProviderDocument.objects.filter(pk=doc.pk).update(reminded_on=today)
        n += 1
    return n


@transaction.atomic
def record_meeting(actor, *, region, held_on: dt.date, attendees: str, minutes: str, decisions: str = "") -> JointMeeting:
    """联席会议: minutes and decisions; the follow-up is recorded later (follow_up_meeting)."""
    _require_desk(actor, region)
    m = JointMeeting.objects.create(region=region, held_on=held_on, attendees=_text(attendees, "参会单位", 300),
                                    minutes=_text(minutes, "会议纪要", 4000), decisions=_text(decisions, "议定事项", 2000,
                                                                                       required=False),
                                    recorded_by=actor)
    audit.record(actor, "provider.meeting", m)
    return m


@transaction.atomic
def follow_up_meeting(actor, meeting: JointMeeting, text: str, *, now=None) -> JointMeeting:
    _require_desk(actor, meeting.region)
    meeting.follow_up = _text(text, "落实情况", 2000)
    meeting.followed_up_at = now or timezone.now()
    meeting.save(update_fields=["follow_up", "followed_up_at"])
    audit.record(actor, "provider.meeting_follow_up", meeting)
    return meeting
