"""Demo data for the demo district (the manifest's seeder; `civicgrid seed-apps`).

The catalogue (8 series, 42 items, public/market/volunteer side by side), a subsidy fund with the care
groups' entitlements, providers with their vetting documents (a few about to expire, one expired),
door-to-door staff, accounts for the portal, service points and rooms in every community, assignment
rules, a joint meeting, and a month of orders walked through the real services — every state, a
decline and reassignment, a complaint that became a case, overdue ones flagged by the sweep. Idempotent.
"""
from __future__ import annotations

import datetime as dt
import decimal
import random

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from civicgrid.core import roles as R
from civicgrid.core.models import Role, User
from civicgrid.regions.models import Region

from . import services as S
from . import workflow as W
from .matrix import photo_bytes, region_point
from .models import (AssignmentRule, Entitlement, Fund, Order, Provider, ProviderAccount, ProviderDocument,
                     ProviderOffer, ProviderStaff, ServiceItem, ServicePoint, ServiceSeries, Venue)

D = decimal.Decimal
OLD = ["elderly_alone", "empty_nest", "very_old", "disabled", "low_income"]
# (code, series, [(item code, name, kind, pricing, price, subsidy, eligible, accept min, arrive min, unit)])
CATALOGUE = [
    ("S01", "助餐服务", [("01", "社区食堂堂食", "public", "subsidised", 12, 4, OLD, 30, 30, "餐"),
                       ("02", "助餐送餐上门", "public", "subsidised", 15, 5, OLD, 30, 30, "餐"),
                       ("03", "老年营养配餐咨询", "volunteer", "free", 0, 0, [], 120, 120, "次"),
                       ("04", "节日慰问餐", "public", "free", 0, 0, ["elderly_alone", "very_old"], 60, 60, "份")]),
    ("S02", "生活照料", [("01", "助浴服务", "public", "subsidised", 60, 30, OLD, 60, 30, "次"),
                       ("02", "助洁（居室清洁）", "public", "subsidised", 50, 25, OLD, 60, 30, "次"),
                       ("03", "代购代送", "volunteer", "free", 0, 0, [], 60, 60, "次"),
                       ("04", "理发修面", "volunteer", "free", 0, 0, [], 120, 60, "次"),
                       ("05", "衣物洗涤", "market", "paid", 20, 0, [], 60, 60, "次"),
                       ("06", "助行陪同散步", "volunteer", "free", 0, 0, [], 120, 60, "次")]),
    ("S03", "家政保洁", [("01", "日常保洁（2小时）", "market", "paid", 90, 0, [], 60, 60, "次"),
                       ("02", "深度保洁", "market", "paid", 280, 0, [], 120, 60, "次"),
                       ("03", "油烟机清洗", "market", "paid", 120, 0, [], 120, 60, "台"),
                       ("04", "空调清洗", "market", "paid", 100, 0, [], 120, 60, "台"),
                       ("05", "钟点工", "market", "paid", 45, 0, [], 60, 60, "小时")]),
    ("S04", "维修服务", [("01", "水电维修", "market", "paid", 50, 0, [], 60, 60, "次"),
                       ("02", "管道疏通", "market", "paid", 80, 0, [], 60, 60, "次"),
                       ("03", "门窗锁具维修", "market", "paid", 60, 0, [], 60, 60, "次"),
                       ("04", "家电维修", "market", "paid", 70, 0, [], 120, 60, "次"),
                       ("05", "适老化改造评估", "public", "free", 0, 0, OLD, 240, 120, "次"),
                       ("06", "小修小补（志愿）", "volunteer", "free", 0, 0, [], 120, 60, "次")]),
    ("S05", "护理康复", [("01", "上门护理（换药、测血糖）", "public", "subsidised", 80, 40, OLD, 60, 30, "次"),
                       ("02", "康复训练指导", "public", "subsidised", 100, 50, OLD, 120, 60, "次"),
                       ("03", "陪同就医", "market", "paid", 120, 0, [], 60, 30, "次"),
                       ("04", "代配药", "volunteer", "free", 0, 0, OLD, 60, 60, "次"),
                       ("05", "居家安全巡访", "public", "free", 0, 0, OLD, 240, 120, "次")]),
    ("S06", "健康服务", [("01", "上门测血压血糖", "public", "free", 0, 0, [], 120, 60, "次"),
                       ("02", "家庭医生签约咨询", "public", "free", 0, 0, [], 240, 120, "次"),
                       ("03", "老年人健康体检预约", "public", "free", 0, 0, OLD, 240, 120, "次"),
                       ("04", "中医推拿理疗", "market", "paid", 88, 0, [], 120, 60, "次")]),
    ("S07", "精神慰藉与法律", [("01", "心理疏导", "public", "free", 0, 0, [], 240, 120, "次"),
                          ("02", "法律咨询", "public", "free", 0, 0, [], 240, 120, "次"),
                          ("03", "读报聊天陪伴", "volunteer", "free", 0, 0, [], 240, 120, "次"),
                          ("04", "智能手机教学", "volunteer", "free", 0, 0, [], 240, 120, "次"),
                          ("05", "代办证照（跑腿）", "volunteer", "free", 0, 0, [], 240, 120, "次")]),
    ("S08", "场地开放", [("01", "多功能活动室预约", "public", "free", 0, 0, [], 120, 60, "场"),
                       ("02", "会议室预约", "public", "free", 0, 0, [], 120, 60, "场"),
                       ("03", "舞蹈排练厅预约", "public", "free", 0, 0, [], 120, 60, "场"),
                       ("04", "书画室预约", "public", "free", 0, 0, [], 120, 60, "场"),
                       ("05", "儿童托管室预约", "public", "free", 0, 0, [], 120, 60, "场"),
                       ("06", "健身房预约", "public", "free", 0, 0, [], 120, 60, "场"),
                       ("07", "室外球场预约", "public", "free", 0, 0, [], 120, 60, "场")]),
]
SERIES_NAMES = {"S01": ["青禾乐龄助餐社", "颐家中央厨房"], "S02": ["暖阳居家养老服务中心", "邻里帮志愿服务队"],
                "S03": ["洁净家政服务有限公司", "好帮手家政"], "S04": ["安居维修服务部", "邻里帮志愿服务队"],
                "S05": ["仁康护理站", "暖阳居家养老服务中心"], "S06": ["社区卫生服务中心家医团队", "仁康护理站"],
                "S07": ["心桥社会工作服务社", "青禾律师志愿团"]}
