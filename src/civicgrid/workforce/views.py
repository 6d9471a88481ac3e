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
