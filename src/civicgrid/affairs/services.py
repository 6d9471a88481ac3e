"""Every write to affairs. Views, the API, the importer, the demo seeder and the sweep call these.

    publish(actor, *, code, name, department, ...) -> ItemVersion     a new item or a new version of one
    prefill(actor, person, version, *, consent) -> dict               register values, audited, consent only
    accept(actor, *, window, version, applicant, form, provided, scans, ...) -> Application   一口受理
    act(actor, application, action, *, note, expected_version, **inputs) -> Application       every later step
    rate(application, phone, score, comment) -> Rating                好差评 from the applicant's phone page
    answer_rating(actor, rating, text) -> Rating                       整改反馈 to a poor rating
    reveal(actor, application, field, reason) -> str                   logged reveal of the applicant's data
    sweep(now) -> dict                                                 deadlines, supervision, late answers

The engine (core.workflow) does the row lock, the table, roles and tiers, events and audit; this module
adds the clock that stops for 补正 and resumes with the time left, routing to the department unit, the
one-time notice, the applicant's SMS and who among the staff is told.
"""
from __future__ import annotations

import datetime as dt
import decimal
import json
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core import roles as R
from civicgrid.core.calendar import default_calendar
from civicgrid.core.crypto import lookup_hash
from civicgrid.core.notifications import notify
from civicgrid.core.scoping import require_role, sees_everything, user_roles, visible_to
from civicgrid.core.sms import send_sms
from civicgrid.core.workflow import Machine

from . import catalogue as C
from . import scans
from . import workflow as W
from .errors import ApplicationConflict, IllegalAction
from .models import (Application, ApplicationEvent, ApplicationSerial, Item, ItemVersion, Material, Notice, Rating,
                     Window)

log = logging.getLogger(__name__)
__all__ = ["ApplicationConflict", "IllegalAction"]

CATALOGUE_KEEPERS = (R.SYSTEM_ADMIN,)
LEVEL_RANK = {W.COMMUNITY: 1, W.STREET: 2, W.DISTRICT: 3}
REVEALABLE = {"applicant_name": "姓名", "phone": "联系电话", "id_number": "证件号码", "form_data": "申请表全文"}
PUBLIC_LINK = "/r/affairs/"


def _hours_per_day(cal) -> float:
    return sum((dt.datetime.combine(dt.date.min, b) - dt.datetime.combine(dt.date.min, a)).total_seconds()
               for a, b in cal.spans) / 3600


# -- the catalogue --------------------------------------------------------------------------------------
@transaction.atomic
def publish(actor, *, code: str, name: str, department, legal_basis: str, materials: list, fields: list,
            limits: dict, total_days: int, result_kind: str, result_name: str = "", accept_level: str = W.COMMUNITY,
            review_level: str = W.STREET, decide_level: str = W.DISTRICT, fee=0, fee_note: str = "",
            legal_days: int | None = None, category: str = "", note: str = "",
            now: dt.datetime | None = None) -> ItemVersion:
    """Publish an item's next version (the first makes the item). Earlier versions stay as they were:
    applications made under them keep them."""
    if actor is not None:
        require_role(actor, *CATALOGUE_KEEPERS)
        if not sees_everything(actor) and not visible_to(actor, type(department).objects.filter(pk=department.pk)).exists():
            raise PermissionDenied(f"“{department.name}”不在您的管辖范围内。")
    code, name = (code or "").strip(), (name or "").strip()
    if not code or len(code) > 30:
        raise ValidationError("事项编码须为 1–30 个字符。")
    if not name or len(name) > 80:
        raise ValidationError("事项名称须为 1–80 个字。")
    legal_basis = (legal_basis or "").strip()
    if not legal_basis:
        raise ValidationError(f"事项“{name}”须写明设定依据。")
    levels = dict(W.LEVEL_LABELS)
    for lv in (accept_level, review_level, decide_level):
        if lv not in levels:
            raise ValidationError(f"层级“{lv}”无效（社区/街道/区）。")
    if not LEVEL_RANK[accept_level] <= LEVEL_RANK[review_level] <= LEVEL_RANK[decide_level]:
        raise ValidationError("受理、审核、决定层级须逐级向上（社区 → 街道 → 区）。")
    if result_kind not in dict(ItemVersion._meta.get_field("result_kind").choices):
        raise ValidationError("办理结果须为证照、待遇发放或登记备案。")
    try:
        fee = decimal.Decimal(str(fee or 0))
    except decimal.InvalidOperation:
        raise ValidationError("收费须为金额（元）。")
    if not fee.is_finite() or fee < 0 or fee > 99999999:
        raise ValidationError("收费超出范围。")
    materials, fields = C.check_materials(materials), C.check_fields(fields)
    limits = C.check_limits(limits, total_days)
    now = now or timezone.now()
    item, created = Item.objects.select_for_update().get_or_create(
        code=code, defaults={"name": name, "department": department, "category": category[:20]})
    item.name, item.department, item.category, item.active = name, department, category[:20], True
    n = (item.versions.aggregate(m=Max("version"))["m"] or 0) + 1
    v = ItemVersion.objects.create(
        item=item, version=n, legal_basis=legal_basis[:4000], accept_level=accept_level, review_level=review_level,
        decide_level=decide_level, materials=materials, fields=fields, fee=fee, fee_note=fee_note[:200],
        limits=limits, total_days=int(total_days), legal_days=legal_days, result_kind=result_kind,
        result_name=(result_name or "")[:80], note=(note or "")[:200], published_at=now, published_by=actor)
    item.current = v
    item.save()
    audit.record(actor if actor is not None else "系统", "affairs.publish", item,
                 detail={"version": n, "new_item": created})
    return v


