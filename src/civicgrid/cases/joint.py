"""Joint action across departments (联勤联动, 合九为一) and emergency mode (应急处置) on a case.

Joint action: a case has a lead unit (牵头单位, normally the unit it is dispatched to) and supporting
units (协办单位), each with its own task, deadline and feedback. A supporting unit reports back; the
lead confirms or returns each part. The case closes only when every part is confirmed: the guard
below refuses the close step (inside its transaction, so nothing of the close is kept).

Emergency mode: the `declare_emergency` step (workflow.py) makes the case urgent and restarts its
running step on the category's urgent limits (never later than the clock already running), and the
whole on-duty chain — community, street sub-centre, district command centre and the assigned unit —
is told at once, by SMS too. The command centre's map shows urgent cases highlighted (dashboard's
live markers read `urgent`).

Kept in one module so the closed loop's services stay as they were: `install()` (from apps.py)
registers the emergency effect and the close guard with the case machine.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core import roles as R
from civicgrid.core.notifications import notify
from civicgrid.core.scoping import has_role, node_in_scope, sees_everything, unit_ids
from civicgrid.core.workflow import event_appended

from . import workflow as W
from .errors import CaseActionError
from .joint_models import JointOperation, JointPart

ORGANISERS = (R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)
TASK_MAX = 300
FEEDBACK_MAX = 2000


class JointIncomplete(CaseActionError):
    """A joint case cannot close while a unit's part is not confirmed by the lead."""

    code = "cases.joint_incomplete"
    default_message = "联合处置尚有分工未经牵头单位确认，不能结案。"


# -- joint parts ----------------------------------------------------------------------------------
def _require_organiser(actor, case) -> None:
    if sees_everything(actor):
        return
    if not has_role(actor, *ORGANISERS):
        raise PermissionDenied("组织联合处置需要以下角色之一：街道派遣员、区指挥中心")
    if not node_in_scope(actor, case.region, roles=ORGANISERS):
        raise PermissionDenied("该案件不在您的管辖范围内。")


def _clean_task(task: str) -> str:
    task = (task or "").strip()
    if not task:
        raise ValidationError("请填写该单位的任务。")
    if len(task) > TASK_MAX:
        raise ValidationError(f"任务不能超过 {TASK_MAX} 字。")
    return task


def add_part(actor, case, unit, *, task: str, due_at: dt.datetime, lead: bool = False,
             now: dt.datetime | None = None) -> JointPart:
    """Give a unit its part of the case. The first part is the lead's (the assigned unit, if any)."""
    _require_organiser(actor, case)
    now = now or timezone.now()
    if case.state in W.TERMINAL:
        raise ValidationError("案件已办结，不能再组织联合处置。")
    if unit is None or not unit.active:
        raise ValidationError("请选择有效的单位。")
    if due_at is None or due_at <= now:
        raise ValidationError("时限须晚于现在。")
    task = _clean_task(task)
    with transaction.atomic():
        parts = JointPart.objects.select_for_update().filter(case=case)
        if any(p.unit_id == unit.pk for p in parts):
            raise ValidationError(f"{unit.name}已在该案件的联合处置中。")
        has_lead = any(p.lead for p in parts)
        if lead and has_lead:
            raise ValidationError("该案件已有牵头单位。")
        if not lead and not has_lead:
            raise ValidationError("请先确定牵头单位。")
        part = JointPart.objects.create(case=case, unit=unit, lead=lead, task=task, due_at=due_at,
                                        created_by=actor, created_at=now)
        audit.record(actor, "case.joint_part", case, detail={"unit": unit.name, "lead": lead,
                                                            "due_at": due_at.isoformat()})
        for u in _handlers(unit):
            notify(u, f"{'牵头' if lead else '协办'}联合处置 {case.number}", task[:80], f"/workforce/joint/{case.number}/",
                   subject=case)
    return part


def _handlers(unit):
    from civicgrid.core.models import Role

    return [s.user for s in Role.objects.filter(department_unit=unit, role=R.DEPARTMENT_HANDLER,
                                                user__is_active=True).select_related("user")]


def _require_unit_seat(actor, unit_id: int, what: str) -> None:
    if not (sees_everything(actor) or unit_id in unit_ids(actor)):
        raise PermissionDenied(f"只有{what}的处置人员可以办理。")


def give_feedback(actor, part: JointPart, text: str, *, now: dt.datetime | None = None) -> JointPart:
    """The unit reports what it did. The lead's own part needs no second confirmation."""
    _require_unit_seat(actor, part.unit_id, part.unit.name)
    text = (text or "").strip()
    if not text:
        raise ValidationError("请填写反馈内容。")
    if len(text) > FEEDBACK_MAX:
        raise ValidationError(f"反馈不能超过 {FEEDBACK_MAX} 字。")
    now = now or timezone.now()
    with transaction.atomic():
        part = JointPart.objects.select_for_update().select_related("case", "unit").get(pk=part.pk)
        if part.state not in ("assigned", "returned"):
            raise ValidationError("该分工已反馈，等待牵头单位确认。")
        part.feedback, part.fed_back_at = text, now
        part.state = "confirmed" if part.lead else "fed_back"
        part.confirmed_at = now if part.lead else None
        part.save()
        audit.record(actor, "case.joint_feedback", part.case, detail={"unit": part.unit.name})
        if not part.lead:
            lead = JointPart.objects.filter(case=part.case, lead=True).select_related("unit").first()
            for u in _handlers(lead.unit) if lead else []:
                notify(u, f"协办单位已反馈 {part.case.number}", f"{part.unit.name}：{text[:60]}",
                       f"/workforce/joint/{part.case.number}/", subject=part.case)
    return part


