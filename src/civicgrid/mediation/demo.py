"""Demo data for the demo district (the manifest's seeder; `civicgrid seed-apps`).

Mediators (a people's mediator with an account in every community, 老娘舅/和阿姨 volunteers, a
professional mediator and a lawyer on duty at every street), mediation rooms, seventeen weeks of
screening records (some "nothing found"), and a season of disputes walked through the real
services with their times spread over the last four months, so every state, the deadlines, the
follow-ups and the monthly report have something true to show. Idempotent.
"""
from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from civicgrid.core import roles as R
from civicgrid.core.models import Role, User
from civicgrid.regions.models import Region

from . import services as S
from . import workflow as W
from .models import Dispute, MediationRoom, Mediator

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
GIVEN = ["建国", "秀英", "桂兰", "志强", "海燕", "国华", "玉梅", "德明", "春生", "丽娟", "文杰", "凤英"]
SUMMARIES = {
    "neighbour": ["楼上卫生间漏水渗到楼下，双方就维修费用争执", "邻居在楼道堆放杂物，多次沟通未果", "装修噪音扰民，双方发生口角"],
    "family": ["兄弟姐妹就老人赡养费分担发生争执", "夫妻因家庭琐事长期争吵，女方求助"],
    "property": ["业主以服务不到位为由拒交物业费", "小区停车位收费标准引发业主与物业纠纷"],
    "labour": ["装修工人讨要被拖欠的工资", "餐馆员工离职后工资结算有争议"],
    "damage": ["电动车剐蹭行人引发赔偿纠纷"],
}
# What happens to each demo dispute after registration (cycled).
PATHS = ["registered", "mediating", "agreed", "resolved", "resolved", "referred", "answered", "broken",
         "mediating", "agreed", "resolved", "declined"]


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _phone(rng: random.Random) -> str:
    return "139" + "".join(str(rng.randint(0, 9)) for _ in range(8))


def run(stdout=None, *, seed: int = 11, per_community: int = 3) -> dict:
    from civicgrid.regions.demo import DEMO_PASSWORD, DISTRICT_CODE

    say = stdout.write if stdout is not None else (lambda s: None)
    district = Region.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        say("没有演示辖区：请先运行 civicgrid seed-demo。")
        return {}
    if Dispute.objects.filter(district=district).exists():
        say("演示纠纷已存在，跳过。")
        return {}
    rng = random.Random(seed)
    # The register is kept by the district's command centre in the demo (a real district lets each
    # street keep its own); its seat covers every street.
    seat = Role.objects.filter(role=R.DISTRICT_COMMANDER, region=district).select_related("user").first()
    if seat is None:
        say("演示辖区没有区指挥中心账号，跳过。")
        return {}
    actor = seat.user
    password = make_password(DEMO_PASSWORD)
    streets = list(Region.objects.filter(parent=district, level="street").order_by("code"))
    communities = list(Region.objects.filter(parent__in=streets, level="community").order_by("code"))
    kinds = list(SUMMARIES)

    mediator_users: dict[int, User] = {}
    for c in communities:
        u = _user(f"demo-m{c.code[6:12]}-mediator", password, _name(rng))
        Role.objects.get_or_create(user=u, role=W.MEDIATOR, region=c, defaults={"title": "人民调解员"})
        m = S.save_mediator(actor, region=c, name=u.display_name, kind="people", phone=_phone(rng),
                            specialities=rng.sample(kinds, 2), user=u)
        S.save_mediator(actor, region=c, name=_name(rng), kind="volunteer", phone=_phone(rng),
                        specialities=["neighbour", "family"], max_load=3)
        mediator_users[c.pk] = u
        if rng.random() < 0.35:
            S.save_room(actor, region=c, name=f"{m.name[0]}阿姨调解工作室", address=f"{c.name}党群服务中心",
                        specialities=["neighbour", "family"], lead=m)
    for s in streets:
        u = _user(f"demo-s{s.code[6:9]}-mediator", password, _name(rng))
        Role.objects.get_or_create(user=u, role=W.MEDIATOR, region=s, defaults={"title": "街道调委会"})
        S.save_mediator(actor, region=s, name=u.display_name, kind="professional", phone=_phone(rng),
                        specialities=["property", "labour", "contract"], user=u, max_load=10)
        S.save_mediator(actor, region=s, name=_name(rng), kind="lawyer", phone=_phone(rng),
                        specialities=["labour", "contract", "damage"])
        S.save_room(actor, region=s, name=f"{s.name}人民调解工作室", address=f"{s.name}综治中心")
    liaison = _user("demo-zongzhi", password, _name(rng))
    Role.objects.get_or_create(user=liaison, role=W.SECURITY_LIAISON, region=district, defaults={"title": "综治中心"})
    first = communities[0] if communities else None
    if first is not None:
        # The one-per-role demo login for a community mediator.
        demo = _user("demo-mediator", password, _name(rng))
        Role.objects.get_or_create(user=demo, role=W.MEDIATOR, region=first, defaults={"title": "人民调解员"})
        S.save_mediator(actor, region=first, name=demo.display_name, kind="people", phone=_phone(rng),
                        specialities=["neighbour", "property"], user=demo)

    now = timezone.now()
    season_start = now - dt.timedelta(days=120)
    screenings = 0
    for week in range(18):
        monday = S.monday(timezone.localdate(season_start) + dt.timedelta(weeks=week))
        if monday > timezone.localdate(now):
            break
        for c in communities:
            found = 0 if rng.random() < 0.6 else rng.randint(1, 2)
            at = timezone.make_aware(dt.datetime.combine(monday + dt.timedelta(days=2), dt.time(16, 0)))
            S.record_screening(mediator_users[c.pk], region=c, week=monday, found=found, now=min(at, now))
            screenings += 1

    made = 0
    for ci, c in enumerate(communities):
        grids = list(Region.objects.filter(parent=c, level="grid").order_by("code")) or [c]
        for k in range(per_community):
            path = PATHS[(ci * per_community + k) % len(PATHS)]
            kind = rng.choice(kinds)
            start = season_start + dt.timedelta(days=rng.uniform(0, 117))
            if path in ("agreed", "resolved", "broken"):
                start = season_start + dt.timedelta(days=rng.uniform(0, 18))
            risk = "high" if rng.random() < 0.08 else "low"
            flags = ["violence"] if rng.random() < 0.04 else []
            d = S.register(mediator_users[c.pk], source=rng.choice(["walk_in", "screening"]), type=kind,
                           summary=rng.choice(SUMMARIES[kind]), region=rng.choice(grids),
                           parties=[{"side": "applicant", "name": _name(rng), "phone": _phone(rng), "consent": True},
                                    {"side": "respondent", "name": _name(rng), "phone": _phone(rng), "consent": True}],
                           amount=rng.choice([None, 800, 2500, 12000]), risk_level=risk, risk_flags=flags, now=start)
            _walk(d, path, mediator_users[c.pk], start, now, rng)
            made += 1
    swept = S.sweep(now)
    say(f"已生成 {Mediator.objects.count()} 名调解员、{MediationRoom.objects.count()} 个调解工作室、"
        f"{screenings} 条排查记录、{made} 件演示纠纷；期限巡检：{swept}")
    return {"disputes": made, "screenings": screenings}