# -- windows ---------------------------------------------------------------------------------------------
def save_window(actor, *, region, name: str) -> Window:
    if actor is not None:
        require_role(actor, R.SYSTEM_ADMIN, R.COMMUNITY_STAFF, R.STREET_DISPATCHER)
        if not visible_to(actor, type(region).objects.filter(pk=region.pk)).exists():
            raise PermissionDenied(f"“{region.name}”不在您的管辖范围内。")
    if region.level not in (W.COMMUNITY, W.STREET):
        raise ValidationError("受理窗口须设在社区或街道。")
    name = (name or "").strip()[:60]
    if not name:
        raise ValidationError("请填写窗口名称。")
    w = Window.objects.create(region=region, name=name)
    audit.record(actor if actor is not None else "系统", "affairs.window_save", w)
    return w


# -- who sits where ---------------------------------------------------------------------------------------
def _seat_over(actor, roles, region) -> str:
    """The first of `roles` the actor holds at or above `region`; else PermissionDenied with why."""
    if sees_everything(actor):
        return roles[0]
    held = [s for s in user_roles(actor) if s.role in roles and s.region_id]
    if not held:
        raise PermissionDenied(f"此操作需要以下角色之一：{'、'.join(R.label(r) for r in roles)}")
    for s in held:
        if region.path.startswith(s.region.path):
            return s.role
    raise PermissionDenied(f"“{region.name}”不在您的管辖范围内。")


def _chain(region) -> dict:
    """community/street/district of a community or street node."""
    out, node = {}, region
    while node is not None:
        out[node.level] = node
        node = node.parent
    return out


def _users(role: str, *, regions=(), units=()):
    from civicgrid.core.models import User

    qs = User.objects.filter(is_active=True, roles__role=role)
    if units:
        return qs.filter(roles__department_unit__in=units).distinct()
    return qs.filter(roles__region__in=regions).distinct()


def _merge(*groups) -> list:
    out = []
    for g in groups:
        out += [u for u in g if u not in out]
    return out


def _tell(users, title: str, body: str, a: Application, *, sms: bool = False) -> int:
    n = 0
    for u in users:
        notify(u, title, body, f"/affairs/{a.number}/", sms=sms, subject=a)
        n += 1
    return n


def _sms_applicant(a: Application, text: str) -> None:
    if a.phone:
        send_sms(a.phone, f"【一门式】您的申请 {a.number}（{a.item.name}）{text} 进度查询：{PUBLIC_LINK}")


