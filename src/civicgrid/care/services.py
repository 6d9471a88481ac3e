"""Every write to care. Views, the API, the device endpoint, the demo seeder and the sweeps call these.

    create_plan(actor, person, *, workers=None, today=None) -> CarePlan     a plan with the default rhythms
    assign(actor, rhythm, worker) -> Rhythm                                   change who keeps a rhythm
    add_responder(actor, plan, kind, ...) -> Responder                       the duty chain's people
    log_contact(actor, rhythm, *, reached, ...) -> Contact                   a call or visit
    sweep_misses(today) -> dict                                               periods ended without contact
    raise_alert(actor, plan, *, source, kind, ...) -> Alert                   a call for help
    act_alert(actor, alert, action, ...) -> Alert                             acknowledge / arrive / close / cancel
    sweep_alerts(now) -> dict                                                 escalate by minutes
    reveal_alert(actor, alert, field, reason) -> str                          logged reveal
    register_device(actor, plan, serial, kind) -> (Device, key)              key shown once
    remove_responder(actor, responder, reason) / revoke_device(actor, device, reason)

Refusals: ValidationError (bad input), PermissionDenied (role or jurisdiction, with the reason),
errors.* (state, codes care.*).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core import roles as R
from civicgrid.core.calendar import default_calendar
from civicgrid.core.notifications import notify
from civicgrid.core.pii import redact
from civicgrid.core.scoping import node_in_scope, sees_everything, user_roles, visible_to
from civicgrid.core.sms import send_sms
from civicgrid.core.workflow import SYSTEM, Machine

from . import geo, selectors
from . import rhythms as RH
from . import workflow as W
from .errors import AlertConflict, AlreadyPlanned, IllegalAction
from .models import (FINDINGS, Alert, AlertChainStep, AlertEvent, AlertSerial, CarePlan, Contact, Device, Miss,
                     Responder, Rhythm)

log = logging.getLogger(__name__)
PLANNERS = (R.COMMUNITY_STAFF, R.GRID_WORKER, W.SOCIAL_WORKER)   # plans and their duty chains
KEEPER_SETTERS = (R.COMMUNITY_STAFF, R.GRID_WORKER)                # who keeps each rhythm
DEVICE_ISSUERS = (R.COMMUNITY_STAFF, W.SOCIAL_WORKER)              # emergency devices and their keys
CHAIN_SETTERS = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER)           # a community's escalation chain
NOTE_MAX = 1000
UNREACHED_ALERT = 2  # a person not reached twice in a row raises an alert


def calendar():
    return default_calendar()


def _local_day(now: dt.datetime) -> dt.date:
    return timezone.localtime(now).date()


def _role_at(actor, roles, region) -> str:
    """The first of `roles` the actor holds over `region`, else PermissionDenied with the reason."""
    if sees_everything(actor):
        return roles[0]
    held = [s for s in user_roles(actor) if s.role in roles and s.region_id]
    if not held:
        raise PermissionDenied("此操作需要以下角色之一：" + "、".join(R.label(r) for r in roles))
    for s in held:
        if region.path.startswith(s.region.path):
            return s.role
    raise PermissionDenied(f"“{region.name}”不在您的管辖范围内。")


def role_at(actor, roles, region) -> str:
    """Public form of _role_at for pages that check the seat before reading a form (403 with the reason)."""
    return _role_at(actor, roles, region)


def may_edit(actor, plan: CarePlan) -> bool:
    """Whether the plan's settings page (keepers, responders, devices) has anything this seat may change."""
    try:
        _role_at(actor, tuple(dict.fromkeys((*PLANNERS, *KEEPER_SETTERS, *DEVICE_ISSUERS))), plan.region)
    except PermissionDenied:
        return False
    return True


def _may_keep(worker, region) -> bool:
    """A worker may keep a rhythm for a person whose place lies inside one of their seats."""
    return worker is not None and worker.is_active and (sees_everything(worker) or node_in_scope(worker, region))


def _users(role: str, region) -> list:
    from civicgrid.core.models import User

    return list(User.objects.filter(is_active=True, roles__role=role, roles__region=region).distinct().order_by("pk"))


