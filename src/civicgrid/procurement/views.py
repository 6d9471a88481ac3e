"""Thin views: parse, call a service or selector, render. Refusals are shown with their reason."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core import params as P
from civicgrid.core.errors import USER_ERRORS, messages_of, status_of
from civicgrid.core.scoping import has_role, require_role, sees_everything
from civicgrid.orgs import catalogue
from civicgrid.orgs import selectors as orgs
from civicgrid.orgs import vocab as V

from . import selectors, services
from . import workflow as W
from .manifest import STAFF_ROLES


def _staff(user) -> None:
    require_role(user, *STAFF_ROLES)


def _is_buyer(user) -> bool:
    return sees_everything(user) or has_role(user, *W.BUYERS)


def _call(user, number: str):
    """A call in the user's jurisdiction; another unit's call is refused with the reason."""
    _staff(user)
    try:
        return selectors.call(user, number)
    except Http404:
        if selectors.call_exists(number):
            raise PermissionDenied("该项目不在您的管辖范围内。")
        raise


@login_required
def index(request):
    state = P.choice(request.GET.get("state"), "状态", W.STATE_LABELS)
    return render(request, "procurement/index.html", {
        "calls": selectors.calls(request.user, state=state)[:200], "state": state, "states": W.STATE_LABELS,
        "is_buyer": _is_buyer(request.user), "kinds": W.KINDS})


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    require_role(request.user, *W.BUYERS)
    funds = selectors.funds(request.user)
    reviewers = selectors.reviewers()
    ctx = {"funds": funds, "kinds": W.KINDS, "eligibility": W.ELIGIBILITY, "domains": V.DOMAINS,
           "reviewers": reviewers, "metrics": catalogue.METRICS, "data": request.POST, "rows": range(4),
           "formula": W.DEFAULT_FORMULA, "parts": W.FORMULA_PARTS}
    if request.method == "POST":
        d = request.POST
        try:
            fund = funds.filter(pk=P.parse_id(d.get("fund"), "资金来源") or 0).first()
            if fund is None:
                raise P.BadParameter("请选择资金来源。")
            deadline = P.parse_datetime(d.get("bid_deadline"), "投标截止时间")
            if deadline is None:
                raise P.BadParameter("请填写投标截止时间。")
            names, weights = d.getlist("criterion")[:10], d.getlist("weight")[:10]
            criteria = [(n[:100], P.parse_int(w, "权重", minimum=0, maximum=100, default=0))
                        for n, w in zip(names, weights) if n.strip()]
            conditions = []
            metric = P.choice(d.get("condition_metric"), "资格条件", catalogue.METRICS)
            if metric:
                conditions.append({"metric": metric, "value": P.clean_text(d.get("condition_value"), "条件参数",
                                                                            max_length=40)})
            ids = [P.parse_id(x, "评审专家") for x in d.getlist("reviewers")[:15]]
            panel = [u for u in reviewers if u.pk in ids]
            chair = next((u for u in panel if u.pk == P.parse_id(d.get("chair"), "评审组长")), None)
            formula = {k: P.parse_int(d.get(f"formula_{k}"), v, minimum=0, maximum=100, default=W.DEFAULT_FORMULA[k])
                       for k, v in {**W.FORMULA_PARTS, "pass_mark": "合格分"}.items()}
            call = services.create_call(
                request.user, title=d.get("title", "")[:200], kind=P.choice(d.get("kind"), "类别", W.KINDS),
                fund=fund, budget=d.get("budget", "")[:20], description=d.get("description", "")[:5000],
                domain=P.choice(d.get("domain"), "服务领域", V.DOMAINS),
                eligibility=P.choice(d.get("eligibility"), "申报资格", W.ELIGIBILITY, default="catalogue"),
                conditions=conditions, bid_deadline=deadline, criteria=criteria, formula=formula)
            if panel:
                services.appoint_panel(request.user, call, panel, chair)
        except USER_ERRORS as exc:
            ctx["error"] = messages_of(exc)
            return render(request, "procurement/new.html", ctx, status=status_of(exc))
        messages.success(request, f"已创建项目 {call.number}（草稿）")
        return redirect("procurement:detail", number=call.number)
    return render(request, "procurement/new.html", ctx)


@login_required
def detail(request, number: str):
    call = _call(request.user, number)
    progress = selectors.panel_progress(call)
    return render(request, "procurement/detail.html", {
        "call": call, "criteria": call.criteria.all(), "progress": progress,
        "bids": call.bids.select_related("organisation").prefetch_related("documents"),
        "actions": [t.action for t in services.MACHINE.available_actions(request.user, call)],
        "labels": W.ACTION_LABELS, "events": call.events.all(), "award": selectors.award_table(call),
        "contract": getattr(call, "contract", None), "is_buyer": _is_buyer(request.user),
        "criteria_names": [c.name for c in call.criteria.all()], "conditions": _condition_labels(call),
        "reviewers": selectors.reviewers()})


def _condition_labels(call) -> list[str]:
    return [f"{catalogue.METRICS[c['metric']].label} {c['value']}" for c in call.conditions
            if c.get("metric") in catalogue.METRICS]


@login_required
@require_POST
def act(request, number: str):
    require_role(request.user, *W.BUYERS)
    call = _call(request.user, number)
    action = P.choice(request.POST.get("action"), "操作", {**W.ACTION_LABELS, "panel": "组建评审小组"})
    try:
        if action == "panel":
            reviewers = selectors.reviewers()
            ids = [P.parse_id(x, "评审专家") for x in request.POST.getlist("reviewers")[:15]]
            panel = [u for u in reviewers if u.pk in ids]
            chair = next((u for u in panel if u.pk == P.parse_id(request.POST.get("chair"), "评审组长")), None)
            services.appoint_panel(request.user, call, panel, chair)
        else:
            services.act(request.user, call, action, note=P.clean_text(request.POST.get("note"), "说明",
                                                                      max_length=2000))
    except USER_ERRORS as exc:
        if isinstance(exc, PermissionDenied):
            raise
        messages.error(request, messages_of(exc))
    else:
        messages.success(request, f"已{ {**W.ACTION_LABELS, 'panel': '组建评审小组'}[action] }")
    return redirect("procurement:detail", number=call.number)


@login_required
def ledger(request):
    return render(request, "procurement/ledger.html", {
        "rows": [services.reconcile(f) for f in selectors.funds(request.user)],
        "entries": selectors.ledger(request.user)[:100], "is_buyer": _is_buyer(request.user),
        "fund_kinds": W.FUND_KINDS, "this_year": timezone.localdate().year})


@login_required
@require_POST
def fund_new(request):
    require_role(request.user, *W.BUYERS)
    d = request.POST
    try:
        services.save_fund(request.user, name=d.get("name", "")[:200], kind=P.choice(d.get("kind"), "资金来源", W.FUND_KINDS),
                           year=P.parse_int(d.get("year"), "年度", minimum=2000, maximum=2100,
                                            default=timezone.localdate().year),
                           amount=d.get("amount", "")[:20])
    except USER_ERRORS as exc:
        if isinstance(exc, PermissionDenied):
            raise
        messages.error(request, messages_of(exc))
    else:
        messages.success(request, "已登记资金来源。")
    return redirect("procurement:ledger")


# -- contract execution --------------------------------------------------------------------------------

def _contract(user, number: str):
    """Staff of the buying unit in scope, or the contracted organisation's own accounts."""
    c = selectors.contract_for_account(user, number)
    if c is not None:
        return c, True
    _staff(user)
    try:
        return selectors.contract(user, number), False
    except Http404:
        if selectors.contract_exists(number):
            raise PermissionDenied("该合同不在您的管辖范围内。")
        raise