# -- numbers ----------------------------------------------------------------------------------------------
def _next_number(now: dt.datetime) -> str:
    day = timezone.localtime(now).date()
    if not ApplicationSerial.objects.filter(day=day).update(last=F("last") + 1):
        try:
            with transaction.atomic():
                ApplicationSerial.objects.create(day=day, last=1)
        except IntegrityError:
            ApplicationSerial.objects.filter(day=day).update(last=F("last") + 1)
    return f"YM{day:%Y%m%d}{ApplicationSerial.objects.get(day=day).last:04d}"


# -- prefill with consent ----------------------------------------------------------------------------------
def _register_value(person, attr: str) -> str:
    if attr == "address":
        return str(person.room) if person.room_id else ""
    if attr == "community":
        return person.community.name if person.community_id else ""
    if attr == "birth_date":
        return person.birth_date.isoformat() if person.birth_date else ""
    if attr == "sex":
        return {"M": "男", "F": "女"}.get(person.sex, "")
    if attr == "registration":
        return person.get_registration_display()
    return getattr(person, attr, "") or ""


def prefill(actor, person, version: ItemVersion, *, consent: bool, clerk_roles=(W.CLERK,)) -> dict:
    """The form's prefillable fields from the register. Only with the applicant's recorded consent,
    only for a resident inside the clerk's jurisdiction, and written to the audit log (which fields,
    never the values)."""
    if not consent:
        raise ValidationError("使用居民信息库预填须先征得申请人同意（请勾选“申请人同意”）。")
    from civicgrid.people.models import Person

    if actor is not None and not visible_to(actor, Person.objects.filter(pk=person.pk), roles=clerk_roles).exists():
        raise PermissionDenied("该居民不在您的管辖范围内。")
    values = {f["key"]: _register_value(person, f["prefill"]) for f in version.fields if f.get("prefill")}
    audit.record(actor, "affairs.prefill", person,
                 detail={"item": version.item.code, "version": version.version, "fields": sorted(values)},
                 reason="申请人同意使用登记信息预填申请表")
    return values


# -- 一口受理 -----------------------------------------------------------------------------------------------
def _applicant(actor, person, consent: bool, raw: dict) -> dict:
    from civicgrid.core.phones import clean_phone
    from civicgrid.people.idnumbers import InvalidIdNumber, parse
    from civicgrid.people.models import Person

    if person is not None and actor is not None and not visible_to(
            actor, Person.objects.filter(pk=person.pk), roles=(W.CLERK,)).exists():
        raise PermissionDenied("所选居民不在您的管辖范围内。")
    use_register = person is not None and consent
    name = (raw.get("name") or (person.name if use_register else "")).strip()
    if not name:
        raise ValidationError("请填写申请人姓名。")
    if len(name) > 50:
        raise ValidationError("申请人姓名过长。")
    try:
        phone = clean_phone(raw.get("phone") or (person.phone if use_register else ""), required=True)
    except ValidationError:
        raise ValidationError("请填写申请人有效的联系电话（用于短信告知办理进度）。")
    id_raw = raw.get("id_number") or (person.id_number if use_register else "")
    id_number = ""
    if (id_raw or "").strip():
        try:
            id_number = parse(id_raw)[0]
        except InvalidIdNumber as exc:
            raise ValidationError(f"申请人证件号码有误：{exc}")
    return {"name": name, "phone": phone, "id_number": id_number}


