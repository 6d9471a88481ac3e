"""Thin views, phone first: parse, call a service or selector, render.

Staff: the service desk (today's orders by state, new order, catalogue), an order's page, providers and
their joint meetings. Provider accounts: the portal (their orders, staff, ratings). Residents: the
public catalogue by community with the service circle, and the order page confirmed by SMS.
"""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core import params as P
from civicgrid.core import session_secrets
from civicgrid.core.errors import USER_ERRORS, messages_of, status_of
from civicgrid.core.middleware import client_ip
from civicgrid.core.scoping import has_role, sees_everything

from . import hotline_adapter, orgs_adapter, selectors, services
from . import workflow as W
from .models import Order, ProviderDocument

SESSION_PHONE, SESSION_AT, SESSION_PENDING = "services_phone", "services_phone_at", "services_pending_phone"
VERIFIED_FOR = dt.timedelta(minutes=30)


def _err(exc) -> str:
    return messages_of(exc)


def _may_place(user) -> bool:
    return sees_everything(user) or has_role(user, *W.PLACERS)


def _is_desk(user) -> bool:
    return sees_everything(user) or has_role(user, *W.DESK)


# -- the service desk ----------------------------------------------------------------------------------
@login_required
def desk(request):
    if services.provider_of(request.user) is not None:
        return redirect("services:portal")
    state = request.GET.get("state", "today")
    if state == "today":
        qs = selectors.orders(request.user, today=True)
    else:
        qs = selectors.orders(request.user, state=state)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "services/desk.html", {
        "page": page, "state": state, "counts": selectors.counts_by_state(selectors.orders(request.user, today=True)),
        "overdue": selectors.orders(request.user, state="overdue").count(),
        "states": [("today", "今日"), ("open", "在办"), ("overdue", "超时"), *W.STATE_LABELS.items(), ("all", "全部")],
        "may_place": _may_place(request.user), "now": timezone.now(),
    })


def _form_context(user, post, prefill=None) -> dict:
    return {"items": selectors.orderable_items(), "communities": selectors.communities(user),
            "post": post, "prefill": prefill or {}, "venues": _user_venues(user)}


