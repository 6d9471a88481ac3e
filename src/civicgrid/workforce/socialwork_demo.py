"""Demo social workers (called by workforce/demo.py, in its transaction): the 社区工作者 seats of the demo
communities registered as social workers with certificates of every level, one post per community (the
last ones left vacant), the district's rates, quotas and CE rules, the expert pool, clients from the
register, a month of contacts, case notes, a supervision with sessions and one pending referral. Bulk
writes; a few hundred rows."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from civicgrid.core import roles as R
from civicgrid.core.models import Role

from .socialwork_models import (CaseRecord, Certificate, Client, Contact, EducationRecord, EducationRule, Expert, Post,
                                Referral, SocialQuota, SocialWorker, SubsidyRate, Supervision, SupervisionSession)

RATES = [("local", 30), ("assistant", 100), ("intermediate", 200), ("senior", 300)]
CE_HOURS = [("local", 12), ("assistant", 24), ("intermediate", 36), ("senior", 72)]
QUOTAS = [("home_visit", 8, "month"), ("special_visit", 4, "month"), ("group_session", 2, "month"),
          ("large_event", 1, "quarter")]
# level, path: the cycle the workers' certificates follow (some hold none)
CERTS = [("assistant", "exam"), ("intermediate", "exam"), ("senior", "exam_review"), ("local", "local"), None,
         ("assistant", "exam")]
EXPERTS = [("郑教授", "老年社会工作、临终关怀", "北京某大学社会学系"), ("孙督导", "社区矫正、禁毒", "区社会工作协会"),
           ("钱老师", "青少年与家庭", "某社工服务中心")]
NEEDS = ["独居老人情绪疏导", "残疾人康复支持", "困境儿童学业辅导", "低保家庭就业帮扶", "失独家庭关怀"]
NOTES = ["老人精神状态好，已协助预约社区医生上门", "家属表示近期压力较大，约定下周再访", "已对接康复器材租借",
         "孩子本周作业完成情况良好", "已转达就业信息三条"]
MAX_WORKERS = 12


def run(district, rng, now) -> dict:
    today = timezone.localdate(now)
    seats = list(Role.objects.filter(role=R.COMMUNITY_STAFF, title="社区工作者", user__is_active=True,
                                     region__level="community", region__path__startswith=district.path)
                 .select_related("region", "user").order_by("region__code")[:MAX_WORKERS])
    if not seats:
        return {"social_workers": 0}
    SubsidyRate.objects.bulk_create([SubsidyRate(district=district, level=lv, amount=Decimal(a),
                                                 effective_from=dt.date(today.year, 1, 1)) for lv, a in RATES])
    EducationRule.objects.bulk_create([EducationRule(district=district, level=lv, hours=h) for lv, h in CE_HOURS])
    SocialQuota.objects.bulk_create([SocialQuota(district=district, metric=m, target=n, period=p) for m, n, p in QUOTAS])
    experts = Expert.objects.bulk_create([Expert(district=district, name=n, fields=f, organisation=o) for n, f, o in EXPERTS])
    workers = SocialWorker.objects.bulk_create([
        SocialWorker(user=s.user, region=s.region, registration_no=f"HDSG{2020 + i % 5}{i + 1:04d}",
                     registered_on=today - dt.timedelta(days=400 + 30 * i), employer=f"{s.region.name}居委会")
        for i, s in enumerate(seats)])
    certs, ce = [], []
    for i, w in enumerate(workers):
        c = CERTS[i % len(CERTS)]
        if c:
            certs.append(Certificate(worker=w, level=c[0], path=c[1], number=f"SG{w.pk:06d}{i}",
                                     issued_on=today - dt.timedelta(days=500 + 20 * i)))
        for k in range(1 + i % 3):  # some end up short of hours
            ce.append(EducationRecord(worker=w, day=today.replace(month=1, day=1) + dt.timedelta(days=20 * k),
                                      hours=Decimal("8.0"), course=["社会工作伦理", "个案管理实务", "社区活动策划"][k],
                                      provider="区社会工作协会"))
    Certificate.objects.bulk_create(certs)
    EducationRecord.objects.bulk_create(ce)
    # One post per community; the last two communities' posts are vacant
    Post.objects.bulk_create([Post(community=s.region, holder=w if i < len(workers) - 2 else None,
                                   since=w.registered_on if i < len(workers) - 2 else None)
                              for i, (s, w) in enumerate(zip(seats, workers))])
    from civicgrid.people.models import Person

    clients = []
    for i, w in enumerate(workers):
        people = list(Person.objects.filter(community=w.region, moved_out__isnull=True).order_by("pk")[:2])
        for k, p in enumerate(people):
            clients.append(Client(person=p, worker=w, region=p.region, need=NEEDS[(i + k) % len(NEEDS)],
                                  opened_on=today - dt.timedelta(days=60 + k), expert=experts[0] if i == 0 and k == 0 else None))
    Client.objects.bulk_create(clients)
    by_worker: dict = {}
    for c in clients:
        by_worker.setdefault(c.worker_id, []).append(c)
    contacts, records = [], []
    start = timezone.localtime(now).replace(hour=10, minute=0, second=0, microsecond=0)
    for i, w in enumerate(workers):
        mine = by_worker.get(w.pk, [])
        plan = ["home_visit"] * rng.randint(4, 9) + ["special_visit"] * rng.randint(1, 4) + \
            ["group_session"] * rng.randint(0, 2) + (["large_event"] if i % 2 == 0 else [])
        for k, kind in enumerate(plan):
            at = start - dt.timedelta(days=1 + (k * 29) // max(1, len(plan)), hours=k % 5)
            client = mine[k % len(mine)] if mine and kind in ("home_visit", "special_visit") else None
            if kind in ("home_visit", "special_visit") and client is None:
                continue
            contacts.append(Contact(worker=w, client=client, kind=kind, at=at,
                                    participants=1 if client else rng.randint(8, 60),
                                    note=NOTES[k % len(NOTES)] if client else ""))
        for k, c in enumerate(mine):
            records.append(CaseRecord(client=c, author=w.user, kind="intake", at=now - dt.timedelta(days=50 + k),
                                      text=f"接案评估：{c.need}。{NOTES[k % len(NOTES)]}。"))
    Contact.objects.bulk_create(contacts, batch_size=500)
    CaseRecord.objects.bulk_create(records, batch_size=500)
    sessions = 0
    if len(workers) >= 3:
        sups = Supervision.objects.bulk_create([Supervision(supervisor=workers[2].user, supervisee=w,
                                                            started_on=today - dt.timedelta(days=90))
                                                for w in (workers[0], workers[1])])
        made = SupervisionSession.objects.bulk_create([
            SupervisionSession(supervision=sups[0], at=now - dt.timedelta(days=20), topic="独居老人个案的风险评估",
                               minutes=90, expert=experts[0]),
            SupervisionSession(supervision=sups[1], at=now - dt.timedelta(days=6), topic="小组活动的设计与带领", minutes=60)])
        sessions = len(made)
    referrals = 0
    first = by_worker.get(workers[0].pk, [])
    if len(workers) >= 2 and first:
        Referral.objects.create(client=first[-1], from_worker=workers[0], to_worker=workers[1],
                                reason="服务对象需要残疾人康复方面的专业支持", consent_at=now - dt.timedelta(days=1),
                                consent_how="signed", created_at=now - dt.timedelta(days=1))
        referrals = 1
    return {"social_workers": len(workers), "sw_clients": len(clients), "sw_contacts": len(contacts),
            "sw_sessions": sessions, "sw_referrals": referrals}