KINDS = {"邻里帮志愿服务队": "volunteer", "青禾律师志愿团": "volunteer", "洁净家政服务有限公司": "enterprise",
         "好帮手家政": "enterprise", "安居维修服务部": "enterprise", "颐家中央厨房": "enterprise"}
NOTES = ["老人腿脚不便，请敲门后稍等", "家住六楼无电梯", "请提前电话联系", "", "", "少盐少油", ""]
DONE = ["已按时送达，老人状态良好", "服务完成，居室已清洁", "已修复，试用正常", "已完成护理，血糖正常", "服务完成，老人满意"]
# What happens to each demo order (cycled): every state, decline/reassign, complaint, overdue.
PATHS = ["closed", "closed", "confirmed", "completed", "in_service", "accepted", "assigned", "declined",
         "closed", "complained", "cancelled", "overdue_accept", "confirmed", "closed", "placed", "closed"]


def run(stdout=None, *, seed: int = 14, orders: int = 64) -> dict:
    from civicgrid.regions.demo import DEMO_PASSWORD, DISTRICT_CODE

    say = stdout.write if stdout is not None else (lambda s: None)
    district = Region.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        say("没有演示辖区：请先运行 civicgrid seed-demo。")
        return {}
    if ServiceItem.objects.exists() and Order.objects.filter(district=district).exists():
        say("社区服务超市演示数据已存在，跳过。")
        return {}
    rng = random.Random(seed)
    now = timezone.now()
    password = make_password(DEMO_PASSWORD)
    streets = list(Region.objects.filter(parent=district, level="street").order_by("code"))
    communities = list(Region.objects.filter(parent__in=streets, level="community").order_by("code"))
    items = _catalogue()
    _funds(district, now)

    centre_users = {}
    for s in streets:
        u = _user(f"demo-s{s.code[6:9]}-centre", password, f"{s.name}社区服务中心")
        Role.objects.get_or_create(user=u, role=W.SERVICE_CENTRE, region=s, defaults={"title": "服务中心调度"})
        centre_users[s.pk] = u

    providers = _providers(district, streets, communities, items, rng, password, now)
    _points_and_rooms(communities, providers, rng)
    AssignmentRule.objects.bulk_create([
        AssignmentRule(name="助餐就近派单", priority=1, series=items["S01-02"].series, prefer="nearest_area"),
        AssignmentRule(name="护理服务须4分以上", priority=2, series=items["S05-01"].series, min_rating=D("4.0"),
                       prefer="rating"),
        AssignmentRule(name="家政维修均衡派单", priority=5, series=items["S03-01"].series, prefer="load"),
    ])
    made = _orders(district, communities, centre_users, items, rng, now, orders)
    _meetings(streets, centre_users, providers, now)
    S.sweep(now)
    say(f"社区服务超市：{len(items)} 个服务项目，{len(providers)} 家服务商，{made} 个订单。")
    return {"items": len(items), "providers": len(providers), "orders": made}