@login_required
def contract(request, number: str):
    c, is_org = _contract(request.user, number)
    return render(request, "procurement/contract.html", {
        "c": c, "is_org": is_org, "is_buyer": _is_buyer(request.user) and not is_org,
        "milestones": c.milestones.prefetch_related("reports", "evaluations"), "payments": c.payments.all(),
        "formula": c.call.formula_or_default, "parts": W.FORMULA_PARTS, "paid": c.paid()})


MILESTONE_ACTIONS = {"report": "提交节点报告", "evaluate": "绩效评估", "pay": "付款"}


@login_required
@require_POST
def milestone_act(request, number: str, seq: int):
    c, is_org = _contract(request.user, number)
    m = c.milestones.filter(seq=seq).first()
    if m is None:
        raise Http404("该节点不存在。")
    action = P.choice(request.POST.get("action"), "操作", MILESTONE_ACTIONS)
    d = request.POST
    try:
        if action == "report":
            services.report_milestone(request.user, m, text=d.get("text", "")[:5000], self_score=d.get("self_score", "")[:10],
                                      evidence=request.FILES.get("evidence"))
        elif action == "evaluate":
            services.evaluate(request.user, m, satisfaction=d.get("satisfaction", "")[:10],
                              third_party=d.get("third_party", "")[:10], note=d.get("note", "")[:300])
        elif action == "pay":
            services.pay(request.user, m)
        else:
            raise P.BadParameter("请选择操作。")
    except USER_ERRORS as exc:
        if isinstance(exc, PermissionDenied):
            raise
        messages.error(request, messages_of(exc))
    else:
        messages.success(request, f"已{MILESTONE_ACTIONS[action]}（第{m.seq}期）")
    return redirect("procurement:contract", number=c.number)


