"""Demo data for the demo district (the manifest's seeder; `civicgrid seed-apps`). Idempotent and fast:
rows are bulk-created, the credit status derived once per organisation with records, and the catalogue
generated twice (a year ago and now) so its history shows organisations entering and leaving.

65+ organisations: registered 社会团体 / 社会服务机构 / 基金会 (three of them hubs with attached
organisations), community groups filed with each street, a year of inspections and grades, credit
records good and bad, staff with social-work certificates, party-building coverage, an incubation base
with a cohort (incubating, graduated, exited), and portal accounts for some organisations.
"""
from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from civicgrid.core.models import Role, User
from civicgrid.regions.models import Region

from . import catalogue, creditcode, services
from . import vocab as V
from .models import (CreditEvent, Filing, Grade, Incubation, IncubationMilestone, IncubationSupport, Incubator,
                     Inspection, OrgAccount, Organisation, StaffMember)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
GIVEN = ["建国", "秀英", "桂兰", "志强", "海燕", "国华", "玉梅", "德明", "春生", "丽娟", "文杰", "凤英", "晓东", "婷婷"]
REGISTERED = [
    ("service", "阳光社会工作服务中心", ["elderly", "community"]), ("service", "乐龄居家养老服务中心", ["elderly"]),
    ("service", "彩虹儿童发展中心", ["children", "education"]), ("service", "同心助残服务社", ["disability"]),
    ("service", "和谐社区发展中心", ["community", "mediation"]), ("service", "绿源环保公益服务中心", ["environment"]),
    ("service", "新航社会工作事务所", ["poverty", "community"]), ("service", "康乃馨健康服务中心", ["health", "elderly"]),
    ("service", "启明青少年服务中心", ["children"]), ("service", "安心法律服务中心", ["legal", "mediation"]),
    ("service", "邻里守望志愿服务中心", ["volunteer", "community"]), ("service", "暖心家庭服务中心", ["elderly", "poverty"]),
    ("service", "博雅文化艺术中心", ["culture"]), ("service", "善行慈善服务中心", ["charity", "poverty"]),
    ("service", "益家亲子服务中心", ["children", "education"]), ("service", "银龄互助服务中心", ["elderly", "volunteer"]),
    ("service", "心桥心理服务中心", ["health"]), ("service", "馨苑老年公寓", ["elderly"]),
    ("service", "晨曦社区服务中心", ["community"]), ("service", "众益社会组织发展中心", ["professional", "community"]),
    ("group", "志愿者协会", ["volunteer"]), ("group", "老年人体育协会", ["culture", "elderly"]),
    ("group", "慈善协会", ["charity"]), ("group", "社会工作者协会", ["professional"]),
    ("group", "书法家协会", ["culture"]), ("group", "残疾人康复协会", ["disability"]),
    ("group", "家庭教育研究会", ["education", "children"]), ("group", "物业管理协会", ["professional", "community"]),
    ("group", "人民调解协会", ["mediation"]), ("group", "垃圾分类促进会", ["environment"]),
    ("group", "青年志愿者联合会", ["volunteer", "children"]), ("group", "棋类协会", ["culture"]),
    ("group", "健康促进会", ["health"]), ("group", "邻里文化促进会", ["culture", "community"]),
    ("group", "民间文艺家协会", ["culture"]), ("group", "养老服务业协会", ["elderly", "professional"]),
    ("foundation", "社区发展基金会", ["community", "charity"]), ("foundation", "助学基金会", ["education", "charity"]),
    ("foundation", "敬老慈善基金会", ["elderly", "charity"]), ("service", "启航就业服务中心", ["poverty"]),
    ("service", "睦邻养老驿站服务中心", ["elderly"]), ("service", "童心四点半课堂服务中心", ["children"]),
    ("service", "平安社区治理服务中心", ["community", "mediation"]), ("service", "悦读公益图书服务中心", ["culture", "education"]),
    ("service", "爱心助餐服务中心", ["elderly", "poverty"]),
]
HUBS = {"社会组织联合会": ["community", "professional"], "社区公益服务发展中心": ["community", "volunteer"]}
GROUPS = ["夕阳红舞蹈队", "邻里互助会", "楼组长联谊会", "环保志愿服务队", "书画社", "合唱团", "读书会", "太极拳队",
          "巧手编织社", "平安巡逻队", "老伙伴互助小组", "亲子阅读会", "垃圾分类督导队", "健康讲师团", "乒乓球队",
          "戏曲票友社", "睦邻调解小组", "家长互助会", "银发志愿者服务队", "社区花园营造小组"]