def accept(actor, *, window: Window, version: ItemVersion, applicant: dict, form: dict, provided=(),
           scans_by_code: dict | None = None, person=None, consent: bool = False,
           now: dt.datetime | None = None) -> Application:
    """一口受理: the application, its materials, and — when anything required is missing — the one-time
    notice (一次性告知书) instead of the clock starting. Scans are checked before anything is saved."""
    now = now or timezone.now()
    if not window.active:
        raise ValidationError("该窗口已停用。")
    current, active = Item.objects.filter(pk=version.item_id).values_list("current_id", "active").get()
    if current != version.pk or not active:
        raise ValidationError(f"“{version.item.name}”第{version.version}版已不是现行版本，请按现行版本受理。")
    role = W.CLERK if actor is None else _seat_over(actor, (W.CLERK,), window.region)
    chain = _chain(window.region)
    if LEVEL_RANK[window.region.level] < LEVEL_RANK[version.accept_level]:
        raise ValidationError(f"“{version.item.name}”须到{W.LEVEL_LABELS[version.accept_level]}受理窗口办理。")
    who = _applicant(actor, person, consent, applicant or {})
    cleaned = C.validate_form(version.fields, form or {}, today=timezone.localtime(now).date())
    provided = set(provided or ())
    scans_by_code = dict(scans_by_code or {})
    known = {m["code"] for m in version.materials}
    if (provided | set(scans_by_code)) - known:
        raise ValidationError("提交的材料不在该事项的材料清单中。")
    prepared = {code: scans.prepare(f) for code, f in scans_by_code.items() if f}
    provided |= set(prepared)
    rows, missing = [], []
    for m in version.materials:
        if m["code"] in provided:
            status = "provided"
        elif m["register"] and person is not None and consent:
            status = "register"
        elif not m["required"]:
            status = "waived"
        else:
            status = "missing"
            missing.append(m)
        rows.append((m, status))
    tier = version.review_level
    with transaction.atomic():
        a = Application(
            number=_next_number(now), item=version.item, item_version=version, department=version.item.department,
            tier=tier, window=window, region=window.region, street=chain.get("street", window.region),
            district=chain["district"], person=person, applicant_name=who["name"], phone=who["phone"],
            phone_hash=lookup_hash(who["phone"]), id_number=who["id_number"], id_hash=lookup_hash(who["id_number"]),
            form_data=json.dumps(cleaned, ensure_ascii=False), prefill_consent=bool(person is not None and consent),
            prefill_consent_at=now if person is not None and consent else None, accepted_by=actor, created_at=now)
        if missing:
            a.paused_step, a.paused_since = "review", now
            MACHINE.begin(actor, a, action="accept_incomplete", role=role, now=now,
                          data={"item": version.item.code, "version": version.version,
                                "missing": [m["code"] for m in missing]})
        else:
            a.started_at = now
            a.total_due = default_calendar().add_working_days(now, version.total_days)
            MACHINE.begin(actor, a, action="accept", role=role, now=now,
                          data={"item": version.item.code, "version": version.version})
        for m, status in rows:
            scan = prepared.get(m["code"])
            Material.objects.create(application=a, code=m["code"], name=m["name"], form=m["form"],
                                    required=m["required"], status=status, scan=scan.file if scan else "",
                                    scan_type=scan.content_type if scan else "", scan_size=scan.size if scan else 0,
                                    checked_at=now if status == "provided" else None)
        if missing:
            _issue_notice(a, actor, missing, "", now)
            _sms_applicant(a, f"已收件，尚缺 {len(missing)} 项材料，请按一次性告知书补齐后到窗口补正。")
        else:
            _sms_applicant(a, f"已受理，承诺 {version.total_days} 个工作日内办结。")
    return a


def _issue_notice(a: Application, actor, missing: list[dict], reason: str, now) -> Notice:
    seq = (a.notices.aggregate(m=Max("seq"))["m"] or 0) + 1
    return Notice.objects.create(
        application=a, seq=seq, issued_at=now, issued_by=actor, reason=reason[:2000],
        missing=[{"code": m["code"], "name": m["name"], "form": m["form"], "copies": m.get("copies", 1)}
                 for m in missing])


def masked_form(a: Application, *, clear: bool = False) -> list[tuple[str, str]]:
    """The form as (label, value) rows for a screen: personal values masked by the field's kind
    (names, phones, identity numbers, addresses, account numbers, free text) unless `clear` (a reveal)."""
    from civicgrid.core.crypto import mask_id_number, mask_name, mask_phone
    from civicgrid.core.pii import redact

    data, rows = a.form, []
    for f in a.item_version.fields:
        v = data.get(f["key"])
        if v is None or v == "":
            shown = "—"
        elif isinstance(v, bool):
            shown = "是" if v else "否"
        elif clear:
            shown = str(v)
        elif f["type"] == "phone":
            shown = mask_phone(v)
        elif f["type"] == "id_number":
            shown = mask_id_number(v)
        elif f.get("prefill") == "name" or f["key"] in ("name", "deceased"):
            shown = mask_name(v)
        elif f.get("prefill") == "address":
            shown = str(v)[:6] + "……"
        elif f["type"] == "text" and str(v).isdigit() and len(str(v)) >= 8:
            shown = "*" * (len(str(v)) - 4) + str(v)[-4:]
        elif f["type"] in ("text", "textarea"):
            shown = redact(str(v))
        else:
            shown = str(v)
        rows.append((f["label"], shown))
    return rows