def _user(username: str, password: str, display: str) -> User:
    u, _ = User.objects.get_or_create(username=username, defaults={"display_name": display, "password": password})
    return u


def _catalogue() -> dict[str, ServiceItem]:
    out = {}
    for order, (code, name, rows) in enumerate(CATALOGUE, 1):
        series, _ = ServiceSeries.objects.get_or_create(code=code, defaults={"name": name, "order": order})
        for (ic, iname, kind, pricing, price, subsidy, eligible, acc, arr, unit) in rows:
            item, _ = ServiceItem.objects.get_or_create(code=f"{code}-{ic}", defaults=dict(
                series=series, name=iname, kind=kind, pricing=pricing, price=D(price), subsidy=D(subsidy),
                eligible_kinds=eligible, accept_minutes=acc, arrive_minutes=arr, unit=unit,
                is_venue=code == "S08", duration_minutes=120 if code == "S08" else 60))
            out[item.code] = item
    return out


def _funds(district, now) -> None:
    for year in sorted({now.year, (now - dt.timedelta(days=40)).year}):
        fund, _ = Fund.objects.get_or_create(region=district, year=year, name="养老服务补贴资金",
                                             defaults={"budget": D("800000")})
        for kind, period, amount in [("elderly_alone", "month", 200), ("very_old", "month", 150),
                                     ("disabled", "month", 120), ("empty_nest", "month", 80),
                                     ("low_income", "year", 1200)]:
            Entitlement.objects.get_or_create(fund=fund, kind=kind, defaults={"period": period, "amount": D(amount)})


def _providers(district, streets, communities, items, rng, password, now) -> list[Provider]:
    by_name: dict[str, Provider] = {}
    today = timezone.localdate(now)
    for si, (series, names) in enumerate(SERIES_NAMES.items()):
        for ni, name in enumerate(names):
            street = streets[(si + ni) % len(streets)]
            p = by_name.get(name)
            if p is None:
                p = Provider.objects.create(name=name, kind=KINDS.get(name, "social_org"), region=street,
                                            contact_phone=f"0571-8{rng.randint(1000000, 9999999)}",
                                            rating_sum=rng.randint(38, 49) * 2, rating_count=20, max_load=25)
                by_name[name] = p
                u = _user(f"demo-provider-{len(by_name)}", password, f"{name}调度")
                ProviderAccount.objects.get_or_create(user=u, defaults={"provider": p})
                ProviderDocument.objects.bulk_create([
                    ProviderDocument(provider=p, kind="licence", number=f"9133{rng.randint(10**9, 10**10 - 1)}"),
                    ProviderDocument(provider=p, kind="insurance", number=f"BX{rng.randint(10**7, 10**8 - 1)}",
                                     expires_on=today + dt.timedelta(days=rng.choice([12, 25, 180, 300, -3]))),
                    ProviderDocument(provider=p, kind="background", expires_on=today + dt.timedelta(days=rng.randint(40, 360))),
                ])
                for k in range(3):
                    ProviderStaff.objects.create(provider=p, name=_name(rng), phone=_phone(rng),
                                                 skills=["助餐配送", "保洁", "水电", "护理", "陪诊"][(si + k) % 5],
                                                 background_checked_on=today - dt.timedelta(days=rng.randint(10, 300)))
            area = district if ni == 0 else street
            ProviderOffer.objects.bulk_create(
                [ProviderOffer(provider=p, item=i, area=area) for code, i in items.items() if code.startswith(series)],
                ignore_conflicts=True)
    return list(by_name.values())