def _name(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _user(username: str, password: str, name: str, role: str, region) -> User:
    u, _ = User.objects.get_or_create(username=username, defaults={"password": password, "display_name": name})
    if role:
        Role.objects.get_or_create(user=u, role=role, region=region)
    return u


def run(stdout=None, *, seed: int = 16) -> dict:
    from civicgrid.regions.demo import DEMO_PASSWORD, DISTRICT_CODE

    say = stdout.write if stdout is not None else (lambda s: None)
    district = Region.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        say("没有演示辖区：请先运行 civicgrid seed-demo。")
        return {}
    if Organisation.objects.filter(region__path__startswith=district.path).exists():
        say("演示社会组织已存在，跳过。")
        return {}
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate(now)
    password = make_password(DEMO_PASSWORD)
    streets = list(Region.objects.filter(parent=district, level="street").order_by("code"))
    communities = list(Region.objects.filter(parent__in=streets, level="community").order_by("code"))
    dname = district.name
    registrar = _user("demo-orgs-district", password, f"{dname}民政局社会组织科", services.REGISTRAR, district)
    street_registrars = [_user(f"demo-orgs-{s.code[6:9]}", password, f"{s.name}社区事务办", services.REGISTRAR, s)
                         for s in streets]

    # -- registered organisations (bulk) --------------------------------------------------------------
    orgs: list[Organisation] = []
    serial = 1
    for name, domains in HUBS.items():
        orgs.append(Organisation(name=f"{dname}{name}", kind=V.SOCIAL_GROUP if "联合会" in name else V.SOCIAL_SERVICE,
                                 domains=domains, is_hub=True))
    for kind, name, domains in REGISTERED:
        orgs.append(Organisation(name=f"{dname}{name}", kind=kind, domains=domains))
    for o in orgs:
        o.status, o.region, o.authority = V.REGISTERED, district, f"{dname}民政局"
        o.credit_code = creditcode.make("5", V.KIND_PREFIX[o.kind][1], district.code[:6], f"MJ{seed:02d}{serial:04d}X")
        serial += 1
        o.registered_on = dt.date(rng.randint(2008, 2024), rng.randint(1, 12), rng.randint(1, 28))
        o.legal_rep, o.legal_rep_phone = _name(rng), "139" + "".join(str(rng.randint(0, 9)) for _ in range(8))
        o.supervisor = rng.choice(["", f"{dname}民政局", f"{dname}卫生健康委员会", f"{dname}教育局", f"{dname}文化和旅游局"])
        o.address = f"{rng.choice(streets).name}{rng.randint(1, 300)}号"
        o.party_coverage = rng.choices(list(V.PARTY_COVERAGE), weights=[3, 3, 3, 1])[0]
        o.party_members = rng.randint(0, 12) if o.party_coverage != "none" else rng.randint(0, 2)
        o.summary = f"面向{dname}居民开展{'、'.join(V.DOMAINS[d] for d in o.domains)}等服务。"
    Organisation.objects.bulk_create(orgs)
    orgs = list(Organisation.objects.filter(region=district, status=V.REGISTERED).order_by("id"))
    hubs = [o for o in orgs if o.is_hub]
    for o in orgs[len(hubs):]:
        if rng.random() < 0.4:
            o.hub = rng.choice(hubs)
    Organisation.objects.bulk_update(orgs, ["hub"])
    Through = Organisation.service_area.through
    Through.objects.bulk_create([Through(organisation_id=o.pk, region_id=s.pk)
                                 for o in orgs for s in rng.sample(streets, min(len(streets), rng.randint(1, 3)))])

    # -- community groups filed with the streets -----------------------------------------------------------
    groups = []
    for i, g in enumerate(GROUPS):
        c = communities[i % len(communities)]
        street = c.parent
        groups.append(Organisation(name=f"{c.name}{g}", kind=V.COMMUNITY_GROUP, status=V.FILED, region=street,
                                   authority=f"{street.name}（备案）", domains=[rng.choice(["culture", "volunteer",
                                                                                             "community", "elderly"])],
                                   legal_rep=_name(rng), address=f"{c.name}党群服务中心活动室",
                                   party_coverage=rng.choice(["instructor", "joint", "none"]),
                                   hub=rng.choice(hubs) if rng.random() < 0.3 else None))
    Organisation.objects.bulk_create(groups)
    groups = list(Organisation.objects.filter(status=V.FILED, region__in=streets).order_by("id"))
    Filing.objects.bulk_create([
        Filing(organisation=g, filed_on=today - dt.timedelta(days=rng.randint(60, 1500)),
               charter="本组织为社区居民自愿组成的非营利性社区社会组织，在街道指导下开展活动。", place=g.address,
               leader=g.legal_rep, members=rng.randint(8, 60), funds=rng.choice(["会员自筹", "社区自治金资助", "社区基金会资助"]),
               yearly_plan="每月开展活动不少于两次，参与社区节日活动。", by=street_registrars[streets.index(g.region)])
        for g in groups])
    Through.objects.bulk_create([Through(organisation_id=g.pk, region_id=communities[i % len(communities)].pk)
                                 for i, g in enumerate(groups)])

    # -- staff, inspections, grades, credit ------------------------------------------------------------------
    staff, inspections, grades, events = [], [], [], []
    for o in orgs:
        for _ in range(rng.randint(1, 6)):
            cert = rng.choices(list(V.CERTIFICATES), weights=[4, 3, 2, 1])[0]
            staff.append(StaffMember(organisation=o, name=_name(rng), title=rng.choice(["社工", "项目主管", "干事", "主任"]),
                                     certificate=cert, certificate_no=f"SW{rng.randint(100000, 999999)}" if cert else ""))
        for year in (today.year - 3, today.year - 2, today.year - 1):
            if o.registered_on.year > year:
                continue
            late = year == today.year - 1 and rng.random() < 0.12
            result = "pending" if late else rng.choices(["pass", "basic", "fail"], weights=[16, 3, 1])[0]
            inspections.append(Inspection(organisation=o, year=year, report=f"{year} 年度工作报告：开展服务项目 {rng.randint(3, 30)} 个。",
                                          submitted_on=dt.date(year + 1, rng.randint(3, 5), rng.randint(1, 28)) if not late else None,
                                          result=result, decided_on=None if late else dt.date(year + 1, 6, 30)))
        if rng.random() < 0.7:
            awarded = dt.date(rng.randint(today.year - 5, today.year - 1), rng.randint(1, 12), rng.randint(1, 28))
            grades.append(Grade(organisation=o, level=rng.choices([2, 3, 4, 5], weights=[2, 4, 3, 1])[0], awarded_on=awarded,
                                valid_until=awarded.replace(year=awarded.year + 5) - dt.timedelta(days=1),
                                assessor="第三方评估机构"))
        if rng.random() < 0.3:
            events.append(CreditEvent(organisation=o, kind="good", category=rng.choice(["commendation", "service", "donation"]),
                                      source="civil_affairs", occurred_on=today - dt.timedelta(days=rng.randint(30, 900)),
                                      description="获评优秀社会组织服务项目", by=registrar))
    StaffMember.objects.bulk_create(staff)
    Inspection.objects.bulk_create(inspections)
    Grade.objects.bulk_create(grades)
    CreditEvent.objects.bulk_create(events)

    # The catalogue a year ago and a month ago; then bad records hit some members: the history shows who
    # left and why.
    catalogue.regenerate(now=now - dt.timedelta(days=365), trigger="每日自动更新")
    catalogue.regenerate(now=now - dt.timedelta(days=30), trigger="每日自动更新")
    members = [o for o in orgs[len(hubs):] if o.pk in set(catalogue.members_on(now - dt.timedelta(days=1)))]
    others = [o for o in orgs[len(hubs):] if o not in members]
    bad = rng.sample(members, min(3, max(0, len(members) - 6))) + rng.sample(others, 2)
    for i, o in enumerate(bad):
        category = ["penalty", "complaint", "abnormal", "late_report", "serious"][i]
        CreditEvent.objects.create(organisation=o, kind="bad", category=category, source="civil_affairs",
                                   occurred_on=today - dt.timedelta(days=rng.randint(2, 25)), by=registrar,
                                   description={"abnormal": "未按时报送年度报告，列入活动异常名录", "penalty": "违规收取服务费被警告",
                                                "complaint": "服务对象投诉经核实", "late_report": "年检报告逾期提交",
                                                "serious": "弄虚作假骗取补贴，列入严重违法失信名单"}[category])
    for o in Organisation.objects.filter(pk__in={e.organisation_id for e in CreditEvent.objects.all()}):
        services.rederive_credit(o, now=now)

    # -- incubation ----------------------------------------------------------------------------------------------
    base = Incubator.objects.create(name=f"{streets[0].name}社会组织孵化基地", region=streets[0], operator=hubs[-1],
                                    address=f"{streets[0].name}党群服务中心二楼")
    cohort = [g for g in groups if g.region == streets[0]][:4] + [g for g in groups if g.region != streets[0]][:2]
    outcomes = ["incubating", "incubating", "graduated", "graduated", "exited", "incubating"]
    for g, state in zip(cohort, outcomes):
        entered = today - dt.timedelta(days=rng.randint(200, 330))
        inc = Incubation.objects.create(incubator=base, organisation=g, cohort=f"{entered.year} 年第一期", entered_on=entered,
                                        entry_score=rng.randint(65, 92), state=state,
                                        entry_assessment="有稳定骨干和活动计划，需要规范化管理与项目设计能力。",
                                        ended_on=today - dt.timedelta(days=rng.randint(5, 40)) if state != "incubating" else None,
                                        outcome_note={"graduated": "完成规范化建设，出壳", "exited": "骨干流失，自愿退出"}.get(state, ""))
        IncubationSupport.objects.bulk_create([
            IncubationSupport(incubation=inc, kind="space", given_on=entered, amount=6000, note="免费使用孵化基地办公工位一年"),
            IncubationSupport(incubation=inc, kind="training", given_on=entered + dt.timedelta(days=30), hours=16,
                              note="财务管理与项目设计培训"),
            IncubationSupport(incubation=inc, kind="seed_fund", given_on=entered + dt.timedelta(days=60),
                              amount=rng.choice([5000, 8000, 10000]), note="种子资金"),
            IncubationSupport(incubation=inc, kind="mentoring", given_on=entered + dt.timedelta(days=90), hours=10,
                              note="导师一对一辅导")])
        IncubationMilestone.objects.bulk_create([
            IncubationMilestone(incubation=inc, title="完成章程修订与内部制度", due_on=entered + dt.timedelta(days=90),
                                reached_on=entered + dt.timedelta(days=80)),
            IncubationMilestone(incubation=inc, title="独立执行一个社区服务项目", due_on=entered + dt.timedelta(days=240),
                                reached_on=entered + dt.timedelta(days=230) if state == "graduated" else None)])

    # -- portal accounts ----------------------------------------------------------------------------------------------
    catalogue.regenerate(now=now, trigger="每日自动更新")
    contacts = 0
    for i, o in enumerate(orgs[len(hubs):len(hubs) + 12]):
        u = _user(f"demo-org-{i + 1:02d}", password, f"{o.name}联络人", services.ORG_CONTACT, streets[i % len(streets)])
        OrgAccount.objects.get_or_create(organisation=o, user=u)
        contacts += 1
    n = len(orgs) + len(groups)
    say(f"演示社会组织：登记 {len(orgs)} 家、备案 {len(groups)} 家，孵化 {len(cohort)} 家，机构账号 {contacts} 个。")
    return {"organisations": n}