def review(actor, part: JointPart, *, accept: bool, note: str = "", now: dt.datetime | None = None) -> JointPart:
    """The lead unit confirms a supporting unit's feedback, or returns it with the reason."""
    lead = JointPart.objects.filter(case_id=part.case_id, lead=True).first()
    if lead is None:
        raise ValidationError("该案件没有牵头单位。")
    _require_unit_seat(actor, lead.unit_id, "牵头单位")
    now = now or timezone.now()
    with transaction.atomic():
        part = JointPart.objects.select_for_update().select_related("case", "unit").get(pk=part.pk)
        if part.state != "fed_back":
            raise ValidationError("只能确认已反馈的分工。")
        if not accept and not (note or "").strip():
            raise ValidationError("退回须填写理由。")
        part.state = "confirmed" if accept else "returned"
        part.confirmed_at = now if accept else None
        part.save()
        audit.record(actor, "case.joint_confirm" if accept else "case.joint_return", part.case,
                     detail={"unit": part.unit.name}, reason=(note or "")[:300])
        if not accept:
            for u in _handlers(part.unit):
                notify(u, f"牵头单位退回协办反馈 {part.case.number}", note[:80], f"/workforce/joint/{part.case.number}/",
                       subject=part.case)
    return part


def open_parts(case) -> list[JointPart]:
    return list(JointPart.objects.filter(case=case).exclude(state="confirmed").select_related("unit"))


def _close_guard(sender, obj=None, event=None, **kwargs) -> None:
    from .models import Case

    if sender is not Case or event is None or event.action != "close":
        return
    missing = open_parts(obj)
    if missing:
        names = "、".join(p.unit.name for p in missing)
        raise JointIncomplete(f"联合处置尚有分工未经牵头单位确认（{names}），不能结案。")


# -- joint enforcement operations ----------------------------------------------------------------
def plan_operation(actor, *, title: str, region, day: dt.date, units, plan: str = "") -> JointOperation:
    if not sees_everything(actor) and not (has_role(actor, *ORGANISERS) and node_in_scope(actor, region, roles=ORGANISERS)):
        raise PermissionDenied("组织联合执法行动需要该区域的街道派遣员或区指挥中心。")
    title = (title or "").strip()
    if not title or len(title) > 100:
        raise ValidationError("请填写行动名称（100 字以内）。")
    units = [u for u in units if u is not None]
    if len(units) < 2:
        raise ValidationError("联合执法行动至少需要两个参与单位。")
    op = JointOperation.objects.create(title=title, region=region, day=day, plan=(plan or "")[:2000], created_by=actor)
    op.units.set(units)
    audit.record(actor, "case.joint_operation", op, detail={"units": [u.name for u in units]})
    return op


def record_finding(actor, op: JointOperation, *, category, description: str, region=None, lng=None, lat=None,
                   address: str = "", now=None):
    """A problem found on the operation becomes a case (the closed loop's intake), linked to it."""
    from . import services

    case = services.intake(actor, channel="other", category=category, description=description,
                           region=region or op.region, lng=lng, lat=lat, address=address,
                           source=f"联合执法：{op.title}"[:100], within=op.region, now=now)
    with transaction.atomic():
        op = JointOperation.objects.select_for_update().get(pk=op.pk)
        op.findings = [*op.findings, case.number]
        op.save(update_fields=["findings"])
    return case


# -- emergency mode -------------------------------------------------------------------------------
def on_duty_chain(case) -> list:
    """Who must know at once: the community's staff, the street sub-centre, the district command
    centre (seats over the case's place) and the handlers of the assigned unit."""
    from civicgrid.core.models import Role

    from django.db.models import Q

    where = Q(role=R.DISTRICT_COMMANDER, region=case.district) | Q(role=R.STREET_DISPATCHER, region=case.street)
    if case.community_id:
        where |= Q(role=R.COMMUNITY_STAFF, region=case.community)
    if case.assigned_unit_id:
        where |= Q(role=R.DEPARTMENT_HANDLER, department_unit=case.assigned_unit)
    seen, out = set(), []
    for s in Role.objects.filter(where, user__is_active=True).select_related("user"):
        if s.user_id not in seen:
            seen.add(s.user_id)
            out.append(s.user)
    return out


def _fx_emergency(c, row, now, *, data, note="", **kw):
    from .services import MACHINE

    c.urgent = True
    step = W.STEP_OF_STATE.get(c.state)
    if step:
        due = MACHINE.step_deadline(c, step).due(now, MACHINE.calendar())
        if c.due_at is not None and c.due_at < due:
            due = c.due_at  # the shortest limit wins: an emergency never gives more time
        MACHINE.start_clock(c, step, now, due=due)
        data["due_at"] = due.isoformat()
    chain = on_duty_chain(c)
    for u in chain:
        notify(u, f"应急处置 {c.number}", f"{c.category.name}：{note[:60]}", f"/cases/{c.number}/", sms=True, subject=c)
    data["notified"] = len(chain)


def declare_emergency(actor, case, *, note: str, now=None):
    from . import services

    return services.act(actor, case, "declare_emergency", note=note, now=now)


def is_emergency(case) -> bool:
    return case.events.filter(action="declare_emergency").exists()


def install() -> None:
    from . import services

    services.MACHINE.effects["declare_emergency"] = _fx_emergency
    # The effect sets the clock itself (never later than the one running), so the engine keeps it.
    services.MACHINE.keeps_clock = services.MACHINE.keeps_clock | {"declare_emergency"}
    event_appended.connect(_close_guard, dispatch_uid="cases.joint.close_guard")
