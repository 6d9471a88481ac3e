"""Demo data for the demo district (the manifest's seeder; `civicgrid seed-apps`).

Per community: a helper (助老员), a social worker (社工) and a neighbour volunteer with accounts; a
care plan for every member of its care groups (capped per community to keep the demo quick) with the
three default rhythms; a month of contacts (mostly on time, a few not reached, some findings and
follow-ups), the misses the month left, and a few alerts in every state walked through the real
machine. Plans, rhythms, contacts and visit lines are bulk-created (thousands of rows in a second or
two); the alerts go through the services so their timelines are true. Idempotent.
"""
from __future__ import annotations

import datetime as dt
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core.models import Role, User
from civicgrid.regions.models import Region

from . import rhythms as RH
from . import services as S
from . import workflow as W
from .models import FINDINGS, CarePlan, Contact, Miss, Responder, Rhythm

GIVEN = ["秀英", "桂兰", "建国", "玉梅", "德明", "春生", "丽娟", "凤英", "国华", "海燕"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高"
NOTES = {"unwell": "说腿疼，提醒按时吃药", "mood": "老伴去世后情绪低落，多聊了一会儿", "safety": "卫生间地滑，建议装扶手",
         "daily_care": "行动不便，需要助浴", "meals": "做饭困难，可申请助餐", "medicine": "药快吃完了", "loneliness": "想参加社区活动",
         "none": ""}
PER_COMMUNITY = 10  # the demo shows the work, not the volume: every community, a share of its care groups


def _user(username, password, name, role, region, title):
    u, _ = User.objects.get_or_create(username=username, defaults={"password": password, "display_name": name})
    Role.objects.get_or_create(user=u, role=role, region=region, defaults={"title": title})
    return u


def run(stdout=None, *, seed: int = 14, per_community: int = PER_COMMUNITY) -> dict:
    from civicgrid.people import tags as T
    from civicgrid.people.models import PersonTag, Visit
    from civicgrid.regions.demo import DEMO_PASSWORD, DISTRICT_CODE

    say = stdout.write if stdout is not None else (lambda s: None)
    district = Region.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        say("没有演示辖区：请先运行 civicgrid seed-demo。")
        return {}
    if CarePlan.objects.filter(community__path__startswith=district.path).exists():
        say("演示关爱计划已存在，跳过。")
        return {}
    rng = random.Random(seed)
    password = make_password(DEMO_PASSWORD)
    today = timezone.localdate()
    now = timezone.now()
    start = today - dt.timedelta(days=30)
    cal = S.calendar()
    communities = list(Region.objects.filter(level="community", path__startswith=district.path).order_by("code"))
    tags = (PersonTag.objects.filter(group=T.CARE, end__isnull=True, person__community__in=communities,
                                     person__moved_out__isnull=True).select_related("person").order_by("person_id"))
    by_community: dict[int, list] = {}
    for tag in tags:
        lst = by_community.setdefault(tag.person.community_id, [])
        if len(lst) < per_community and all(p.pk != tag.person_id for p in lst):
            lst.append(tag.person)
    staff = {}
    for i, c in enumerate(communities):
        tail = c.code[-6:]
        staff[c.pk] = {
            "helper": _user("demo-helper" if i == 0 else f"demo-c{tail}-helper", password,
                            rng.choice(SURNAMES) + "助老", W.CARE_HELPER, c, "助老员"),
            "social": _user("demo-social" if i == 0 else f"demo-c{tail}-social", password,
                            rng.choice(SURNAMES) + "社工", W.SOCIAL_WORKER, c, "社工"),
            "volunteer": _user(f"demo-c{tail}-volunteer", password, rng.choice(SURNAMES) + "阿姨",
                               W.CARE_VOLUNTEER, c, "楼组长志愿者"),
        }
    with transaction.atomic():
        plans = []
        for c in communities:
            for p in by_community.get(c.pk, []):
                plans.append(CarePlan(person=p, region=p.region, community=c, started_on=start))
        CarePlan.objects.bulk_create(plans)
        plans = list(CarePlan.objects.filter(community__in=communities).select_related("person"))
        rhythms, responders = [], []
        for plan in plans:
            who = staff[plan.community_id]
            for kind in RH.DEFAULT_KINDS:
                spec = RH.KINDS[kind]
                worker = who["social"] if spec.worker_kind == RH.SOCIAL_WORKER else who["helper"]
                a, b = RH.window_from(spec.period, spec.working_days, start, cal)
                rhythms.append(Rhythm(plan=plan, kind=kind, period=spec.period, contact=spec.contact,
                                      working_days=spec.working_days, worker=worker, worker_kind=spec.worker_kind,
                                      next_due=a, due_by=b))
            responders.append(Responder(plan=plan, kind=W.NEIGHBOUR, user=who["volunteer"], relation="楼组长"))
            responders.append(Responder(plan=plan, kind=W.FAMILY, name=plan.person.name[0] + rng.choice(GIVEN),
                                        phone="139" + f"{rng.randint(0, 99999999):08d}",
                                        relation=rng.choice(["儿子", "女儿", "侄女"])))
        Rhythm.objects.bulk_create(rhythms)
        Responder.objects.bulk_create(responders)
        contacts, visits, misses = _month(rng, list(Rhythm.objects.filter(plan__in=plans).select_related("plan__person"
                                                                                                        ).order_by("pk")),
                                          start, today, cal, now)
        Visit.objects.bulk_create(visits)
        for c_, v in zip(contacts, visits):
            c_.visit = v
        Contact.objects.bulk_create(contacts)
        Miss.objects.bulk_create(misses, ignore_conflicts=True)
        audit.record("系统", "care.plan_create", None, detail={"demo": True, "plans": len(plans)})
    alerts = _alerts(rng, plans, staff, now)
    say(f"为老关怀：{len(plans)} 份关爱计划，{len(contacts)} 条联系记录，{len(misses)} 次漏访，{alerts} 起求助。")
    return {"plans": len(plans), "contacts": len(contacts), "misses": len(misses), "alerts": alerts}


def _month(rng, rhythms, start, today, cal, now):
    """Walk each rhythm's windows from `start` to yesterday: a contact in most, a miss in a few."""
    from civicgrid.people.models import Visit

    contacts, visits, misses = [], [], []
    for r in rhythms:
        while r.due_by < today:
            if rng.random() < 0.93:
                day = r.next_due + dt.timedelta(days=rng.randint(0, (r.due_by - r.next_due).days))
                at = timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randint(8, 17), rng.choice([0, 15, 30, 45]))))
                if rng.random() < 0.06:  # rang, nobody answered; reached on the second try
                    contacts.append(Contact(plan=r.plan, rhythm=r, worker_id=r.worker_id, contact=r.contact, at=at,
                                            reached=False, on_time=False, location_check="na"))
                    visits.append(Visit(person=r.plan.person, worker_id=r.worker_id, visited_on=day,
                                        kind="phone" if r.contact == RH.CALL else "home",
                                        note=f"关爱{r.get_kind_display()}：未联系上"))
                    at += dt.timedelta(hours=2)
                found = rng.choice(list(FINDINGS)) if rng.random() < 0.25 else "none"
                follow = found in ("safety", "daily_care", "meals") and rng.random() < 0.6
                near = rng.random() < 0.9
                contacts.append(Contact(
                    plan=r.plan, rhythm=r, worker_id=r.worker_id, contact=r.contact, at=at, reached=True, on_time=True,
                    location_check=("ok" if near else "far") if r.contact == RH.VISIT else "na",
                    distance_m=(rng.randint(5, 120) if near else rng.randint(400, 2000)) if r.contact == RH.VISIT else None,
                    findings=[found], note=NOTES[found], follow_up=follow,
                    follow_up_note="转社区协调" + ("适老化改造" if found == "safety" else "服务") if follow else ""))
                visits.append(Visit(person=r.plan.person, worker_id=r.worker_id, visited_on=day,
                                    kind="phone" if r.contact == RH.CALL else "home",
                                    note=f"关爱{r.get_kind_display()}：{FINDINGS[found]}{('；' + NOTES[found]) if NOTES[found] else ''}"))
                r.last_contact_at = at
                r.missed_in_row = 0
            else:
                r.missed_in_row += 1
                misses.append(Miss(plan=r.plan, rhythm=r, worker_id=r.worker_id, window_start=r.next_due,
                                   window_end=r.due_by, in_row=r.missed_in_row, escalated_to="社区",
                                   flagged_at=now))
            r.next_due, r.due_by = RH.window_after_period_of(r.period, r.working_days, r.due_by, cal)
    Rhythm.objects.bulk_update(rhythms, ["next_due", "due_by", "last_contact_at", "missed_in_row"], batch_size=2000)
    return contacts, visits, misses