def _clean_text(value, label: str, limit: int = NOTE_MAX) -> str:
    value = (value or "").replace("\x00", "").strip()
    if len(value) > limit:
        raise ValidationError(f"{label}不能超过 {limit} 字。")
    return value


# -- plans ---------------------------------------------------------------------------------------------
def in_care_group(person) -> bool:
    from civicgrid.people import tags as T

    today = timezone.localdate()
    return person.tags.filter(group=T.CARE, start__lte=today).exclude(end__lt=today).exists()


def default_worker(kind: str, person, fallback):
    """The helper or social worker seated at the person's community; else the tag's responsible worker."""
    spec = RH.KINDS[kind]
    role = W.CARE_HELPER if spec.worker_kind == RH.HELPER else W.SOCIAL_WORKER
    found = _users(role, person.community)
    if found:
        return found[0], spec.worker_kind
    tag = person.tags.exclude(worker=None).select_related("worker").first()
    if tag is not None:
        return tag.worker, RH.GRID_WORKER
    return fallback, RH.GRID_WORKER


def create_plan(actor, person, *, workers: dict | None = None, today: dt.date | None = None,
                kinds=RH.DEFAULT_KINDS) -> CarePlan:
    """A plan for a person in a care group, with the community's rhythms, each window from today."""
    _role_at(actor, PLANNERS, person.region)
    if not in_care_group(person):
        raise ValidationError("该居民不在关爱人群中，请先在居民信息中添加关爱人群标签。")
    if person.moved_out or person.anonymised_at:
        raise ValidationError("该居民已迁出，不能建立关爱计划。")
    if CarePlan.objects.filter(person=person).exists():
        raise AlreadyPlanned()
    today = today or timezone.localdate()
    cal = calendar()
    workers = dict(workers or {})
    with transaction.atomic():
        plan = CarePlan.objects.create(person=person, region=person.region, community=person.community,
                                       started_on=today, created_by=actor)
        for kind in kinds:
            spec = RH.KINDS[kind]
            if kind in workers:
                worker, worker_kind = workers[kind]
            else:
                worker, worker_kind = default_worker(kind, person, actor)
            if not _may_keep(worker, person.region):
                raise ValidationError(f"{spec.label}的责任人须在该居民所在社区/网格任职。")
            start, end = RH.window_from(spec.period, spec.working_days, today, cal)
            Rhythm.objects.create(plan=plan, kind=kind, period=spec.period, contact=spec.contact,
                                  working_days=spec.working_days, worker=worker, worker_kind=worker_kind,
                                  next_due=start, due_by=end)
        audit.record(actor, "care.plan_create", plan, detail={"rhythms": list(kinds)})
    return plan


def assign(actor, rhythm: Rhythm, worker, worker_kind: str) -> Rhythm:
    _role_at(actor, KEEPER_SETTERS, rhythm.plan.region)
    if worker_kind not in RH.WORKER_KINDS:
        raise ValidationError("责任人类别无效。")
    if not _may_keep(worker, rhythm.plan.region):
        raise ValidationError("责任人须在该居民所在社区/网格任职。")
    old = rhythm.worker_id
    rhythm.worker, rhythm.worker_kind = worker, worker_kind
    rhythm.save(update_fields=["worker", "worker_kind"])
    audit.record(actor, "care.assign", rhythm.plan, detail={"rhythm": rhythm.kind, "from": old, "to": worker.pk})
    return rhythm


def add_responder(actor, plan: CarePlan, kind: str, *, user=None, name: str = "", phone: str = "",
                  relation: str = "", duty_from: dt.time | None = None, duty_to: dt.time | None = None) -> Responder:
    from civicgrid.core.phones import clean_phone

    _role_at(actor, PLANNERS, plan.region)
    if kind not in dict(Responder.KIND_CHOICES):
        raise ValidationError("响应人类别无效。")
    if user is not None and not _may_keep(user, plan.region):
        raise ValidationError("有账号的响应人须在该居民所在社区/网格任职。")
    name = _clean_text(name, "姓名", 30)
    if user is None and not (name and phone):
        raise ValidationError("没有系统账号的响应人须填写姓名和电话。")
    phone = clean_phone(phone) if phone else ""
    r = Responder.objects.create(plan=plan, kind=kind, user=user, name=name, phone=phone,
                                 relation=_clean_text(relation, "关系", 20), duty_from=duty_from, duty_to=duty_to)
    audit.record(actor, "care.responder_add", plan, detail={"kind": kind, "account": bool(user)})
    return r


