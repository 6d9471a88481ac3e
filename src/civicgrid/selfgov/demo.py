"""Demo data (the manifest's seeder): a year of self-governance in the demo district's first communities.

Through the real services, with times spread over the last twelve months: representatives from the
register, meetings of every type (a hearing with speakers' views), proposals in every state (one
execution overdue), a secret vote and a committee election, a year of disclosure items with monthly
summaries (one month missing, so the reminder has something to say), the charter and convention, the
admission list with funds and the seal register, and two half-year rounds of unit evaluation with the
grid review. Idempotent: skipped when the district already has proposals.
"""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from civicgrid.core import roles as R
from civicgrid.core.models import Role, User
from civicgrid.regions.models import Region

from . import evaluation as E
from . import services as S
from .models import AdmissionItem, Proposal, Rating, Representative

TOPICS = [("加装电梯", "3 号楼 6 层老楼，老人上下楼困难，申请加装电梯并统一筹资"),
          ("规范非机动车停放", "楼道停放电动车存在火灾隐患，建议建设集中充电棚"),
          ("改造小区健身场地", "健身器材老化，建议更换并铺设塑胶地面"),
          ("垃圾分类投放点调整", "投放点离 5 号楼太近，夏季异味明显"),
          ("增设老年助餐点", "独居老人就餐不便，建议引入助餐服务"),
          ("修缮破损路面", "小区主干道坑洼，雨天积水"),
          ("楼道照明更换", "多处声控灯损坏，夜间出行不便"),
          ("整治飞线充电", "部分居民从窗口拉线充电，存在安全隐患")]
ADMISSION = [("SQ-01", "城市管理", "门前三包宣传与巡查", "6000", "对责任单位督促整改、报告城管中队"),
             ("SQ-02", "公安", "流动人口信息采集协助", "8000", "入户登记、核对信息"),
             ("SQ-03", "市场监管", "食品安全宣传", "3000", "组织宣传活动"),
             ("SQ-04", "卫生健康", "老年人健康体检组织", "5000", "通知、组织体检")]


