"""Thin views, phone first (helpers work on phones over slow networks): parse, call a service or a
selector, render. Every page checks the care seats first (access.require: 403 with the reason)."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core import params as P
from civicgrid.core.errors import USER_ERRORS, messages_of, status_of
from civicgrid.core.reveal import no_store

from . import access, overview as O, selectors, services
from . import services_adapter as supermarket
from . import rhythms as RH
from . import workflow as W
from .models import FINDINGS, Alert

REFUSALS = USER_ERRORS


def _week_end(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=6 - day.weekday())


@login_required
def index(request):
    """今日/本周待联系: the helper's own due list."""
    access.require(request.user)
    today = timezone.localdate()
    scope = "week" if request.GET.get("scope") == "week" else "today"
    rows = list(selectors.due(request.user, today, until=_week_end(today) if scope == "week" else today)[:300])
    return render(request, "care/index.html", {
        "rows": rows, "scope": scope, "today": today, "week_end": _week_end(today),
        "alerts": list(selectors.alerts(request.user)[:5]),
        "is_working_day": services.calendar().is_working_day(today),
    })


@login_required
@require_http_methods(["GET", "POST"])
def log(request, pk: int):
    """记录联系: reached or not, findings, follow-up; a home visit sends the phone's position (care.js)."""
    access.require(request.user)
    rhythm = selectors.rhythm(request.user, pk)
    if request.method == "POST":
        reached = request.POST.get("reached") == "1"
        try:
            c = services.log_contact(
                request.user, rhythm, reached=reached, contact=request.POST.get("contact") or rhythm.contact,
                findings=request.POST.getlist("findings"), note=request.POST.get("note", ""),
                follow_up=request.POST.get("follow_up") == "1", follow_up_note=request.POST.get("follow_up_note", ""),
                lng=request.POST.get("lng"), lat=request.POST.get("lat"))
        except REFUSALS as exc:
            messages.error(request, messages_of(exc))
            return render(request, "care/log.html", _log_context(rhythm, request.POST), status=status_of(exc))
        person = rhythm.plan.person
        messages.success(request, f"已记录：{person}{'，已联系上' if c.reached else '，未联系上'}")
        return redirect("care:index")
    return render(request, "care/log.html", _log_context(rhythm, None))


def _log_context(rhythm, data) -> dict:
    return {"r": rhythm, "person": rhythm.plan.person, "findings": FINDINGS.items(), "data": data,
            "chosen": data.getlist("findings") if data else [], "contacts": RH.CONTACT_LABELS.items()}


@login_required
@require_POST
def call(request, pk: int):
    """拨打: the full number once, for the call, logged as a reveal with its purpose."""
    access.require(request.user)
    plan = selectors.plan(request.user, pk)
    try:
        phone = services.call_number(request.user, plan)
    except PermissionDenied:
        raise
    except REFUSALS as exc:
        messages.error(request, messages_of(exc))
        return redirect("care:plan", pk=plan.pk)
    response = HttpResponse(status=302)
    response["Location"] = f"tel:{phone}"
    return no_store(response)


@login_required
def plan(request, pk: int):
    access.require(request.user)
    p = selectors.plan(request.user, pk)
    return render(request, "care/plan.html", {
        "p": p, "person": p.person, "rhythms": p.rhythms.select_related("worker"),
        "responders": p.responders.select_related("user"), "contacts": selectors.contacts(request.user, p),
        "misses": p.misses.select_related("rhythm")[:10], "alerts": p.alerts.all()[:10],
        "can_raise": True, "orders": supermarket.orders_of(p.person), "can_order": access.may_order(request.user),
        "can_edit": services.may_edit(request.user, p),
    })


@login_required
@require_http_methods(["GET", "POST"])
def order(request, pk: int):
    """为关爱对象下单: an item of the service supermarket the person is entitled to, placed by the services app
    (channel "care"). The phone defaults to the register's, never shown in clear; any refusal keeps the form."""
    access.require(request.user)
    p = selectors.plan(request.user, pk)
    access.require_order(request.user)
    person = p.person
    if request.method == "POST":
        data = request.POST
        try:
            o = supermarket.place_for_plan(
                request.user, p, item_code=data.get("item", ""), scheduled_for=data.get("scheduled_for", ""),
                name=data.get("name", ""), phone=(data.get("phone") or "").strip() or person.phone,
                address=data.get("address", ""), note=data.get("note", ""))
        except REFUSALS as exc:
            messages.error(request, messages_of(exc))
            return render(request, "care/order.html", _order_context(p, data), status=status_of(exc))
        note = supermarket.subsidy_note(o)
        messages.success(request, f"已下单 {o.number}（{o.item.name}，{o.state_label}）"
                                  + (f"，补贴 {o.subsidy.normalize():f} 元" if o.subsidy else "") + (f"；{note}" if note else ""))
        return redirect("care:plan", pk=p.pk)
    return render(request, "care/order.html", _order_context(p, None))


def _order_context(p, data) -> dict:
    person = p.person
    default_when = timezone.localtime(timezone.now() + dt.timedelta(hours=2)).replace(minute=0, second=0,
                                                                                     microsecond=0)
    return {"p": p, "person": person, "offers": supermarket.offers_for(person, p.community), "data": data,
            "address": supermarket.address_of(person), "default_when": default_when.strftime("%Y-%m-%dT%H:%M")}