def remove_responder(actor, responder: Responder, reason: str) -> None:
    """Take someone off the duty chain (moved away, no longer willing): audited with the reason."""
    plan = responder.plan
    _role_at(actor, PLANNERS, plan.region)
    reason = _clean_text(reason, "原因", 200)
    if not reason:
        raise ValidationError("请填写移除响应人的原因。")
    with transaction.atomic():
        detail = {"kind": responder.kind, "account": bool(responder.user_id), "responder": responder.pk}
        responder.delete()
        audit.record(actor, "care.responder_remove", plan, detail=detail, reason=reason)


# -- contacts ------------------------------------------------------------------------------------------
def _advance(rhythm: Rhythm, day: dt.date, cal) -> None:
    start, end = RH.window_after_period_of(rhythm.period, rhythm.working_days, day, cal)
    if start > rhythm.next_due:  # never backwards (a contact made ahead of its window)
        rhythm.next_due, rhythm.due_by = start, end


def _location_check(contact: str, person, lng, lat) -> tuple[str, int | None]:
    if contact != RH.VISIT:
        return "na", None
    point, home = geo.clean_point(lng, lat), geo.home_point(person)
    if point is None or home is None:
        return "none", None
    d = round(geo.metres(point[0], point[1], home[0], home[1]))
    return ("ok" if d <= geo.NEAR_METRES else "far"), min(d, 2_000_000_000)


def log_contact(actor, rhythm: Rhythm, *, reached: bool, contact: str | None = None, findings=(), note: str = "",
                follow_up: bool = False, follow_up_note: str = "", lng=None, lat=None,
                now: dt.datetime | None = None) -> Contact:
    """记录一次联系. Reached: the rhythm's period is done (a reached home visit also answers a call due
    that day) and the person's record gets a visit line. Not reached: counted; twice in a row → alert."""
    from civicgrid.people.models import Visit

    plan = rhythm.plan
    if not selectors.plans(actor).filter(pk=plan.pk).exists():
        raise PermissionDenied("该居民不在您的关爱对象或管辖范围内。")
    contact = contact or rhythm.contact
    if contact not in RH.CONTACT_LABELS:
        raise ValidationError("联系方式须为电话或上门。")
    findings = [f for f in dict.fromkeys(findings or ()) if f]
    bad = [f for f in findings if f not in FINDINGS]
    if bad:
        raise ValidationError("未知的发现类别：" + "、".join(str(b)[:20] for b in bad))
    note = redact(_clean_text(note, "情况记录"))
    follow_up_note = redact(_clean_text(follow_up_note, "跟进事项", 200))
    if follow_up and not follow_up_note:
        raise ValidationError("需要跟进时请写明跟进事项。")
    now = now or timezone.now()
    day = _local_day(now)
    cal = calendar()
    check, distance = _location_check(contact, plan.person, lng, lat)
    with transaction.atomic():
        locked = Rhythm.objects.select_for_update().get(pk=rhythm.pk)
        plan = CarePlan.objects.select_for_update().get(pk=plan.pk)
        on_time = reached and locked.next_due <= day <= locked.due_by
        labels = "、".join(FINDINGS[f] for f in findings)
        summary = f"关爱{locked.get_kind_display()}（{RH.CONTACT_LABELS[contact]}）：" + (
            "；".join(x for x in (labels, note) if x) or "已联系") if reached else \
            f"关爱{locked.get_kind_display()}（{RH.CONTACT_LABELS[contact]}）：未联系上"
        visit = Visit.objects.create(person=plan.person, worker=actor, visited_on=day,
                                     kind="phone" if contact == RH.CALL else "home", note=summary[:1000])
        c = Contact.objects.create(plan=plan, rhythm=locked, worker=actor, contact=contact, at=now, reached=reached,
                                   on_time=on_time, location_check=check, distance_m=distance, findings=findings,
                                   note=note, follow_up=follow_up, follow_up_note=follow_up_note, visit=visit)
        if reached:
            plan.unreached = 0
            locked.missed_in_row = 0
            locked.last_contact_at = now
            _advance(locked, day, cal)
            locked.save()
            if contact == RH.VISIT:  # the same visit answers any call due today
                for other in Rhythm.objects.select_for_update().filter(plan=plan, contact=RH.CALL, active=True,
                                                                       next_due__lte=day).exclude(pk=locked.pk):
                    other.last_contact_at = now
                    other.missed_in_row = 0
                    _advance(other, day, cal)
                    other.save()
        else:
            plan.unreached = F("unreached") + 1
        plan.save(update_fields=["unreached"])
        plan.refresh_from_db(fields=["unreached"])
        audit.record(actor, "care.contact_log", plan, detail={"contact": c.pk, "reached": reached, "kind": locked.kind,
                                                          "findings": findings, "follow_up": follow_up})
        if follow_up:
            for u in _users(R.COMMUNITY_STAFF, plan.community):
                notify(u, "关爱对象需要跟进", f"{plan.person}：{follow_up_note}", f"/care/plans/{plan.pk}/", subject=plan)
        if not reached and plan.unreached >= UNREACHED_ALERT:
            _alert_for_unreached(plan, now)
    return c