def missing_materials(a: Application) -> list[Material]:
    return [m for m in a.materials.all() if m.status == "missing"]


# -- the machine -------------------------------------------------------------------------------------------
class AffairsMachine(Machine):
    illegal_error = IllegalAction
    conflict_error = ApplicationConflict
    keeps_clock = frozenset({"supplement", "supervise"})
    input_labels = {"materials": "补正的材料", "missing": "需补正的材料", "legal_basis": "法律依据",
                    "method": "送达方式", "signed_by": "签收人"}

    def seat_tiers(self, actor, role: str) -> set[str]:
        return {s.region.level for s in user_roles(actor)
                if s.role == role and s.region_id and s.region.level in W.TIER_LABELS}

    def step_deadline(self, a: Application, step: str):
        from civicgrid.core.workflow import Deadline

        return Deadline(a.item_version.limit(step), "working_days")

    def after_event(self, a: Application, event, data: dict) -> None:
        action = event.action
        if a.state == W.REVIEW and action in ("accept", "supplement"):
            levels = [r for r in (a.region, a.street, a.district) if r.level == a.tier]
            _tell(_users(W.REVIEWER, regions=levels), f"待审核 {a.number}", a.item.name, a)
        if action == "pass_review":
            _tell(_users(W.DECIDER, units=[a.unit_id]), f"待审批 {a.number}", a.item.name, a)
            _sms_applicant(a, "已通过审核，转部门审批。")
        elif action == "supplement":
            _sms_applicant(a, "补正材料已收齐，继续办理。")
        elif action == "return":
            _sms_applicant(a, f"需补正材料：{event.note[:60]}。请按一次性告知书补齐。")
        elif action == "approve":
            _tell(_users(W.CLERK, regions=[a.region]), f"待送达 {a.number}", a.item.name, a)
            _sms_applicant(a, "已批准，结果待领取/寄送。")
        elif action == "reject":
            _sms_applicant(a, "不予批准，理由及依据请凭编号查询或到窗口领取决定书。")
        elif action == "deliver":
            _sms_applicant(a, "已办结。欢迎对本次服务作出评价（好差评）。")

    def step_label(self, a: Application) -> str:
        return W.STEP_LABELS.get(W.STEP_OF_STATE.get(a.state) or "", a.state_label)

    def responsible(self, a: Application):
        if a.state == W.DECIDE:
            return _users(W.DECIDER, units=[a.unit_id])
        if a.state == W.DELIVER:
            return _users(W.CLERK, regions=[a.region])
        return _users(W.REVIEWER, regions=[r for r in (a.region, a.street, a.district) if r.level == a.tier])

    def notify_overdue(self, a: Application, now) -> None:
        _tell(self.responsible(a), f"办件超期 {a.number}", f"{self.step_label(a)}已超过时限", a, sms=True)

    def on_warn(self, a: Application, now) -> None:
        _tell(self.responsible(a), f"办件即将超期 {a.number}",
              f"{self.step_label(a)}时限 {timezone.localtime(a.due_at):%m-%d %H:%M}", a)

    def escalate_if_declared(self, a: Application, now, counts: dict) -> bool:
        """Every late step is supervised (督办) by the level above: an event, and the supervisors told."""
        a.refresh_from_db()
        self.act(None, a, "supervise", note=f"{self.step_label(a)}超过时限，系统督办", now=now)
        counts["escalated"] += 1
        return True


def _pause(a: Application, now) -> None:
    """补正 stops the clock: keep the working time the step and the whole had left."""
    cal = MACHINE.calendar()
    a.paused_step = W.STEP_OF_STATE.get(a.state) or "review"
    a.paused_step_hours = max(cal.working_hours_between(now, a.due_at), 0.0) if a.due_at else None
    a.paused_total_hours = max(cal.working_hours_between(now, a.total_due), 0.0) if a.total_due else None
    a.paused_since = now


