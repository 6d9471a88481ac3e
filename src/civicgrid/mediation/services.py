"""Every write to mediation. Views, the API, the case handover, the demo seeder and the sweep call these.

    register(actor, *, source, type, summary, region, parties, ...) -> Dispute   登记 (any source)
    act(actor, dispute, action, *, note, expected_version, **inputs) -> Dispute  every later step
    record_screening(actor, *, region, week, found, note) -> Screening           weekly 排查
    save_mediator / save_room                                                     the register
    reveal_party(actor, party, field, reason) -> str                              logged reveal
    sweep(now) -> dict                                                            deadlines

The mechanics (row lock, table, roles and tiers, working-time clock, events, audit, the sweep loop)
are the shared engine's (core.workflow); this module adds the effects of each step, risk alerts and
who is told. Refusals: ValidationError (bad input), PermissionDenied (role/jurisdiction, with the
reason), errors.IllegalAction / DisputeConflict (state, codes mediation.*) — all with a Chinese message fit to show.
"""
from __future__ import annotations

import datetime as dt
import decimal
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core import roles as R
from civicgrid.core.crypto import lookup_hash
from civicgrid.core.notifications import notify
from civicgrid.core.scoping import sees_everything, user_roles, visible_to
from civicgrid.core.workflow import SYSTEM, Machine

from . import places
from . import workflow as W
from .errors import DisputeConflict, IllegalAction
from .models import (Agreement, Dispute, DisputeEvent, DisputeSerial, FollowUp, MediationRoom, Mediator, Party,
                     Referral, RiskAlert, Screening, Session, TYPE_CHOICES, SOURCE_CHOICES, REFERRAL_CHOICES)

log = logging.getLogger(__name__)
__all__ = ["DisputeConflict", "IllegalAction"]  # raised by the machine; callers catch core.errors.AppError

# Who may register from each source: grid workers find disputes on their rounds, the hotline takes
# calls, mediators and community staff receive walk-ins; the closed loop hands cases over.
SOURCE_ROLES = {
    "screening": (R.GRID_WORKER, R.COMMUNITY_STAFF, W.MEDIATOR),
    "walk_in": (W.MEDIATOR, R.COMMUNITY_STAFF, R.STREET_DISPATCHER),
    "hotline": (R.HOTLINE_OPERATOR,),
    "case": (W.MEDIATOR, R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER),
}
SCREENERS = (R.GRID_WORKER, R.COMMUNITY_STAFF, W.MEDIATOR)
REGISTER_KEEPERS = (W.MEDIATOR, R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)
MAX_AMOUNT = decimal.Decimal("999999999999")


def _label(role: str) -> str:
    return R.label(role)


def _seat_in(actor, roles, region) -> str:
    """The first of `roles` the actor holds at a node above (or at) `region`; else PermissionDenied with why."""
    if sees_everything(actor):
        return roles[0]
    held = [s for s in user_roles(actor) if s.role in roles and s.region_id]
    if not held:
        raise PermissionDenied(f"此操作需要以下角色之一：{'、'.join(_label(r) for r in roles if r != SYSTEM)}")
    for s in held:
        if region.path.startswith(s.region.path):
            return s.role
    raise PermissionDenied(f"“{region.name}”不在您的管辖范围内。")


def _next_number(now: dt.datetime) -> str:
    day = timezone.localtime(now).date()
    if not DisputeSerial.objects.filter(day=day).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                DisputeSerial.objects.create(day=day, last=1)
        except IntegrityError:  # another registration created today's row first
            DisputeSerial.objects.filter(day=day).update(last=F("last") + 1)
    return f"TJ{day:%Y%m%d}{DisputeSerial.objects.get(day=day).last:04d}"


def _users_with_role(role: str, region_path: str):
    from civicgrid.core.models import User

    return User.objects.filter(is_active=True, roles__role=role,
                               roles__region__path__in=places.ancestor_paths(region_path)).distinct()


def _notify_all(users, title: str, body: str, d: Dispute, *, sms: bool = False) -> int:
    n = 0
    for u in users:
        notify(u, title, body, f"/mediation/{d.number}/", sms=sms, subject=d)
        n += 1
    return n


def responsible(d: Dispute):
    """The assigned mediators' accounts, else the mediators seated over the dispute's place."""
    users = [m.user for m in d.mediators.all() if m.user_id and m.user.is_active]
    return users or list(_users_with_role(W.MEDIATOR, d.region.path))