def _alert_for_unreached(plan: CarePlan, now: dt.datetime) -> Alert | None:
    if Alert.objects.filter(plan=plan, state__in=W.WORKFLOW.open_states).exists():
        return None
    return raise_alert(None, plan, source="missed", kind="no_contact", now=now,
                       note=f"连续{plan.unreached}次未联系上，请立即上门查看")


# -- missed periods --------------------------------------------------------------------------------------
def sweep_misses(today: dt.date | None = None, *, batch: int = 5000) -> dict:
    """Every window that ended before today without a reached contact: flag it (Miss), tell the worker,
    escalate to the community, count it as not reached, and open the next window."""
    today = today or timezone.localdate()
    counts = {"missed": 0, "alerts": 0}
    cal = calendar()
    ids = list(Rhythm.objects.filter(active=True, plan__ended_on__isnull=True, due_by__lt=today)
               .order_by("due_by").values_list("pk", flat=True)[:batch])
    now = timezone.now()
    for pk in ids:
        try:
            with transaction.atomic():
                counts["missed"] += _miss_one(pk, today, cal, now, counts)
        except Exception:  # one bad row must not stop the sweep of the others
            log.exception("care miss sweep failed for rhythm %s", pk)
    return counts


def _miss_one(pk: int, today: dt.date, cal, now, counts) -> int:
    r = Rhythm.objects.select_for_update().select_related("plan__person", "plan__community", "worker").get(pk=pk)
    plan = r.plan
    n = 0
    for _ in range(RH.MAX_SKIP):
        if r.due_by >= today:
            break
        r.missed_in_row += 1
        staff = _users(R.COMMUNITY_STAFF, plan.community)
        _, created = Miss.objects.get_or_create(
            rhythm=r, window_end=r.due_by,
            defaults={"plan": plan, "worker": r.worker, "window_start": r.next_due, "in_row": r.missed_in_row,
                      "escalated_to": ("社区：" + "、".join(u.display_name for u in staff))[:60] if staff else "",
                      "flagged_at": now})
        if created:
            n += 1
            window = f"{r.next_due:%m-%d}" + ("" if r.next_due == r.due_by else f"至{r.due_by:%m-%d}")
            notify(r.worker, f"漏访：{r.get_kind_display()}", f"{plan.person} {window} 未联系", f"/care/plans/{plan.pk}/",
                   subject=plan)
            for u in staff:
                notify(u, f"漏访上报：{r.get_kind_display()}",
                       f"{plan.person} {window} 未联系（责任人 {r.worker.display_name}，连续 {r.missed_in_row} 次）",
                       f"/care/plans/{plan.pk}/", subject=plan)
            CarePlan.objects.filter(pk=plan.pk).update(unreached=F("unreached") + 1)
        start, end = RH.window_after_period_of(r.period, r.working_days, r.due_by, cal)
        r.next_due, r.due_by = start, end
    r.save()
    plan.refresh_from_db(fields=["unreached"])
    if n and plan.unreached >= UNREACHED_ALERT and _alert_for_unreached(plan, now) is not None:
        counts["alerts"] += 1
    return n


