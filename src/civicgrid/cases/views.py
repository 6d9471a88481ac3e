"""Thin views: parse, call a service or selector, render."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core import audit, errors
from civicgrid.core import params as P
from civicgrid.core import roles as R
from civicgrid.core.scoping import has_role, user_roles

from . import evaluation, selectors, services
from . import workflow as W
from .models import Case


_error_text = errors.messages_of


# -- lists ---------------------------------------------------------------------------------------
@login_required
def worklist(request):
    f = selectors.Filters.from_query(request.GET)
    for e in f.errors:
        messages.error(request, e)
    page = selectors.worklist_page(request.user, f, request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "cases/worklist.html", {
        "page": page, "f": f, "query": query.urlencode(), "choices": selectors.filter_choices(request.user),
        "now": timezone.now(), "views": [("todo", "我的待办"), ("open", "全部在办"), ("overdue", "超期"), ("all", "全部")],
    })


@login_required
def export(request):
    """The filtered list as .xlsx; the export itself is logged. Personal data is masked by the kinds the
    manifest declares (requester, phone and identity numbers typed into the description, the room)."""
    from civicgrid.core import spreadsheet
    from civicgrid.core.personal_data import export_value as pd

    f = selectors.Filters.from_query(request.GET)
    qs = selectors.search(request.user, f).select_related("department")[:20000]
    head = ["案件编号", "上报时间", "来源", "类别编码", "类别", "描述", "地址", "街道", "社区", "网格", "状态", "层级",
            "处置单位", "当前时限", "超期", "返工次数", "延期次数", "诉求人", "诉求人电话", "结案时间"]
    book = spreadsheet.Xlsx().sheet("案件", head, [16, 17, 10, 9, 14, 40, 24, 12, 12, 16, 12, 14, 18, 17, 6, 8, 8, 8,
                                                  14, 17])
    n = 0
    now = timezone.now()
    for c in qs:
        n += 1
        book.append([
            c.number, c.created_at, c.get_channel_display(), c.category.code,
            c.category.name, pd(c, "description"), pd(c, "address"), c.street.name, c.community.name if c.community else "",
            c.grid.name if c.grid else "", c.state_label, c.tier_label, c.assigned_unit.name if c.assigned_unit else "",
            c.due_at, "是" if c.due_at and c.due_at <= now and c.is_open else "", c.rework_count, c.extension_count,
            pd(c, "requester_name"), pd(c, "requester_phone"), c.closed_at,
        ])
    audit.record(request.user, "case.export", None, object_type="cases.case",
                 detail={"rows": n, "filters": {k: v for k, v in request.GET.items()}})
    return spreadsheet.download(book.to_bytes(), spreadsheet.filename("案件", "xlsx"))


@login_required
def grid_view(request):
    """The grid worker's phone page: what to verify, what is open in my grid, what I reported."""
    return render(request, "cases/grid.html", {**selectors.grid_worker_cases(request.user), "now": timezone.now()})


# -- report --------------------------------------------------------------------------------------
def _channel_for(user) -> str:
    for role, channel in ((R.GRID_WORKER, "grid_worker"), (R.COMMUNITY_STAFF, "community"),
                          (R.HOTLINE_OPERATOR, "hotline")):
        if has_role(user, role):
            return channel
    return "other"


@login_required
@require_http_methods(["GET", "POST"])
def report(request):
    user = request.user
    channel = _channel_for(user)
    grids = selectors.reportable_grids(user, channel)
    ctx = {"categories": selectors.active_categories(), "grids": grids[:500], "channel": channel,
           "channel_label": dict(Case.CHANNEL_CHOICES)[channel], "form": request.POST}
    if request.method == "POST":
        p = request.POST
        try:
            category = selectors.active_category(pk=p.get("category"))
            grid_id = P.parse_id(p.get("grid"), "网格")
            grid = grids.filter(pk=grid_id).first() if grid_id else None
            lng, lat = (p.get("lng") or None), (p.get("lat") or None)
            case = services.intake(
                user, channel=channel, category=category, description=p.get("description", ""),
                lng=lng, lat=lat, grid=grid, address=p.get("address", ""), urgent=bool(p.get("urgent")),
                requester_name=p.get("requester_name", ""), requester_phone=p.get("requester_phone", ""),
                photos=request.FILES.getlist("photos"),
            )
        except errors.USER_ERRORS as exc:
            messages.error(request, _error_text(exc))
            ctx["files_again"] = _chosen_files(request)
            return render(request, "cases/report.html", ctx, status=errors.status_of(exc))
        messages.success(request, f"已上报，案件编号 {case.number}"
                         + (f"。提示：可能与 {case.possible_duplicate.number} 重复，调度员会核实。" if case.possible_duplicate else ""))
        return redirect("cases:detail", number=case.number)
    return render(request, "cases/report.html", ctx)


# -- one case ------------------------------------------------------------------------------------
def _chosen_files(request) -> list[str]:
    """Names of the files the user had chosen: a browser cannot refill a file input, so the page says which."""
    return [f.name for f in request.FILES.getlist("photos") if getattr(f, "name", "")]


