"""`civicgrid seed-hotline`: the demo's knowledge base and a fortnight of calls, cases and call-backs.

Run after `civicgrid seed-demo` (and seed-cases). Everything goes through the hotline services as
the demo operator, so the console, the knowledge base, the call-back queue and 回访复核 show what a
real 12345 seat would: answers that cite articles, calls turned into cases that were handled and
closed, call-backs done, one not reached, one unhappy answer waiting for review, a few still due.
"""
from __future__ import annotations

import datetime as dt
import importlib
import random

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from civicgrid.cases import workflow as W
from civicgrid.cases.models import Category
from civicgrid.core import roles as R
from civicgrid.core.models import Role
from civicgrid.hotline import demo_kb, services
from civicgrid.hotline.models import Article, CallBack, Contact
from civicgrid.regions.models import Region

# (caller, phone, what they said, building in the n-th community, outcome, detail)
# outcome "answer": detail = the article's title; "case": detail = (category code, then: "closed" | "open");
# "forward": detail = where to; "invalid": detail = why.
CALLS = [
    ("王女士", "13910237781", "想问一下低保怎么申请，需要带什么材料，我家老伴刚退休收入很低", 0, "answer",
     "低保申请办理流程和所需材料"),
    ("刘先生", "13520018823", "父亲今年 80 岁了，听说有高龄津贴，去哪里领", 1, "answer", "高龄老人津贴怎么申领"),
    ("陈女士", "18601127765", "我妈的养老金资格认证怎么做，她不会用智能手机", 2, "answer", "领取养老金资格认证怎么做"),
    ("赵先生", "13811092254", "要去外地住院做手术，医保异地就医要先办什么手续", 3, "answer", "异地就医备案怎么办"),
    ("孙女士", "15901283346", "孩子上个月出生，想咨询报户口要哪些材料", 4, "answer", "新生儿落户办理"),
    ("周先生", "13701015589", "楼上装修每天中午电钻响，物业说管不了", 5, "answer", "装修噪音允许在什么时间"),
    ("吴女士", "13621104471", "区政务服务中心周六开不开门", 0, "answer", "区政务服务中心和街道便民服务中心开放时间"),
    ("郑先生", "18910348812", "小区里到处是电动车在楼道充电，拉飞线，太危险了", 1, "case", ("06002", "closed")),
    ("冯女士", "13501226643", "3 号楼楼道堆满纸箱和旧家具，消防通道也被堵了", 2, "case", ("06002", "closed")),
    ("何先生", "13911457720", "小区门口共享单车乱停，把盲道和出入口都堵了", 3, "case", ("09010", "closed")),
    ("许女士", "13801339915", "对门独居的张大爷好几天没见出门，敲门也没人应", 4, "case", ("51001", "closed")),
    ("吕先生", "15010247768", "小区健身器材坏了好久，秋千链条断了，孩子玩很危险", 5, "case", ("05004", "closed")),
    ("韩女士", "13601084439", "单元门口和电梯里贴满了小广告，撕了又贴", 0, "case", ("07001", "closed")),
    ("曹先生", "18611203357", "楼上邻居家漏水渗到我家天花板，协商不了", 1, "case", ("50001", "closed")),
    ("邓女士", "13910076628", "家里突然着火烧了厨房，生活有困难，能不能申请救助", 2, "case", ("51002", "open")),
    ("彭先生", "13520364471", "小区垃圾站旁边的垃圾好几天没人清，味道很大", 3, "case", ("06002", "open")),
    ("蒋女士", "13716652290", "楼下有人打架，已经动刀了", 4, "forward", "110"),
    ("未留名", "17000000000", "来电无声，多次拨打后挂断", 5, "invalid", "无声来电，反复拨打后挂断"),
]
# What the call-backs heard, in the order the closed cases come: (reached, solved, satisfaction, note).
# None = left in the queue for the operator to do in the demo.
ANSWERS = [
    (True, True, "satisfied", "居民表示楼道已清理干净，电动车已移到集中充电点"),
    (True, False, "dissatisfied", "居民说清了两天又堆回来了，希望加强巡查"),
    (True, True, "basic", "单车已清理，希望运营企业定期调度"),
    (False, None, "", "无人接听"),
    None,
    None,
    None,
]