# The demo providers that are social organisations, and the demo registry's organisation each one is
# (the registry's names carry the district's name in front).
DEMO_ORG_LINKS = {"青禾乐龄助餐社": "爱心助餐服务中心", "暖阳居家养老服务中心": "乐龄居家养老服务中心",
                  "仁康护理站": "康乃馨健康服务中心", "心桥社会工作服务社": "心桥心理服务中心",
                  "邻里帮志愿服务队": "邻里守望志愿服务中心"}


def link_organisations(stdout=None) -> int:
    """Seeder run after the registry's (orgs): link the demo providers to their demo organisations."""
    from civicgrid.regions.demo import DISTRICT_CODE

    from . import orgs_adapter

    say = stdout.write if stdout is not None else (lambda s: None)
    district = Region.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        return 0
    n = 0
    for p in Provider.objects.filter(name__in=list(DEMO_ORG_LINKS), organisation__isnull=True):
        org = orgs_adapter.registered_named(f"{district.name}{DEMO_ORG_LINKS[p.name]}")
        if org is None:
            continue
        p.organisation, p.credit_code = org, p.credit_code or org.credit_code
        p.save(update_fields=["organisation", "credit_code"])
        n += 1
    say(f"服务商关联社会组织：{n} 家。")
    return n


def _points_and_rooms(communities, providers, rng) -> None:
    points, venues = [], []
    for c in communities:
        x, y = region_point(c)
        short = c.name.removesuffix("社区")
        keeper = Provider.objects.create(name=f"{c.name}党群服务中心", kind="community", region=c)
        for k, (kind, label, hours) in enumerate([("party", "党群服务中心", "周一至周日 8:30-20:00"),
                                                  ("canteen", "长者食堂", "每日 11:00-13:00，17:00-18:30"),
                                                  ("station", "社区服务站", "周一至周五 9:00-17:00")]):
            points.append(ServicePoint(community=c, name=f"{short}{label}", kind=kind, hours=hours,
                                       address=f"{short}路{rng.randint(1, 199)}号",
                                       lng=x + 0.002 * (k - 1), lat=y + 0.0015 * (k % 2)))
        venues += [Venue(community=c, name=f"{short}多功能活动室", capacity=40, keeper=keeper),
                   Venue(community=c, name=f"{short}会议室", capacity=16, keeper=keeper)]
    ServicePoint.objects.bulk_create(points)
    Venue.objects.bulk_create(venues)


def _residents(district, rng) -> list:
    from civicgrid.people.models import Person, PersonTag

    tagged = (PersonTag.objects.filter(kind__in=OLD, end__isnull=True, person__region__path__startswith=district.path)
              .exclude(person__phone="").select_related("person__region")[:60])
    people = [t.person for t in tagged]
    if len(people) < 20:
        people += list(Person.objects.current().filter(region__path__startswith=district.path).exclude(phone="")[:40])
    return people