def _resume(a: Application, now) -> None:
    """The documents came in: the step resumes with the time it had left (a first acceptance starts fresh)."""
    cal = MACHINE.calendar()
    step = a.paused_step or "review"
    if a.started_at is None:  # incomplete at the window: the promised time starts now
        a.started_at = now
        a.total_due = cal.add_working_days(now, a.item_version.total_days)
        MACHINE.start_clock(a, step, now)
    else:
        if a.paused_since:
            a.paused_hours = (a.paused_hours or 0) + max(cal.working_hours_between(a.paused_since, now), 0.0)
        hours = a.paused_step_hours if a.paused_step_hours is not None else None
        due = cal.add_working_hours(now, hours) if hours is not None else None
        MACHINE.start_clock(a, step, now, due=due)
        if a.paused_total_hours is not None:
            a.total_due = cal.add_working_hours(now, a.paused_total_hours)
    a.paused_step, a.paused_step_hours, a.paused_total_hours, a.paused_since = "", None, None, None


def _decided(a: Application, now) -> None:
    cal = MACHINE.calendar()
    a.decided_at = now
    a.decision_on_time = bool(a.total_due and now <= a.total_due)
    if a.started_at:
        hours = max(cal.working_hours_between(a.started_at, now) - (a.paused_hours or 0), 0.0)
        a.working_days = decimal.Decimal(str(round(hours / _hours_per_day(cal), 2)))


def _fx_supplement(a, row, now, *, actor, data, materials=None, prepared=None, **kw):
    codes = set(materials or ())
    prepared = dict(prepared or {})
    codes |= set(prepared)
    rows = {m.code: m for m in a.materials.all()}
    if codes - set(rows):
        raise ValidationError("补正的材料不在该申请的材料清单中。")
    for code in codes:
        m = rows[code]
        m.status, m.checked_at = "provided", now
        if code in prepared:
            m.scan, m.scan_type, m.scan_size = prepared[code].file, prepared[code].content_type, prepared[code].size
        m.save()
    still = [m.name for m in rows.values() if m.status == "missing"]
    if still:
        raise ValidationError(f"仍缺少：{'、'.join(still)}。请补齐一次性告知书所列全部材料。")
    a.notices.filter(resolved_at__isnull=True).update(resolved_at=now)
    data["materials"] = sorted(codes)
    _resume(a, now)


def _fx_return(a, row, now, *, actor, data, note, missing=None, **kw):
    codes = [c for c in (missing or ()) if c]
    rows = {m.code: m for m in a.materials.all()}
    if not codes or set(codes) - set(rows):
        raise ValidationError("请选择需要补正的材料（须在该申请的材料清单中）。")
    listed = []
    for code in codes:
        m = rows[code]
        m.status, m.checked_at = "missing", None
        m.save()
        listed.append({"code": m.code, "name": m.name, "form": m.form, "copies": 1})
    _pause(a, now)
    a.corrections += 1
    _issue_notice(a, actor, listed, note, now)
    data["missing"] = codes


def _fx_pass_review(a, row, now, *, actor, data, **kw):
    from civicgrid.departments.models import DepartmentUnit

    level = a.item_version.decide_level
    anchor = a.street if level in (W.STREET, W.COMMUNITY) else a.district
    units = DepartmentUnit.objects.filter(department=a.department, active=True)
    unit = units.filter(region=anchor).first() or units.filter(region=a.district).first()
    if unit is None:
        raise ValidationError(f"“{a.department.name}”没有可接收审批的单位，请联系系统管理员。")
    a.unit = unit
    data["unit"] = unit.name


def _fx_approve(a, row, now, *, actor, data, result_number="", **kw):
    a.result_number = (result_number or "").strip()[:40]
    _decided(a, now)
    data.update(on_time=a.decision_on_time, result_number=a.result_number or None)