# -- validation of inputs ---------------------------------------------------------------------------
def _clean_phone(value: str) -> str:
    from civicgrid.core.phones import clean_phone

    return clean_phone(value)  # the one normaliser: the same number hashes the same in every app


def _clean_id(value: str) -> str:
    from civicgrid.people.idnumbers import InvalidIdNumber, parse

    if not (value or "").strip():
        return ""
    try:
        return parse(value)[0]
    except InvalidIdNumber as exc:
        raise ValidationError(f"当事人证件号码有误：{exc}")


def _clean_amount(value) -> decimal.Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = decimal.Decimal(str(value).replace(",", "").strip())
    except decimal.InvalidOperation:
        raise ValidationError("涉及金额须是数字（元）。")
    if amount < 0 or amount > MAX_AMOUNT or amount != amount:
        raise ValidationError("涉及金额超出范围。")
    return amount.quantize(decimal.Decimal("0.01"))


def _clean_risk(level: str, flags) -> tuple[str, list[str]]:
    level = level or "low"
    if level not in W.RISK_LEVELS:
        raise ValidationError("风险等级无效。")
    flags = [f for f in (flags or []) if f]
    bad = [f for f in flags if f not in W.RISK_FLAGS]
    if bad:
        raise ValidationError(f"未知的风险因素：{'、'.join(bad)}")
    return level, sorted(set(flags))


def _party(actor, d: Dispute, raw: dict, now) -> Party:
    side = raw.get("side")
    if side not in dict(Party.SIDE_CHOICES):
        raise ValidationError("当事方须为申请方或被申请方。")
    person = raw.get("person")
    if person is not None and actor is not None and not visible_to(actor, type(person).objects.filter(pk=person.pk)).exists():
        # A resident from the register is linked only from inside the registrar's jurisdiction.
        raise PermissionDenied("所选居民不在您的管辖范围内。")
    name = (raw.get("name") or (person.name if person else "")).strip()
    if not name:
        raise ValidationError("请填写当事人姓名。")
    if len(name) > 50:
        raise ValidationError("当事人姓名过长。")
    phone = _clean_phone(raw.get("phone") or (person.phone if person else ""))
    id_number = _clean_id(raw.get("id_number") or (person.id_number if person else ""))
    consent = bool(raw.get("consent"))
    return Party(dispute=d, side=side, person=person, name=name, phone=phone, phone_hash=lookup_hash(phone),
                 id_number=id_number, id_hash=lookup_hash(id_number), consent=consent,
                 consent_at=now if consent else None, consent_how=(raw.get("consent_how") or "")[:20])


# -- registering -------------------------------------------------------------------------------------
def register(actor, *, source: str, type: str, summary: str, region, parties: list[dict],
             amount=None, risk_level: str = "low", risk_flags=(), address: str = "", screening: Screening | None = None,
             case_number: str = "", now: dt.datetime | None = None, _system_source: str = "") -> Dispute:
    """登记: a new dispute from screening, a handed-over case, a walk-in or a hotline call."""
    if source not in dict(SOURCE_CHOICES):
        raise ValidationError("来源无效。")
    if type not in dict(TYPE_CHOICES):
        raise ValidationError("请选择纠纷类型。")
    summary = (summary or "").strip()
    if not summary:
        raise ValidationError("请填写纠纷概况。")
    if len(summary) > 2000:
        raise ValidationError("纠纷概况不能超过 2000 字。")
    place = places.place_of(region)
    if actor is None:
        if not _system_source:
            raise PermissionDenied("登记纠纷须由工作人员操作。")
        role = SYSTEM
    else:
        role = _seat_in(actor, SOURCE_ROLES[source], place.region)
    if not parties or not any(p.get("side") == "applicant" for p in parties):
        raise ValidationError("请至少登记一名申请方当事人。")
    if len(parties) > 20:
        raise ValidationError("当事人过多，请分案登记。")
    if screening is not None and screening.region_id not in (place.region.pk, *(r.pk for r in places.chain(place.region).values())):
        raise ValidationError("该排查记录不属于纠纷发生地。")
    amount = _clean_amount(amount)
    risk_level, risk_flags = _clean_risk(risk_level, risk_flags)
    now = now or timezone.now()
    with transaction.atomic():
        d = Dispute(number=_next_number(now), source=source, screening=screening, case_number=case_number[:20],
                    type=type, summary=summary, amount=amount, risk_level=risk_level, risk_flags=risk_flags,
                    tier=W.COMMUNITY if place.community else W.STREET, region=place.region,
                    community=place.community, street=place.street, district=place.district,
                    address=(address or "")[:200], registered_by=actor, created_at=now)
        prepared = [_party(actor, d, p, now) for p in parties]
        MACHINE.begin(actor, d, action="register", role=role, now=now, source=_system_source,
                      data={"source": source, "type": type, "case": case_number or None,
                            "risk": risk_level, "flags": risk_flags},
                      audit_detail={"source": source, "type": type, "case": case_number or None, "risk": risk_level})
        for p in prepared:
            p.dispute = d
            p.save()
        raise_alerts(d, now)
        _notify_all(responsible(d), f"新纠纷待受理 {d.number}", f"{d.get_type_display()}：{summary[:60]}", d,
                    sms=d.is_risky)
    return d