# -- the organisation's portal: bidding -------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def bid(request, number: str):
    call = selectors.public_call(number)
    mine = orgs.my_organisations(request.user)
    ctx = {"call": call, "orgs": mine, "checks": [(o, services.eligibility(call, o)) for o in mine],
           "mine": selectors.my_bids(request.user).filter(call=call), "data": request.POST}
    if request.method == "POST":
        org = next((o for o in mine if o.pk == P.parse_id(request.POST.get("organisation"), "机构")), None)
        if org is None:
            raise PermissionDenied("您不是该社会组织的机构账号，不能投标。")
        try:
            services.submit_bid(request.user, call, org, amount=request.POST.get("amount", "")[:20],
                                proposal=request.POST.get("proposal", "")[:9000],
                                documents=request.FILES.getlist("documents")[:10])
        except USER_ERRORS as exc:
            ctx["error"] = messages_of(exc)
            return render(request, "procurement/bid.html", ctx, status=status_of(exc))
        messages.success(request, f"{org.name}已提交投标。")
        return redirect("orgs:portal")
    return render(request, "procurement/bid.html", ctx)


# -- the panel --------------------------------------------------------------------------------------------

@login_required
def panel(request):
    return render(request, "procurement/panel.html", {"calls": selectors.panel_calls(request.user)})


SCORE_ACTIONS = {"declare": "声明利益冲突", "score": "保存评分", "submit": "提交评分"}


@login_required
@require_http_methods(["GET", "POST"])
def score(request, number: str):
    require_role(request.user, W.REVIEWER)
    call, seat = selectors.panel_call(request.user, number)
    if request.method == "POST":
        action = P.choice(request.POST.get("action"), "操作", SCORE_ACTIONS)
        try:
            if action == "declare":
                services.declare(request.user, call, conflicts=request.POST.getlist("conflicts")[:50],
                                 note=request.POST.get("note", "")[:300])
            elif action == "score":
                b = call.bids.filter(pk=P.parse_id(request.POST.get("bid"), "投标") or 0).first()
                if b is None:
                    raise P.BadParameter("请选择投标。")
                values = {c.pk: request.POST.get(f"c{c.pk}", "")[:10] for c in call.criteria.all()}
                services.score(request.user, call, b, values, comment=request.POST.get("comment", "")[:300])
            elif action == "submit":
                services.submit_scores(request.user, call)
            else:
                raise P.BadParameter("请选择操作。")
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
        else:
            messages.success(request, f"已{SCORE_ACTIONS[action]}。")
        return redirect("procurement:score", number=call.number)
    seat.refresh_from_db()
    visible = selectors.scores(request.user, call)
    own = {(s.bid_id, s.criterion_id): s.value for s in visible if s.seat_id == seat.pk}
    crit = list(call.criteria.all())
    bids = [{"bid": b, "conflicted": b.pk in seat.conflicts,
             "cells": [(c, own.get((b.pk, c.pk), "")) for c in crit]}
            for b in call.bids.filter(state__in=["submitted", "won", "lost"]).select_related("organisation")
            .prefetch_related("documents")]
    progress = selectors.panel_progress(call)
    return render(request, "procurement/score.html", {
        "call": call, "seat": seat, "bids": bids, "criteria": crit, "progress": progress,
        "others": [s for s in visible if s.seat_id != seat.pk]})


# -- public pages -------------------------------------------------------------------------------------------

def public_list(request):
    return render(request, "procurement/public_list.html", {"calls": selectors.public_calls()[:100]})


def public_call(request, number: str):
    call = selectors.public_call(number)
    return render(request, "procurement/public_call.html", {
        "call": call, "criteria": call.criteria.all(), "award": selectors.award_table(call),
        "conditions": _condition_labels(call), "criteria_names": [c.name for c in call.criteria.all()],
        "formula": call.formula_or_default, "parts": W.FORMULA_PARTS,
        "bids": call.bids.count(), "contract": getattr(call, "contract", None)})