# -- alerts --------------------------------------------------------------------------------------------
def chain_for(community) -> list[dict]:
    steps = list(AlertChainStep.objects.filter(community=community).order_by("level"))
    if not steps:
        return [dict(s) for s in W.DEFAULT_CHAIN]
    return [{"after": s.after_minutes, "kinds": list(s.kinds)} for s in steps]


def _clean_chain(steps: list[dict]) -> list[dict]:
    if not steps:
        raise ValidationError("上报链至少要有一级。")
    last = -1
    out = []
    for s in steps:
        after = int(s["after"])
        kinds = [k for k in s["kinds"] if k in W.RESPONDER_KINDS]
        if after < 0 or after > 1440 or after <= last or not kinds:
            raise ValidationError("上报链各级的分钟数须递增（0–1440），且每级至少通知一类人。")
        last = after
        out.append({"after": after, "kinds": kinds})
    if out[0]["after"] != 0:
        raise ValidationError("上报链第一级须在发起时（0分钟）通知。")
    return out


def set_chain(actor, community, steps: list[dict]) -> list[dict]:
    _role_at(actor, CHAIN_SETTERS, community)
    steps = _clean_chain(steps)
    with transaction.atomic():
        AlertChainStep.objects.filter(community=community).delete()
        AlertChainStep.objects.bulk_create([AlertChainStep(community=community, level=i, after_minutes=s["after"],
                                                           kinds=s["kinds"]) for i, s in enumerate(steps)])
        audit.record(actor, "care.chain_set", community, detail={"steps": steps})
    return steps


def _recipients(plan: CarePlan, kinds, at: dt.datetime) -> tuple[list, list[str], list[dict]]:
    """(users to notify, phones to text, what the timeline shows) for the chain's `kinds` now."""
    users, phones, shown, seen = [], [], [], set()
    local = timezone.localtime(at).time()

    def add_user(u, kind):
        if u is not None and u.is_active and u.pk not in seen:
            seen.add(u.pk)
            users.append(u)
            shown.append({"kind": kind, "who": u.display_name, "via": "系统通知+短信"})

    responders = [r for r in plan.responders.select_related("user") if r.on_duty(local)]
    for kind in kinds:
        if kind == W.HELPER:
            for r in plan.rhythms.filter(active=True).select_related("worker"):
                add_user(r.worker, kind)
        if kind in (W.HELPER, W.FAMILY, W.NEIGHBOUR):
            for r in responders:
                if r.kind != kind:
                    continue
                if r.user_id:
                    add_user(r.user, kind)
                elif r.phone:
                    phones.append(r.phone)
                    shown.append({"kind": kind, "who": r.name_masked, "via": "短信"})
        elif kind == W.COMMUNITY:
            for u in _users(R.COMMUNITY_STAFF, plan.community):
                add_user(u, kind)
        elif kind == W.STREET and plan.community.parent_id:
            for u in _users(R.STREET_DISPATCHER, plan.community.parent):
                add_user(u, kind)
    return users, phones, shown


def _send(alert: Alert, plan: CarePlan, users, phones, *, level: int) -> None:
    person = plan.person
    title = f"紧急求助 {alert.number}" + (f"（第{level}级上报）" if level else "")
    body = f"{person}{W.ALERT_KINDS.get(alert.kind, '')}，请立即联系或前往并在系统中响应。"
    for u in users:
        notify(u, title, body, f"/care/alerts/{alert.number}/", sms=True, subject=alert)
    for phone in phones:
        send_sms(phone, f"【社区紧急援助】您关爱的{person}发起求助（{alert.number}），请立即联系或前往；社区已同步处置。")