def _fx_reject(a, row, now, *, actor, data, note, legal_basis="", **kw):
    basis = (legal_basis or "").strip()
    if len(basis) > 300:
        raise ValidationError("法律依据不能超过 300 字。")
    a.reject_reason, a.reject_basis = note, basis
    _decided(a, now)
    data.update(on_time=a.decision_on_time, legal_basis=basis)


def _fx_deliver(a, row, now, *, actor, data, method="", signed_by="", **kw):
    if method not in ("window", "post"):
        raise ValidationError("送达方式须为窗口领取或邮寄送达。")
    signed_by = (signed_by or "").strip()
    if len(signed_by) > 50:
        raise ValidationError("签收人姓名过长。")
    a.delivery_method, a.signed_by, a.delivered_at = method, signed_by, now
    data["method"] = method  # the signer's name stays encrypted on the row, not in the event


def _fx_supervise(a, row, now, *, actor, data, **kw):
    a.escalations += 1
    # The level above the late step: the district unit of the department over a street unit, and the
    # district command centre over everyone.
    from civicgrid.departments.models import DepartmentUnit

    users = list(_users(R.DISTRICT_COMMANDER, regions=[a.district]))
    if a.state == W.DECIDE:
        head = DepartmentUnit.objects.filter(department=a.department, region=a.district).exclude(pk=a.unit_id)
        users += [u for u in _users(W.DECIDER, units=list(head.values_list("pk", flat=True))) if u not in users]
    else:
        above = a.district if a.tier == W.STREET else a.street
        users += [u for u in _users(W.REVIEWER, regions=[above]) if u not in users]
    data["told"] = _tell(users, f"超时督办 {a.number}", f"{a.item.name}：{W.STEP_LABELS.get(W.STEP_OF_STATE.get(a.state) or '', '')}超过时限", a)


def _fx_withdraw(a, row, now, *, actor, data, **kw):
    a.notices.filter(resolved_at__isnull=True).update(resolved_at=now)


MACHINE = AffairsMachine(W.WORKFLOW, Application, ApplicationEvent, event_parent="application", effects={
    "supplement": _fx_supplement, "return": _fx_return, "pass_review": _fx_pass_review, "approve": _fx_approve,
    "reject": _fx_reject, "deliver": _fx_deliver, "supervise": _fx_supervise, "withdraw": _fx_withdraw,
})


def act(actor, application: Application, action: str, *, note: str = "", expected_version: int | None = None,
        now: dt.datetime | None = None, **inputs) -> Application:
    """One workflow step (workflow.TRANSITIONS). Scans given for a supplement are checked before the
    transaction, so a bad file loses nothing."""
    uploads = inputs.pop("scans_by_code", None) or {}
    if uploads:
        inputs["prepared"] = {c: scans.prepare(f) for c, f in uploads.items() if f}
    return MACHINE.act(actor, application, action, note=note, expected_version=expected_version, inputs=inputs,
                       now=now or timezone.now())


def available_actions(user, application: Application):
    return MACHINE.available_actions(user, application)


def sweep(now: dt.datetime | None = None, *, batch: int = 500) -> dict:
    counts = MACHINE.sweep(now, batch=batch)
    counts["late_answers"] = chase_rating_answers(now)
    return counts


# -- 好差评 -------------------------------------------------------------------------------------------------
def rate(application: Application, phone: str, *, score, comment: str = "", now: dt.datetime | None = None) -> Rating:
    """The applicant rates a finished application (once), from the phone page, by number and phone."""
    from civicgrid.core.phones import normalise_phone

    now = now or timezone.now()
    if application.state not in (W.DELIVERED, W.REJECTED):
        raise ValidationError("办结后才能评价。")
    if not phone or lookup_hash(normalise_phone(phone)) != application.phone_hash:
        raise PermissionDenied("手机号与申请时登记的不一致。")
    try:
        score = int(score)
    except (TypeError, ValueError):
        raise ValidationError("请选择评价等级。")
    if score not in dict(W.RATING_CHOICES):
        raise ValidationError("请选择评价等级。")
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ValidationError("评价内容不能超过 500 字。")
    if score in W.POOR and not comment:
        raise ValidationError("差评请简要说明原因，便于我们整改。")
    poor = score in W.POOR
    with transaction.atomic():
        if Rating.objects.filter(application=application).exists():
            raise ValidationError("您已评价过本次服务。")
        r = Rating.objects.create(
            application=application, score=score, comment=comment, at=now, item_id=application.item_id,
            department_id=application.department_id, window_id=application.window_id,
            answer_due=default_calendar().add_working_days(now, W.ANSWER_DAYS) if poor else None)
        audit.record("申请人", "affairs.rate", application, detail={"score": score})
        if poor:
            _tell(_merge(_users(W.REVIEWER, regions=[application.street]), _users(W.CLERK, regions=[application.region])),
                  f"差评待整改反馈 {application.number}", f"{application.item.name}：{r.get_score_display()}",
                  application)
    return r