def raise_alerts(d: Dispute, now) -> list[RiskAlert]:
    """Apply the risk rules (workflow.RISK_RULES): one alert per matching rule, to 综治 and/or 公安."""
    out = []
    for code, label, _pred, targets in W.matching_rules(d.risk_level, d.risk_flags):
        if RiskAlert.objects.filter(dispute=d, rule=code).exists():
            continue
        users = list(_users_with_role(W.SECURITY_LIAISON, d.region.path))
        users += list(_users_with_role(R.DISTRICT_COMMANDER, d.region.path))
        if "police" in targets:
            users += [u for u in _police_of(d) if u not in users]
        n = _notify_all(users, f"矛盾纠纷风险预警 {d.number}", f"{label}：{d.get_type_display()}，{d.summary[:60]}", d,
                        sms=True)
        alert = RiskAlert.objects.create(dispute=d, rule=code, label=label,
                                         targets="、".join(W.ALERT_TARGETS[t] for t in targets), at=now, notified=n)
        audit.record("系统", "dispute.risk_alert", d, detail={"rule": code, "targets": list(targets), "notified": n})
        out.append(alert)
    return out


def _police_of(d: Dispute):
    """Handlers of the police units serving the dispute's street or district (派出所)."""
    from django.db.models import Q

    from civicgrid.core.models import User

    police = Q(roles__department_unit__department__code="POL") | Q(roles__department_unit__department__code__endswith="-POL")
    return User.objects.filter(police, is_active=True, roles__role=R.DEPARTMENT_HANDLER,
                               roles__department_unit__region__in=[d.street_id, d.district_id]).distinct()


# -- the machine ---------------------------------------------------------------------------------------
class DisputeMachine(Machine):
    illegal_error = IllegalAction
    conflict_error = DisputeConflict
    keeps_clock = frozenset({"record_session", "assess_risk", "extend", "follow_up"})
    step_due_fields = {"accept": "accept_due", "mediate": "mediate_due"}
    input_labels = {"consent": "当事人同意调解的记录", "risk": "风险等级", "session": "调解记录", "text": "协议内容",
                    "kept": "协议履行情况", "channel": "转介渠道", "answer": "答复情况"}

    def seat_tiers(self, actor, role: str) -> set[str]:
        # A mediator stands for the tier of the node where they sit (community, street or district).
        return {W.LEVEL_TIER[s.region.level] for s in user_roles(actor)
                if s.role == role and s.region_id and s.region.level in W.LEVEL_TIER}

    def after_event(self, d: Dispute, event, data: dict) -> None:
        if event.action == "escalate":
            _notify_all(_users_with_role(W.MEDIATOR, d.street.path if d.tier != W.DISTRICT else d.district.path),
                        f"纠纷提交{d.tier_label} {d.number}", event.note[:100] or d.summary[:60], d)

    def step_label(self, d: Dispute) -> str:
        return {"accept": "受理", "mediate": "调解", "answer": "转介答复"}.get(
            W.STEP_OF_STATE.get(d.state) or "", d.state_label)

    def notify_overdue(self, d: Dispute, now) -> None:
        _notify_all(responsible(d), f"纠纷超期 {d.number}", f"{self.step_label(d)}已超过时限", d, sms=True)

    def on_warn(self, d: Dispute, now) -> None:
        _notify_all(responsible(d), f"纠纷即将超期 {d.number}",
                    f"{self.step_label(d)}时限 {timezone.localtime(d.due_at):%m-%d %H:%M}", d)