def _next_number(now: dt.datetime) -> str:
    day = _local_day(now)
    if not AlertSerial.objects.filter(day=day).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                AlertSerial.objects.create(day=day, last=1)
        except IntegrityError:
            AlertSerial.objects.filter(day=day).update(last=F("last") + 1)
    return f"JZ{day:%Y%m%d}{AlertSerial.objects.get(day=day).last:04d}"


def raise_alert(actor, plan: CarePlan, *, source: str, kind: str, location: str = "", health: str = "",
                note: str = "", device: Device | None = None, now: dt.datetime | None = None) -> Alert:
    """发起求助: from a device (actor None, `device`), a call (a worker raises it) or the missed-contact rule."""
    if source not in W.SOURCES:
        raise ValidationError("求助来源无效。")
    if kind not in W.ALERT_KINDS:
        raise ValidationError("求助类型无效。")
    if actor is None:
        if source == "call":
            raise PermissionDenied("来电求助须由工作人员登记。")
        role, who = SYSTEM, (f"设备 {device.serial}" if device else "系统（连续未联系上）")
    else:
        if source != "call":
            raise PermissionDenied("工作人员只能登记来电求助。")
        if not selectors.plans(actor).filter(pk=plan.pk).exists():
            raise PermissionDenied("该居民不在您的关爱对象或管辖范围内。")
        held = {s.role for s in user_roles(actor)}
        role = next((r for r in W.RAISERS if r in held), None) or (W.RAISERS[0] if sees_everything(actor) else None)
        if role is None:
            raise PermissionDenied("登记求助需要以下角色之一：" + "、".join(R.label(r) for r in W.RAISERS))
        who = ""
    location = _clean_text(location, "位置", 300)
    health = _clean_text(health, "健康信息", 500)
    note = _clean_text(note, "说明", 500)
    now = now or timezone.now()
    chain = chain_for(plan.community)
    with transaction.atomic():
        a = Alert(number=_next_number(now), plan=plan, source=source, kind=kind, device=device, region=plan.region,
                  community=plan.community, location=location, health=health, chain=chain, level=0, raised_at=now)
        users, phones, shown = _recipients(plan, chain[0]["kinds"], now)
        MACHINE.begin(actor, a, action="raise", role=role, now=now, note=redact(note), source=who,
                      data={"level": 0, "source": source, "kind": kind, "notified": shown},
                      audit_detail={"source": source, "kind": kind, "notified": len(shown)})
        _send(a, plan, users, phones, level=0)
    return a


class AlertMachine(Machine):
    illegal_error = IllegalAction
    conflict_error = AlertConflict
    input_labels = {"outcome": "处置结果"}
    FINAL_GRACE = dt.timedelta(minutes=10)

    def in_scope(self, user, obj, role: str) -> bool:
        if role in W.ASSIGNED_ROLES:
            return (visible_to(user, CarePlan.objects.filter(pk=obj.plan_id), roles=(role,)).exists()
                    and selectors.is_assigned(user, obj.plan_id))
        return visible_to(user, CarePlan.objects.filter(pk=obj.plan_id), roles=(role,)).exists()

    def start_clock(self, obj, step, now, *, due=None) -> None:
        """Minutes, not working hours: acknowledge by the chain's next level, arrive within ARRIVE_MINUTES."""
        obj.is_warned = obj.is_overdue = False
        if step is None:
            obj.due_at = obj.warn_at = None
            return
        if step == "acknowledge":
            nxt = obj.level + 1
            if nxt < len(obj.chain):
                due = obj.raised_at + dt.timedelta(minutes=obj.chain[nxt]["after"])
            else:  # the last level was told: flag once more after a grace period, then it stays overdue
                due = obj.raised_at + dt.timedelta(minutes=obj.chain[-1]["after"]) + self.FINAL_GRACE
        else:
            due = now + dt.timedelta(minutes=W.ARRIVE_MINUTES)
        obj.due_at = obj.warn_at = due

    def on_overdue(self, obj, now, counts) -> None:
        if obj.state == W.OPEN and W.CONDITIONS["has_next_level"](obj):
            alert = obj
            while alert.state == W.OPEN and W.CONDITIONS["has_next_level"](alert) and alert.due_at <= now:
                target = "、".join(W.RESPONDER_KINDS[k] for k in alert.chain[alert.level + 1]["kinds"])
                alert = self.act(None, alert, "escalate", now=now,
                                 note=f"{alert.chain[alert.level + 1]['after']}分钟无人响应，上报{target}")
                counts["escalated"] += 1
            return
        counts["overdue"] += 1
        what = "无人响应" if obj.state == W.OPEN else "响应后未到场"
        audit.record("系统", "care_alert.overdue", obj, detail={"state": obj.state, "due_at": obj.due_at.isoformat()})
        plan = obj.plan
        for u in _users(R.COMMUNITY_STAFF, plan.community) + (
                _users(R.STREET_DISPATCHER, plan.community.parent) if plan.community.parent_id else []):
            notify(u, f"紧急求助超时：{what}", f"{obj.number} {plan.person}", f"/care/alerts/{obj.number}/",
                   sms=True, subject=obj)


