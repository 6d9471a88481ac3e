"""Thin views, phone first: parse, call a service or selector, render."""
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

from civicgrid.core import audit
from civicgrid.core import params as P
from civicgrid.core.scoping import has_role, sees_everything
from civicgrid.core.errors import USER_ERRORS, messages_of, status_of

from . import cases_adapter, forms, report, selectors, services
from . import workflow as W
from .models import REFERRAL_CHOICES, TYPE_CHOICES, Mediator, Party


_error_text = messages_of
REFUSALS = USER_ERRORS


@login_required
def worklist(request):
    state = request.GET.get("state", "open")
    qs = selectors.disputes(request.user, state=state, tier=request.GET.get("tier", ""),
                            risky=request.GET.get("risky") == "1")
    page = Paginator(qs.prefetch_related("mediators"), 30).get_page(request.GET.get("page"))
    return render(request, "mediation/worklist.html", {
        "page": page, "state": state, "states": [("open", "在办"), *W.STATE_LABELS.items(), ("all", "全部")],
        "now": timezone.now(), "can_register": _may_register(request.user),
    })


def _may_register(user) -> bool:
    return sees_everything(user) or has_role(user, *[r for r in W.REGISTRARS if r != W.SYSTEM])


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    if not _may_register(request.user):
        raise PermissionDenied("登记纠纷需要以下角色之一：人民调解员、网格员、社区工作者、热线话务员、街道派遣员、区指挥中心")
    initial = {k: request.GET[k] for k in ("source", "screening", "region", "type") if request.GET.get(k)}
    form = forms.DisputeForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            d = services.register(request.user, **form.service_kwargs())
        except REFUSALS as exc:
            form.add_error(None, _error_text(exc))
        else:
            messages.success(request, f"已登记纠纷 {d.number}")
            return redirect("mediation:detail", number=d.number)
    return render(request, "mediation/new.html", {"form": form, "picker": selectors.may_pick_residents(request.user)},
                  status=400 if form.errors else 200)


@login_required
def residents(request):
    """The party picker's search (a fragment): registered residents in the user's jurisdiction, masked.
    Only the seats that use the register may search it; the search is logged like every register search."""
    from civicgrid.people.permissions import require_register_access
    from civicgrid.people.services import record_search

    require_register_access(request.user)
    q = P.clean_text(request.GET.get("q"), "查找居民", field="q", max_length=50).strip()
    side = P.choice(request.GET.get("side"), "当事方", dict(Party.SIDE_CHOICES), field="side", default="applicant")
    if len(q) < 2:
        return render(request, "mediation/_residents.html", {"q": q, "short": True})
    found = selectors.register_matches(request.user, q)
    record_search(request.user, {"q": q}, len(found), extra={"via": "mediation.party_picker"})
    return render(request, "mediation/_residents.html", {"q": q, "found": found, "side": side})


def _detail_response(request, d, *, revealed: dict | None = None, status: int = 200):
    response = render(request, "mediation/detail.html", {
        "d": d, "parties": d.parties.select_related("person"), "sessions": d.sessions.select_related("room"),
        "events": d.events.all(), "followups": d.followups.all(), "referrals": d.referrals.all(),
        "alerts": d.alerts.all(), "agreement": getattr(d, "agreement", None),
        "actions": [t.action for t in services.available_actions(request.user, d)],
        "action_labels": W.ACTION_LABELS, "can_reveal": services.can_reveal(request.user, d), "revealed": revealed,
        "mediators": selectors.mediators(request.user, active_only=True),
        "rooms": selectors.rooms(request.user, active_only=True), "referral_choices": REFERRAL_CHOICES,
        "risk_levels": W.RISK_LEVELS.items(), "risk_flags": W.RISK_FLAGS.items(),
        "outcomes": [("continue", "继续调解"), ("agreement", "达成一致"), ("failed", "调解不成")],
        "now": timezone.now(),
    }, status=status)
    if revealed:
        from civicgrid.core.reveal import no_store

        no_store(response)  # the page shows a full value once: no cache may keep it
    return response


@login_required
def detail(request, number: str):
    return _detail_response(request, selectors.dispute(request.user, number))


@login_required
@require_POST
def act(request, number: str):
    d = selectors.dispute(request.user, number)
    action = request.POST.get("action", "")
    try:
        inputs = forms.action_inputs(request.user, action, request.POST)
        services.act(request.user, d, action, note=request.POST.get("note", ""),
                     expected_version=request.POST.get("version") or None, **inputs)
    except REFUSALS as exc:
        status = status_of(exc)
        messages.error(request, _error_text(exc))
        if request.headers.get("HX-Request") or status == 403:
            return HttpResponse(_error_text(exc), status=status, content_type="text/plain; charset=utf-8")
    else:
        messages.success(request, f"已{W.ACTION_LABELS.get(action, action)}")
    return redirect("mediation:detail", number=d.number)


@login_required
@require_POST
def reveal(request, number: str):
    d = selectors.dispute(request.user, number)
    party = d.parties.filter(pk=P.parse_id(request.POST.get("party"), "当事人") or 0).first()
    if party is None:
        party = d.parties.first()
    if party is None:
        raise Http404("当事人不存在")
    field = request.POST.get("field", "")
    try:
        value = services.reveal_party(request.user, party, field, request.POST.get("reason", ""))
    except PermissionDenied:
        raise
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return redirect("mediation:detail", number=d.number)
    # The full value is rendered into this one response (not kept in the session, which is only signed
    # and encoded, and not cached): reloading the page shows the masked value again.
    return _detail_response(request, d, revealed={
        "party": party.pk, "field": field, "value": value,
        "label": dict(zip(Party.REVEALABLE, ("姓名", "电话", "证件号码")))[field]})