def _alerts(rng, plans, staff, now) -> int:
    """A few alerts per street's worth of plans, through the machine: open, acknowledged, on site, closed."""
    if not plans:
        return 0
    chosen = rng.sample(plans, min(8, len(plans)))
    paths = ["open", "acknowledged", "on_site", "closed", "closed", "closed", "cancelled", "escalated"]
    n = 0
    for plan, path in zip(chosen, paths):
        who = staff[plan.community_id]
        raised = now - dt.timedelta(days=rng.randint(1, 25), minutes=rng.randint(0, 600)) if path in (
            "closed", "cancelled") else now - dt.timedelta(minutes=rng.randint(1, 4))
        if path == "escalated":
            a = S.raise_alert(None, plan, source="missed", kind="no_contact", now=raised - dt.timedelta(minutes=12),
                              note="连续2次未联系上，请立即上门查看")
            S.MACHINE.sweep(raised)
            n += 1
            continue
        a = S.raise_alert(who["helper"], plan, source="call", kind=rng.choice(["fall", "health", "button"]),
                          health=rng.choice(["胸闷气短", "摔倒后髋部疼痛", "血压 180/110"]), location="家中",
                          note="老人来电求助", now=raised)
        t = raised + dt.timedelta(minutes=rng.randint(1, 9))
        if path == "cancelled":
            sup = User.objects.filter(roles__role="community_staff", roles__region=plan.community).first()
            if sup is not None:
                S.act_alert(sup, a, "cancel", note="误触呼叫器，已电话确认安全", now=t)
        if path in ("acknowledged", "on_site", "closed"):
            a = S.act_alert(who["volunteer"], a, "acknowledge", note="马上过去", now=t)
        if path in ("on_site", "closed"):
            t += dt.timedelta(minutes=rng.randint(3, 12))
            a = S.act_alert(who["helper"], a, "arrive", now=t)
        if path == "closed":
            t += dt.timedelta(minutes=rng.randint(10, 60))
            S.act_alert(who["helper"], a, "close", outcome=rng.choice(["safe", "treated", "hospital", "family"]),
                        note="已处置，家属已到", now=t)
        n += 1
    return n