def _escalate(a: Alert, row, now, *, data, **kw) -> None:
    a.level += 1
    users, phones, shown = _recipients(a.plan, a.chain[a.level]["kinds"], now)
    data.update(level=a.level, notified=shown)
    _send(a, a.plan, users, phones, level=a.level)


def _acknowledge(a: Alert, row, now, *, actor, data, **kw) -> None:
    a.acknowledged_at, a.acknowledged_by = now, actor
    data["response_minutes"] = round((now - a.raised_at).total_seconds() / 60, 1)


def _arrive(a: Alert, row, now, *, actor, data, lng=None, lat=None, **kw) -> None:
    if a.acknowledged_at is None:
        a.acknowledged_at, a.acknowledged_by = now, actor
        data["response_minutes"] = round((now - a.raised_at).total_seconds() / 60, 1)
    a.arrived_at = now
    check, distance = _location_check(RH.VISIT, a.plan.person, lng, lat)
    data.update(location_check=check, distance_m=distance)


def _close(a: Alert, row, now, *, outcome=None, data, **kw) -> None:
    if outcome not in W.OUTCOMES:
        raise ValidationError("请选择处置结果。")
    a.outcome, a.closed_at = outcome, now
    data["outcome"] = outcome
    CarePlan.objects.filter(pk=a.plan_id).update(unreached=0)  # someone has seen the person


def _cancel(a: Alert, row, now, *, data, **kw) -> None:
    a.closed_at = now


MACHINE = AlertMachine(W.WORKFLOW, Alert, AlertEvent, event_parent="alert",
                       effects={"escalate": _escalate, "acknowledge": _acknowledge, "arrive": _arrive,
                                "close": _close, "cancel": _cancel})


def act_alert(actor, alert: Alert, action: str, *, note: str = "", expected_version=None, outcome: str | None = None,
              lng=None, lat=None, now: dt.datetime | None = None) -> Alert:
    if action == "escalate" and actor is not None:
        raise IllegalAction("逐级上报由系统按时限自动进行。")
    inputs = {"outcome": outcome} if action == "close" else {}
    if action == "arrive":
        inputs.update(lng=lng, lat=lat)
    return MACHINE.act(actor, alert, action, note=redact(note or ""), expected_version=expected_version,
                       inputs=inputs, now=now)


def available_actions(user, alert: Alert) -> list[str]:
    return [t.action for t in MACHINE.available_actions(user, alert) if t.action != "escalate"]


def sweep_alerts(now: dt.datetime | None = None) -> dict:
    return MACHINE.sweep(now)


def may_reveal(user, plan: CarePlan) -> bool:
    """The full phone, health or location of a person: a territorial seat with the register's reveal
    capability over the person, or the helper / social worker who keeps one of the person's rhythms."""
    from civicgrid.people.permissions import has_capability

    if not selectors.plans(user).filter(pk=plan.pk).exists():
        return False
    if sees_everything(user):
        return True
    held = {s.role for s in user_roles(user)}
    if has_capability(user, "reveal") and visible_to(user, CarePlan.objects.filter(pk=plan.pk),
                                                     roles=tuple(r for r in held if r in W.TERRITORIAL)).exists():
        return True
    return bool(held & {W.CARE_HELPER, W.SOCIAL_WORKER}) and Rhythm.objects.filter(plan=plan, worker=user).exists()


