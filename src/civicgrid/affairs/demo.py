"""Demo data for the demo district (the manifest's seeder; `civicgrid seed-apps`).

The catalogue (demo_catalogue.py: 33 items of 11 departments, published through the service, so
every item has a version), the departments it needs that the district lacks, a window at every
community service station and two at every street centre, window clerks and reviewers with demo
logins, and a month of applications in every state — correction pending, in review, at the
department, waiting for delivery, delivered, rejected, withdrawn, overdue and supervised — with
their materials, one-time notices, events and 好差评 ratings (some poor, some answered).

Applications are bulk-inserted with their timelines computed on the working calendar, so the
app's share of `make demo` stays within a few seconds. Idempotent.
"""
from __future__ import annotations

import datetime as dt
import decimal
import json
import random

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from civicgrid.core import roles as R
from civicgrid.core.calendar import default_calendar
from civicgrid.core.crypto import lookup_hash
from civicgrid.core.models import Role, User

from . import demo_catalogue as D
from . import services as S
from . import workflow as W
from .models import Application, ApplicationEvent, Item, Material, Notice, Rating, Window

SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何林罗高郑梁谢宋唐"
GIVEN = ["桂兰", "秀英", "建国", "玉梅", "德明", "春生", "丽娟", "凤英", "国华", "志强", "海燕", "文杰", "淑珍", "金凤", "永福"]
BANKS = ["工商银行", "农业银行", "建设银行", "农商银行", "邮储银行"]
# Items residents come for most often get more applications.
WEIGHT = {"MZ-001": 8, "RS-001": 6, "YB-001": 6, "GA-002": 6, "WJ-001": 5, "MZ-005": 5, "GA-001": 5, "RS-002": 4,
          "MZ-002": 3, "CL-001": 3, "YB-002": 3, "MZ-004": 3}
POOR_COMMENTS = ["窗口排队时间太长", "材料要求前后说法不一致", "办理人员态度生硬", "短信通知太晚"]
ANSWERS = ["经核实情况属实，已在高峰时段加开窗口并向申请人致歉。", "已统一窗口告知口径，并对经办人员进行业务培训。"]


def _departments(district) -> dict:
    from civicgrid.departments.models import Department, DepartmentUnit
    from civicgrid.regions.demo import DISTRICT_CODE, DISTRICT_NAME

    streets = list(district.children.filter(level="street").order_by("code"))
    out = {d.code.rsplit("-", 1)[-1]: d for d in Department.objects.filter(district=district)}
    for key, name, short, unit_tpl in D.EXTRA_DEPARTMENTS:
        if key in out:
            continue
        dept = Department.objects.create(code=f"{DISTRICT_CODE}-{key}", name=f"{DISTRICT_NAME}{name}", short_name=short,
                                         district=district)
        units = [DepartmentUnit(department=dept, name=f"{DISTRICT_NAME}{name}", region=district)]
        if unit_tpl:
            units += [DepartmentUnit(department=dept, name=unit_tpl.format(street=s.name.removesuffix("街道")), region=s)
                      for s in streets]
        DepartmentUnit.objects.bulk_create(units)
        out[key] = dept
    return out


