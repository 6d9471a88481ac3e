"""Thin views, phone first for the grid worker and the volunteer, desk for the street."""
from __future__ import annotations

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core import audit
from civicgrid.core import params as P
from civicgrid.core import roles as R
from civicgrid.core.errors import USER_ERRORS, messages_of, problem
from civicgrid.core.scoping import has_role, sees_everything

from . import assessment, cases_adapter, selectors, services, tasklist
from .models import LIST_CHOICES, TARGET_CHOICES, DutyItem, StaffType

MANAGERS = services.MANAGERS
COORDINATORS = services.COORDINATORS
ORGANISERS = (R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)
JOINT_ROLES = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER)


def _json(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _need(user, roles, text):
    if not (sees_everything(user) or has_role(user, *roles)):
        raise PermissionDenied(text + "：" + "、".join(R.ROLE_LABELS[r] for r in roles))


# -- the grid worker's day ----------------------------------------------------------------------
@login_required
def today(request):
    day = timezone.localdate()
    grids = list(services.worker_grids(request.user))
    lists = tasklist.for_worker(request.user, grids, day) if grids else {}
    rows = [{"grid": g, "tasks": sorted(lists.get(g.pk, []), key=lambda t: (t.done, not t.urgent, t.kind != "case"))}
            for g in grids]
    return render(request, "workforce/today.html", {
        "day": day, "rows": rows, "summary": assessment.day_summary(request.user, day),
        "todo": sum(1 for r in rows for t in r["tasks"] if not t.done),
    })


@login_required
@require_POST
def tick(request):
    _need(request.user, (R.GRID_WORKER,), "勾选今日任务需要以下角色之一")
    grid = services.worker_grids(request.user).filter(code=request.POST.get("grid", "")).first()
    try:
        if grid is None:
            raise ValidationError("请选择本人网格的任务。")
        services.tick(request.user, grid, request.POST.get("key", ""), note=request.POST.get("note", ""))
    except USER_ERRORS as exc:
        messages.error(request, messages_of(exc))
    else:
        messages.success(request, "已完成")
    return redirect("workforce:today")


@login_required
def patrol(request):
    grids = list(services.worker_grids(request.user))
    buildings = []
    if grids:
        from civicgrid.people.models import Building

        buildings = list(Building.objects.filter(grid__in=grids).order_by("grid__code", "name")
                         .values("pk", "name", "address", "grid__code"))
    return render(request, "workforce/patrol.html", {
        "grids": grids, "buildings": buildings, "categories": cases_adapter.categories(),
        "recent": selectors.patrols(request.user).filter(worker=request.user)[:5],
    })


@login_required
@require_POST
def patrol_sync(request):
    """The phone's upload (patrol.js): JSON, idempotent; answers what was stored."""
    if not (sees_everything(request.user) or has_role(request.user, R.GRID_WORKER)):
        return _json({"error": {"code": "forbidden", "message": "上传巡查需要以下角色之一：网格员"}}, 403)
    if request.content_type != "application/json":
        return _json({"error": {"code": "invalid", "message": "请以 JSON 格式上传巡查。"}}, 400)
    try:
        payload = P.loads_bounded(request.body or b"{}")
        result = services.sync_patrol(request.user, payload)
    except (ValueError, UnicodeDecodeError):
        return _json({"error": {"code": "invalid", "message": "上传内容不是有效的 JSON。"}}, 400)
    except USER_ERRORS as exc:
        p = problem(exc)
        return _json({"error": {"code": p.code, "message": p.message}}, p.status)
    return _json(result)


# -- coverage, corrections, roster ----------------------------------------------------------------
def _month(request):
    try:
        return P.parse_month(request.GET.get("month"), "月份", field="month", default=timezone.localdate().replace(day=1))
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
        return timezone.localdate().replace(day=1)


@login_required
def coverage(request):
    month = _month(request)
    start, end = assessment.month_bounds(month)
    rows = assessment.coverage(selectors.grids(request.user)[:500], start.date(),
                               min(timezone.localdate(), (end - dt.timedelta(days=1)).date()))
    return render(request, "workforce/coverage.html", {"month": month, "rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def corrections(request):
    if request.method == "POST":
        corr = selectors.corrections(request.user, state="").filter(pk=P.parse_id(request.POST.get("pk"), "更正") or 0).first()
        try:
            if corr is None:
                raise ValidationError("更正记录不存在或不在您的管辖范围内。")
            services.resolve_correction(request.user, corr, done=request.POST.get("done") == "1",
                                        note=request.POST.get("note", ""))
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
        else:
            messages.success(request, "已处理")
        return redirect("workforce:corrections")
    return render(request, "workforce/corrections.html", {"rows": selectors.corrections(request.user)[:200]})


@login_required
@require_http_methods(["GET", "POST"])
def roster(request):
    if request.method == "POST":
        seat = selectors.unprofiled_seats(request.user).filter(pk=P.parse_id(request.POST.get("seat"), "岗位") or 0).first()
        st = StaffType.objects.filter(pk=P.parse_id(request.POST.get("staff_type"), "人员类型") or 0).first()
        try:
            if seat is None:
                raise ValidationError("请选择管辖范围内尚未登记的岗位。")
            services.onboard(request.user, seat, staff_type=st, employer=request.POST.get("employer", ""),
                             show_phone={"1": True, "0": False}.get(request.POST.get("show_phone", "")))
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
        else:
            messages.success(request, "已登记入职")
        return redirect("workforce:roster")
    profiles = selectors.profiles(request.user)
    counts = services.headcounts(profiles)
    types = list(StaffType.objects.all())
    regions = {p.region_id: p.region for p in profiles}
    by_region = [{"region": regions[rid], "counts": [counts.get((rid, t.code), 0) for t in types]}
                 for rid in sorted(regions, key=lambda r: regions[r].path)]
    by_street: dict = {}
    for row in by_region:
        street = next((a for a in row["region"].ancestors() if a.level == "street"), None) if row["region"].level != "street" else row["region"]
        name = street.name if street else "—"
        acc = by_street.setdefault(name, [0] * len(types))
        for i, n in enumerate(row["counts"]):
            acc[i] += n
    return render(request, "workforce/roster.html", {
        "profiles": profiles[:300], "types": types, "by_region": by_region, "by_street": sorted(by_street.items()),
        "seats": selectors.unprofiled_seats(request.user)[:200], "can_manage": sees_everything(request.user) or has_role(request.user, *MANAGERS),
    })


@login_required
@require_http_methods(["GET", "POST"])
def leave(request, pk: int):
    _need(request.user, MANAGERS, "办理离岗交接需要以下角色之一")
    profile = selectors.profile(request.user, pk)
    if request.method == "POST":
        from civicgrid.core.models import User

        successor = User.objects.filter(pk=P.parse_id(request.POST.get("successor"), "接替人") or 0, is_active=True).first()
        try:
            h = services.leave(request.user, profile, successor=successor)
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
        else:
            messages.success(request, f"已办理离岗，{len(h.cases)} 件案件、{h.tasks} 项工作移交给 {h.successor.name}")
            return redirect("workforce:roster")
    from civicgrid.core.models import User

    candidates = User.objects.filter(is_active=True, roles__region__path__startswith=profile.region.path
                                     ).exclude(pk=profile.user_id).distinct().order_by("username")[:100]
    return render(request, "workforce/leave.html", {"p": profile, "candidates": candidates,
                                                     "handovers": profile.handovers.all()})


@login_required
@require_http_methods(["GET", "POST"])
def duties(request):
    districts = selectors.districts(request.user)
    if request.method == "POST":
        _need(request.user, (R.DISTRICT_COMMANDER,), "编辑职责清单需要以下角色之一")
        district = districts.filter(code=request.POST.get("district", "")).first()
        item = None
        if request.POST.get("pk"):
            item = DutyItem.objects.filter(pk=P.parse_id(request.POST.get("pk"), "事项") or 0, district__in=districts).first()
        try:
            if district is None:
                raise ValidationError("请选择管辖范围内的区。")
            services.save_duty_item(request.user, district=district, list_code=request.POST.get("list", ""),
                                    name=request.POST.get("name", ""), target=request.POST.get("target", ""),
                                    interval_days=request.POST.get("interval_days"), tag=request.POST.get("tag", ""),
                                    order=request.POST.get("order") or 50, item=item,
                                    active=request.POST.get("active", "1") == "1")
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
        else:
            messages.success(request, "已保存")
        return redirect("workforce:duties")
    from civicgrid.people import tags as T

    items = DutyItem.objects.filter(district__in=districts)
    return render(request, "workforce/duties.html", {
        "items": items, "districts": districts, "lists": LIST_CHOICES, "targets": TARGET_CHOICES,
        "tags": T.KIND_CHOICES, "can_edit": sees_everything(request.user) or has_role(request.user, R.DISTRICT_COMMANDER),
    })


# -- volunteers (the coordinator's desk) --------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def volunteers(request):
    if request.method == "POST":
        _need(request.user, COORDINATORS, "志愿服务管理需要以下角色之一")
        what = request.POST.get("what")
        try:
            if what == "hours":
                entry = selectors.hour_entries(request.user, state="").filter(
                    pk=P.parse_id(request.POST.get("pk"), "时长记录") or 0).first()
                if entry is None:
                    raise ValidationError("时长记录不存在或不在您的管辖范围内。")
                services.confirm_hours(request.user, entry, accept=request.POST.get("accept") == "1")
                messages.success(request, "已确认" if request.POST.get("accept") == "1" else "已退回")
            elif what == "activity":
                grid = selectors.grids(request.user).filter(code=request.POST.get("grid", "")).first()
                if grid is None:
                    raise ValidationError("请选择管辖范围内的网格。")
                starts = P.parse_datetime(request.POST.get("starts_at"), "开始时间", field="starts_at")
                if starts is None:
                    raise ValidationError("请填写开始时间。")
                a = services.plan_activity(request.user, grid=grid, title=request.POST.get("title", ""),
                                           place=request.POST.get("place", ""), starts_at=starts,
                                           hours=request.POST.get("hours"), capacity=request.POST.get("capacity") or 20)
                messages.success(request, f"已发布活动，签到码 {a.checkin_code}")
            else:
                raise ValidationError("未知的操作。")
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
        return redirect("workforce:volunteers")
    return render(request, "workforce/volunteers.html", {
        "pending": selectors.hour_entries(request.user)[:200],
        "activities": selectors.activities(request.user)[:30], "teams": selectors.teams(request.user)[:50],
        "volunteers": selectors.volunteers(request.user)[:100], "grids": selectors.grids(request.user)[:500],
    })


@login_required
@require_http_methods(["GET", "POST"])
def certificate(request, number: str):
    _need(request.user, COORDINATORS, "开具时长证明需要以下角色之一")
    v = selectors.volunteer(request.user, number)
    cert = v.certificates.first()
    if request.method == "POST":
        try:
            cert = services.issue_certificate(request.user, v)
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
    return render(request, "workforce/certificate.html", {"v": v, "cert": cert,
                                                          "confirmed": services.confirmed_hours(v)})


# -- pay ------------------------------------------------------------------------------------------
@login_required
def pay(request):
    _need(request.user, MANAGERS, "考核与补贴需要以下角色之一")
    month = _month(request)
    rows = assessment.sheet(selectors.profiles(request.user), month)
    if request.GET.get("format") == "xlsx":
        from civicgrid.core import spreadsheet

        audit.record(request.user, "workforce.pay_export", None, detail={"month": f"{month:%Y-%m}", "rows": len(rows)})
        from . import socialwork

        return spreadsheet.download(assessment.workbook(rows, month, social_rows=socialwork.pay_rows(request.user, month)),
                                    f"网格力量补贴-{month:%Y-%m}.xlsx")
    return render(request, "workforce/pay.html", {"month": month, "rows": rows,
                                                  "total": sum((r["amount"] for r in rows), 0)})


# -- joint action ----------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def joint(request, number: str):
    from civicgrid.cases import joint as J
    from civicgrid.core.scoping import unit_ids

    user = request.user
    mine = unit_ids(user)
    seat = sees_everything(user) or has_role(user, *JOINT_ROLES)
    if not seat:
        # A unit's handler reaches the page only through a part addressed to their unit.
        from civicgrid.cases.joint_models import JointPart

        if not (mine and JointPart.objects.filter(case__number=number, unit_id__in=mine).exists()):
            raise PermissionDenied("联合处置需要以下角色之一：社区工作者、街道派遣员、区指挥中心，或参与单位的处置人员")
    case = selectors.joint_case(user, number)
    parts = list(selectors.joint_parts(case))
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "part":
                from civicgrid.departments.models import DepartmentUnit

                unit = selectors.units_for(case).filter(pk=P.parse_id(request.POST.get("unit"), "单位") or 0).first()
                due = P.parse_datetime(request.POST.get("due_at"), "时限", field="due_at")
                J.add_part(user, case, unit, task=request.POST.get("task", ""), due_at=due,
                           lead=request.POST.get("lead") == "1")
            elif what in ("feedback", "confirm", "return"):
                part = next((p for p in parts if str(p.pk) == request.POST.get("part")), None)
                if part is None:
                    raise ValidationError("分工不存在。")
                if what == "feedback":
                    J.give_feedback(user, part, request.POST.get("text", ""))
                else:
                    J.review(user, part, accept=what == "confirm", note=request.POST.get("note", ""))
            elif what == "emergency":
                J.declare_emergency(user, case, note=request.POST.get("note", ""))
            else:
                raise ValidationError("未知的操作。")
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
        else:
            messages.success(request, "已保存")
        return redirect("workforce:joint", number=case.number)
    return render(request, "workforce/joint.html", {
        "case": case, "parts": parts, "mine": mine, "units": selectors.units_for(case),
        "can_organise": sees_everything(user) or has_role(user, *ORGANISERS),
        "lead": next((p for p in parts if p.lead), None), "emergency": J.is_emergency(case),
        "can_declare": has_role(user, *JOINT_ROLES) or sees_everything(user),
    })


# -- joint enforcement operations (联合执法行动) ------------------------------------------------------
OPERATION_ROLES = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER, R.DEPARTMENT_HANDLER)


def _can_organise(user) -> bool:
    return sees_everything(user) or has_role(user, *services.OPERATION_ORGANISERS)


@login_required
@require_http_methods(["GET", "POST"])
def operations(request):
    """The operations in scope, per street with their states; organisers plan new ones here."""
    user = request.user
    if request.method == "POST":
        _need(user, services.OPERATION_ORGANISERS, "组织联合执法行动需要以下角色之一")
        area = selectors.operation_areas(user).filter(code=request.POST.get("region", "")[:15]).first()
        try:
            if area is None:
                raise ValidationError("请选择管辖范围内的行动区域。")
            units = {u.pk: u for u in selectors.operation_units(area)}
            picked = [units.get(P.parse_id(v, "参与单位")) for v in request.POST.getlist("units")[:50]]
            if any(u is None for u in picked):
                raise ValidationError("参与单位须为该街道或区的在职单位。")
            lead = units.get(P.parse_id(request.POST.get("lead_unit"), "牵头单位") or 0)
            plan = services.plan_operation(
                user, title=request.POST.get("title", ""), region=area,
                starts_at=P.parse_datetime(request.POST.get("starts_at"), "开始时间", field="starts_at"),
                ends_at=P.parse_datetime(request.POST.get("ends_at"), "预计结束", field="ends_at"),
                lead_unit=lead, units=picked, targets=request.POST.get("targets", ""),
                briefing=request.POST.get("briefing", ""))
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
            return redirect("workforce:operations")
        messages.success(request, f"已安排联合执法行动 {plan.number}，参与单位已收到通知")
        return redirect("workforce:operation", number=plan.number)
    qs = selectors.operations(user)
    state = request.GET.get("state", "")
    if state in ("planned", "underway", "closed"):
        qs = qs.filter(state=state)
    rows = list(qs[:300])
    by_street: dict = {}
    for p in rows:
        acc = by_street.setdefault(p.street.name, {"planned": 0, "underway": 0, "closed": 0})
        acc[p.state] += 1
    can_plan = _can_organise(user)
    areas = list(selectors.operation_areas(user)[:1000]) if can_plan else []
    return render(request, "workforce/operations.html", {
        "rows": rows, "by_street": sorted(by_street.items()), "state": state, "can_plan": can_plan,
        "areas": areas, "units": selectors.plannable_units(areas) if can_plan else [],
    })


@login_required
@require_http_methods(["GET", "POST"])
def operation(request, number: str):
    """One operation: the briefing and targets for every taking-part unit, its findings (each problem
    one case), and the organiser's closing summary."""
    import uuid

    user = request.user
    _need(user, OPERATION_ROLES, "联合执法行动需要以下角色之一")
    plan = selectors.operation(user, number)
    op = plan.operation
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "finding":
                units = {u.pk: u for u in op.units.all()}
                unit = units.get(P.parse_id(request.POST.get("unit"), "发现单位") or 0)
                grid = None
                if request.POST.get("grid"):
                    grid = selectors.grids(user).filter(code=request.POST.get("grid", "")[:15],
                                                        path__startswith=op.region.path).first()
                    if grid is None:
                        raise ValidationError("请选择行动区域内的网格。")
                finding, created = services.record_operation_finding(
                    user, plan, token=request.POST.get("token"), outcome=request.POST.get("outcome", ""), unit=unit,
                    category_code=request.POST.get("category", ""), description=request.POST.get("note", ""),
                    grid=grid, place=request.POST.get("place", ""))
                if not created:
                    messages.info(request, "这条发现已登记过，未重复立案。")
                elif finding.case_number:
                    messages.success(request, f"已登记，生成案件 {finding.case_number}")
                else:
                    messages.success(request, "已登记：未发现问题")
            elif what == "close":
                services.close_operation(user, plan, summary=request.POST.get("summary", ""))
                messages.success(request, "行动已结束")
            else:
                raise ValidationError("未知的操作。")
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
        return redirect("workforce:operation", number=plan.number)
    from civicgrid.core.scoping import unit_ids

    organiser = _can_organise(user) and (sees_everything(user) or services.node_in_scope(
        user, op.region, roles=services.OPERATION_ORGANISERS))
    mine = unit_ids(user)
    units = list(op.units.select_related("department").order_by("name"))
    return render(request, "workforce/operation.html", {
        "plan": plan, "op": op, "units": units, "findings": selectors.operation_findings(plan),
        "organiser": organiser, "my_units": [u for u in units if u.pk in mine],
        "token": uuid.uuid4(), "categories": cases_adapter.categories() if organiser else [],
        "grids": selectors.grids(user).filter(path__startswith=op.region.path)[:200] if organiser else [],
    })


# -- the time bank (时间银行): a coordinator's view of one volunteer, the district's rules ---------------
@login_required
@require_http_methods(["GET", "POST"])
def bank(request, number: str):
    """A volunteer's statement; a coordinator redeems on their behalf (e.g. an older volunteer without a phone)."""
    import uuid

    _need(request.user, COORDINATORS, "时间银行需要以下角色之一")
    v = selectors.volunteer(request.user, number)
    services.require_time_bank(v)
    offered = {b.pk: b for b in services.benefits(v.grid)}
    if request.method == "POST":
        try:
            benefit = offered.get(P.parse_id(request.POST.get("benefit"), "兑换项目") or 0)
            entry, created = services.redeem(v, benefit, actor=request.user, token=request.POST.get("token"),
                                             hours=request.POST.get("hours"), to_number=request.POST.get("to_number", ""),
                                             recipient=request.POST.get("recipient", ""))
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
        else:
            messages.success(request, f"已代为兑换：{entry.note}，{-entry.hours} 小时" if created else "该兑换已办理，未重复扣减。")
        return redirect("workforce:bank", number=v.number)
    return render(request, "workforce/bank.html", {
        "v": v, "balance": services.time_bank_balance(v), "benefits": list(offered.values()),
        "entries": selectors.bank_entries(v)[:200], "token": uuid.uuid4(), "confirmed": services.confirmed_hours(v),
    })


@login_required
@require_http_methods(["GET", "POST"])
def bank_rules(request):
    """The district's time bank: on or off, the expiry, and the benefits (data the district edits)."""
    from .models import BENEFIT_KINDS

    districts = selectors.districts(request.user)
    if request.method == "POST":
        _need(request.user, (R.DISTRICT_COMMANDER,), "设置时间银行需要以下角色之一")
        district = districts.filter(code=request.POST.get("district", "")[:15]).first()
        try:
            if district is None:
                raise ValidationError("请选择管辖范围内的区。")
            if request.POST.get("what") == "rule":
                services.save_time_bank_rule(request.user, district=district, enabled=request.POST.get("enabled") == "1",
                                             expire_months=request.POST.get("expire_months") or None)
            elif request.POST.get("what") == "benefit":
                item = None
                if request.POST.get("pk"):
                    item = selectors.benefits(request.user).filter(pk=P.parse_id(request.POST.get("pk"), "项目") or 0).first()
                    if item is None:
                        raise ValidationError("兑换项目不存在或不在您的管辖范围内。")
                services.save_benefit(request.user, district=district, name=request.POST.get("name", ""),
                                      kind=request.POST.get("kind", ""), hours=request.POST.get("hours"),
                                      provider=request.POST.get("provider", ""), benefit=item,
                                      active=request.POST.get("active", "1") == "1")
            else:
                raise ValidationError("未知的操作。")
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
        else:
            messages.success(request, "已保存")
        return redirect("workforce:bank_rules")
    return render(request, "workforce/bank_rules.html", {
        "districts": [{"d": d, "rule": services.time_bank_rule(d), "enabled": services.time_bank_enabled(d)}
                      for d in districts[:20]],
        "benefits": selectors.benefits(request.user)[:200], "kinds": BENEFIT_KINDS,
        "can_edit": sees_everything(request.user) or has_role(request.user, R.DISTRICT_COMMANDER),
    })
