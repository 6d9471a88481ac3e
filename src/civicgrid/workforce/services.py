"""Every write of the workforce app: staff on/off boarding, duties, patrols, volunteers.

Each service checks who may do it and where (core.scoping), writes inside one transaction and
leaves an audit entry. Personal data (volunteers' names and phones) is encrypted in the model and
never written to audit details.
"""
from __future__ import annotations

import datetime as dt
import math
import secrets
import uuid
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core import roles as R
from civicgrid.core.crypto import lookup_hash
from civicgrid.core.models import Role
from civicgrid.core.phones import clean_phone
from civicgrid.core.scoping import has_role, node_in_scope, require_node_in_scope, sees_everything

from . import cases_adapter
from .errors import PatrolTaken
from .models import (BENEFIT_KINDS, FINDING_OUTCOMES, BankEntry, Benefit, TimeBankRule, LIST_CHOICES, OUTCOME_CHOICES, TARGET_CHOICES, Activity, Correction, DutyItem,
                     Handover, HourCertificate, HourEntry, OperationFinding, OperationPlan, Patrol, PatrolCheck,
                     PatrolPoint, SignUp, StaffProfile, StaffType, TaskDone, Team, Volunteer)

MANAGERS = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)
COORDINATORS = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER)
MAX_POINTS = 5000
MAX_CHECKS = 200
TEXT_MAX = 1000


def _require(actor, roles: tuple[str, ...], node, what: str) -> None:
    if sees_everything(actor):
        return
    if not has_role(actor, *roles):
        raise PermissionDenied(f"{what}需要以下角色之一：" + "、".join(R.ROLE_LABELS[r] for r in roles))
    require_node_in_scope(actor, node, roles=roles, message="该区域不在您的管辖范围内。")


def _text(value, label: str, *, max_length: int = TEXT_MAX, required: bool = False) -> str:
    value = (value or "").strip() if isinstance(value, str) else ("" if value is None else str(value)).strip()
    if required and not value:
        raise ValidationError(f"请填写{label}。")
    if len(value) > max_length:
        raise ValidationError(f"{label}不能超过 {max_length} 字。")
    return value


def worker_grids(user):
    """The grids where the user holds a grid-worker seat (their own lists)."""
    from civicgrid.regions.models import Region

    return Region.objects.filter(pk__in=[r.region_id for r in user.roles.all() if r.role == R.GRID_WORKER and r.region_id],
                                 level="grid").order_by("code")


# -- staff ----------------------------------------------------------------------------------------
def seat_node(seat: Role):
    return seat.region if seat.region_id else seat.department_unit.region


def onboard(actor, seat: Role, *, staff_type: StaffType, employer: str = "", show_phone: bool | None = None,
            on: dt.date | None = None) -> StaffProfile:
    """Give a roster seat its workforce profile (type, employer, contact rule)."""
    node = seat_node(seat)
    _require(actor, MANAGERS, node, "登记网格力量")
    if staff_type is None:
        raise ValidationError("请选择人员类型。")
    employer = _text(employer, "派出/用人单位", max_length=80)
    with transaction.atomic():
        profile, created = StaffProfile.objects.update_or_create(
            seat=seat, defaults=dict(user=seat.user, region=node, staff_type=staff_type, employer=employer,
                                     show_phone=show_phone, onboarded_on=on or timezone.localdate()))
        audit.record(actor, "workforce.onboard", profile, detail={"type": staff_type.code, "created": created})
    return profile


def leave(actor, profile: StaffProfile, *, successor, on: dt.date | None = None) -> Handover:
    """Leaving: the seat goes, the open work goes to a named successor, and both are audited.

    Open work: the people the leaver was responsible for (care and managed groups, through the
    register's own service), the teams they led and the activities they coordinate from today on;
    the open cases they reported stay with the grid (its seats see them) and are listed in the
    handover and sent to the successor as notices."""
    from civicgrid.core.notifications import notify
    from civicgrid.people import services as people_services
    from civicgrid.people.models import PersonTag

    _require(actor, MANAGERS, profile.region, "办理离岗交接")
    if profile.left_on is not None:
        raise ValidationError("该人员已办理离岗。")
    if successor is None or not successor.is_active or successor.pk == profile.user_id:
        raise ValidationError("请指定在岗的接替人。")
    if not sees_everything(actor) and not any(node_in_scope(successor, profile.region) or
                                              (r.region_id and profile.region.path.startswith(r.region.path))
                                              for r in successor.roles.select_related("region")):
        raise ValidationError("接替人须在该网格/社区有岗位。")
    now = timezone.now()
    leaver = profile.user
    with transaction.atomic():
        moved = 0
        today = timezone.localdate()
        for tag in PersonTag.objects.filter(worker=leaver, person__region__path__startswith=profile.region.path).select_related("person"):
            if tag.end is None or tag.end >= today:
                people_services.change_tag(actor, tag, worker=successor)
                moved += 1
        moved += Team.objects.filter(social_worker=leaver, grid__path__startswith=profile.region.path).update(social_worker=successor)
        moved += Team.objects.filter(grid_leader=leaver, grid__path__startswith=profile.region.path).update(grid_leader=successor)
        moved += Activity.objects.filter(coordinator=leaver, starts_at__gte=now,
                                         grid__path__startswith=profile.region.path).update(coordinator=successor)
        cases = cases_adapter.reported_open(actor, leaver)
        h = Handover.objects.create(profile=profile, successor=successor, at=now, by=actor, cases=cases, tasks=moved)
        seat = profile.seat
        profile.left_on, profile.successor, profile.seat = on or today, successor, None
        profile.save()
        if seat is not None:
            seat.delete()
        audit.record(actor, "workforce.handover", profile, detail={"successor": successor.username, "cases": len(cases),
                                                                  "tasks": moved})
        for number in cases:
            notify(successor, f"工作交接：案件 {number}", f"由 {leaver.name} 移交跟进", f"/cases/{number}/")
    return h


