"""Demo data for procurement (the manifest's seeder, after the registry's): funds of the district and a
street, and calls walked through the real services with their times spread over the past year —
a service project awarded with its contract (first instalment evaluated and paid, the second reported
and waiting for evaluation), a 公益创投 contest awarded (first milestone evaluated below the pass mark,
so no payment), a call still open for bids, and a draft. Idempotent."""
from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from civicgrid.core.models import Role, User
from civicgrid.orgs.models import OrgAccount, Organisation
from civicgrid.regions.models import Region

from . import services as P
from . import workflow as W
from .models import Call


def _user(username, password, name, role, region=None, unit=None):
    u, _ = User.objects.get_or_create(username=username, defaults={"password": password, "display_name": name})
    Role.objects.get_or_create(user=u, role=role, region=region, department_unit=unit)
    return u


def run(stdout=None, *, seed: int = 17) -> dict:
    from civicgrid.regions.demo import DEMO_PASSWORD, DISTRICT_CODE

    say = stdout.write if stdout is not None else (lambda s: None)
    district = Region.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        say("没有演示辖区：请先运行 civicgrid seed-demo。")
        return {}
    if Call.objects.filter(region__path__startswith=district.path).exists():
        say("演示购买服务项目已存在，跳过。")
        return {}
    rng = random.Random(seed)
    password = make_password(DEMO_PASSWORD)
    street = Region.objects.filter(parent=district, level="street").order_by("code").first()
    buyer_s = _user("demo-buyer-street", password, f"{street.name}购买服务经办", W.PURCHASER, street)
    buyer_d = _user("demo-buyer-district", password, f"{district.name}民政局购买服务经办", W.PURCHASER, district)
    reviewers = [_user(f"demo-reviewer-{i}", password, name, W.REVIEWER, district)
                 for i, name in enumerate(["陈教授（高校）", "林会计师", "赵社工督导", "孙律师", "钱主任（社区）"], 1)]
    accounts = {a.organisation_id: a.user for a in OrgAccount.objects.select_related("user")}
    bidders = [o for o in Organisation.objects.filter(pk__in=accounts, standing__included=True).order_by("id")]
    if len(bidders) < 3:  # the demo needs catalogue members with portal accounts: give some
        for i, o in enumerate(Organisation.objects.filter(standing__included=True).exclude(pk__in=accounts)[:3]):
            u = _user(f"demo-org-c{i + 1}", password, f"{o.name}联络人", "org_contact", street)
            OrgAccount.objects.get_or_create(organisation=o, user=u)
            accounts[o.pk] = u
            bidders.append(o)
    if len(bidders) < 2:
        say("推荐目录内的机构不足两家，跳过购买服务演示。")
        return {}
    now = timezone.now()
    year = timezone.localdate(now).year
    lottery = P.save_fund(buyer_s, name=f"{street.name}福彩公益金", kind="lottery", year=year, amount="600000")
    self_gov = P.save_fund(buyer_d, name=f"{district.name}社区自治金", kind="self_gov", year=year, amount="400000")
    P.save_fund(buyer_d, name=f"{district.name}财政预算（政府购买服务）", kind="budget", year=year, amount="1500000")
    crit = [("服务方案与需求分析", 40), ("团队与专业能力", 30), ("以往服务绩效", 15), ("报价合理性", 15)]

    def walk(buyer, fund, title, kind, budget, start, *, eligibility="catalogue", conditions=(), domain=""):
        call = P.create_call(buyer, title=title, kind=kind, fund=fund, budget=budget, domain=domain,
                             description=f"{title}：面向辖区居民，服务周期一年，按节点考核付款。", eligibility=eligibility,
                             conditions=conditions, bid_deadline=start + dt.timedelta(days=20), criteria=crit, now=start)
        P.appoint_panel(buyer, call, reviewers[:3] if kind == "service" else reviewers[2:], reviewers[0] if kind == "service"
                        else reviewers[2])
        return P.act(buyer, call, "publish", now=start + dt.timedelta(hours=2))

    def bid_score_award(call, buyer, start, orgs):
        bids = []
        for i, o in enumerate(orgs):
            bids.append(P.submit_bid(accounts[o.pk], call, o, amount=str(int(call.budget) - 3000 * (i + 1)),
                                     proposal=f"{o.name}拟配备持证社工，分三阶段实施：需求评估、集中服务、总结评估。",
                                     now=start + dt.timedelta(days=3 + i)))
        closed = start + dt.timedelta(days=21)
        call = P.MACHINE.act(None, call, "close_bids", now=closed)
        for seat in call.panel.select_related("user"):
            P.declare(seat.user, call, now=closed + dt.timedelta(days=1))
            for b in bids:
                P.score(seat.user, call, b, {c.pk: rng.randint(60, 95) for c in call.criteria.all()},
                        now=closed + dt.timedelta(days=1))
            P.submit_scores(seat.user, call, now=closed + dt.timedelta(days=2))
        return P.act(buyer, call, "award", now=closed + dt.timedelta(days=3))

    start1 = now - dt.timedelta(days=300)
    c1 = walk(buyer_s, lottery, f"{street.name}高龄独居老人助餐与探访服务", "service", "180000", start1, domain="elderly")
    c1 = bid_score_award(c1, buyer_s, start1, bidders[:3])
    contract = c1.contract
    org_user = accounts[contract.organisation_id]
    m1, m2 = contract.milestones.order_by("seq")[:2]
    t = start1 + dt.timedelta(days=90)
    P.report_milestone(org_user, m1, text="完成 126 户高龄独居老人需求评估，建立服务档案。", self_score=88, now=t)
    P.evaluate(buyer_s, m1, satisfaction=92, third_party=85, note="需求评估扎实", now=t + dt.timedelta(days=7))
    P.pay(buyer_s, m1, now=t + dt.timedelta(days=10))
    P.report_milestone(org_user, m2, text="累计送餐 8600 人次，探访 1500 人次。", self_score=90, now=t + dt.timedelta(days=100))

    start2 = now - dt.timedelta(days=200)
    c2 = walk(buyer_d, self_gov, f"{district.name}社区公益创投：邻里守望互助计划", "venture", "60000", start2,
              eligibility="conditions", conditions=[{"metric": "credit_normal", "value": "1"}])
    c2 = bid_score_award(c2, buyer_d, start2, bidders[-2:])
    m = c2.contract.milestones.order_by("seq").first()
    t = start2 + dt.timedelta(days=95)
    P.report_milestone(accounts[c2.contract.organisation_id], m, text="招募志愿者 40 名，结对 30 户。", self_score=80, now=t)
    P.evaluate(buyer_d, m, satisfaction=55, third_party=50, note="结对服务记录不完整，请补充后重新报告",
               now=t + dt.timedelta(days=5))

    walk(buyer_s, lottery, f"{street.name}困境儿童四点半课堂", "service", "90000", now - dt.timedelta(days=2),
         domain="children")
    P.create_call(buyer_d, title=f"{district.name}社区社会组织能力建设（草稿）", kind="service", fund=self_gov, budget="50000",
                  description="为备案社区社会组织提供培训与督导。", bid_deadline=now + dt.timedelta(days=30),
                  criteria=crit, now=now)
    say(f"演示购买服务：资金 3 项、项目 4 个（已公示 2、征集中 1、草稿 1），合同 2 份。")
    return {"calls": 4}