def _user_venues(user):
    return selectors.venues_for(user)


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    """New order on a resident's behalf: the desk, a grid worker, or the hotline operator during a call
    (?call=<话单编号> fills the caller's name, phone and address from the call)."""
    if not _may_place(request.user):
        raise PermissionDenied("代居民下单需要以下角色之一：社区服务中心、社区工作者、街道派遣员、区指挥中心、网格员、热线话务员")
    call = request.GET.get("call") or request.POST.get("call") or ""
    prefill = hotline_adapter.caller_of(request.user, call) if call else {}
    error = ""
    if request.method == "POST":
        p = request.POST
        try:
            item = selectors.item(p.get("item", ""))
            community = selectors.communities(request.user).filter(code=p.get("community", "")[:15]).first()
            if p.get("community") and community is None:
                raise ValidationError("所选社区不存在或不在您的管辖范围内。")
            venue = _user_venues(request.user).filter(pk=P.parse_id(p.get("venue"), "场地") or 0).first()
            when = P.parse_datetime(p.get("scheduled_for"), "预约时间")
            until = P.parse_datetime(p.get("scheduled_until"), "结束时间") if p.get("scheduled_until") else None
            o = services.place_order(request.user, item=item, name=p.get("name", ""), phone=p.get("phone", ""),
                                     address=p.get("address", ""), scheduled_for=when, scheduled_until=until,
                                     region=community, note=p.get("note", ""), venue=venue,
                                     hotline_contact=prefill.get("contact", ""))
        except USER_ERRORS as exc:
            error = _err(exc)
        else:
            messages.success(request, f"已下单 {o.number}：{o.state_label}"
                             + (f"（已派给{o.provider.name}）" if o.provider_id else ""))
            return redirect("services:order", number=o.number)
    ctx = _form_context(request.user, request.POST, prefill)
    ctx.update(error=error, call=prefill.get("contact", ""),
               default_when=timezone.localtime(timezone.now() + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:00"))
    return render(request, "services/new.html", ctx, status=400 if error else 200)


def _detail_context(request, o: Order, revealed=None) -> dict:
    actions = [t.action for t in services.available_actions(request.user, o)]
    candidates = services.candidates(o) if "assign" in actions else []
    staff = selectors.staff_of(o.provider).filter(active=True) if o.provider_id and "accept" in actions else []
    return {"o": o, "events": o.events.all(), "actions": actions, "labels": W.ACTION_LABELS,
            "candidates": candidates, "staff": staff, "can_reveal": services.can_reveal(request.user, o),
            "revealed": revealed, "revealable": services.REVEALABLE, "now": timezone.now(),
            "bookings": o.subsidy_bookings.select_related("fund"),
            "is_provider": services.provider_of(request.user) is not None,
            "show_address": services.provider_of(request.user) is not None and o.state in (W.ACCEPTED, W.IN_SERVICE)}


@login_required
def detail(request, number: str):
    o = selectors.order(request.user, number)
    return render(request, "services/detail.html", _detail_context(request, o))


def _action_inputs(request, action: str, o: Order) -> dict:
    p = request.POST
    if action == "assign":
        pid = P.parse_id(p.get("provider"), "服务商")
        provider = selectors.assignable_provider(pid)
        if provider is None:
            raise ValidationError("请选择服务商。")
        return {"provider": provider}
    if action == "accept" and p.get("staff"):
        staff = selectors.staff_of(o.provider).filter(pk=P.parse_id(p.get("staff"), "服务人员") or 0).first()
        return {"staff": staff} if staff else {}
    if action == "check_in":
        return {"lng": p.get("lng") or None, "lat": p.get("lat") or None}
    if action == "complete":
        from civicgrid.cases import photos

        upload = request.FILES.get("photo")
        return {"photo": photos.prepare(upload) if upload else None}
    if action == "confirm":
        return {"rating": p.get("rating"), "rating_note": p.get("rating_note", "")}
    return {}


@login_required
@require_POST
def act(request, number: str):
    o = selectors.order(request.user, number)
    action = request.POST.get("action", "")
    try:
        inputs = _action_inputs(request, action, o)
        version = P.parse_int(request.POST.get("version"), "版本", minimum=0) if request.POST.get("version") else None
        o = services.act(request.user, o, action, note=request.POST.get("note", ""), expected_version=version,
                         **inputs)
    except USER_ERRORS as exc:
        status = status_of(exc)
        messages.error(request, _err(exc))
        if status == 403:
            return HttpResponse(_err(exc), status=403, content_type="text/plain; charset=utf-8")
    else:
        messages.success(request, f"{W.ACTION_LABELS.get(action, action)}完成，订单状态：{o.state_label}"
                         + (f"（{o.provider.name}）" if action == "decline" and o.provider_id else ""))
        if services.provider_of(request.user) is not None and not selectors.orders(request.user).filter(pk=o.pk).exists():
            return redirect("services:portal")  # declined: no longer theirs
    return redirect("services:order", number=number)


@login_required
@require_POST
def reveal(request, number: str):
    """Shows one field in full on this response only (never kept in the session), logged with the reason."""
    from civicgrid.core.reveal import no_store

    o = selectors.order(request.user, number)
    field = request.POST.get("field", "")
    try:
        value = services.reveal_orderer(request.user, o, field, request.POST.get("reason", ""))
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, _err(exc))
        return redirect("services:order", number=number)
    ctx = _detail_context(request, o, revealed={"field": field, "label": services.REVEALABLE[field], "value": value})
    return no_store(render(request, "services/detail.html", ctx))


# -- the provider portal ---------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def portal(request):
    provider = services.provider_of(request.user)
    if provider is None:
        return render(request, "services/portal.html", {"provider": None})
    if request.method == "POST":
        try:
            checked = P.parse_date(request.POST.get("background_checked_on"), "背景审查日期")
            services.add_staff(request.user, provider, name=request.POST.get("name", ""),
                               phone=request.POST.get("phone", ""), skills=request.POST.get("skills", ""),
                               background_checked_on=checked)
        except USER_ERRORS as exc:
            messages.error(request, _err(exc))
        else:
            messages.success(request, "已登记服务人员")
        return redirect("services:portal")
    state = request.GET.get("state", "open")
    qs = selectors.orders(request.user, state=state)
    return render(request, "services/portal.html", {
        "provider": provider, "page": Paginator(qs, 30).get_page(request.GET.get("page")), "state": state,
        "states": [("open", "在办"), *W.STATE_LABELS.items(), ("all", "全部")],
        "counts": selectors.counts_by_state(selectors.orders(request.user)),
        "staff": selectors.staff_of(provider), "documents": provider.documents.all(),
        "rated": selectors.orders(request.user).filter(rating__isnull=False).order_by("-completed_at")[:10],
    })


# -- providers and their joint meetings (the centre) -------------------------------------------------------
@login_required
def providers(request):
    today = timezone.localdate()
    qs = selectors.providers(request.user).prefetch_related("documents")
    return render(request, "services/providers.html", {
        "providers": qs, "today": today, "warn_until": today + dt.timedelta(days=services.DOCUMENT_WARN_DAYS)})


def _link_organisation(request, p) -> None:
    """关联社会组织: by the credit code (a registered organisation), by picking from the registry in the
    desk's jurisdiction, or unlink."""
    d = request.POST
    if d.get("unlink") == "1":
        services.link_organisation(request.user, p, None)
        return
    org_id = P.parse_id(d.get("organisation"), "社会组织")
    code = P.clean_text(d.get("credit_code"), "统一社会信用代码", max_length=40)
    if org_id:
        org = orgs_adapter.pick(request.user, org_id)
        if org is None:
            raise ValidationError("所选社会组织不存在或不在您的管辖范围内。")
    elif code:
        org = orgs_adapter.find_by_code(code)
    else:
        raise ValidationError("请填写统一社会信用代码，或从登记库中选择社会组织。")
    services.link_organisation(request.user, p, org)


@login_required
@require_http_methods(["GET", "POST"])
def provider(request, pk: int):
    p = selectors.provider(request.user, pk)
    if request.method == "POST":
        try:
            if request.POST.get("what") == "organisation":
                _link_organisation(request, p)
            elif request.POST.get("what") == "document":
                services.add_document(request.user, p, kind=request.POST.get("kind", ""),
                                      number=request.POST.get("number", ""),
                                      expires_on=P.parse_date(request.POST.get("expires_on"), "有效期至"))
            else:
                services.set_provider_status(request.user, p, request.POST.get("status", ""),
                                             request.POST.get("reason", ""))
        except PermissionDenied:
            raise
        except ValidationError as exc:
            messages.error(request, _err(exc))
        else:
            messages.success(request, f"{p.name}：已保存（{p.get_status_display()}）")
        return redirect("services:provider", pk=p.pk)
    org = p.organisation if p.organisation_id else None
    return render(request, "services/provider.html", {
        "org": orgs_adapter.standing(org) if org else None,
        "org_choices": orgs_adapter.pickable(request.user) if _is_desk(request.user) else [],
        "p": p, "offers": p.offers.select_related("item", "area").order_by("item__code")[:200],
        "documents": p.documents.all(), "staff": selectors.staff_of(p), "changes": p.status_changes.select_related("by"),
        "recent": selectors.orders(request.user, provider=p)[:20], "today": timezone.localdate(),
        "document_kinds": ProviderDocument.KIND_CHOICES,
        "is_desk": _is_desk(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def meetings(request):
    if request.method == "POST":
        try:
            if request.POST.get("meeting"):
                m = selectors.meetings(request.user).filter(pk=P.parse_id(request.POST.get("meeting"), "会议") or 0).first()
                if m is None:
                    raise Http404("会议不存在或不在您的管辖范围内")
                services.follow_up_meeting(request.user, m, request.POST.get("follow_up", ""))
            else:
                region = selectors.meeting_area(request.user, request.POST.get("region", ""))
                if region is None:
                    raise ValidationError("请选择召集会议的社区或街道。")
                services.record_meeting(request.user, region=region,
                                        held_on=P.parse_date(request.POST.get("held_on"), "日期") or timezone.localdate(),
                                        attendees=request.POST.get("attendees", ""), minutes=request.POST.get("minutes", ""),
                                        decisions=request.POST.get("decisions", ""))
        except USER_ERRORS as exc:
            messages.error(request, _err(exc))
        else:
            messages.success(request, "已保存")
        return redirect("services:meetings")
    areas = selectors.meeting_areas(request.user)
    return render(request, "services/meetings.html", {"meetings": selectors.meetings(request.user)[:50], "areas": areas,
                                                      "today": timezone.localdate()})


@login_required
def catalogue(request):
    return render(request, "services/catalogue.html", {"series": selectors.catalogue(), "public": False})


# -- residents ----------------------------------------------------------------------------------------------
def public_catalogue(request):
    return render(request, "services/public_index.html", {"communities": selectors.public_communities()})


def public_community(request, code: str):
    community = selectors.public_communities().filter(code=code[:15]).first()
    if community is None:
        raise Http404("社区不存在")
    lng = lat = None
    try:
        from civicgrid.regions import locate

        point = locate.clean_point(request.GET.get("lng"), request.GET.get("lat"))
        if point:
            lng, lat = point
    except ValidationError:
        messages.error(request, "位置坐标无效，已按社区列出服务点。")
    return render(request, "services/public_community.html", {
        "community": community, "series": selectors.catalogue(community=community),
        "circle": selectors.service_circle(community, lng=lng, lat=lat), "located": lng is not None})


def _verified_phone(request) -> str:
    at = request.session.get(SESSION_AT)
    if not at or timezone.now().timestamp() - at > VERIFIED_FOR.total_seconds():
        return ""
    return session_secrets.get(request.session, SESSION_PHONE)


def _verify_step(request) -> tuple[str, str]:
    """Sends or checks the SMS code. Returns (verified phone or "", info text)."""
    p = request.POST
    if p.get("step") == "send_code":
        phone = hotline_adapter.send_code(p.get("phone", ""), ip=client_ip(request))
        session_secrets.put(request.session, SESSION_PENDING, phone)
        return "", "验证码已发送，请查看短信（5 分钟内有效）。"
    pending = session_secrets.get(request.session, SESSION_PENDING) or p.get("phone", "")
    phone = hotline_adapter.verify_code(pending, p.get("code", ""))
    session_secrets.put(request.session, SESSION_PHONE, phone)
    request.session[SESSION_AT] = timezone.now().timestamp()
    return phone, "手机号已验证。"


@require_http_methods(["GET", "POST"])
def resident_order(request):
    phone, error, info, status = _verified_phone(request), "", "", 200
    p = request.POST
    community = selectors.public_communities().filter(code=(request.GET.get("c") or p.get("community") or "")[:15]).first()
    item = selectors.item(request.GET.get("item") or p.get("item") or "", venue=False)
    if request.method == "POST":
        try:
            if p.get("step") in ("send_code", "verify"):
                phone, info = _verify_step(request)
                phone = phone or _verified_phone(request)
            elif p.get("step") == "order":
                if not phone:
                    raise ValidationError("请先验证手机号。")
                when = P.parse_datetime(p.get("scheduled_for"), "预约时间")
                o = services.place_order(services.Resident(phone), item=item, name=p.get("name", ""), phone=phone,
                                         address=p.get("address", ""), scheduled_for=when, region=community,
                                         note=p.get("note", ""))
                messages.success(request, f"已下单 {o.number}，服务商接单后会短信通知您。")
                return redirect("services:resident_mine")
        except USER_ERRORS as exc:
            error, status = _err(exc), status_of(exc)
    return render(request, "services/resident_order.html", {
        "phone": phone, "pending": session_secrets.get(request.session, SESSION_PENDING), "error": error, "info": info,
        "post": p, "items": selectors.orderable_items().filter(is_venue=False), "item": item, "community": community,
        "communities": selectors.public_communities(),
        "default_when": timezone.localtime(timezone.now() + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:00"),
    }, status=status)


@require_http_methods(["GET", "POST"])
def resident_mine(request):
    """The verified phone's orders: confirm and rate, complain, cancel."""
    phone, error, status = _verified_phone(request), "", 200
    if request.method == "POST" and request.POST.get("step") in ("send_code", "verify"):
        try:
            phone, info = _verify_step(request)
            phone = phone or _verified_phone(request)
            messages.info(request, info)
        except USER_ERRORS as exc:
            error, status = _err(exc), status_of(exc)
    elif request.method == "POST":
        if not phone:
            error, status = "请先验证手机号。", 400
        else:
            o = selectors.resident_orders(phone).filter(number=request.POST.get("number", "")[:20]).first()
            action = request.POST.get("action", "")
            try:
                if o is None:
                    raise Http404("订单不存在")
                if action not in ("confirm", "complain", "cancel"):
                    raise ValidationError("未知的操作。")
                inputs = {"rating": request.POST.get("rating"), "rating_note": request.POST.get("rating_note", "")} \
                    if action == "confirm" else {}
                services.resident_act(phone, o, action, note=request.POST.get("note", ""), **inputs)
            except USER_ERRORS as exc:
                error, status = _err(exc), status_of(exc)
            else:
                messages.success(request, f"已{W.ACTION_LABELS[action]}")
                return redirect("services:resident_mine")
    mine = []
    if phone:
        mine = list(selectors.resident_orders(phone)[:20])
    return render(request, "services/resident_mine.html", {
        "phone": phone, "orders": mine, "error": error, "pending": session_secrets.get(request.session, SESSION_PENDING),
        "rateable": (W.COMPLETED,), "complainable": (W.COMPLETED, W.CONFIRMED, W.CLOSED),
        "cancellable": (W.PLACED, W.ASSIGNED, W.ACCEPTED)}, status=status)