@login_required
def agreement(request, number: str):
    d = selectors.dispute(request.user, number)
    a = getattr(d, "agreement", None)
    if a is None:
        raise Http404("该纠纷尚无调解协议")
    audit.record(request.user, "dispute.view", d, detail={"agreement": a.number})
    return render(request, "mediation/agreement_print.html", {"d": d, "a": a, "parties": d.parties.all()})


@login_required
@require_http_methods(["GET", "POST"])
def screening(request):
    today = timezone.localdate()
    week = services.monday(today)
    if request.method == "POST":
        region = selectors.screenable(request.user).filter(code=request.POST.get("region", "")).first()
        try:
            s = services.record_screening(request.user, region=region, found=request.POST.get("found") or 0,
                                          note=request.POST.get("note", ""))
        except REFUSALS as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, f"已登记{s.region.name}本周排查：" + ("未发现矛盾纠纷" if s.found == 0 else f"发现 {s.found} 起"))
            if s.found:
                return redirect(f"{_url('mediation:new')}?source=screening&screening={s.pk}&region={s.region.code}")
        return redirect("mediation:screening")
    try:
        week = dt.date.fromisoformat(request.GET["week"]) if request.GET.get("week") else week
    except ValueError:
        messages.error(request, "周日期格式应为 YYYY-MM-DD。")
    week = services.monday(week)
    return render(request, "mediation/screening.html", {
        "week": week, "coverage": selectors.coverage(request.user, week),
        "regions": selectors.screenable(request.user), "records": selectors.screenings(request.user, week),
    })


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)


@login_required
@require_http_methods(["GET", "POST"])
def register(request):
    """The register of mediators and mediation rooms, with their load."""
    if request.method == "POST":
        region = selectors.report_areas(request.user).filter(code=request.POST.get("region", "")).first()
        kind = request.POST.get("what")
        specs = request.POST.getlist("specialities")
        try:
            if kind == "room":
                lead = selectors.mediators(request.user).filter(pk=request.POST.get("lead") or 0).first()
                services.save_room(request.user, region=region, name=request.POST.get("name", ""),
                                   address=request.POST.get("address", ""), specialities=specs, lead=lead)
            else:
                services.save_mediator(request.user, region=region, name=request.POST.get("name", ""),
                                       kind=request.POST.get("kind", ""), phone=request.POST.get("phone", ""),
                                       specialities=specs, max_load=request.POST.get("max_load") or 5)
        except REFUSALS as exc:
            messages.error(request, _error_text(exc))
        else:
            messages.success(request, "已登记")
        return redirect("mediation:register")
    return render(request, "mediation/register.html", {
        "mediators": selectors.mediators(request.user), "rooms": selectors.rooms(request.user),
        "areas": selectors.report_areas(request.user), "types": TYPE_CHOICES, "kinds": Mediator.KIND_CHOICES,
    })


@login_required
@require_http_methods(["GET", "POST"])
def handover(request):
    """Dispute-category cases from the closed loop, handed over to mediation."""
    if request.method == "POST":
        try:
            d = cases_adapter.handover(request.user, request.POST.get("case", ""))
        except REFUSALS as exc:
            messages.error(request, _error_text(exc))
            return redirect("mediation:handover")
        audit.record(request.user, "dispute.handover", d, detail={"case": d.case_number})
        messages.success(request, f"案件 {d.case_number} 已移交调解：{d.number}")
        return redirect("mediation:detail", number=d.number)
    return render(request, "mediation/handover.html", {"cases": cases_adapter.dispute_cases(request.user)})


def _month(value: str | None) -> dt.date:
    # The shared parser: "0001-01" parsed before and then overflowed the month arithmetic (a 500).
    return P.parse_month(value, "月份", field="month", default=timezone.localdate().replace(day=1))


@login_required
def report_view(request):
    areas = selectors.report_areas(request.user)
    code = request.GET.get("area")
    area = areas.filter(code=code).first() if code else areas.first()
    if code and area is None:
        raise Http404("该区域不存在或不在您的管辖范围内")
    try:
        month = _month(request.GET.get("month"))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        month = timezone.localdate().replace(day=1)
    if area is None:
        return render(request, "mediation/report.html", {"data": None, "areas": areas})
    data = report.monthly(area, month)
    if request.GET.get("format") == "xlsx":
        audit.record(request.user, "dispute.report_export", area, detail={"month": f"{month:%Y-%m}"})
        from civicgrid.core import spreadsheet

        return spreadsheet.download(report.workbook(data), f"矛盾纠纷排查月报-{area.name}-{month:%Y-%m}.xlsx")
    rows = [{**r, "rate": report.pct(r["success_rate"])} for r in data["rows"]]
    total = {**data["total"], "rate": report.pct(data["total"]["success_rate"])}
    return render(request, "mediation/report.html", {"data": data, "rows": rows, "total": total, "areas": areas,
                                                     "area": area, "month": month})