def _fx_accept(d, row, now, *, actor, data, consent=None, mediators=(), room=None, **kw):
    parties = list(d.parties.all())
    if not all(p.consent for p in parties) and consent is not True:
        raise ValidationError("人民调解须双方自愿：请先记录各方当事人同意调解。")
    if consent is True:
        for p in parties:
            if not p.consent:
                p.consent, p.consent_at = True, now
                p.consent_how = p.consent_how or "受理时确认"
                p.save(update_fields=["consent", "consent_at", "consent_how"])
    _assign(actor, d, mediators, room, data)
    d.accepted_at = now
    data["parties_consented"] = len(parties)


def _assign(actor, d, mediators, room, data) -> None:
    mediators = list(mediators or ())
    if mediators:
        allowed = {m.pk for m in visible_to(actor, Mediator.objects.filter(active=True))} if actor else set()
        ok_area = places.ancestor_paths(d.region.path)
        for m in mediators:
            if actor is not None and m.pk not in allowed:
                raise PermissionDenied(f"调解员“{m.name}”不在您的管辖范围内。")
            if m.region.path not in ok_area and not m.region.path.startswith(d.region.path):
                raise ValidationError(f"调解员“{m.name}”不属于该纠纷所在的社区或街道。")
        d.mediators.set(mediators)
        data["mediators"] = [m.name for m in mediators]
    if room is not None:
        if not room.active or (actor is not None and not visible_to(actor, MediationRoom.objects.filter(pk=room.pk)).exists()):
            raise ValidationError("请选择本辖区在用的调解工作室。")
        d.room = room
        data["room"] = room.name


def _fx_session(d, row, now, *, actor, data, session: dict, **kw):
    s = dict(session)
    at = s.get("at") or now
    if not isinstance(at, dt.datetime):
        raise ValidationError("调解时间无效。")
    if at > now + dt.timedelta(minutes=5):
        raise ValidationError("调解时间不能晚于现在。")
    required = {"attendees": "参加人员", "applicant_statement": "申请方陈述", "respondent_statement": "被申请方陈述"}
    for key, label in required.items():
        if not (s.get(key) or "").strip():
            raise ValidationError(f"调解记录须填写{label}。")
    outcome = s.get("outcome") or "continue"
    if outcome not in dict(Session.OUTCOME_CHOICES):
        raise ValidationError("调解结果无效。")
    room = s.get("room")
    if room is not None and not visible_to(actor, MediationRoom.objects.filter(pk=room.pk)).exists():
        raise ValidationError("请选择本辖区的调解工作室。")
    rec = Session.objects.create(dispute=d, at=at, room=room, place=(s.get("place") or "")[:100],
                                 attendees=s["attendees"].strip()[:300],
                                 applicant_statement=s["applicant_statement"].strip()[:4000],
                                 respondent_statement=s["respondent_statement"].strip()[:4000],
                                 outcome=outcome, note=(s.get("note") or "").strip()[:2000], recorded_by=actor)
    data.update(session=rec.pk, outcome=outcome, at=at.isoformat())


def _fx_agree(d, row, now, *, data, text: str, confirmed=False, performance: str = "", **kw):
    text = (text or "").strip()
    if len(text) < 10:
        raise ValidationError("协议内容过短，请写明双方达成的具体事项。")
    if len(text) > 8000:
        raise ValidationError("协议内容不能超过 8000 字。")
    if not confirmed:
        raise ValidationError("协议须经各方当事人确认（签字或捺印）后登记。")
    if not d.sessions.exists():
        raise ValidationError("请先登记至少一次调解记录。")
    names = "、".join(m.name for m in d.mediators.all()) or "—"
    a = Agreement.objects.create(dispute=d, number=f"{d.number}-XY", text=text, performance=(performance or "")[:300],
                                 confirmed_by_parties=True, signed_at=now, mediator_names=names[:200])
    d.agreed_at = now
    data.update(agreement=a.number)


def _fx_extend(d, row, now, *, data, **kw):
    base = max(d.mediate_due or now, now)
    due = base + dt.timedelta(days=W.EXTENSION_DAYS)
    d.extension_count += 1
    MACHINE.start_clock(d, "mediate", now, due=due)
    d.mediate_due = due
    data.update(days=W.EXTENSION_DAYS, mediate_due=due.isoformat())


def _fx_escalate(d, row, now, *, data, **kw):
    MACHINE.escalate_tier(d, row, now, data=data)