def _detail_context(request, case: Case, *, revealed: dict | None = None, failed: dict | None = None) -> dict:
    events = list(case.events.select_related("actor").prefetch_related("attachments").order_by("seq"))
    actions = services.available_actions(request.user, case)
    units, suggested, suggested_why = [], None, ""
    if any(a.action in ("dispatch", "reroute") for a in actions):
        units = list(services.dispatch_units(request.user, case).order_by("region__code", "department__code"))
        suggested, suggested_why = services.suggest_unit(case)
        if suggested is not None and suggested.pk not in {u.pk for u in units}:
            suggested_why = f"建议的{suggested.name}不在您可派遣的单位中。{suggested_why}"
            suggested = None
    dup = case.possible_duplicate if case.possible_duplicate_id else None
    if not selectors.can_see(request.user, dup):
        dup = None
    cal = services.default_calendar()
    now = timezone.now()
    remaining = cal.working_hours_between(now, case.due_at) if case.due_at and case.is_open else None
    # The main-line step opens by itself; after a refused submit, the action that was being filled in.
    forward = W.forward_action(actions)
    open_action = failed["action"] if failed and any(a.action == failed["action"] for a in actions) else forward
    return {
        "case": case, "events": events, "units": units, "dup": dup, "now": now, "reports": selectors.reports_of(case),
        "primary_actions": [a for a in actions if a.action == forward],
        "more_actions": [a for a in actions if a.action != forward],
        "actions": actions, "open_action": open_action, "failed": failed or {},
        "suggested": suggested, "suggested_why": suggested_why,
        "remaining": remaining, "can_reveal": services.can_see_requester(request.user, case), "revealed": revealed,
        "photo_actions": {"handle", "verify_pass", "verify_fail"},
        "photo_required": {a.action for a in actions if a.needs_photo
                           or any((a.action, s.role) in W.PHOTO_REQUIRED_FOR_ROLE for s in user_roles(request.user))},
        "today": timezone.localdate(),
        "secondary_actions": {"not_file", "verify_fail", "return", "refuse_extension", "suspend", "merge", "escalate",
                              "request_extension", "reopen"},
    }


@login_required
def detail(request, number: str, revealed: dict | None = None):
    case = selectors.case_for(request.user, number)
    return render(request, "cases/detail.html", _detail_context(request, case, revealed=revealed))


@login_required
@require_POST
def act(request, number: str):
    case = selectors.case_for(request.user, number)
    p = request.POST
    action = p.get("action", "")
    kw = {}
    try:
        if p.get("unit"):
            kw["unit"] = selectors.department_unit(p["unit"])
            if kw["unit"] is None:
                raise ValidationError("所选处置单位不存在。")
        elif action in ("dispatch", "reroute"):
            raise ValidationError("请选择处置单位。")
        if p.get("hours"):
            kw["hours"] = p["hours"]
        if p.get("review_date"):
            kw["review_date"] = P.parse_date(p["review_date"], "复查日期", field="review_date")
        if p.get("into"):
            into = selectors.visible_case(request.user, p["into"])
            if into is None:
                raise ValidationError(f"找不到案件 {p['into']}（或不在您的管辖范围内）。")
            kw["into"] = into
        case = services.act(request.user, case, action, note=p.get("note", ""),
                            expected_version=P.parse_int(p.get("version"), "版本", minimum=0),
                            photos=request.FILES.getlist("photos"), **kw)
    except (ValidationError, PermissionDenied, services.CaseActionError) as exc:
        # Render the page again with what was typed (a redirect would lose it), the action left open.
        messages.error(request, _error_text(exc))
        case = selectors.case_for(request.user, number)
        failed = {"action": action, "post": p, "files": _chosen_files(request)}
        return render(request, "cases/detail.html", _detail_context(request, case, failed=failed),
                      status=errors.status_of(exc))
    done = W.ACTION_LABELS.get(action, action)
    # "已结案：已结案" says nothing twice; name the new state only when it adds something.
    messages.success(request, f"已{done}" if case.state_label.endswith(done) else f"已{done}，当前状态：{case.state_label}")
    if not selectors.can_see(request.user, case):
        return redirect("cases:worklist")  # e.g. a department that returned it no longer sees it
    return redirect("cases:detail", number=case.number)


@login_required
@require_POST
def reveal(request, number: str):
    case = selectors.case_for(request.user, number)
    try:
        data = services.reveal_requester(request.user, case, reason=request.POST.get("reason", ""))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _error_text(exc))
        return redirect("cases:detail", number=number)
    from civicgrid.core.reveal import no_store

    return no_store(detail(request, number, revealed=data))


# -- evaluation ----------------------------------------------------------------------------------
@login_required
def evaluation_view(request):
    today = timezone.localdate()
    g = request.GET
    group = g.get("group") if g.get("group") in evaluation.GROUPS else "street"
    # Bad or out-of-range dates are a 400 with the reason (core.params), not a guess at what was meant.
    date_from = P.parse_date(g.get("date_from"), "开始日期", field="date_from", default=today.replace(day=1))
    date_to = P.parse_date(g.get("date_to"), "结束日期", field="date_to", default=today)
    if date_to < date_from:
        raise P.BadParameter("结束日期不能早于开始日期。", "date_to")
    result = evaluation.evaluate(request.user, group=group, date_from=date_from, date_to=date_to)
    return render(request, "cases/evaluation.html", {
        "result": result, "group": group, "groups": [(k, v[2]) for k, v in evaluation.GROUPS.items()],
        "date_from": date_from, "date_to": date_to, "counts": evaluation.COUNTS, "rates": evaluation.RATES,
        "hotline_rates": evaluation.HOTLINE_RATES, "hotline_note": evaluation.HOTLINE_NOTE,
        "key_columns": evaluation.columns(evaluation.KEY_COLUMNS), "all_columns": evaluation.columns(),
    })

