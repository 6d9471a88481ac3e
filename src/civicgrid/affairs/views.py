"""Thin staff views: parse, call a service or selector, render. The window works at a desk (wide
screen, printer); reviewers and departments work from their queues."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core import audit
from civicgrid.core import params as P
from civicgrid.core.errors import USER_ERRORS, messages_of, status_of
from civicgrid.core.reveal import no_store
from civicgrid.core.scoping import has_role, sees_everything

from . import catalogue as C
from . import selectors, services
from . import workflow as W
from .models import Item, Rating

STATE_FILTERS = [("open", "在办"), *W.STATE_LABELS.items(), ("all", "全部")]


def _is(user, *roles) -> bool:
    return sees_everything(user) or has_role(user, *roles)


def require_actor(user) -> None:
    """Only the seats that take steps get as far as the application (the others are told why)."""
    if not _is(user, *W.ACTORS):
        raise PermissionDenied("办理申请需要以下角色之一：受理窗口人员、事务审核人员、部门处置人员")


@login_required
def home(request):
    """Each seat's desk: the window's worklist, the review queue, the department queue, what is late."""
    u = request.user
    ctx = {"now": timezone.now(), "is_clerk": _is(u, W.CLERK), "is_reviewer": _is(u, W.REVIEWER),
           "is_decider": _is(u, W.DECIDER)}
    if ctx["is_clerk"]:
        ctx["desk"] = selectors.window_worklist(u)
    if ctx["is_reviewer"]:
        ctx["reviews"] = selectors.desk_list(selectors.review_queue(u))
    if ctx["is_decider"]:
        ctx["decisions"] = selectors.desk_list(selectors.department_queue(u))
    ctx["overdue"] = selectors.desk_list(selectors.overdue(u))
    ctx["poor"] = selectors.poor_unanswered(u)[:20]
    return render(request, "affairs/home.html", ctx)


@login_required
def listing(request):
    state = P.choice(request.GET.get("state"), "状态", [k for k, _ in STATE_FILTERS], default="open")
    # Paged without counting: a district's history is a million rows ("超过 1,000 件" past the cap).
    page = selectors.application_page(request.user, request.GET.get("page"), state=state,
                                      overdue=request.GET.get("overdue") == "1")
    return render(request, "affairs/list.html", {"page": page, "state": state, "states": STATE_FILTERS,
                                                 "overdue": request.GET.get("overdue") == "1"})


# -- 一口受理 -----------------------------------------------------------------------------------------------
def _accept_context(request) -> dict:
    u = request.user
    src = request.POST if request.method == "POST" else request.GET
    windows = list(selectors.windows_for(u))
    window = next((w for w in windows if str(w.pk) == src.get("window", "")), windows[0] if len(windows) == 1 else None)
    item = selectors.items().filter(code=(src.get("item") or "")[:30]).first()
    version = item.current if item else None
    person_id = P.parse_id(src.get("person"), "居民", field="person")
    person = selectors.resident(u, person_id) if person_id else None
    consent = src.get("consent") == "1" and person is not None
    q = (src.get("q") or "").strip()[:50]
    found = selectors.find_residents(u, q) if q and person is None else []
    return {"windows": windows, "window": window, "item": item, "version": version, "items": selectors.items(),
            "person": person, "consent": consent, "q": q, "found": found, "form_values": {}, "errors": {},
            "forms": C.MATERIAL_FORMS}


@login_required
@require_http_methods(["GET", "POST"])
def accept(request):
    if not _is(request.user, W.CLERK):
        raise PermissionDenied("一口受理需要以下角色之一：受理窗口人员")
    ctx = _accept_context(request)
    version, person = ctx["version"], ctx["person"]
    status = 200
    if request.method == "GET" and version is not None:
        if person is not None and ctx["consent"]:
            ctx["form_values"] = services.prefill(request.user, person, version, consent=True)
    if request.method == "POST":
        if version is None or ctx["window"] is None:
            messages.error(request, "请选择受理窗口和事项。")
            return redirect("affairs:accept")
        form = {f["key"]: request.POST.get(f"f_{f['key']}", "") for f in version.fields}
        ctx["form_values"] = form
        provided = [c for c in request.POST.getlist("provided") if c]
        uploads = {m["code"]: request.FILES.get(f"scan_{m['code']}") for m in version.materials
                   if request.FILES.get(f"scan_{m['code']}")}
        try:
            a = services.accept(request.user, window=ctx["window"], version=version, person=person,
                                consent=ctx["consent"], applicant={k: request.POST.get(k, "") for k in
                                                                   ("name", "phone", "id_number")},
                                form=form, provided=provided, scans_by_code=uploads)
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                ctx["errors"] = {k: "；".join(v.messages if hasattr(v, "messages") else v)
                                 for k, v in exc.message_dict.items()}
                messages.error(request, "申请表有误，请按提示修改。")
            else:
                messages.error(request, messages_of(exc))
            status = 400
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
            status = status_of(exc)
        else:
            if a.state == W.CORRECTION:
                messages.warning(request, f"已收件 {a.number}：材料不全，请打印一次性告知书交申请人。")
            else:
                messages.success(request, f"已受理 {a.number}")
            return redirect("affairs:detail", number=a.number)
    ctx["fields"] = [{**f, "value": ctx["form_values"].get(f["key"], ""), "error": ctx["errors"].get(f["key"], "")}
                     for f in (version.fields if version else [])]
    return render(request, "affairs/accept.html", ctx, status=status)


# -- one application -------------------------------------------------------------------------------------------
def _detail(request, a, *, revealed=None, status=200):
    actions = services.available_actions(request.user, a)
    response = render(request, "affairs/detail.html", {
        "a": a, "v": a.item_version, "materials": a.materials.all(), "notices": a.notices.all(),
        "events": a.events.all(), "actions": actions, "action_names": [t.action for t in actions],
        "labels": W.ACTION_LABELS, "can_reveal": services.can_reveal(request.user, a), "revealed": revealed,
        "form_rows": services.masked_form(a, clear=bool(revealed and revealed.get("form"))),
        "missing": services.missing_materials(a), "rating": Rating.objects.filter(application=a).first(),
        "fields_revealable": services.REVEALABLE.items(), "now": timezone.now()}, status=status)
    return no_store(response) if revealed else response


@login_required
def detail(request, number: str):
    a = selectors.application(request.user, number)
    return _detail(request, a)


@login_required
@require_POST
def act(request, number: str):
    require_actor(request.user)
    a = selectors.application(request.user, number)
    action = P.choice(request.POST.get("action"), "操作", list(W.ACTION_LABELS))
    inputs: dict = {}
    if action == "supplement":
        inputs["materials"] = [c for c in request.POST.getlist("provided") if c]
        inputs["scans_by_code"] = {k[5:]: f for k, f in request.FILES.items() if k.startswith("scan_")}
    elif action == "return":
        inputs["missing"] = [c for c in request.POST.getlist("missing") if c]
    elif action == "reject":
        inputs["legal_basis"] = request.POST.get("legal_basis", "")
    elif action == "approve":
        inputs["result_number"] = request.POST.get("result_number", "")
    elif action == "deliver":
        inputs["method"] = request.POST.get("method", "")
        inputs["signed_by"] = request.POST.get("signed_by", "")
    try:
        version = P.parse_int(request.POST.get("version"), "版本", minimum=0) if request.POST.get("version") else None
        services.act(request.user, a, action, note=request.POST.get("note", ""), expected_version=version, **inputs)
    except USER_ERRORS as exc:
        messages.error(request, messages_of(exc))
        if status_of(exc) == 403:
            return HttpResponse(messages_of(exc), status=403, content_type="text/plain; charset=utf-8")
    else:
        messages.success(request, f"已{W.ACTION_LABELS.get(action, action)}")
    return redirect("affairs:detail", number=a.number)


@login_required
@require_POST
def reveal(request, number: str):
    if not services.may_reveal_at_all(request.user):
        raise PermissionDenied(services.REVEAL_REFUSAL)
    a = selectors.application(request.user, number)
    field = request.POST.get("field", "")
    try:
        value = services.reveal(request.user, a, field, request.POST.get("reason", ""))
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
        return _detail(request, a, status=400)
    if field == "form_data":  # the whole form, shown in its own rows
        return _detail(request, a, revealed={"label": services.REVEALABLE[field], "value": "见下方申请表", "form": True})
    return _detail(request, a, revealed={"label": services.REVEALABLE[field], "value": value})


@login_required
def notice(request, number: str, seq: int):
    a = selectors.application(request.user, number)
    n = a.notices.filter(seq=seq).first()
    if n is None:
        raise Http404("该告知书不存在")
    audit.record(request.user, "affairs.print_notice", a, detail={"seq": seq})
    return render(request, "affairs/notice_print.html", {"a": a, "n": n, "forms": C.MATERIAL_FORMS,
                                                         "v": a.item_version})


@login_required
def receipt(request, number: str):
    a = selectors.application(request.user, number)
    fmt = P.choice(request.GET.get("format"), "格式", ["a4", "thermal"], default="a4")
    audit.record(request.user, "affairs.print_receipt", a, detail={"format": fmt})
    return render(request, "affairs/receipt_print.html", {"a": a, "v": a.item_version, "fmt": fmt,
                                                          "materials": a.materials.all()})


# -- catalogue -------------------------------------------------------------------------------------------------
@login_required
def catalogue(request):
    return render(request, "affairs/catalogue.html", {"items": selectors.items(active_only=False),
                                                      "can_import": _is(request.user, *services.CATALOGUE_KEEPERS)})


@login_required
def item(request, code: str):
    it = Item.objects.select_related("department", "current").filter(code=code[:30]).first()
    if it is None:
        raise Http404("事项不存在")
    versions = list(selectors.item_versions(it))
    n = P.parse_int(request.GET.get("v"), "版本", minimum=1, maximum=10000)
    shown = next((v for v in versions if v.version == n), None) if n else it.current
    if n and shown is None:
        raise Http404("该版本不存在")
    return render(request, "affairs/item.html", {"it": it, "versions": versions, "v": shown,
                                                 "types": C.FIELD_TYPES, "forms": C.MATERIAL_FORMS,
                                                 "levels": W.LEVEL_LABELS, "prefill": C.PREFILL})


@login_required
@require_http_methods(["GET", "POST"])
def catalogue_import(request):
    if not _is(request.user, *services.CATALOGUE_KEEPERS):
        raise PermissionDenied("导入事项目录需要以下角色之一：系统管理员")
    result, status = None, 200
    if request.method == "POST":
        from . import importer

        try:
            result = importer.import_catalogue(request.user, request.FILES.get("file"))
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
            status = 400
        else:
            if result["errors"]:
                status = 400
            else:
                messages.success(request, f"已发布 {len(result['published'])} 个事项版本")
    return render(request, "affairs/import.html", {"result": result, "columns": _import_columns()}, status=status)


def _import_columns():
    from . import importer

    return importer.COLUMNS


# -- statistics and ratings -------------------------------------------------------------------------------------
@login_required
def stats(request):
    today = timezone.localdate()
    start, end = P.parse_period(request.GET.get("start"), request.GET.get("end"), default_end=today, default_days=30,
                                max_days=366)
    from . import queue

    since = timezone.make_aware(dt.datetime.combine(start, dt.time.min))
    return render(request, "affairs/stats.html", {
        "rows": selectors.item_stats(request.user, start, end), "start": start, "end": end,
        "waits": queue.wait_stats(selectors.windows_in_scope(request.user), since),
        "rates": {k: selectors.published_rates(k) for k in ("window", "item", "department")}})


@login_required
def ratings(request):
    return render(request, "affairs/ratings.html", {"poor": selectors.poor_unanswered(request.user),
                                                    "recent": selectors.ratings_for(request.user)[:50],
                                                    "now": timezone.now()})


@login_required
@require_POST
def answer(request, pk: int):
    r = selectors.ratings_for(request.user).filter(pk=pk).first()
    if r is None:
        raise Http404("该评价不存在或不在您的管辖范围内")
    try:
        services.answer_rating(request.user, r, request.POST.get("answer", ""))
    except USER_ERRORS as exc:
        messages.error(request, messages_of(exc))
        if status_of(exc) == 403:
            raise
    else:
        messages.success(request, "已反馈")
    return redirect("affairs:ratings")


def media_allowed(request, relpath: str) -> bool:
    """Scans are served only to staff who can see the application they belong to."""
    from civicgrid.core.scoping import visible_to

    from .models import Material

    user = request.user
    if not getattr(user, "is_authenticated", False):
        return False
    m = Material.objects.filter(scan=relpath).select_related("application").first()
    return m is not None and visible_to(user, type(m.application).objects.filter(pk=m.application_id)).exists()


# -- appointments and the queue ------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def queue_desk(request):
    """The window's queue: today's bookings, numbers waiting, call the next, measured waits."""
    from . import queue

    if not _is(request.user, W.CLERK):
        raise PermissionDenied("窗口叫号需要以下角色之一：受理窗口人员")
    windows = list(selectors.windows_for(request.user))
    wid = P.parse_id(request.POST.get("window") or request.GET.get("window"), "窗口", field="window")
    window = next((w for w in windows if w.pk == wid), windows[0] if windows else None)
    if wid and window is not None and window.pk != wid:
        raise Http404("该窗口不存在或不在您的管辖范围内")
    if request.method == "POST" and window is not None:
        action = P.choice(request.POST.get("action"), "操作", ["take", "checkin", "call", "done", "absent"])
        try:
            if action == "take":
                item = selectors.items().filter(code=(request.POST.get("item") or "")[:30]).first()
                t = queue.take(request.user, window, item=item)
                messages.success(request, f"已取号 {t.label}")
            elif action == "checkin":
                t = queue.take(request.user, window, code=request.POST.get("code", ""))
                messages.success(request, f"预约已签到，号码 {t.label}")
            elif action == "call":
                t = queue.call_next(request.user, window)
                messages.success(request, f"请 {t.label} 号到{window.name}" if t else "没有等候的号码")
            else:
                current = queue.today(window)["current"]
                if current is None:
                    raise ValidationError("当前没有已叫号的号码。")
                queue.finish(request.user, current, absent=action == "absent")
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
        return redirect(f"{request.path}?window={window.pk}")
    return render(request, "affairs/queue.html", {"windows": windows, "window": window, "items": selectors.items(),
                                                  "q": queue.today(window) if window else None})