@login_required
def plans(request):
    """Care-group members in scope and whether they have a plan (coverage), with a button to make one."""
    access.require(request.user)
    rows = O.members(request.user)
    return render(request, "care/plans.html", {"rows": rows[:300], "total": len(rows),
                                               "planned": sum(1 for r in rows if r["plan"])})


@login_required
@require_POST
def plan_new(request):
    access.require(request.user)
    from civicgrid.people.selectors import people_for

    pid = P.parse_id(request.POST.get("person"), "居民")
    person = people_for(request.user).filter(pk=pid or 0).first() if pid else None
    if person is None:
        messages.error(request, "请选择管辖范围内的居民。")
        return redirect("care:plans")
    try:
        p = services.create_plan(request.user, person)
    except REFUSALS as exc:
        messages.error(request, messages_of(exc))
        return redirect("care:plans")
    messages.success(request, f"已为{person}建立关爱计划（日电话、周上门、月访视）")
    return redirect("care:plan", pk=p.pk)


@login_required
def alerts(request):
    access.require(request.user)
    state = request.GET.get("state", "open")
    state = state if state in ("open", "all", *W.STATE_LABELS) else "open"
    return render(request, "care/alerts.html", {
        "alerts": selectors.alerts(request.user, state=state)[:100], "state": state,
        "states": [("open", "待处置"), *W.STATE_LABELS.items(), ("all", "全部")],
    })


@login_required
@require_http_methods(["GET", "POST"])
def alert_new(request):
    """登记来电求助: a worker raises an alert for one of their people."""
    access.require(request.user)
    choices = selectors.plans(request.user).filter(ended_on__isnull=True).select_related("person")[:500]
    if request.method == "POST":
        pid = P.parse_id(request.POST.get("plan"), "关爱对象")
        p = selectors.plans(request.user).filter(pk=pid or 0).first() if pid else None
        if p is None:
            messages.error(request, "请选择您负责或管辖范围内的关爱对象。")
        else:
            try:
                a = services.raise_alert(request.user, p, source="call", kind=request.POST.get("kind", ""),
                                         note=request.POST.get("note", ""), location=request.POST.get("location", ""),
                                         health=request.POST.get("health", ""))
            except REFUSALS as exc:
                messages.error(request, messages_of(exc))
            else:
                messages.success(request, f"已发起求助 {a.number}，已通知值守响应人")
                return redirect("care:alert", number=a.number)
        return render(request, "care/alert_new.html", {"plans": choices, "kinds": W.ALERT_KINDS.items(),
                                                       "data": request.POST}, status=400)
    return render(request, "care/alert_new.html", {"plans": choices, "kinds": W.ALERT_KINDS.items(), "data": {}})


@login_required
def alert(request, number: str):
    access.require(request.user)
    a = selectors.alert(request.user, number)
    revealed = request.session.pop(f"care-reveal-{a.pk}", None)
    value = None
    if revealed and revealed.get("field") in Alert.REVEALABLE:
        value = getattr(a, revealed["field"])  # re-read now: the session holds only which field, never the value
    response = render(request, "care/alert.html", {
        "a": a, "person": a.plan.person, "events": a.events.all(),
        "actions": [(x, W.ACTION_LABELS[x]) for x in services.available_actions(request.user, a)],
        "outcomes": W.OUTCOMES.items(), "can_reveal": services.can_reveal(request.user, a),
        "revealed": revealed, "revealed_value": value, "fields": Alert.REVEALABLE.items(),
    })
    return no_store(response) if value else response


@login_required
@require_POST
def alert_act(request, number: str):
    access.require(request.user)
    a = selectors.alert(request.user, number)
    action = request.POST.get("action", "")
    try:
        services.act_alert(request.user, a, action, note=request.POST.get("note", ""),
                           outcome=request.POST.get("outcome") or None,
                           expected_version=P.parse_int(request.POST.get("version"), "版本", minimum=0)
                           if request.POST.get("version") else None,
                           lng=request.POST.get("lng"), lat=request.POST.get("lat"))
    except REFUSALS as exc:
        status = status_of(exc)
        messages.error(request, messages_of(exc))
        if status == 403:
            return HttpResponse(messages_of(exc), status=403, content_type="text/plain; charset=utf-8")
    else:
        messages.success(request, f"已{W.ACTION_LABELS.get(action, action)}")
    return redirect("care:alert", number=a.number)


@login_required
@require_POST
def alert_reveal(request, number: str):
    access.require(request.user)
    a = selectors.alert(request.user, number)
    field = request.POST.get("field", "")
    try:
        services.reveal_alert(request.user, a, field, request.POST.get("reason", ""))
    except PermissionDenied:
        raise
    except REFUSALS as exc:
        messages.error(request, messages_of(exc))
    else:
        request.session[f"care-reveal-{a.pk}"] = {"field": field, "label": Alert.REVEALABLE[field]}
    return redirect("care:alert", number=a.number)


@login_required
def overview(request):
    """关爱概览: per community — plan coverage, contacts on time this month, alerts and response times."""
    access.require(request.user)
    try:
        month = P.parse_month(request.GET.get("month"), "月份", field="month",
                              default=timezone.localdate().replace(day=1))
    except REFUSALS as exc:
        messages.error(request, messages_of(exc))
        month = timezone.localdate().replace(day=1)
    rows = O.by_community(request.user, month)
    return render(request, "care/overview.html", {"rows": rows, "month": month, "total": O.total(rows)})