def _orders(district, communities, centre_users, items, rng, now, n) -> int:
    from civicgrid.cases import photos

    residents = _residents(district, rng)
    staff_users = {c.pk: Role.objects.filter(role=R.COMMUNITY_STAFF, region=c).select_related("user").first()
                   for c in communities}
    operator = Role.objects.filter(role=R.HOTLINE_OPERATOR, region=district).select_related("user").first()
    orderable = [i for c, i in items.items() if not i.is_venue and not i.eligible_kinds] + [items["S01-02"]] * 6
    photo = photo_bytes()
    made = 0
    for k in range(n):
        path = PATHS[k % len(PATHS)]
        at = now - dt.timedelta(days=29 * (n - k) / n, hours=rng.randint(0, 6))
        person = residents[k % len(residents)] if residents and k % 3 else None
        community = person.community if person else communities[k % len(communities)]
        seat = staff_users.get(community.pk)
        channel_actor = operator.user if (operator and k % 4 == 1) else (seat.user if seat else None)
        if channel_actor is None:
            continue
        item = items["S01-02"] if person and k % 2 else orderable[k % len(orderable)]
        if path == "placed":
            item = items["S07-02"]  # legal advice: the volunteer lawyers — left for the desk to assign
        name = person.name if person else _name(rng)
        phone = person.phone if person else _phone(rng)
        address = f"{community.name.removesuffix('社区')}小区{rng.randint(1, 30)}号楼{rng.randint(1, 6)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}"
        try:
            o = S.place_order(channel_actor, item=item, name=name, phone=phone, address=address, person=person,
                              region=person.region if person else community, note=rng.choice(NOTES),
                              scheduled_for=at + dt.timedelta(hours=2), now=at, assign=path != "placed")
        except Exception as exc:  # noqa: BLE001 — a resident the demo cannot serve is skipped, not fatal
            from django.core.exceptions import ValidationError

            if isinstance(exc, ValidationError):
                continue
            raise
        made += 1
        if path in ("placed", "assigned") or o.provider_id is None:
            continue
        acc = o.provider.accounts.select_related("user").first()
        pu = acc.user if acc else None
        if pu is None:
            continue
        t = at + dt.timedelta(minutes=rng.randint(5, 25))
        if path == "overdue_accept":
            continue  # the sweep at the end flags it
        if path == "declined":
            o = S.act(pu, o, "decline", note="该时段人手不足", now=t)
            continue
        if path == "cancelled":
            S.resident_act(phone, o, "cancel", note="家人已安排，不需要了", now=t)
            continue
        o = S.act(pu, o, "accept", now=t)
        if path == "accepted":
            continue
        arrive = o.scheduled_for + dt.timedelta(minutes=rng.choice([-5, 5, 10, 20, 45]))
        x, y = region_point(o.region)
        o = S.act(pu, o, "check_in", lng=x + 0.0003, lat=y + 0.0002, now=arrive)
        if path == "in_service":
            continue
        o = S.act(pu, o, "complete", note=rng.choice(DONE), photo=photos.prepare(photo),
                  now=arrive + dt.timedelta(minutes=50))
        if path == "completed":
            continue
        done = arrive + dt.timedelta(hours=3)
        if path == "complained":
            S.resident_act(phone, o, "complain", note="送来的饭菜是凉的，服务人员态度不好", now=done)
            continue
        o = S.resident_act(phone, o, "confirm", rating=rng.choice([5, 5, 4, 4, 3, 5]), rating_note="", now=done)
        if path == "closed":
            desk = centre_users.get(o.street_id) or channel_actor
            S.act(desk, o, "close", now=done + dt.timedelta(hours=2))
    return made


def _meetings(streets, centre_users, providers, now) -> None:
    from .models import JointMeeting

    for s in streets:
        u = centre_users[s.pk]
        names = "、".join(p.name for p in providers if p.region_id == s.pk)[:280] or "辖区服务商"
        JointMeeting.objects.create(
            region=s, held_on=timezone.localdate(now) - dt.timedelta(days=20), attendees=names, recorded_by=u,
            minutes="通报上月订单量、准时率和满意度；讨论助餐送餐高峰时段人手不足问题。",
            decisions="一、午餐高峰增派送餐员2名；二、投诉订单48小时内回访；三、下月起保险到期前30天提交续保材料。",
            follow_up="已增派送餐员，本月准时率提升；投诉回访已落实。", followed_up_at=now - dt.timedelta(days=5))


SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
GIVEN = ["建国", "秀英", "桂兰", "志强", "海燕", "国华", "玉梅", "德明", "春生", "丽娟", "文杰", "凤英"]


def _name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng) -> str:
    return "137" + "".join(str(rng.randint(0, 9)) for _ in range(8))