def _staff(district, communities, streets, departments) -> dict:
    """Demo logins: a clerk at every community station and street centre, a reviewer at every street
    centre and at the district, and a desk at each catalogue department's district office."""
    from civicgrid.departments.models import DepartmentUnit
    from civicgrid.regions.demo import DEMO_PASSWORD

    password = make_password(DEMO_PASSWORD)
    plan = []
    for i, c in enumerate(communities):
        plan.append(("demo-affairs-clerk" if i == 0 else f"demo-c{c.code[6:12]}-window", f"{c.name}窗口", W.CLERK,
                     dict(region=c, title="社区事务受理服务站窗口")))
    for i, s in enumerate(streets):
        plan.append((f"demo-s{s.code[6:9]}-window", f"{s.name}受理中心", W.CLERK, dict(region=s, title="受理中心窗口")))
        plan.append(("demo-affairs-reviewer" if i == 0 else f"demo-s{s.code[6:9]}-review", f"{s.name}审核",
                     W.REVIEWER, dict(region=s, title="受理中心审核岗")))
    plan.append(("demo-affairs-district", "区行政服务中心审核", W.REVIEWER, dict(region=district, title="区级审核")))
    units = {u.department_id: u for u in DepartmentUnit.objects.filter(region=district)}
    for key in {i[2] for i in D.ITEMS}:
        unit = units.get(departments[key].pk)
        if unit and not Role.objects.filter(department_unit=unit, role=R.DEPARTMENT_HANDLER).exists():
            plan.append((f"demo-u{key.lower()}-qu-affairs", f"{departments[key].short_name}审批", R.DEPARTMENT_HANDLER,
                         dict(department_unit=unit, title="审批岗")))
    plan = [p for p in plan if not User.objects.filter(username=p[0]).exists()]
    users = User.objects.bulk_create([User(username=u, display_name=n, password=password) for u, n, _, _ in plan])
    Role.objects.bulk_create([Role(user=u, role=role, public=False, **kw) for u, (_, _, role, kw) in zip(users, plan)])
    return {u.username: u for u in users}


def _form(rng, version, name, phone, ident, address) -> dict:
    out = {}
    for f in version.fields:
        key, typ = f["key"], f["type"]
        if f.get("prefill") == "name":
            out[key] = name
        elif typ == "id_number":
            out[key] = ident
        elif typ == "phone":
            out[key] = phone
        elif f.get("prefill") == "address":
            out[key] = address
        elif typ == "date":
            age = f["rules"].get("min_age", 20) + rng.randint(0, 12)
            out[key] = (dt.date.today() - dt.timedelta(days=365 * age + rng.randint(0, 300))).isoformat()
        elif typ == "choice":
            out[key] = rng.choice(f["rules"]["choices"])
        elif typ == "int":
            out[key] = rng.randint(1, 5)
        elif typ == "decimal":
            out[key] = str(rng.choice([860, 1200, 2500, 4800]))
        elif key == "account":
            out[key] = "6222" + "".join(str(rng.randint(0, 9)) for _ in range(15))
        elif f.get("rules", {}).get("pattern"):
            out[key] = "".join(str(rng.randint(0, 9)) for _ in range(10))
        else:
            out[key] = {"reason": "家中老人突发重病住院，医疗费用负担重", "employer": "青禾区便民服务有限公司",
                        "scope": "日用百货零售", "building": "3号楼2单元"}.get(key, f["label"] + "（演示）")
    return out