def can_reveal(user, alert: Alert) -> bool:
    return may_reveal(user, alert.plan)


def call_number(actor, plan: CarePlan) -> str:
    """拨打: the person's full number once, for a care call, written to the audit log with its purpose."""
    from civicgrid.core import reveal

    if not may_reveal(actor, plan):
        raise PermissionDenied("您不能查看该居民的完整电话：仅其关爱责任人和有查看权限的网格员、社区工作人员可以拨打。")
    if not plan.person.phone:
        raise ValidationError("该居民没有登记电话。")
    reveal.record(actor, "care_plan.call", plan, ["phone"], "为老关怀电话联系")
    return plan.person.phone


def reveal_alert(actor, alert: Alert, field: str, reason: str) -> str:
    from civicgrid.core import reveal

    if field not in Alert.REVEALABLE:
        raise ValidationError("该字段不可查看。")
    if not can_reveal(actor, alert):
        raise PermissionDenied("您不能查看求助的健康和位置信息：仅其关爱责任人和有查看权限的网格员、社区工作人员可以查看。")
    reason = reveal.require_reason(reason)
    reveal.record(actor, "care_alert.reveal", alert, [field], reason)
    return getattr(alert, field)


# -- devices -----------------------------------------------------------------------------------------------
def key_hint(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def register_device(actor, plan: CarePlan, serial: str, kind: str, *, now=None) -> tuple[Device, str]:
    """Issue a device and its signing key. The key is returned once, to be written into the device."""
    _role_at(actor, DEVICE_ISSUERS, plan.region)
    serial = _clean_text(serial, "设备编号", 40)
    if not serial or not serial.replace("-", "").isalnum():
        raise ValidationError("设备编号须为字母、数字或连字符。")
    if kind not in dict(Device.KIND_CHOICES):
        raise ValidationError("设备类型无效。")
    if Device.objects.filter(serial=serial).exists():
        raise ValidationError("该设备编号已登记。")
    key = secrets.token_urlsafe(32)
    d = Device.objects.create(serial=serial, kind=kind, plan=plan, key=key, key_hint=key_hint(key),
                              issued_at=now or timezone.now())
    audit.record(actor, "care.device_issue", plan, detail={"serial": serial, "key_hint": d.key_hint})
    return d, key


def revoke_device(actor, device: Device, reason: str, *, now=None) -> Device:
    """停用 a device (lost, returned, key exposed): its key no longer signs anything; audited with the reason."""
    _role_at(actor, DEVICE_ISSUERS, device.plan.region)
    reason = _clean_text(reason, "停用原因", 200)
    if not reason:
        raise ValidationError("请填写停用设备的原因。")
    with transaction.atomic():
        locked = Device.objects.select_for_update().get(pk=device.pk)
        if not locked.active:
            raise ValidationError("该设备已停用。")
        locked.active = False
        locked.save(update_fields=["active"])
        audit.record(actor, "care.device_revoke", locked.plan, detail={"serial": locked.serial,
                                                                       "key_hint": locked.key_hint}, reason=reason)
    return locked


def device_alert(device: Device, *, kind: str = "button", location: str = "", health: str = "",
                 now: dt.datetime | None = None) -> Alert:
    """A verified device's call (devices.verify has checked key, time and nonce)."""
    now = now or timezone.now()
    Device.objects.filter(pk=device.pk).update(last_seen_at=now)
    plan = device.plan
    if plan.ended_on is not None:
        raise ValidationError("该设备所属的关爱计划已结束。")
    open_one = Alert.objects.filter(plan=plan, device=device, state=W.OPEN).first()
    if open_one is not None:  # a pendant pressed again while help is on its way: one alert, not five
        return open_one
    return raise_alert(None, plan, source="device", kind=kind if kind in W.ALERT_KINDS else "button",
                       location=location, health=health, device=device, now=now)