class Command(BaseCommand):
    help = "在演示区生成热线知识库（30 余篇）以及来电、案件和回访"

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="已有知识或来电时仍然生成")

    def handle(self, *args, **o):
        seat = Role.objects.filter(role=R.HOTLINE_OPERATOR).select_related("user", "region").order_by("id").first()
        if seat is None:
            raise CommandError("没有热线话务员账号：请先运行 civicgrid seed-demo")
        operator = seat.user
        if Article.objects.exists() and not o["force"]:
            self.stdout.write("知识库已有内容，跳过（--force 可再生成）。")
        else:
            for category, title, keywords, body in demo_kb.ARTICLES:
                services.save_article(operator, None, category=category, title=title, keywords=keywords, body=body,
                                      source=demo_kb.SOURCE, valid_from=None, valid_until=None, active=True)
            self.stdout.write(self.style.SUCCESS(f"已生成 {len(demo_kb.ARTICLES)} 篇演示知识"))
        if Contact.objects.exists() and not o["force"]:
            self.stdout.write("已有来电记录，跳过（--force 可再生成）。")
            return
        made = self._calls(operator, seat.region)
        self.stdout.write(self.style.SUCCESS(
            f"已生成 {made['contacts']} 个来电、{made['cases']} 个热线案件、{made['callbacks']} 条回访记录"))

    def _calls(self, operator, district: Region) -> dict:
        grids = list(Region.objects.filter(level="grid", path__startswith=district.path, geometry__isnull=False)
                     .select_related("parent").order_by("code"))
        if not grids:
            raise CommandError("演示辖区没有网格：请先运行 civicgrid seed-demo")
        # One grid per community, spread over the district, so calls come from different streets.
        per_community = list({g.parent_id: g for g in grids}.values())
        step = max(1, len(per_community) // 6)
        places = per_community[::step][:6]
        # One of the places lies in the first street dispatcher's street (the demo's dispatcher login).
        first = Role.objects.filter(role=R.STREET_DISPATCHER, region__isnull=False).order_by("id").first()
        if first is not None and not any(g.path.startswith(first.region.path) for g in places):
            theirs = [g for g in per_community if g.path.startswith(first.region.path)]
            if theirs:
                places[2 % len(places)] = theirs[0]
        # seed-cases knows how to walk a case through the workflow with the right actor at each step.
        seed_cases = _seed_cases()
        stepper = seed_cases.Command()
        stepper.stderr = self.stderr
        rng = random.Random(12345)
        now = timezone.now()
        counts = {"contacts": 0, "cases": 0, "callbacks": 0}
        closed = []
        for i, (name, phone, subject, where, outcome, detail) in enumerate(CALLS):
            grid = places[where % len(places)]
            address = f"{grid.parent.name}{3 + i % 9}号楼{1 + i % 3}单元"
            contact = services.record_contact(operator, subject=subject, caller_phone=phone, caller_name=name,
                                              address=address, lng=grid.label_lng, lat=grid.label_lat,
                                              received_at=now - dt.timedelta(days=14 - i * 0.7, hours=i % 5))
            counts["contacts"] += 1
            if outcome == "answer":
                article = Article.objects.get(title=detail)
                services.answer(operator, contact, note=f"已按“{article.title}”答复，来电人表示清楚了", article=article)
            elif outcome == "forward":
                services.forward(operator, contact, to=detail, note="情况紧急，已转 110 并告知来电人保持电话畅通")
            elif outcome == "invalid":
                services.mark_invalid(operator, contact, note=detail)
            else:
                code, target = detail
                contact = services.to_case(operator, contact, category=Category.objects.get(code=code))
                counts["cases"] += 1
                if target == "closed" and self._close(seed_cases.PATHS, stepper, contact.case, operator, rng):
                    closed.append(contact.case)
        # The unhappy answer (the second) goes to a case in the first street dispatcher's street, so the
        # demo's dispatcher login finds it in 回访复核.
        mine = [c for c in closed if first is not None and c.street_id == first.region_id]
        if mine and len(closed) > 1:
            i = closed.index(mine[0])
            closed[1], closed[i] = closed[i], closed[1]
        for case, answer in zip(closed, ANSWERS):
            if answer is None:
                continue
            reached, solved, satisfaction, note = answer
            cb = CallBack.objects.get(case=case, state=CallBack.PENDING)
            services.record_callback(operator, cb, reached=reached, solved=solved, satisfaction=satisfaction,
                                     note=note, follow_up="review")
            counts["callbacks"] += 1
        return counts

    def _close(self, paths, stepper, case, operator, rng) -> bool:
        """Through the real workflow, each step by the role it needs; the hotline verifies by phone."""
        now = timezone.now()
        for action in paths["community_closed" if case.tier == W.COMMUNITY else "closed"]:
            case = stepper._step(case, action, now, operator, rng)
            if case is None:
                return False
        return case.state == W.CLOSED


def _seed_cases():
    return importlib.import_module("civicgrid.cases.management.commands.seed-cases")