def _fx_follow_up(d, row, now, *, actor, data, kept, month=None, note: str = "", **kw):
    if kept not in (True, False):
        raise ValidationError("请选择协议是否已履行。")
    done = {f.month for f in d.followups.all()}
    month = int(month) if month else (1 if 1 not in done else 3)
    if month not in (1, 3):
        raise ValidationError("回访为协议后 1 个月和 3 个月各一次。")
    if month in done:
        raise ValidationError(f"协议后 {month} 个月的回访已登记。")
    signed = timezone.localtime(d.agreement.signed_at).date()
    due_on = _add_months(signed, month)
    FollowUp.objects.create(dispute=d, month=month, due_on=due_on, done_at=now, kept=kept,
                            note=(note or "").strip()[:2000], by=actor)
    data.update(month=month, kept=kept)


def _add_months(day: dt.date, months: int) -> dt.date:
    import calendar

    m = day.month - 1 + months
    y, m = day.year + m // 12, m % 12 + 1
    return dt.date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def _fx_close(d, row, now, **kw):
    d.closed_at = now


def _fx_breach(d, row, now, *, data, **kw):
    data["agreement"] = d.agreement.number


def _fx_refer(d, row, now, *, note, data, channel: str, receiver: str = "", **kw):
    if channel not in dict(REFERRAL_CHOICES):
        raise ValidationError("转介渠道无效：诉调对接、法律援助、信访或仲裁。")
    r = Referral.objects.create(dispute=d, channel=channel, receiver=(receiver or "")[:100], reason=note,
                                referred_at=now)
    data.update(referral=r.pk, channel=channel, receiver=r.receiver)


def _fx_answer(d, row, now, *, data, answer: str, **kw):
    answer = (answer or "").strip()
    r = d.referrals.filter(answered_at__isnull=True).order_by("-referred_at").first()
    if r is None:
        raise ValidationError("没有待答复的转介。")
    r.answer, r.answered_at = answer[:4000], now
    r.save(update_fields=["answer", "answered_at"])
    d.closed_at = now
    data.update(referral=r.pk, channel=r.channel)


def _fx_assess(d, row, now, *, data, risk: str, flags=(), **kw):
    level, flags = _clean_risk(risk, flags)
    data.update(from_level=d.risk_level, to_level=level, flags=flags)
    d.risk_level, d.risk_flags = level, flags


def _fx_decline(d, row, now, **kw):
    d.closed_at = now


EFFECTS = {
    "accept": _fx_accept, "decline": _fx_decline, "record_session": _fx_session, "agree": _fx_agree,
    "extend": _fx_extend, "escalate": _fx_escalate, "follow_up": _fx_follow_up, "close": _fx_close,
    "breach": _fx_breach, "refer": _fx_refer, "answer_referral": _fx_answer, "assess_risk": _fx_assess,
}
MACHINE = DisputeMachine(W.WORKFLOW, Dispute, DisputeEvent, event_parent="dispute", effects=EFFECTS)


def act(actor, dispute: Dispute, action: str, *, note: str = "", expected_version: int | None = None,
        now: dt.datetime | None = None, **inputs) -> Dispute:
    """One workflow step (workflow.TRANSITIONS); extra inputs by action (see the effects above)."""
    now = now or timezone.now()
    d = MACHINE.act(actor, dispute, action, note=note, expected_version=expected_version, inputs=inputs, now=now)
    if action == "assess_risk":
        with transaction.atomic():
            raise_alerts(d, now)
    return d


def available_actions(user, dispute: Dispute):
    return MACHINE.available_actions(user, dispute)


def sweep(now: dt.datetime | None = None, *, batch: int = 500) -> dict:
    return MACHINE.sweep(now, batch=batch)


# -- screening ---------------------------------------------------------------------------------------
def monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@transaction.atomic
def record_screening(actor, *, region, week: dt.date | None = None, found: int = 0, note: str = "",
                     now: dt.datetime | None = None) -> Screening:
    """One weekly 排查 of a grid or community. found=0 is the "nothing found" record coverage counts."""
    now = now or timezone.now()
    if region is None or region.level not in ("grid", "community"):
        raise ValidationError("排查范围须是网格或社区。")
    _seat_in(actor, SCREENERS, region)
    week = monday(week or timezone.localdate(now))
    if week > timezone.localdate(now):
        raise ValidationError("不能登记未来周的排查。")
    try:
        found = int(found)
    except (TypeError, ValueError):
        raise ValidationError("发现纠纷数须是整数。")
    if not 0 <= found <= 500:
        raise ValidationError("发现纠纷数须在 0 到 500 之间。")
    note = (note or "").strip()[:2000]
    if found == 0 and not note:
        note = "本周排查未发现矛盾纠纷。"
    street = places.place_of(region).street
    if Screening.objects.filter(region=region, week=week).exists():
        raise ValidationError(f"{region.name}本周（{week:%m-%d} 起）的排查已登记。")
    s = Screening.objects.create(region=region, street=street, week=week, found=found, note=note, by=actor, at=now)
    audit.record(actor, "dispute.screening", s, detail={"region": region.code, "week": week.isoformat(), "found": found})
    return s


