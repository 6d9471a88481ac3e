"""Demo data for the demo district (the manifest's seeder; `civicgrid seed-apps`). Idempotent, bulk.

Staff types and a profile for every public seat (grid workers 专职网格员, grid leaders 网格长,
community staff 社工, the street units' police 社区民警 and urban officers 城管队员), the duty
checklists (九必访/六必到/九必报), pay rules and quotas, a month of patrols with route points and
checks (some findings as corrections), social workers (socialwork_demo.py), a 3+1 team and volunteers with activities and hours in every
state, and two joint cases (one finished, one waiting for a supporting unit) plus an emergency.
"""
from __future__ import annotations

import datetime as dt
import random
import uuid
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from civicgrid.core import roles as R
from civicgrid.core.crypto import lookup_hash
from civicgrid.core.models import Role
from civicgrid.regions.models import Region

from .models import (Activity, BankEntry, Benefit, Correction, DutyItem, HourEntry, Patrol, PatrolCheck, PatrolPoint, PayRule, Quota,
                     SignUp, StaffProfile, StaffType, Team, TimeBankRule, Volunteer)

TYPES = [("grid_worker", "专职网格员", "public"), ("grid_leader", "网格长", "public"), ("police", "社区民警", "public"),
         ("urban", "城管队员", "public"), ("assistant", "协管员", "hidden"), ("social_worker", "社工", "public"),
         ("building_head", "楼组长", "hidden")]