def headcounts(profiles) -> dict:
    """{(region_id, type code): n} and per-type totals, for active profiles in the given queryset."""
    rows = profiles.filter(left_on__isnull=True).values_list("region_id", "staff_type__code")
    out: dict = {}
    for region_id, code in rows:
        out[(region_id, code)] = out.get((region_id, code), 0) + 1
    return out


# -- duty checklists ------------------------------------------------------------------------------
def save_duty_item(actor, *, district, list_code: str, name: str, target: str, interval_days, tag: str = "",
                   order=50, item: DutyItem | None = None, active: bool = True) -> DutyItem:
    from civicgrid.people import tags as T

    _require(actor, (R.DISTRICT_COMMANDER,), district, "编辑职责清单")
    if list_code not in dict(LIST_CHOICES):
        raise ValidationError("清单无效。")
    if target not in dict(TARGET_CHOICES):
        raise ValidationError("对象无效。")
    if tag and tag not in T.KINDS:
        raise ValidationError("居民标签无效。")
    try:
        interval = int(interval_days)
    except (TypeError, ValueError):
        raise ValidationError("周期须为天数。") from None
    if not 1 <= interval <= 366:
        raise ValidationError("周期须在 1–366 天之间。")
    fields = dict(district=district, list=list_code, name=_text(name, "事项", max_length=60, required=True),
                  target=target, tag=tag if target == "household" else "", interval_days=interval,
                  order=int(order or 50) if str(order or "50").isdigit() else 50, active=active)
    with transaction.atomic():
        if item is None:
            item = DutyItem.objects.create(**fields)
        else:
            for k, v in fields.items():
                setattr(item, k, v)
            item.save()
        audit.record(actor, "workforce.duty_item", item, detail={"list": list_code, "interval": interval})
    return item


def tick(actor, grid, key: str, *, day: dt.date | None = None, note: str = "") -> TaskDone:
    """Tick a task of today's list off (once; ticking again changes nothing)."""
    if not (sees_everything(actor) or grid.pk in {g.pk for g in worker_grids(actor)}):
        raise PermissionDenied("只能办理本人网格的任务。")
    key = _text(key, "任务", max_length=60, required=True)
    day = day or timezone.localdate()
    obj, created = TaskDone.objects.get_or_create(worker=actor, day=day, key=key,
                                                  defaults=dict(grid=grid, at=timezone.now(), note=_text(note, "说明", max_length=200)))
    return obj