def run(stdout=None, *, seed: int = 17, communities: int = 2) -> dict:
    from civicgrid.departments.models import Department, DepartmentUnit
    from civicgrid.people.models import Person
    from civicgrid.regions.demo import DEMO_PASSWORD, DISTRICT_CODE

    say = stdout.write if stdout is not None else (lambda s: None)
    district = Region.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        say("没有演示辖区：请先运行 civicgrid seed-demo。")
        return {}
    if Proposal.objects.filter(community__path__startswith=district.path).exists():
        say("演示居民自治数据已存在，跳过。")
        return {}
    commander = Role.objects.filter(role=R.DISTRICT_COMMANDER, region=district).select_related("user").first()
    if commander is None:
        say("演示辖区没有区指挥中心账号，跳过。")
        return {}
    rng = random.Random(seed)
    now = timezone.now()
    today = timezone.localdate()
    password = make_password(DEMO_PASSWORD)
    picked = [c for c in Region.objects.filter(level="community", path__startswith=district.path).order_by("code")
              if Person.objects.current().filter(community=c).exists()][:communities]
    counts = {"proposals": 0, "meetings": 0, "disclosures": 0}
    for c in picked:
        staff = _staff(c, password)
        adults = list(S.adults(c).order_by("id")[:400])
        if len(adults) < 30:
            continue
        reps = adults[:15]
        Representative.objects.bulk_create(
            [Representative(community=c, person=p, kind="resident_rep", mandate_from=today.replace(year=today.year - 2),
                            mandate_to=today.replace(year=today.year + 3)) for p in reps]
            + [Representative(community=c, person=p, kind="committee", mandate_from=today.replace(year=today.year - 2),
                              mandate_to=today.replace(year=today.year + 3)) for p in adults[15:20]])
        # A year of proposals: every state.
        for i, (title, body) in enumerate(TOPICS):
            # the last is still collecting support; the sixth (short of support) lapses at the sweep
            t0 = now - dt.timedelta(days=5 if i == 7 else 330 - 40 * i)
            author = reps[i] if i % 3 == 0 else adults[30 + i]
            p = S.submit_proposal(author, c, title=title, body=body, as_representative=i % 3 == 0, now=t0)
            goal = p.support_threshold if i not in (6, 7) else 2
            for sup in adults[40 + i * 12: 40 + i * 12 + goal - 1]:
                p = S.support(sup, p, now=t0 + dt.timedelta(days=3))
            counts["proposals"] += 1
            decided_at = t0 + dt.timedelta(days=12)
            if i in (0, 1, 2, 4) and decided_at < now:
                due = (decided_at + dt.timedelta(days=45 if i != 4 else 10)).date()
                p = S.act(staff, p, "decide", decision=f"同意{title}，由居委会牵头实施", responsible="居委会主任",
                          due=due, now=decided_at)
                if i in (0, 1) and decided_at + dt.timedelta(days=40) < now:
                    p = S.act(staff, p, "report_back", result=f"{title}已完成，经居民代表验收",
                              now=decided_at + dt.timedelta(days=40))
            elif i == 3:
                p = S.act(staff, p, "reject", note="涉及规划调整，已转街道城建办研究", now=decided_at)
            elif i == 5:
                p = S.act(staff, p, "to_meeting", now=decided_at)
        S.sweep(now=now)  # lapses the short one, flags the overdue execution
        # Meetings of every type; a hearing with speakers; the convention adopted.
        m = None
        for k, kind in enumerate(["representatives", "hearing", "coordination", "evaluation", "committee", "joint"]):
            start = now - dt.timedelta(days=300 - 45 * k)
            mt = S.call_meeting(staff, c, kind=kind, title=f"{S.rules.MEETING_TYPES[kind].label}（{start:%m月}）",
                                agenda="一、通报上月居务；二、审议居民议题；三、其他事项", place="社区党群服务中心二楼",
                                starts_at=start, now=start - dt.timedelta(days=10))
            pool = reps if kind in ("representatives", "evaluation") else (adults[15:20] if kind == "committee"
                                                                           else adults[60:75])
            regs = [S.register_for_meeting(p, mt, now=start - dt.timedelta(days=5)) for p in pool]
            S.hold_meeting(staff, mt, attended_ids=[r.pk for r in regs[:max(1, len(regs) * 4 // 5)]],
                           minutes="会议按议程进行，与会人员充分讨论。", now=start + dt.timedelta(hours=2))
            if kind == "hearing":
                for sp, stance, view in (("3 号楼业主", "support", "支持加装，愿意分摊费用"),
                                         ("1 楼住户", "oppose", "担心采光和噪音，要求补偿"),
                                         ("物业公司代表", "conditional", "同意配合，需明确维保责任")):
                    S.record_statement(staff, mt, speaker=sp, stance=stance, view=view)
            else:
                S.record_resolution(staff, mt, text="同意会议审议事项", votes_for=mt.attended - 1, votes_against=1,
                                    votes_abstain=0, now=start + dt.timedelta(hours=2))
            if kind == "representatives":
                m = mt
            counts["meetings"] += 1
        if m is not None:
            S.adopt_charter(staff, c, kind="charter", text="第一条 本章程依据《城市居民委员会组织法》制定……", meeting=m,
                            now=m.held_at)
            S.adopt_charter(staff, c, kind="convention", text="爱护公共环境，垃圾分类投放；邻里互助，文明养犬……",
                            meeting=m, now=m.held_at)
        # A meeting still to come, open for registration.
        S.call_meeting(staff, c, kind="assembly", title="居民会议：加装电梯筹资方案", agenda="表决筹资方案",
                       place="社区广场", starts_at=now + dt.timedelta(days=9), now=now)
        # A secret vote (published) and an election (open), plus a survey open now.
        vote = S.open_poll(staff, c, kind="vote", title="是否同意改造小区健身场地", options=["同意", "不同意"],
                           opens_at=now - dt.timedelta(days=60), closes_at=now - dt.timedelta(days=50),
                           now=now - dt.timedelta(days=60))
        opts = list(vote.options.all())
        for p in adults[100:160]:
            S.cast(p, vote, [opts[0 if rng.random() < 0.8 else 1].pk], now=now - dt.timedelta(days=55))
        S.publish_poll(staff, vote, now=now - dt.timedelta(days=49))
        S.open_poll(staff, c, kind="election", title="居委会委员补选", options=["王桂兰", "李志强", "陈海燕"], seats=1,
                    opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=6), now=now)
        S.open_poll(staff, c, kind="survey", title="您最希望增加哪项社区服务", options=["老年助餐", "托育服务", "便民维修"],
                    opens_at=now - dt.timedelta(days=1), closes_at=now + dt.timedelta(days=20), now=now)
        # A year of disclosure: one per matter and monthly summaries, the month before last left missing.
        for mth in range(12, 0, -1):
            first = (today.replace(day=1) - dt.timedelta(days=30 * mth)).replace(day=1)
            at = timezone.make_aware(dt.datetime.combine(first + dt.timedelta(days=14), dt.time(10)))
            S.publish(staff, c, kind="finance", title=f"{first:%Y年%m月}社区公益金收支", body="收入、支出明细见附表",
                      amount=Decimal(rng.randint(2000, 9000)), now=at)
            if mth % 3 == 0:
                S.publish(staff, c, kind="subsidy", title=f"{first:%Y年%m月}高龄津贴发放", body="按月发放",
                          amount=Decimal("1200"), recipients=[p.name for p in adults[200:204]], now=at)
            counts["disclosures"] += 1
            if mth != 1:
                nxt = (first + dt.timedelta(days=32)).replace(day=1)
                S.publish_monthly(staff, c, first, now=timezone.make_aware(dt.datetime.combine(
                    nxt + dt.timedelta(days=rng.randint(2, 12)), dt.time(9))))
        S.record_seal_use(staff, c, on=today - dt.timedelta(days=20), matter="居住证明", basis="SQ-02",
                          approved_by="居委会主任")
        S.record_seal_use(staff, c, on=today - dt.timedelta(days=8), matter="老年人体检组织情况说明", basis="SQ-04",
                          approved_by="居委会主任")
    # The admission list with funds, one refused request.
    for ref, dept_name, title, money, authority in ADMISSION:
        dept = Department.objects.filter(district=district, name__contains=dept_name).first()
        if dept is None:
            continue
        AdmissionItem.objects.get_or_create(district=district, reference=ref, defaults=dict(
            title=title, department=dept, funding=Decimal(money), authority=authority,
            basis="区委办〔2025〕12号《社区工作事项准入清单》"))
    for c in picked:
        staff = _staff(c, password)
        for item in AdmissionItem.objects.filter(district=district)[:2]:
            unit = DepartmentUnit.objects.filter(department=item.department, region=c.parent).first()
            if unit is None:
                continue
            handler = _dept_user(unit, password)
            t = S.request_task(handler, c, title=item.title, reference=item.reference, now=now - dt.timedelta(days=90))
            S.record_fund(handler, t, kind="transfer", amount=item.funding / 2, on=today - dt.timedelta(days=80),
                          purpose="上半年经费")
            S.record_fund(staff, t, kind="use", amount=item.funding / 4, on=today - dt.timedelta(days=40),
                          purpose="宣传材料与志愿者补贴")
            try:
                S.request_task(handler, c, title="代收罚没款项", reference="", now=now - dt.timedelta(days=30))
            except S.NotOnAdmissionList:
                pass
    # Two rounds of unit evaluation and the grid review of the last.
    actor = commander.user
    h = today.replace(month=1 if today.month > 6 else 7, day=1)
    rounds = [(h - dt.timedelta(days=182)).replace(day=1), h]
    units = list(DepartmentUnit.objects.filter(region__in={c.parent for c in picked}))
    for start in rounds:
        end = (start + dt.timedelta(days=185)).replace(day=1) - dt.timedelta(days=1)
        period = E.set_period(actor, district, label=f"{start.year}年{'上' if start.month == 1 else '下'}半年",
                              start=start, end=end, weights={"cases": 40, "visits": 30, "surveys": 30},
                              rewards={"1": "优秀网格", "2": "优秀网格", "3": "优秀网格"})
        when = timezone.make_aware(dt.datetime.combine(min(end, today), dt.time(10)))
        # Ratings in bulk (the demo's bulk path; rate() checks the same rules one by one for real raters).
        rows = []
        for c in picked:
            adults = list(S.adults(c).order_by("id")[:120])
            for u in units:
                if not c.path.startswith(u.region.path):
                    continue
                for p in adults[:rng.randint(20, 40)]:
                    rows.append(Rating(period=period, area=c, unit=u, rater_key=f"person:{p.pk}", at=when,
                                       rater_kind="resident", score=rng.choices([5, 4, 3, 2], [5, 3, 1, 1])[0]))
            if units and c.path.startswith(units[0].region.path):
                E.rate(period, score=rng.choice([3, 4, 5]), target_region=c, actor=_dept_user(units[0], password),
                       now=when)
        Rating.objects.bulk_create(rows)
    E.review(actor, period)  # the grid review of the last round
    say(f"居民自治：{len(picked)} 个社区，议题 {counts['proposals']}，会议 {counts['meetings']}，"
        f"公开 {counts['disclosures']} 月。")
    return counts


def _staff(c, password):
    seat = Role.objects.filter(role=R.COMMUNITY_STAFF, region=c).select_related("user").first()
    if seat:
        return seat.user
    u, _ = User.objects.get_or_create(username=f"demo-sg{c.code[6:12]}-staff",
                                      defaults={"display_name": "居委会工作人员", "password": password})
    Role.objects.get_or_create(user=u, role=R.COMMUNITY_STAFF, region=c)
    return u


def _dept_user(unit, password):
    seat = Role.objects.filter(role=R.DEPARTMENT_HANDLER, department_unit=unit).select_related("user").first()
    if seat:
        return seat.user
    u, _ = User.objects.get_or_create(username=f"demo-sg-unit{unit.pk}", defaults={
        "display_name": unit.name[:30], "password": password})
    Role.objects.get_or_create(user=u, role=R.DEPARTMENT_HANDLER, department_unit=unit)
    return u