DUTIES = [
    # 九必访: the households a grid worker must visit (tags from the register) and the buildings to walk
    ("visit9", "独居老人", "household", "elderly_alone", 7), ("visit9", "空巢老人", "household", "empty_nest", 14),
    ("visit9", "高龄老人", "household", "very_old", 30), ("visit9", "残疾人家庭", "household", "disabled", 30),
    ("visit9", "低保家庭", "household", "low_income", 30), ("visit9", "留守儿童", "household", "left_behind_child", 30),
    ("visit9", "大病患者家庭", "household", "serious_illness", 30),
    ("visit9", "社区矫正对象", "household", "community_correction", 7),
    ("visit9", "严重精神障碍患者家庭", "household", "mental_illness", 14),
    ("visit9", "楼栋巡查", "building", "", 7),
    # 六必到: occasions they must attend
    ("attend6", "居民家中发生重大变故", "occasion", "", 30), ("attend6", "居民发生矛盾纠纷", "occasion", "", 30),
    ("attend6", "突发事件和灾害现场", "occasion", "", 30), ("attend6", "居民生病住院", "occasion", "", 30),
    ("attend6", "社区重大活动", "occasion", "", 30), ("attend6", "居民红白喜事", "occasion", "", 30),
    # 九必报: events they must report (a weekly report, "nothing found" included)
    ("report9", "安全隐患", "occasion", "", 7), ("report9", "矛盾纠纷苗头", "occasion", "", 7),
    ("report9", "治安问题", "occasion", "", 7), ("report9", "违法建设", "occasion", "", 7),
    ("report9", "环境卫生问题", "occasion", "", 7), ("report9", "重点人员异常", "occasion", "", 7),
    ("report9", "群体性事件苗头", "occasion", "", 7), ("report9", "公共设施损坏", "occasion", "", 7),
    ("report9", "疫情和自然灾害", "occasion", "", 7),
]
NOTES = ["楼道整洁，消防通道畅通", "单元门禁正常", "电动车未在楼道充电", "垃圾分类桶站清洁", "独居老人身体状况良好"]
CORRECTIONS = ["该楼实为 6 层，台账记为 5 层", "1 单元 302 室已空置，住户已搬离", "楼栋地址门牌号有误，应为 14 号"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
GIVEN = ["建国", "秀英", "桂兰", "志强", "海燕", "国华", "玉梅", "德明", "春生", "丽娟"]


def run(stdout=None, *, seed: int = 18, patrol_grids: int = 40) -> dict:
    from civicgrid.regions.demo import DISTRICT_CODE

    say = stdout.write if stdout is not None else (lambda s: None)
    district = Region.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        say("没有演示辖区：请先运行 civicgrid seed-demo。")
        return {}
    if DutyItem.objects.filter(district=district).exists():
        say("演示网格力量已存在，跳过。")
        return {}
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    counts = {}
    with transaction.atomic():
        types = {code: StaffType.objects.create(code=code, name=name, contact_rule=rule, order=i)
                 for i, (code, name, rule) in enumerate(TYPES)} if not StaffType.objects.exists() else \
            {t.code: t for t in StaffType.objects.all()}
        for code, name, rule in TYPES:
            if code not in types:
                types[code] = StaffType.objects.create(code=code, name=name, contact_rule=rule, order=len(types))
        DutyItem.objects.bulk_create([DutyItem(district=district, list=lst, name=name, target=target, tag=tag,
                                               interval_days=days, order=i) for i, (lst, name, target, tag, days) in enumerate(DUTIES)])
        PayRule.objects.bulk_create([
            PayRule(district=district, staff_type=types["grid_worker"], fixed=Decimal("1200"), assessed=Decimal("800")),
            PayRule(district=district, staff_type=types["grid_leader"], fixed=Decimal("200"), assessed=Decimal("200"),
                    period="quarter"),
            PayRule(district=district, staff_type=types["social_worker"], fixed=Decimal("300"), assessed=Decimal("300")),
        ])
        Quota.objects.bulk_create([
            Quota(district=district, staff_type=types["grid_worker"], metric="patrol_days", target=20),
            Quota(district=district, staff_type=types["grid_worker"], metric="checks", target=80),
            Quota(district=district, staff_type=types["grid_leader"], metric="patrol_days", target=4),
            Quota(district=district, staff_type=types["social_worker"], metric="checks", target=20),
        ])
        # Profiles for the seats sent into the grids (grid workers, community staff, the street units' handlers)
        seats = list(Role.objects.filter(user__is_active=True, staff_profile__isnull=True)
                     .filter(region__path__startswith=district.path).select_related("region", "user")) + \
            list(Role.objects.filter(user__is_active=True, staff_profile__isnull=True,
                                     department_unit__region__path__startswith=district.path)
                 .select_related("department_unit__region", "department_unit__department", "user"))
        profiles = []
        for s in seats:
            if s.role == R.GRID_WORKER:
                st, employer = types["grid_worker"], f"{s.region.parent.parent.name}办事处"
            elif s.role == R.COMMUNITY_STAFF:
                st = types["grid_leader"] if s.title == "网格长" else types["social_worker"]
                employer = f"{s.region.name}居委会"
            elif s.role == R.DEPARTMENT_HANDLER:
                police = "公安" in s.department_unit.department.name
                st = types["police" if police else "urban"]
                employer = s.department_unit.name
            else:
                continue
            node = s.region if s.region_id else s.department_unit.region
            profiles.append(StaffProfile(seat=s, user=s.user, region=node, staff_type=st, employer=employer[:80],
                                         onboarded_on=today - dt.timedelta(days=rng.randint(60, 2000))))
        StaffProfile.objects.bulk_create(profiles, batch_size=500)
        counts["profiles"] = len(profiles)
        counts.update(_patrols(district, rng, now, patrol_grids))
        counts.update(_volunteers(district, rng, now))
        counts.update(_time_bank(district, now))
        from . import socialwork_demo  # social workers

        counts.update(socialwork_demo.run(district, rng, now))
    counts.update(_joint(district, now))
    counts.update(_operations(district, now))
    say("演示网格力量：" + "，".join(f"{k} {v}" for k, v in counts.items()))
    return counts


def _patrols(district, rng, now, limit) -> dict:
    from civicgrid.people.models import Building, Household

    seats = list(Role.objects.filter(role=R.GRID_WORKER, region__path__startswith=district.path, region__level="grid")
                 .select_related("region").order_by("region__code")[:limit])
    patrols, points, checks = [], [], []
    buildings = {}
    for gid, pk, lng, lat in Building.objects.filter(grid_id__in=[s.region_id for s in seats]).values_list("grid_id", "pk", "lng", "lat"):
        buildings.setdefault(gid, []).append((pk, lng, lat))
    households = {}
    for gid, pk in Household.objects.filter(region_id__in=[s.region_id for s in seats]).values_list("region_id", "pk"):
        households.setdefault(gid, []).append(pk)
    for s in seats:
        g = s.region
        lng0 = g.label_lng or 116.3
        lat0 = g.label_lat or 39.9
        for back in range(30, 0, -1):
            day = timezone.localdate(now) - dt.timedelta(days=back)
            if day.weekday() == 6 or rng.random() < 0.12:
                continue  # Sundays off, and some days missed: the assessment has something to show
            start = timezone.make_aware(dt.datetime.combine(day, dt.time(9, rng.randint(0, 50))))
            p = Patrol(client_id=uuid.uuid4(), worker_id=s.user_id, grid=g, started_at=start,
                       ended_at=start + dt.timedelta(minutes=rng.randint(60, 150)), distance_m=0)
            patrols.append(p)
            route = [(lng0 + rng.uniform(-0.003, 0.003), lat0 + rng.uniform(-0.002, 0.002)) for _ in range(8)]
            p._route = route
            p._checks = []
            for b in rng.sample(buildings.get(g.pk, []), min(3, len(buildings.get(g.pk, [])))):
                outcome = "correction" if rng.random() < 0.03 else "nothing"
                p._checks.append(dict(building_id=b[0], outcome=outcome))
            for h in rng.sample(households.get(g.pk, []), min(2, len(households.get(g.pk, [])))):
                p._checks.append(dict(household_id=h, outcome="nothing"))
    Patrol.objects.bulk_create(patrols, batch_size=1000)
    from .services import _meters

    corrections = []
    for p in patrols:
        p.distance_m = int(sum(_meters(a, b) for a, b in zip(p._route, p._route[1:])))
        for i, (x, y) in enumerate(p._route):
            points.append(PatrolPoint(patrol=p, client_id=uuid.uuid4(), at=p.started_at + dt.timedelta(minutes=8 * i),
                                      lng=x, lat=y))
        for i, c in enumerate(p._checks):
            row = PatrolCheck(patrol=p, client_id=uuid.uuid4(), at=p.started_at + dt.timedelta(minutes=10 * i + 5),
                              note=NOTES[i % len(NOTES)] if c["outcome"] == "nothing" else CORRECTIONS[i % len(CORRECTIONS)], **c)
            checks.append(row)
    Patrol.objects.bulk_update(patrols, ["distance_m"], batch_size=1000)
    PatrolPoint.objects.bulk_create(points, batch_size=2000)
    PatrolCheck.objects.bulk_create(checks, batch_size=2000)
    for row in checks:
        if row.outcome == "correction":
            corrections.append(Correction(check_row=row, grid_id=row.patrol.grid_id, building_id=row.building_id,
                                          text=row.note, state="open" if len(corrections) % 2 else "done"))
    Correction.objects.bulk_create(corrections)
    return {"patrols": len(patrols), "points": len(points), "checks": len(checks), "corrections": len(corrections)}


def _volunteers(district, rng, now) -> dict:
    grids = list(Region.objects.filter(level="grid", path__startswith=district.path).order_by("code")[:6])
    coordinators = {r.region_id: r.user for r in Role.objects.filter(role=R.COMMUNITY_STAFF,
                                                                      region__path__startswith=district.path)}
    leaders = {r.region_id: r.user for r in Role.objects.filter(role=R.COMMUNITY_STAFF, title="网格长",
                                                                 region__path__startswith=district.path)}
    vols, acts, signups, hours = [], [], [], []
    n = 0
    for g in grids:
        coord = coordinators.get(g.parent_id)
        if coord is None:
            continue
        team = Team.objects.create(grid=g, name=f"{g.name}“3+1”志愿服务队", social_worker=coord,
                                   grid_leader=leaders.get(g.parent_id, coord))
        mine = []
        for i in range(5):
            n += 1
            phone = f"139{18000000 + n:08d}"
            v = Volunteer(number=f"V{90000000 + n}", grid=g, name=rng.choice(SURNAMES) + rng.choice(GIVEN), phone=phone,
                          phone_hash=lookup_hash(phone), team=team, skills=rng.choice(["理发", "维修家电", "陪伴老人", "法律咨询", ""]),
                          consent_at=now - dt.timedelta(days=60), registered_at=now - dt.timedelta(days=60))
            vols.append(v)
            mine.append(v)
        for k, (title, back) in enumerate([("楼道清洁日", 20), ("为老人义务理发", 8), ("垃圾分类宣传", -3)]):
            a = Activity(grid=g, team=team, title=title, place=f"{g.name}党群服务站", coordinator=coord,
                         starts_at=now - dt.timedelta(days=back), hours=Decimal("2.0"), capacity=20,
                         checkin_code=f"{rng.randint(0, 999999):06d}")
            a._vols = mine[: 3 + k % 2]
            acts.append(a)
    Volunteer.objects.bulk_create(vols)
    Activity.objects.bulk_create(acts)
    for a in acts:
        for j, v in enumerate(a._vols):
            past = a.starts_at < now
            signups.append(SignUp(activity=a, volunteer=v, signed_at=a.starts_at - dt.timedelta(days=3),
                                  checked_in_at=a.starts_at if past else None))
            if past:
                state = ["confirmed", "confirmed", "pending", "rejected"][j % 4]
                hours.append(HourEntry(volunteer=v, activity=a, day=timezone.localdate(a.starts_at), hours=a.hours,
                                       note=a.title, state=state, confirmed_by=a.coordinator if state != "pending" else None,
                                       confirmed_at=a.starts_at + dt.timedelta(days=1) if state != "pending" else None))
    SignUp.objects.bulk_create(signups)
    HourEntry.objects.bulk_create(hours)
    return {"volunteers": len(vols), "activities": len(acts), "hours": len(hours)}


def _joint(district, now) -> dict:
    """Two joint cases through the real services: one closed after every part was confirmed, one
    waiting for a supporting unit's feedback and declared an emergency."""
    from civicgrid.cases import joint as J
    from civicgrid.cases import services as CS
    from civicgrid.cases.models import Case, Category
    from civicgrid.departments.models import DepartmentUnit

    street = Region.objects.filter(level="street", path__startswith=district.path).order_by("code").first()
    grid = Region.objects.filter(level="grid", path__startswith=street.path).order_by("code").first() if street else None
    dispatcher = Role.objects.filter(role=R.STREET_DISPATCHER, region=street).select_related("user").first()
    worker = Role.objects.filter(role=R.GRID_WORKER, region=grid).select_related("user").first()
    units = list(DepartmentUnit.objects.filter(region=street, active=True).select_related("department").order_by("name"))
    if not (grid and dispatcher and worker and len(units) >= 2):
        return {"joint_cases": 0}
    handlers = {u.pk: Role.objects.filter(department_unit=u, role=R.DEPARTMENT_HANDLER).select_related("user").first()
                for u in units[:2]}
    if not all(handlers.values()):
        return {"joint_cases": 0}
    lead_u, support_u = units[0], units[1]
    cat = Category.objects.filter(active=True, code="01001").first() or Category.objects.filter(active=True).first()
    made = 0
    for k, text in enumerate(["农贸市场周边占道经营、噪声扰民，需多部门联合整治", "老旧小区地下室群租，消防隐患突出"]):
        d, w = dispatcher.user, worker.user
        case = CS.intake(w, channel="grid_worker", category=cat, description=text, region=grid)
        case = CS.act(d, case, "file")
        case = CS.act(d, case, "dispatch", unit=lead_u)
        due = now + dt.timedelta(days=3)
        lead = J.add_part(d, case, lead_u, task="牵头组织整治，协调各方", due_at=due, lead=True)
        support = J.add_part(d, case, support_u, task="配合现场执法、维持秩序", due_at=due)
        if k == 0:
            J.give_feedback(handlers[support_u.pk].user, support, "已派员配合，现场秩序良好")
            J.review(handlers[lead_u.pk].user, support, accept=True)
            J.give_feedback(handlers[lead_u.pk].user, lead, "已清理占道摊位，设置便民疏导点")
        else:
            J.declare_emergency(d, case, note="发现群租房内有人员居住且电线私拉乱接，存在火灾风险")
        made += 1
    return {"joint_cases": made}


def _time_bank(district, now) -> dict:
    """The demo district runs a time bank (12 months' validity) with four benefits; the confirmed hours
    are in every volunteer's ledger (bulk, as the confirmation service would have written them)."""
    TimeBankRule.objects.get_or_create(district=district, defaults={"enabled": True, "expire_months": 12})
    Benefit.objects.bulk_create([
        Benefit(district=district, name="超市上门送货一次", kind="service", provider="社区便民超市", hours=Decimal("2"), order=1),
        Benefit(district=district, name="家电上门维修一次", kind="service", provider="社区维修服务点", hours=Decimal("4"), order=2),
        Benefit(district=district, name="志愿服务纪念水杯", kind="gift", provider="街道志愿服务站", hours=Decimal("6"), order=3),
        Benefit(district=district, name="时长捐赠（给志愿者或家人）", kind="donation", hours=Decimal("0"), order=4),
    ])
    balances, rows = {}, []
    for h in HourEntry.objects.filter(volunteer__grid__path__startswith=district.path, state="confirmed",
                                      bank_entry__isnull=True).order_by("confirmed_at", "id"):
        balances[h.volunteer_id] = balances.get(h.volunteer_id, Decimal("0")) + h.hours
        rows.append(BankEntry(volunteer_id=h.volunteer_id, kind="earned", hours=h.hours, hour_entry=h,
                              balance_after=balances[h.volunteer_id], at=h.confirmed_at or now, note=h.note[:200]))
    BankEntry.objects.bulk_create(rows)
    for vid, balance in balances.items():
        Volunteer.objects.filter(pk=vid).update(bank_balance=F("bank_balance") + balance)
    # One volunteer has already had the supermarket deliver once.
    from . import services

    first = Volunteer.objects.filter(grid__path__startswith=district.path, bank_balance__gte=2).order_by("number").first()
    if first is not None:
        services.redeem(first, Benefit.objects.get(district=district, order=1), token=uuid.uuid4(), now=now)
    return {"time_bank_entries": len(rows) + (1 if first else 0)}


def _operations(district, now) -> dict:
    """Joint enforcement operations through the real services: yesterday's, closed with a finding that
    became a case and a unit's "no problem found"; and one planned for next week."""
    from civicgrid.cases.models import Category

    from . import selectors, services

    street = Region.objects.filter(level="street", path__startswith=district.path).order_by("code").first()
    dispatcher = Role.objects.filter(role=R.STREET_DISPATCHER, region=street).select_related("user").first() if street else None
    if dispatcher is None:
        return {"operations": 0}
    community = Region.objects.filter(level="community", parent=street).order_by("code").first()
    units = list(selectors.operation_units(street).filter(region=street))
    cat = Category.objects.filter(active=True, code="01001").first() or Category.objects.filter(active=True).first()
    if community is None or len(units) < 2 or cat is None:
        return {"operations": 0}
    d = dispatcher.user
    done = services.plan_operation(d, title="农贸市场周边占道经营联合整治", region=community,
                                   starts_at=now - dt.timedelta(hours=20), ends_at=now - dt.timedelta(hours=17),
                                   lead_unit=units[0], units=units[1:3], targets="农贸市场东门至南门沿街商户\n市场内熟食摊位",
                                   briefing="早八点市场东门集合；城管牵头清理占道，公安维持秩序，市场监管检查证照。", now=now - dt.timedelta(days=2))
    grid = Region.objects.filter(level="grid", parent=community).order_by("code").first()
    services.record_operation_finding(d, done, token=uuid.uuid4(), outcome="case", unit=units[0], category_code=cat.code,
                                      description="市场东门外水果摊占用人行道约 3 米", grid=grid, place="农贸市场东门")
    services.record_operation_finding(d, done, token=uuid.uuid4(), outcome="none", unit=units[1], place="市场内熟食摊位",
                                      description="证照齐全，未发现问题")
    services.close_operation(d, done, summary="检查沿街商户 26 户、摊位 14 个；立案 1 件，现场劝导整改 6 处。")
    services.plan_operation(d, title="老旧小区群租房消防安全联合检查", region=community,
                            starts_at=now + dt.timedelta(days=7), ends_at=now + dt.timedelta(days=7, hours=4),
                            lead_unit=units[-1], units=units[:1], targets="1号院地下室\n3号院平房区", briefing="", now=now)
    return {"operations": 2}