# -- the register of mediators and rooms ----------------------------------------------------------------
def _clean_specialities(values) -> list[str]:
    names = dict(TYPE_CHOICES)
    out = [v for v in (values or []) if v]
    bad = [v for v in out if v not in names]
    if bad:
        raise ValidationError(f"未知的纠纷类型：{'、'.join(bad)}")
    return sorted(set(out))


@transaction.atomic
def save_mediator(actor, *, region, name: str, kind: str, phone: str = "", specialities=(), max_load: int = 5,
                  user=None, mediator: Mediator | None = None, active: bool = True) -> Mediator:
    if region is None or region.level not in ("community", "street", "district"):
        raise ValidationError("调解员须属于一个社区、街道或区。")
    _seat_in(actor, REGISTER_KEEPERS, region)
    if mediator is not None and not visible_to(actor, Mediator.objects.filter(pk=mediator.pk)).exists():
        raise PermissionDenied("该调解员不在您的管辖范围内。")
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise ValidationError("请填写调解员姓名（50 字以内）。")
    if kind not in dict(Mediator.KIND_CHOICES):
        raise ValidationError("请选择调解员类别。")
    try:
        max_load = int(max_load)
    except (TypeError, ValueError):
        raise ValidationError("同时承办上限须是整数。")
    if not 1 <= max_load <= 50:
        raise ValidationError("同时承办上限须在 1 到 50 之间。")
    m = mediator or Mediator()
    m.region, m.name, m.kind, m.phone = region, name, kind, _clean_phone(phone)
    m.specialities, m.max_load, m.user, m.active = _clean_specialities(specialities), max_load, user, bool(active)
    m.save()
    audit.record(actor, "dispute.mediator_save", m, detail={"kind": kind, "region": region.code})
    return m


@transaction.atomic
def save_room(actor, *, region, name: str, address: str = "", specialities=(), lead: Mediator | None = None,
              room: MediationRoom | None = None, active: bool = True) -> MediationRoom:
    if region is None or region.level not in ("community", "street", "district"):
        raise ValidationError("调解工作室须属于一个社区、街道或区。")
    _seat_in(actor, REGISTER_KEEPERS, region)
    name = (name or "").strip()
    if not name or len(name) > 80:
        raise ValidationError("请填写工作室名称（80 字以内）。")
    r = room or MediationRoom()
    r.region, r.name, r.address = region, name, (address or "")[:200]
    r.specialities, r.lead, r.active = _clean_specialities(specialities), lead, bool(active)
    r.save()
    audit.record(actor, "dispute.room_save", r, detail={"region": region.code})
    return r


# -- parties' personal data ------------------------------------------------------------------------------
def can_reveal(user, dispute: Dispute) -> bool:
    """In scope, and holding the people app's reveal capability: the one capability rule (role defaults,
    a RoleDef's declared capabilities such as the mediator's, and personal grants)."""
    from civicgrid.people import capabilities as C
    from civicgrid.people.permissions import has_capability

    return has_capability(user, C.REVEAL) and visible_to(user, Dispute.objects.filter(pk=dispute.pk)).exists()


@transaction.atomic
def reveal_party(actor, party: Party, field: str, reason: str) -> str:
    if field not in Party.REVEALABLE:
        raise ValidationError("该字段不可查看。")
    d = party.dispute
    if not visible_to(actor, Dispute.objects.filter(pk=d.pk)).exists():
        raise PermissionDenied("该纠纷不在您的管辖范围内。")
    if not can_reveal(actor, d):
        raise PermissionDenied("您没有“查看完整证件号/电话”权限。")
    from civicgrid.core import reveal

    reason = reveal.require_reason(reason)  # the one reveal rule: a reason, one audit entry per reveal
    audit.record(actor, "dispute.reveal_party", d, detail={"fields": [field], "party": party.pk}, reason=reason)
    return getattr(Party.objects.get(pk=party.pk), field)