# -- patrols --------------------------------------------------------------------------------------
def _uuid(value, label: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except (TypeError, ValueError, AttributeError):
        raise ValidationError(f"{label}编号格式不正确。") from None


def _when(value, label: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        t = value
    else:
        try:
            t = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except (TypeError, ValueError):
            raise ValidationError(f"{label}时间格式不正确。") from None
    if timezone.is_naive(t):
        t = timezone.make_aware(t)
    if t > timezone.now() + dt.timedelta(minutes=10) or t.year < 2000:
        raise ValidationError(f"{label}时间不合理。")
    return t


def _meters(a, b) -> float:
    rad = math.radians
    x = rad(b[0] - a[0]) * math.cos(rad((a[1] + b[1]) / 2))
    y = rad(b[1] - a[1])
    return 6371000 * math.hypot(x, y)


def sync_patrol(actor, payload: dict) -> dict:
    """Upload a patrol (the whole of it, or what was added since): idempotent.

    The phone generates an id for the patrol and every point and check; a retry after a dropped
    signal sends them again and nothing is stored twice (unique constraints, not luck). A check that
    reports a problem opens its case in the same transaction as the check row, so a retry never
    opens a second case either."""
    from civicgrid.people.models import Building, Household

    if not isinstance(payload, dict):
        raise ValidationError("上传内容格式不正确。")
    client_id = _uuid(payload.get("id"), "巡查")
    grids = {g.code: g for g in worker_grids(actor)}
    grid = grids.get(str(payload.get("grid") or ""))
    if grid is None:
        raise PermissionDenied("只能上传本人网格的巡查。")
    points, checks = payload.get("points") or [], payload.get("checks") or []
    if not isinstance(points, list) or not isinstance(checks, list):
        raise ValidationError("轨迹点和检查点须为列表。")
    if len(points) > MAX_POINTS or len(checks) > MAX_CHECKS:
        raise ValidationError(f"一次最多上传 {MAX_POINTS} 个轨迹点、{MAX_CHECKS} 个检查点。")
    started = _when(payload.get("started_at"), "开始")
    ended = _when(payload["ended_at"], "结束") if payload.get("ended_at") else None
    if ended and ended < started:
        raise ValidationError("结束时间早于开始时间。")
    clean_points = []
    for p in points:
        if not isinstance(p, dict):
            raise ValidationError("轨迹点格式不正确。")
        try:
            lng, lat = float(p.get("lng")), float(p.get("lat"))
        except (TypeError, ValueError):
            raise ValidationError("轨迹点坐标不正确。") from None
        if not (-180 <= lng <= 180 and -90 <= lat <= 90) or math.isnan(lng) or math.isnan(lat):
            raise ValidationError("轨迹点坐标不正确。")
        clean_points.append((_uuid(p.get("id"), "轨迹点"), _when(p.get("at"), "轨迹点"), lng, lat))

    with transaction.atomic():
        patrol, created = Patrol.objects.select_for_update().get_or_create(
            client_id=client_id, defaults=dict(worker=actor, grid=grid, started_at=started, ended_at=ended))
        if patrol.worker_id != actor.pk or patrol.grid_id != grid.pk:
            raise PatrolTaken()
        before = patrol.points.count()
        PatrolPoint.objects.bulk_create([PatrolPoint(patrol=patrol, client_id=i, at=t, lng=x, lat=y)
                                         for i, t, x, y in clean_points], ignore_conflicts=True)
        added_points = patrol.points.count() - before
        route = list(patrol.points.order_by("at").values_list("lng", "lat"))
        patrol.distance_m = int(sum(_meters(a, b) for a, b in zip(route, route[1:])))
        if ended and not patrol.ended_at:
            patrol.ended_at = ended
        patrol.save()
        if created:
            audit.record(actor, "workforce.patrol", patrol, detail={"grid": grid.code})

    known = set(PatrolCheck.objects.filter(patrol=patrol).values_list("client_id", flat=True))
    added_checks, cases = 0, []
    for c in checks:
        if not isinstance(c, dict):
            raise ValidationError("检查点格式不正确。")
        cid = _uuid(c.get("id"), "检查点")
        if cid in known:
            continue
        outcome = c.get("outcome")
        if outcome not in dict(OUTCOME_CHOICES):
            raise ValidationError("检查结果无效。")
        building = household = None
        if c.get("building"):
            building = Building.objects.filter(pk=_int(c["building"]), grid=grid).first()
            if building is None:
                raise ValidationError("楼栋不在该网格。")
        if c.get("household"):
            household = Household.objects.filter(pk=_int(c["household"]), region=grid).first()
            if household is None:
                raise ValidationError("该户不在该网格。")
        note = _text(c.get("note"), "情况说明")
        at = _when(c.get("at") or timezone.now(), "检查")
        try:
            with transaction.atomic():
                row = PatrolCheck.objects.create(patrol=patrol, client_id=cid, at=at, building=building,
                                                 household=household, outcome=outcome, note=note)
                if outcome == "case":
                    case = cases_adapter.report_finding(
                        actor, grid=grid, building=building, category_code=str(c.get("category") or ""),
                        description=_text(c.get("description") or note, "问题描述", max_length=2000, required=True))
                    row.case_number = case.number
                    row.save(update_fields=["case_number"])
                    cases.append(case.number)
                elif outcome == "correction":
                    if building is None and household is None:
                        raise ValidationError("基础信息更正须选择楼栋或户。")
                    Correction.objects.create(check_row=row, grid=grid, building=building, household=household,
                                              text=_text(note, "更正内容", required=True))
        except IntegrityError:
            continue  # the same check arrived twice at once: the other upload stored it
        added_checks += 1
    return {"patrol": str(patrol.client_id), "points_added": added_points, "checks_added": added_checks,
            "cases": cases, "distance_m": patrol.distance_m}


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError("编号格式不正确。") from None


def resolve_correction(actor, corr: Correction, *, done: bool, note: str = "") -> Correction:
    _require(actor, (R.COMMUNITY_STAFF,), corr.grid, "处理基础信息更正")
    if corr.state != "open":
        raise ValidationError("该更正已处理。")
    corr.state = "done" if done else "rejected"
    corr.resolved_by, corr.resolved_at = actor, timezone.now()
    corr.save()
    audit.record(actor, "workforce.correction", corr, detail={"state": corr.state}, reason=_text(note, "说明", max_length=300))
    return corr


# -- volunteers -----------------------------------------------------------------------------------
def _next_number(prefix: str, model, field: str = "number") -> str:
    for _ in range(10):
        n = f"{prefix}{secrets.randbelow(10 ** 8):08d}"
        if not model.objects.filter(**{field: n}).exists():
            return n
    raise ValidationError("编号生成失败，请重试。")


def register_volunteer(*, grid, name: str, phone: str, skills: str = "", consent: bool = False,
                       now: dt.datetime | None = None) -> Volunteer:
    """A resident registers as a volunteer from the phone pages; consent is required and recorded."""
    if grid is None or grid.level != "grid":
        raise ValidationError("请选择所在网格。")
    if not consent:
        raise ValidationError("请阅读并同意志愿者个人信息处理说明。")
    name = _text(name, "姓名", max_length=30, required=True)
    phone = clean_phone(phone, required=True, mobile=True)
    now = now or timezone.now()
    h = lookup_hash(phone)
    existing = Volunteer.objects.filter(grid=grid, phone_hash=h).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        v = Volunteer.objects.create(number=_next_number("V", Volunteer), grid=grid, name=name, phone=phone, phone_hash=h,
                                     skills=_text(skills, "特长", max_length=100), consent_at=now, registered_at=now)
        audit.record("志愿者本人", "workforce.volunteer_register", v, detail={"grid": grid.code})
    return v


def save_team(actor, *, grid, name: str, kind: str = "3+1", social_worker=None, grid_leader=None) -> Team:
    _require(actor, COORDINATORS, grid, "组建志愿服务队")
    if kind not in ("3+1", "other"):
        raise ValidationError("模式无效。")
    if kind == "3+1" and (social_worker is None or grid_leader is None):
        raise ValidationError("“3+1”服务队须有带队社工和网格长。")
    t = Team.objects.create(grid=grid, name=_text(name, "队名", max_length=60, required=True), kind=kind,
                            social_worker=social_worker, grid_leader=grid_leader)
    audit.record(actor, "workforce.team", t)
    return t


def plan_activity(actor, *, grid, title: str, place: str, starts_at: dt.datetime, hours, capacity=20,
                  team: Team | None = None) -> Activity:
    _require(actor, COORDINATORS + (R.GRID_WORKER,), grid, "发布志愿活动")
    hours = _hours(hours)
    try:
        capacity = int(capacity)
    except (TypeError, ValueError):
        raise ValidationError("名额须为整数。") from None
    if not 1 <= capacity <= 500:
        raise ValidationError("名额须在 1–500 之间。")
    a = Activity.objects.create(grid=grid, team=team, title=_text(title, "活动名称", max_length=80, required=True),
                                place=_text(place, "地点", max_length=100, required=True), starts_at=starts_at,
                                hours=hours, capacity=capacity, checkin_code=f"{secrets.randbelow(10 ** 6):06d}",
                                coordinator=actor)
    audit.record(actor, "workforce.activity", a)
    return a


def _hours(value) -> Decimal:
    try:
        h = Decimal(str(value)).quantize(Decimal("0.1"))
    except (InvalidOperation, ValueError):
        raise ValidationError("时长须为数字（小时）。") from None
    if not Decimal("0.5") <= h <= Decimal("24"):
        raise ValidationError("时长须在 0.5–24 小时之间。")
    return h


def sign_up(volunteer: Volunteer, activity: Activity, *, now=None) -> SignUp:
    now = now or timezone.now()
    if activity.starts_at + dt.timedelta(hours=float(activity.hours)) < now:
        raise ValidationError("活动已结束，不能报名。")
    with transaction.atomic():
        a = Activity.objects.select_for_update().get(pk=activity.pk)
        s = SignUp.objects.filter(activity=a, volunteer=volunteer).first()
        if s is not None:
            return s
        if a.signups.count() >= a.capacity:
            raise ValidationError("名额已满。")
        return SignUp.objects.create(activity=a, volunteer=volunteer, signed_at=now)


def check_in(volunteer: Volunteer, activity: Activity, code: str, *, now=None) -> HourEntry:
    """On-site check-in with the activity's code: the hours are logged, pending the coordinator."""
    now = now or timezone.now()
    s = SignUp.objects.filter(activity=activity, volunteer=volunteer).first()
    if s is None:
        raise ValidationError("请先报名该活动。")
    if not secrets.compare_digest((code or "").strip(), activity.checkin_code):
        raise ValidationError("签到码不正确。")
    if now < activity.starts_at - dt.timedelta(hours=1):
        raise ValidationError("活动开始前一小时起才能签到。")
    with transaction.atomic():
        if s.checked_in_at is None:
            s.checked_in_at = now
            s.save(update_fields=["checked_in_at"])
        entry, _ = HourEntry.objects.get_or_create(
            volunteer=volunteer, activity=activity,
            defaults=dict(day=timezone.localtime(activity.starts_at).date(), hours=activity.hours, note=activity.title))
    return entry


def log_hours(volunteer: Volunteer, *, day: dt.date, hours, note: str) -> HourEntry:
    """Hours a volunteer logs outside an activity (e.g. a visit with a social worker)."""
    if day > timezone.localdate():
        raise ValidationError("服务日期不能晚于今天。")
    return HourEntry.objects.create(volunteer=volunteer, day=day, hours=_hours(hours),
                                    note=_text(note, "服务内容", max_length=200, required=True))


def confirm_hours(actor, entry: HourEntry, *, accept: bool = True) -> HourEntry:
    _require(actor, COORDINATORS, entry.volunteer.grid, "确认志愿服务时长")
    with transaction.atomic():
        entry = HourEntry.objects.select_for_update().select_related("volunteer").get(pk=entry.pk)
        if entry.state != "pending":
            raise ValidationError("该时长已处理。")
        entry.state = "confirmed" if accept else "rejected"
        entry.confirmed_by, entry.confirmed_at = actor, timezone.now()
        entry.save()
        audit.record(actor, "workforce.hours", entry, detail={"state": entry.state, "hours": str(entry.hours)})
        if accept:
            _earn(entry, at=entry.confirmed_at)
    return entry


def confirmed_hours(volunteer: Volunteer) -> Decimal:
    total = volunteer.hours.filter(state="confirmed").aggregate(s=Sum("hours"))["s"] or Decimal("0")
    return Decimal(total).quantize(Decimal("0.1"))  # SQLite sums decimals to "2", PostgreSQL to "2.0"


def time_bank_balance(volunteer: Volunteer) -> Decimal | None:
    """The volunteer's time-bank balance (the ledger's running sum), where the district runs a time bank."""
    if not time_bank_enabled(volunteer.grid):
        return None
    balance = Volunteer.objects.filter(pk=volunteer.pk).values_list("bank_balance", flat=True).first() or 0
    return Decimal(balance).quantize(Decimal("0.1"))  # SQLite gives "0" after an F() update, PostgreSQL "0.0"


def issue_certificate(actor, volunteer: Volunteer) -> HourCertificate:
    _require(actor, COORDINATORS, volunteer.grid, "开具志愿服务时长证明")
    hours = confirmed_hours(volunteer)
    if hours <= 0:
        raise ValidationError("该志愿者还没有已确认的服务时长。")
    now = timezone.now()
    cert = HourCertificate.objects.create(number=_next_number(f"ZY{now:%Y}", HourCertificate), volunteer=volunteer,
                                          hours=hours, issued_at=now, issued_by=actor)
    audit.record(actor, "workforce.certificate", cert, detail={"hours": str(hours)})
    return cert


# -- joint enforcement operations (联合执法行动) ------------------------------------------------------
OPERATION_ORGANISERS = (R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)
OPERATION_AREA_LEVELS = ("street", "community", "grid")


def _require_operation_organiser(actor, region) -> None:
    if sees_everything(actor):
        return
    if not has_role(actor, *OPERATION_ORGANISERS):
        raise PermissionDenied("组织联合执法行动需要以下角色之一：" + "、".join(R.ROLE_LABELS[r] for r in OPERATION_ORGANISERS))
    require_node_in_scope(actor, region, roles=OPERATION_ORGANISERS, message="该行动区域不在您的管辖范围内。")


def plan_operation(actor, *, title: str, region, starts_at: dt.datetime, ends_at: dt.datetime | None, lead_unit,
                   units, targets: str, briefing: str = "", now: dt.datetime | None = None) -> OperationPlan:
    """Plan an operation: the area (a street, community or grid in scope), when, the lead unit and the
    taking-part units (the street's or the district's), the targets and the briefing. The operation
    itself is cases' (cases.joint.plan_operation); the units' handlers are told."""
    from civicgrid.core.notifications import notify

    from . import selectors

    now = now or timezone.now()
    if region is None or region.level not in OPERATION_AREA_LEVELS:
        raise ValidationError("请选择行动区域（街道、社区或网格）。")
    _require_operation_organiser(actor, region)
    if starts_at is None:
        raise ValidationError("请填写行动开始时间。")
    if starts_at < now - dt.timedelta(days=1) or starts_at > now + dt.timedelta(days=366):
        raise ValidationError("行动开始时间须在昨天到一年以内。")
    if ends_at is not None and not starts_at < ends_at <= starts_at + dt.timedelta(days=7):
        raise ValidationError("预计结束时间须晚于开始时间，且行动不超过 7 天。")
    allowed = {u.pk: u for u in selectors.operation_units(region)}
    chosen = [u for u in units if u is not None]
    if any(u.pk not in allowed for u in chosen) or (lead_unit is not None and lead_unit.pk not in allowed):
        raise ValidationError("参与单位须为该街道或区的在职单位。")
    if lead_unit is None:
        raise ValidationError("请选择牵头单位。")
    chosen = [lead_unit, *[u for u in chosen if u.pk != lead_unit.pk]]
    if len(chosen) < 2:
        raise ValidationError("联合执法行动至少需要牵头单位和一个配合单位。")
    targets = _text(targets, "检查对象和点位", max_length=2000, required=True)
    briefing = _text(briefing, "行动方案", max_length=2000)
    street = region if region.level == "street" else region.ancestor_at("street")
    with transaction.atomic():
        op = cases_adapter.plan_operation(actor, title=title, region=region, day=timezone.localtime(starts_at).date(),
                                          units=chosen, plan=briefing)
        plan = OperationPlan.objects.create(operation=op, number=_next_number(f"LH{timezone.localtime(now):%Y}", OperationPlan),
                                            street=street, starts_at=starts_at, ends_at=ends_at, lead_unit=lead_unit,
                                            targets=targets)
        audit.record(actor, "workforce.operation_plan", plan, detail={"number": plan.number, "units": len(chosen)})
        for u in selectors.unit_handlers(chosen):
            notify(u, f"联合执法行动 {plan.number}", f"{op.title}（{timezone.localtime(starts_at):%m-%d %H:%M}）",
                   f"/workforce/operations/{plan.number}/")
    return plan


def record_operation_finding(actor, plan: OperationPlan, *, token, outcome: str, unit=None, category_code: str = "",
                             description: str = "", grid=None, place: str = "", now: dt.datetime | None = None
                             ) -> tuple[OperationFinding, bool]:
    """Record what the operation found: a problem becomes one case (through the cases adapter, with the
    operation's number on it), or a unit reports "no problem found". Returns (finding, created).

    The form's token makes a resubmission (a double tap, a retry on a bad signal) find the finding it
    already made: the check runs under the operation's row lock, and the unique constraint backs it;
    the case is opened inside the same transaction, so a refused duplicate leaves no case behind.
    Problems are recorded by the organisers (the case intake takes territorial seats); a taking-part
    unit's handler reports "no problem found" for their own unit."""
    from civicgrid.core.scoping import unit_ids

    now = now or timezone.now()
    token = _uuid(token, "提交")
    if outcome not in dict(FINDING_OUTCOMES):
        raise ValidationError("请选择发现结果。")
    organiser = sees_everything(actor) or (has_role(actor, *OPERATION_ORGANISERS) and
                                           node_in_scope(actor, plan.operation.region, roles=OPERATION_ORGANISERS))
    mine = unit_ids(actor)
    taking_part = set(plan.operation.units.values_list("pk", flat=True))
    if not organiser:
        if not (mine & taking_part):
            raise PermissionDenied("您的单位未参加该联合执法行动。")
        if outcome == "case":
            raise PermissionDenied("发现问题须由组织行动的街道派遣员或区指挥中心登记立案；请将情况报告组织人。")
        if unit is None or unit.pk not in mine:
            raise PermissionDenied("只能为本单位登记。")
    if unit is not None and unit.pk not in taking_part:
        raise ValidationError("发现单位须为参加行动的单位。")
    place = _text(place, "地点/对象", max_length=200)
    if grid is not None and not grid.path.startswith(plan.operation.region.path):
        raise ValidationError("发现地点须在行动区域内。")
    with transaction.atomic():
        plan = OperationPlan.objects.select_for_update().select_related("operation__region").get(pk=plan.pk)
        existing = OperationFinding.objects.filter(plan=plan, token=token).first()
        if existing is not None:
            return existing, False
        if plan.state == "closed":
            raise ValidationError("行动已结束，不能再登记发现。")
        if now < plan.starts_at - dt.timedelta(hours=1):
            raise ValidationError("行动尚未开始，开始前一小时起才能登记发现。")
        case_number, note = "", _text(description, "情况", max_length=1900, required=outcome == "case")
        if outcome == "case":
            case = cases_adapter.report_operation_finding(actor, plan.operation, number=plan.number,
                                                          category_code=category_code, description=note,
                                                          region=grid, address=place)
            case_number = case.number
        finding = OperationFinding.objects.create(plan=plan, token=token, unit=unit, outcome=outcome, place=place,
                                                  note=note, case_number=case_number, by=actor, at=now)
        if plan.state == "planned":
            plan.state = "underway"
            plan.save(update_fields=["state"])
        audit.record(actor, "workforce.operation_finding", plan,
                     detail={"outcome": outcome, "case": case_number, "unit": unit.name if unit else ""})
    return finding, True


def close_operation(actor, plan: OperationPlan, *, summary: str, now: dt.datetime | None = None) -> OperationPlan:
    """Close the operation with its summary; the findings' cases go on in the closed loop."""
    _require_operation_organiser(actor, plan.operation.region)
    summary = _text(summary, "行动小结", max_length=2000, required=True)
    now = now or timezone.now()
    with transaction.atomic():
        plan = OperationPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.state == "closed":
            raise ValidationError("行动已结束。")
        if now < plan.starts_at:
            raise ValidationError("行动尚未开始，不能结束。")
        plan.state, plan.summary, plan.closed_at, plan.closed_by = "closed", summary, now, actor
        plan.save(update_fields=["state", "summary", "closed_at", "closed_by"])
        audit.record(actor, "workforce.operation_close", plan, detail={"findings": plan.findings.count()})
    return plan


# -- the time bank (时间银行) -------------------------------------------------------------------------
# Every movement is a BankEntry; Volunteer.bank_balance is their running sum. A debit is one
# conditional UPDATE (... WHERE bank_balance >= hours): two redemptions at once cannot both pass it,
# whatever the isolation level, and the check constraint refuses a negative balance as the last guard.
def _district(region):
    return region if region.level == "district" else region.ancestor_at("district")


def time_bank_rule(region) -> TimeBankRule | None:
    district = _district(region) if region is not None else None
    return TimeBankRule.objects.filter(district=district).first() if district is not None else None


def time_bank_enabled(region) -> bool:
    """The district's rule, or (no rule) the WORKFORCE_TIME_BANK setting."""
    from django.conf import settings

    rule = time_bank_rule(region)
    return rule.enabled if rule is not None else bool(getattr(settings, "WORKFORCE_TIME_BANK", False))


def require_time_bank(volunteer: Volunteer) -> None:
    if not time_bank_enabled(volunteer.grid):
        raise PermissionDenied("本区尚未启用志愿服务时间银行，不能查询或兑换时长。")


def _move(volunteer_id: int, hours: Decimal, kind: str, *, at, **fields) -> BankEntry:
    """Add (hours > 0) or take (hours < 0) hours and write the ledger row; call inside a transaction."""
    if hours < 0:
        taken = Volunteer.objects.filter(pk=volunteer_id, bank_balance__gte=-hours).update(
            bank_balance=F("bank_balance") + hours)
        if not taken:
            raise ValidationError("时间银行余额不足。")
    else:
        Volunteer.objects.filter(pk=volunteer_id).update(bank_balance=F("bank_balance") + hours)
    balance = Decimal(Volunteer.objects.filter(pk=volunteer_id).values_list("bank_balance", flat=True).get()).quantize(Decimal("0.1"))
    return BankEntry.objects.create(volunteer_id=volunteer_id, kind=kind, hours=hours, balance_after=balance, at=at,
                                    **fields)


def _earn(entry: HourEntry, *, at) -> BankEntry:
    """Confirmed hours go into the bank once (BankEntry.hour_entry is unique)."""
    existing = BankEntry.objects.filter(hour_entry=entry).first()
    return existing or _move(entry.volunteer_id, Decimal(entry.hours), "earned", at=at, hour_entry=entry,
                             note=(entry.note or "志愿服务")[:200])


def benefits(region) -> list[Benefit]:
    district = _district(region)
    return list(Benefit.objects.filter(district=district, active=True))


def redeem(volunteer: Volunteer, benefit: Benefit, *, token, actor=None, hours=None, to_number: str = "",
           recipient: str = "", now: dt.datetime | None = None) -> tuple[BankEntry, bool]:
    """Redeem hours for a listed benefit, by the volunteer (actor None: the /r/ pages' identity) or by a
    coordinator on their behalf. A donation gives chosen hours to another volunteer of the district
    (their "received" row) or to a named family member. Returns (entry, created): the form's token
    makes a resubmission find the first redemption instead of taking the hours twice."""
    now = now or timezone.now()
    require_time_bank(volunteer)
    if actor is not None:
        _require(actor, COORDINATORS, volunteer.grid, "代志愿者兑换时长")
    token = _uuid(token, "提交")
    done = BankEntry.objects.filter(token=token).first()
    if done is not None:
        if done.volunteer_id != volunteer.pk:
            raise ValidationError("提交编号无效，请刷新页面后重试。")
        return done, False
    district = _district(volunteer.grid)
    if benefit is None or not benefit.active or benefit.district_id != district.pk:
        raise ValidationError("请选择本区在兑的项目。")
    counterpart = None
    if benefit.kind == "donation":
        amount = _hours(hours)
        to_number = _text(to_number, "受赠志愿者编号", max_length=12)
        recipient = _text(recipient, "受赠家庭成员姓名", max_length=30)
        if bool(to_number) == bool(recipient):
            raise ValidationError("请填写受赠志愿者编号或受赠家庭成员姓名（二选一）。")
        if to_number:
            counterpart = Volunteer.objects.select_related("grid").filter(number=to_number).first()
            if counterpart is None or _district(counterpart.grid).pk != district.pk:
                raise ValidationError("受赠志愿者不存在或不在本区。")
            if counterpart.pk == volunteer.pk:
                raise ValidationError("不能捐赠给自己。")
    else:
        amount, recipient = Decimal(benefit.hours).quantize(Decimal("0.1")), ""
        if amount <= 0:
            raise ValidationError("该项目未设定所需时长。")
    kind = "donated" if benefit.kind == "donation" else "redeemed"
    try:
        with transaction.atomic():
            entry = _move(volunteer.pk, -amount, kind, at=now, benefit=benefit, counterpart=counterpart,
                          recipient=recipient, token=token, by=actor, note=benefit.name[:200])
            Volunteer.objects.filter(pk=volunteer.pk).update(redeemed_hours=F("redeemed_hours") + amount)
            if counterpart is not None:
                _move(counterpart.pk, amount, "received", at=now, benefit=benefit, counterpart=volunteer, by=actor,
                      note=f"{volunteer.number} 捐赠")
            audit.record(actor if actor is not None else "志愿者本人", "workforce.bank_redeem", volunteer,
                         detail={"benefit": benefit.name, "kind": kind, "hours": str(amount),
                                 "to": counterpart.number if counterpart else ("家庭成员" if recipient else "")})
    except IntegrityError:
        done = BankEntry.objects.filter(token=token, volunteer=volunteer).first()
        if done is None:
            raise
        return done, False
    return entry, True


def expire_hours(district, *, today: dt.date | None = None) -> int:
    """Hours earned (or received) more than the rule's months ago and not spent since expire, oldest
    first: what expires is the old credit not covered by everything taken out so far."""
    rule = TimeBankRule.objects.filter(district=district).first()
    if rule is None or not rule.enabled or not rule.expire_months:
        return 0
    today = today or timezone.localdate()
    months = today.year * 12 + today.month - 1 - rule.expire_months
    cutoff = timezone.make_aware(dt.datetime(months // 12, months % 12 + 1, min(today.day, 28)))
    count = 0
    for v in Volunteer.objects.filter(grid__path__startswith=district.path, bank_balance__gt=0):
        old = v.bank_entries.filter(hours__gt=0, at__lt=cutoff).aggregate(s=Sum("hours"))["s"] or Decimal("0")
        spent = -(v.bank_entries.filter(hours__lt=0).aggregate(s=Sum("hours"))["s"] or Decimal("0"))
        due = min(Decimal(old) - Decimal(spent), v.bank_balance).quantize(Decimal("0.1"))
        if due > 0:
            with transaction.atomic():
                _move(v.pk, -due, "expired", at=timezone.now(), note=f"超过 {rule.expire_months} 个月未使用")
            count += 1
    return count


def save_benefit(actor, *, district, name: str, kind: str, hours, provider: str = "", active: bool = True,
                 benefit: Benefit | None = None) -> Benefit:
    _require(actor, (R.DISTRICT_COMMANDER,), district, "编辑时间银行兑换项目")
    if kind not in dict(BENEFIT_KINDS):
        raise ValidationError("类别无效。")
    cost = Decimal("0") if kind == "donation" else _hours(hours)
    fields = dict(district=district, name=_text(name, "名称", max_length=60, required=True), kind=kind,
                  provider=_text(provider, "提供方", max_length=60), hours=cost, active=active)
    with transaction.atomic():
        if benefit is None:
            benefit = Benefit.objects.create(**fields)
        else:
            for k, v in fields.items():
                setattr(benefit, k, v)
            benefit.save()
        audit.record(actor, "workforce.benefit", benefit, detail={"kind": kind, "hours": str(cost)})
    return benefit


def save_time_bank_rule(actor, *, district, enabled: bool, expire_months=None) -> TimeBankRule:
    _require(actor, (R.DISTRICT_COMMANDER,), district, "设置时间银行")
    months = None
    if expire_months not in (None, ""):
        try:
            months = int(expire_months)
        except (TypeError, ValueError):
            raise ValidationError("有效期须为月数。") from None
        if not 1 <= months <= 120:
            raise ValidationError("有效期须在 1–120 个月之间。")
    with transaction.atomic():
        rule, _ = TimeBankRule.objects.update_or_create(district=district, defaults=dict(enabled=enabled,
                                                                                         expire_months=months))
        audit.record(actor, "workforce.time_bank_rule", rule, detail={"enabled": enabled, "expire_months": months})
    return rule