@transaction.atomic
def answer_rating(actor, rating: Rating, text: str, *, now: dt.datetime | None = None) -> Rating:
    now = now or timezone.now()
    rating = Rating.objects.select_for_update().get(pk=rating.pk)
    if not visible_to(actor, Rating.objects.filter(pk=rating.pk)).exists():
        raise PermissionDenied("该评价不在您的管辖范围内。")
    require_role(actor, W.REVIEWER, W.CLERK)
    if not rating.is_poor:
        raise ValidationError("只有差评需要整改反馈。")
    if rating.answered_at:
        raise ValidationError("该差评已反馈。")
    text = (text or "").strip()
    if len(text) < 10 or len(text) > 1000:
        raise ValidationError("整改反馈须写明核实情况和整改措施（10–1000 字）。")
    rating.answer, rating.answered_at, rating.answered_by = text, now, actor
    rating.save()
    audit.record(actor, "affairs.rating_answer", rating.application, detail={"late": bool(rating.answer_due and now > rating.answer_due)})
    _sms_applicant(rating.application, "您的评价已收到整改反馈，可凭编号查询。")
    return rating


def chase_rating_answers(now: dt.datetime | None = None) -> int:
    """Poor ratings past their answer time: the street's reviewers and the command centre are told once a day."""
    now = now or timezone.now()
    late = Rating.objects.filter(answered_at__isnull=True, answer_due__lt=now).select_related("application__item",
                                                                                            "application__street")
    n = 0
    for r in late[:200]:
        a = r.application
        key = f"affairs-late-answer-{r.pk}-{timezone.localtime(now):%Y%m%d}"
        if audit_seen(key):
            continue
        _tell(_merge(_users(W.REVIEWER, regions=[a.street]), _users(R.DISTRICT_COMMANDER, regions=[a.district])),
              f"差评超期未反馈 {a.number}", a.item.name, a)
        audit.record("系统", "affairs.rating_late", a, detail={"key": key})
        n += 1
    return n


def audit_seen(key: str) -> bool:
    from civicgrid.core.models import AuditEntry

    return AuditEntry.objects.filter(action="affairs.rating_late", detail__key=key).exists()


# -- personal data -------------------------------------------------------------------------------------------
REVEALERS = (W.CLERK, W.REVIEWER)
REVEAL_REFUSAL = "您没有“查看完整证件号/电话”权限（仅受理窗口和审核人员可查看）。"


def may_reveal_at_all(user) -> bool:
    return sees_everything(user) or any(s.role in REVEALERS for s in user_roles(user))


def can_reveal(user, application: Application) -> bool:
    """Only through a window or review seat over the application (another app's role with a reveal
    capability over the same community does not count: applications are this app's data)."""
    return visible_to(user, Application.objects.filter(pk=application.pk), roles=REVEALERS).exists()


@transaction.atomic
def reveal(actor, application: Application, field: str, reason: str) -> str:
    from civicgrid.core import reveal as core_reveal

    if field not in REVEALABLE:
        raise ValidationError("该字段不可查看。")
    if not may_reveal_at_all(actor):
        raise PermissionDenied(REVEAL_REFUSAL)
    if not can_reveal(actor, application):
        raise PermissionDenied("该申请不在您的管辖范围内。")
    reason = core_reveal.require_reason(reason)
    core_reveal.record(actor, "affairs.reveal", application, [field], reason)
    return getattr(Application.objects.get(pk=application.pk), field)