def _user(username: str, password: str, name: str) -> User:
    u, _ = User.objects.get_or_create(username=username, defaults={"password": password, "display_name": name})
    return u


def _walk(d, path: str, user, start, now, rng) -> None:
    if path == "registered":
        return
    t = min(now, start + dt.timedelta(hours=rng.uniform(2, 30)))
    if path == "declined":
        S.act(user, d, "decline", note="不属于人民调解受理范围，已告知当事人通过诉讼解决", now=t)
        return
    mediators = list(Mediator.objects.filter(region=d.community, kind__in=["people", "volunteer"])[:2])
    room = MediationRoom.objects.filter(region=d.community).first()
    d = S.act(user, d, "accept", mediators=mediators, room=room, now=t)
    t = min(now, t + dt.timedelta(days=rng.uniform(1, 6)))
    d = S.act(user, d, "record_session", now=t, session={
        "at": t, "room": room, "place": "" if room else "社区议事厅", "attendees": "双方当事人、调解员、网格员",
        "applicant_statement": "要求对方赔偿损失并道歉", "respondent_statement": "愿意协商，但认为赔偿金额过高",
        "outcome": "continue" if path == "mediating" else "agreement"})
    if path == "mediating":
        return
    if path in ("referred", "answered"):
        d = S.act(user, d, "refer", note="双方分歧较大，调解不成", channel=rng.choice(["court", "legal_aid", "arbitration"]),
                  receiver="区人民法院诉调对接中心", now=min(now, t + dt.timedelta(hours=2)))
        if path == "answered":
            S.act(user, d, "answer_referral", answer="已立案受理，进入诉前调解", now=min(now, t + dt.timedelta(days=12)))
        return
    t = min(now, t + dt.timedelta(hours=3))
    d = S.act(user, d, "agree", text="一、被申请方于十五日内赔偿申请方维修费用；二、双方今后和睦相处，不再因此事发生争执。",
              confirmed=True, performance="十五日内一次性支付", now=t)
    if path == "agreed":
        return
    one = t + dt.timedelta(days=31)
    if one > now:
        return
    kept = path != "broken"
    d = S.act(user, d, "follow_up", kept=kept, month=1, note="回访时双方表示" + ("已履行" if kept else "尚未履行"), now=one)
    if not kept:
        S.act(user, d, "breach", note="被申请方未按约支付，重新调解", now=min(now, one + dt.timedelta(hours=2)))
        return
    three = t + dt.timedelta(days=92)
    if three > now:
        return
    d = S.act(user, d, "follow_up", kept=True, month=3, note="协议已全部履行", now=three)
    S.act(user, d, "close", now=three)