def run(stdout=None, *, seed: int = 15, per_day: int = 30, days: int = 30) -> dict:
    from civicgrid.people import idnumbers
    from civicgrid.regions.demo import DISTRICT_CODE
    from civicgrid.regions.models import Region

    say = stdout.write if stdout is not None else (lambda s: None)
    district = Region.objects.filter(code=DISTRICT_CODE).first()
    if district is None:
        say("没有演示辖区：请先运行 civicgrid seed-demo。")
        return {}
    if Application.objects.filter(district=district).exists():
        say("演示一门式办件已存在，跳过。")
        return {}
    rng = random.Random(seed)
    cal = default_calendar()
    hours_day = S._hours_per_day(cal)
    now = timezone.now()
    with transaction.atomic():
        departments = _departments(district)
        streets = list(Region.objects.filter(parent=district, level="street").order_by("code"))
        communities = list(Region.objects.filter(parent__in=streets, level="community").select_related("parent")
                           .order_by("code"))
        versions = []
        for (code, name, dept, cat, basis, (al, rl, dl), mats, fields, fee, limits, total, kind, result) in D.ITEMS:
            it = Item.objects.filter(code=code).first()
            versions.append(it.current if it else S.publish(
                None, code=code, name=name, department=departments[dept], category=cat, legal_basis=basis,
                accept_level=al, review_level=rl, decide_level=dl, materials=mats, fields=fields, fee=fee,
                limits=limits, total_days=total, result_kind=kind, result_name=result,
                now=now - dt.timedelta(days=days + 30)))
        staff = _staff(district, communities, streets, departments)
        windows = Window.objects.bulk_create(
            [Window(region=c, name=f"{c.name}事务受理服务站综合窗口") for c in communities]
            + [Window(region=s, name=f"{s.name}社区事务受理服务中心{n}号窗口") for s in streets for n in (1, 2)])
        from civicgrid.departments.models import DepartmentUnit

        units = {(u.department_id, u.region_id): u for u in DepartmentUnit.objects.filter(
            department__in=departments.values())}
        weights = [WEIGHT.get(v.item.code, 1) for v in versions]
        apps, plans = [], []
        serial: dict[dt.date, int] = {}
        for back in range(days, -1, -1):
            day = timezone.localdate() - dt.timedelta(days=back)
            if not cal.is_working_day(day):
                continue
            for _ in range(per_day if back else per_day // 2):
                v = rng.choices(versions, weights)[0]
                w = rng.choice(windows)
                chain = {w.region.level: w.region, **({"street": w.region.parent} if w.region.level == "community" else {})}
                t0 = timezone.make_aware(dt.datetime.combine(day, dt.time(9, rng.randint(0, 59))) +
                                         dt.timedelta(minutes=rng.randint(0, 420)))
                if t0 > now:
                    continue
                serial[day] = serial.get(day, 0) + 1
                name = rng.choice(SURNAMES) + rng.choice(GIVEN)
                phone = "1390000" + f"{rng.randint(0, 9999):04d}"
                ident = idnumbers.make("990102", dt.date(1930 + rng.randint(0, 60), rng.randint(1, 12), rng.randint(1, 28)),
                                       rng.randint(1, 998))
                street = chain["street"]
                a = Application(
                    number=f"YM{day:%Y%m%d}{serial[day]:04d}", item=v.item, item_version=v, department=v.item.department,
                    tier=v.review_level, window=w, region=w.region, street=street, district=district,
                    applicant_name=name, phone=phone, phone_hash=lookup_hash(phone), id_number=ident,
                    id_hash=lookup_hash(ident), created_at=t0, version=1,
                    form_data=json.dumps(_form(rng, v, name, phone, ident, f"{street.name}幸福路{rng.randint(1, 99)}号"),
                                         ensure_ascii=False),
                    accepted_by=staff.get("demo-affairs-clerk"))
                plans.append(_timeline(rng, cal, a, v, units, now, hours_day))
                apps.append(a)
        Application.objects.bulk_create(apps, batch_size=500)
        materials, notices, events, ratings = [], [], [], []
        for a, plan in zip(apps, plans):
            missing = plan["missing"]
            for m in a.item_version.materials:
                status = ("missing" if m["code"] in missing and a.state == W.CORRECTION else
                          "provided" if m["required"] and not m["register"] else
                          "register" if m["register"] and rng.random() < 0.6 else
                          "provided" if m["required"] else "waived")
                materials.append(Material(application=a, code=m["code"], name=m["name"], form=m["form"],
                                          required=m["required"], status=status, checked_at=a.created_at))
            if missing:
                notices.append(Notice(application=a, seq=1, issued_at=a.created_at, reason="",
                                      missing=[{"code": m["code"], "name": m["name"], "form": m["form"],
                                                "copies": m.get("copies", 1)} for m in a.item_version.materials
                                               if m["code"] in missing],
                                      resolved_at=plan.get("supplied")))
            for seq, (action, frm, to, when, note) in enumerate(plan["events"], start=1):
                events.append(ApplicationEvent(application=a, seq=seq, action=action, from_state=frm, to_state=to,
                                               at=when, note=note, actor_name="系统" if action == "supervise" else
                                               ("窗口" if action in ("accept", "accept_incomplete", "supplement", "deliver",
                                                                    "withdraw") else
                                                "审核岗" if action == "pass_review" else "部门审批岗")))
            if a.state in (W.DELIVERED, W.REJECTED) and rng.random() < 0.7:
                score = rng.choices([5, 4, 3, 2, 1], [60, 25, 8, 5, 2])[0]
                rated = (a.delivered_at or a.decided_at) + dt.timedelta(hours=rng.randint(1, 48))
                if rated > now:
                    continue
                poor = score in W.POOR
                due = cal.add_working_days(rated, W.ANSWER_DAYS) if poor else None
                answered = poor and rng.random() < 0.6
                ratings.append(Rating(application=a, score=score, at=rated, item_id=a.item_id,
                                      department_id=a.department_id, window=a.window,
                                      comment=rng.choice(POOR_COMMENTS) if poor else "", answer_due=due,
                                      answer=rng.choice(ANSWERS) if answered else "",
                                      answered_at=min(due, now) if answered else None))
        Material.objects.bulk_create(materials, batch_size=1000)
        Notice.objects.bulk_create(notices, batch_size=500)
        ApplicationEvent.objects.bulk_create(events, batch_size=1000)
        Rating.objects.bulk_create(ratings, batch_size=500)
        queued = _queue(rng, cal, windows, versions, now)
    by_state: dict[str, int] = {}
    for a in apps:
        by_state[a.state] = by_state.get(a.state, 0) + 1
    say(f"一门式：{len(versions)} 个事项、{len(windows)} 个窗口、{len(apps)} 件申请（"
        + "、".join(f"{W.STATE_LABELS[s]} {n}" for s, n in sorted(by_state.items())) + f"）、{len(ratings)} 条评价、"
        + f"{queued} 个排队号。")
    return {"items": len(versions), "windows": len(windows), "applications": len(apps), "ratings": len(ratings),
            "states": by_state}


def _timeline(rng, cal, a: Application, v, units, now, hours_day) -> dict:
    """Walk one application through its steps at plausible speeds, stopping where `now` falls."""
    events, missing, plan = [], [], {}
    t = a.created_at
    optional_missing = [m["code"] for m in v.materials if m["required"] and not m["register"]]
    incomplete = optional_missing and rng.random() < 0.2

    def stop(state, due=None, step=None):
        a.state = state
        if due is not None:
            a.due_at = due
            a.warn_at = due - dt.timedelta(hours=hours_day)
            a.is_warned = a.warn_at <= now
            a.is_overdue = due <= now
            if a.is_overdue:
                a.overdue_count = 1
                a.escalations = 1
                events.append(("supervise", state, state, due + dt.timedelta(minutes=15),
                               f"{W.STEP_LABELS[step]}超过时限，系统督办"))
        a.version = len(events)
        plan.update(events=events, missing=missing)
        return plan

    if incomplete:
        missing = rng.sample(optional_missing, 1)
        events.append(("accept_incomplete", "", W.CORRECTION, t, ""))
        t = t + dt.timedelta(days=rng.choice([1, 2, 3, 6, 15]), hours=rng.randint(0, 3))
        if t > now:
            a.paused_step, a.paused_since = "review", a.created_at
            return stop(W.CORRECTION)
        if rng.random() < 0.1:
            events.append(("withdraw", W.CORRECTION, W.WITHDRAWN, t, "申请人表示暂不申请"))
            plan["supplied"] = t
            return stop(W.WITHDRAWN)
        events.append(("supplement", W.CORRECTION, W.REVIEW, t, ""))
        plan["supplied"] = t
    else:
        events.append(("accept", "", W.REVIEW, t, ""))
    a.started_at = t
    a.total_due = cal.add_working_days(t, v.total_days)
    slow = rng.random() < 0.08  # a few steps run late: overdue and supervised
    for step, state, action, nxt in (("review", W.REVIEW, "pass_review", W.DECIDE),
                                     ("decide", W.DECIDE, "approve", W.DELIVER),
                                     ("deliver", W.DELIVER, "deliver", W.DELIVERED)):
        limit = v.limit(step)
        due = cal.add_working_days(t, limit)
        frac = rng.uniform(1.05, 1.6) if slow else rng.uniform(0.15, 0.9)
        done = cal.add_working_hours(t, limit * hours_day * frac)
        if done > now:
            return stop(state, due, step)
        if step == "review":
            anchor = a.street_id if v.decide_level in ("street", "community") else a.district_id
            a.unit = units.get((a.department_id, anchor)) or units.get((a.department_id, a.district_id))
        if step == "decide":
            a.decided_at = done
            a.decision_on_time = done <= a.total_due
            a.working_days = decimal.Decimal(str(round(cal.working_hours_between(a.started_at, done) / hours_day, 2)))
            if rng.random() < 0.08:
                a.reject_reason = "经核查，申请人不符合该事项规定的条件"
                a.reject_basis = v.legal_basis[:300]
                events.append(("reject", state, W.REJECTED, done, a.reject_reason))
                return stop(W.REJECTED)
            a.result_number = f"{v.item.code}-{done:%Y%m%d}-{rng.randint(100, 999)}"
        if step == "deliver":
            a.delivered_at, a.delivery_method, a.signed_by = done, rng.choice(["window", "window", "post"]), a.applicant_name
        events.append((action, state, nxt, done, ""))
        t = done
    return stop(W.DELIVERED)


def _queue(rng, cal, windows, versions, now) -> int:
    """Bookings for the coming working days and the last fortnight's numbers at the street centres'
    windows (walk-ins and checked-in bookings, with their waits), so the queue desk and the waiting
    times have something true to show."""
    from .models import Booking, Ticket

    street_windows = [w for w in windows if w.region.level == "street"]
    bookings, tickets = [], []
    today = timezone.localdate()
    day = today - dt.timedelta(days=14)
    while day <= today + dt.timedelta(days=5):
        if cal.is_working_day(day):
            for w in street_windows:
                for k in range(rng.randint(2, 5)):
                    slot = dt.time(rng.choice([9, 10, 14, 15]), rng.choice([0, 30]))
                    phone = "1390000" + f"{rng.randint(0, 9999):04d}"
                    status = "checked_in" if day < today else "booked"
                    bookings.append(Booking(window=w, item=rng.choice(versions).item, day=day, slot=slot,
                                            name=rng.choice(SURNAMES) + rng.choice(GIVEN), phone=phone,
                                            phone_hash=lookup_hash(phone), code=f"{rng.randint(0, 999999):06d}",
                                            status=status, created_at=now - dt.timedelta(days=3)))
                if day <= today:
                    t = timezone.make_aware(dt.datetime.combine(day, dt.time(9, 0)))
                    for n in range(1, rng.randint(15, 30)):
                        taken = t + dt.timedelta(minutes=n * rng.randint(6, 14))
                        called = taken + dt.timedelta(minutes=rng.randint(2, 35))
                        if called > now:
                            tickets.append(Ticket(window=w, day=day, label=f"A{n:03d}", taken_at=taken,
                                                  status="waiting"))
                            continue
                        tickets.append(Ticket(window=w, day=day, label=f"A{n:03d}", taken_at=taken, called_at=called,
                                              done_at=called + dt.timedelta(minutes=rng.randint(5, 20)), status="done",
                                              item=rng.choice(versions).item))
        day += dt.timedelta(days=1)
    seen, unique = set(), []
    for b in bookings:  # one code per window and day
        if (b.window_id, b.day, b.code) not in seen:
            seen.add((b.window_id, b.day, b.code))
            unique.append(b)
    Booking.objects.bulk_create(unique, batch_size=1000)
    Ticket.objects.bulk_create(tickets, batch_size=1000)
    return len(tickets)
