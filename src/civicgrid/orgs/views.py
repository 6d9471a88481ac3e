"""Thin views: parse, call a service or selector, render. Refusals are shown with their reason."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core import params as P
from civicgrid.core.errors import USER_ERRORS, messages_of, status_of
from civicgrid.core.scoping import has_role, require_role, sees_everything, user_roles

from . import catalogue, selectors, services, services_adapter
from . import vocab as V
from .manifest import OVERSEERS, REGISTRAR
from .models import INCUBATION_STATES, SUPPORT_KINDS


def _overseer(user) -> None:
    require_role(user, *OVERSEERS)


def _is_registrar(user) -> bool:
    return sees_everything(user) or has_role(user, REGISTRAR)


@login_required
def index(request):
    _overseer(request.user)
    q = P.clean_text(request.GET.get("q"), "关键词", max_length=50)
    kind = P.choice(request.GET.get("kind"), "类型", V.KIND_LABELS)
    status = P.choice(request.GET.get("status"), "状态", V.STATUS_LABELS)
    domain = P.choice(request.GET.get("domain"), "服务领域", V.DOMAINS)
    qs = selectors.organisations(request.user, q=q, kind=kind, status=status, domain=domain)
    page = Paginator(qs, 30).get_page(P.parse_int(request.GET.get("page"), "页码", minimum=1, maximum=100000))
    return render(request, "orgs/index.html", {
        "page": page, "q": q, "kind": kind, "status": status, "domain": domain, "kinds": V.KIND_LABELS,
        "statuses": V.STATUS_LABELS, "domains": V.DOMAINS, "is_registrar": _is_registrar(request.user)})


def _region_choice(qs, raw, label):
    code = P.clean_text(raw, label, max_length=20)
    region = qs.filter(code=code).first() if code else None
    if region is None:
        raise P.BadParameter(f"请选择{label}。")
    return region


@login_required
@require_http_methods(["GET", "POST"])
def new(request):
    """登记 (district registrars) or 备案 (street registrars): one form, the kind decides."""
    require_role(request.user, REGISTRAR)
    ctx = {"kinds": V.KIND_LABELS, "domains": V.DOMAINS, "parties": V.PARTY_COVERAGE,
           "districts": selectors.districts(request.user), "streets": selectors.filing_streets(request.user),
           "hubs": selectors.hubs(request.user), "data": request.POST}
    if request.method == "POST":
        d = request.POST
        try:
            kind = P.choice(d.get("kind"), "类型", V.KIND_LABELS) or V.COMMUNITY_GROUP
            hub_id = P.parse_id(d.get("hub"), "枢纽型组织")
            hub = selectors.hubs(request.user).filter(pk=hub_id).first() if hub_id else None
            common = dict(name=d.get("name", "")[:200], domains=d.getlist("domains"), hub=hub,
                          party_coverage=P.choice(d.get("party_coverage"), "党组织覆盖", V.PARTY_COVERAGE, default="none"))
            if kind == V.COMMUNITY_GROUP:
                org = services.file_group(
                    request.user, street=_region_choice(selectors.filing_streets(request.user), d.get("street"), "备案街道"),
                    filed_on=P.parse_date(d.get("filed_on"), "备案日期"), charter=d.get("charter", "")[:5000],
                    place=d.get("place", "")[:300], leader=d.get("leader", "")[:100],
                    members=P.parse_int(d.get("members"), "成员人数", minimum=0, maximum=100000, default=0),
                    funds=d.get("funds", "")[:300], yearly_plan=d.get("yearly_plan", "")[:5000], **common)
            else:
                org = services.register(
                    request.user, kind=kind, credit_code=d.get("credit_code", "")[:40],
                    region=_region_choice(selectors.districts(request.user), d.get("district"), "登记管理机关所在区"),
                    supervisor=d.get("supervisor", "")[:100], legal_rep=d.get("legal_rep", "")[:100],
                    legal_rep_phone=P.clean_text(d.get("legal_rep_phone"), "联系电话", max_length=20),
                    registered_on=P.parse_date(d.get("registered_on"), "登记日期"), address=d.get("address", "")[:300],
                    is_hub=d.get("is_hub") == "1", summary=d.get("summary", "")[:3000], **common)
        except USER_ERRORS as exc:
            ctx["error"] = messages_of(exc)
            return render(request, "orgs/new.html", ctx, status=status_of(exc))
        messages.success(request, f"已{'备案' if org.status == V.FILED else '登记'}：{org.name}")
        return redirect("orgs:detail", pk=org.pk)
    return render(request, "orgs/new.html", ctx)


@login_required
def detail(request, pk: int):
    _overseer(request.user)
    org = selectors.organisation(request.user, pk)
    today = timezone.localdate()
    return render(request, "orgs/detail.html", {
        "org": org, "staff": org.staff.all(), "inspections": org.inspections.all(), "grades": org.grades.all(),
        "grade": selectors.current_grade(org, today), "events": org.credit_events.all(),
        "credit_label": _credit_label(org), "standing": getattr(org, "standing", None),
        "spells": selectors.spells(request.user, org), "attached": org.attached.all(),
        "incubations": org.incubations.select_related("incubator"), "filing": getattr(org, "filing", None),
        "is_registrar": _is_registrar(request.user), "kinds": V.KIND_LABELS, "results": V.INSPECTION_RESULTS,
        "grades_choices": V.GRADES, "credit_kinds": V.CREDIT_KINDS, "credit_categories": V.CREDIT_CATEGORIES,
        "credit_sources": V.CREDIT_SOURCES, "certificates": V.CERTIFICATES, "parties": V.PARTY_COVERAGE,
        "districts": selectors.districts(request.user), "this_year": today.year,
        "areas": ", ".join(r.name for r in org.service_area.all()),
        "provided": services_adapter.services_of(org),
    })


def _credit_label(org) -> str:
    from . import rules

    return rules.label_of(org.credit_status)


ACTIONS = ("staff", "inspection", "grade", "credit", "promote", "party")


@login_required
@require_POST
def act(request, pk: int):
    """The registrar's writes on one organisation; the service checks the role and jurisdiction."""
    require_role(request.user, REGISTRAR)
    org = selectors.organisation(request.user, pk)
    d = request.POST
    action = P.choice(d.get("action"), "操作", ACTIONS)
    try:
        if action == "staff":
            services.add_staff(request.user, org, name=d.get("name", "")[:100], title=d.get("title", "")[:100],
                               certificate=P.choice(d.get("certificate"), "职业资格", V.CERTIFICATES),
                               certificate_no=d.get("certificate_no", "")[:50])
        elif action == "inspection":
            services.decide_inspection(request.user, org,
                                       year=P.parse_int(d.get("year"), "年度", minimum=2000, maximum=2100, default=0) or 0,
                                       result=P.choice(d.get("result"), "结论", V.INSPECTION_RESULTS),
                                       note=d.get("note", "")[:500])
        elif action == "grade":
            services.award_grade(request.user, org, level=P.parse_int(d.get("level"), "等级", minimum=1, maximum=5,
                                                                       default=0),
                                 awarded_on=P.parse_date(d.get("awarded_on"), "评定日期", default=timezone.localdate()),
                                 assessor=d.get("assessor", "")[:100])
        elif action == "credit":
            services.add_credit_event(request.user, org, kind=P.choice(d.get("kind"), "性质", V.CREDIT_KINDS),
                                      category=P.choice(d.get("category"), "类别", V.CREDIT_CATEGORIES),
                                      source=P.choice(d.get("source"), "来源", V.CREDIT_SOURCES),
                                      occurred_on=P.parse_date(d.get("occurred_on"), "日期",
                                                               default=timezone.localdate()),
                                      description=d.get("description", "")[:500])
        elif action == "promote":
            services.promote(request.user, org, kind=P.choice(d.get("kind"), "类型", V.KIND_PREFIX),
                             credit_code=d.get("credit_code", "")[:40],
                             district=_region_choice(selectors.districts(request.user), d.get("district"), "区"))
        elif action == "party":
            services.update_profile(request.user, org,
                                    party_coverage=P.choice(d.get("party_coverage"), "党组织覆盖", V.PARTY_COVERAGE),
                                    party_members=P.parse_int(d.get("party_members"), "党员人数", minimum=0,
                                                              maximum=100000, default=0))
        else:
            raise P.BadParameter("请选择操作。")
    except USER_ERRORS as exc:
        if isinstance(exc, PermissionDenied):
            raise
        messages.error(request, messages_of(exc))
    else:
        messages.success(request, "已保存。")
    return redirect("orgs:detail", pk=org.pk)


@login_required
def catalogue_view(request):
    """The catalogue with every organisation's reasons (in or out), and who was in on a given date."""
    _overseer(request.user)
    show = P.choice(request.GET.get("show"), "范围", {"in": 1, "out": 1, "all": 1}, default="all")
    on = P.parse_date(request.GET.get("on"), "查询日期")
    qs = selectors.standings(request.user, included={"in": True, "out": False}.get(show))
    page = Paginator(qs, 40).get_page(P.parse_int(request.GET.get("page"), "页码", minimum=1, maximum=100000))
    history = None
    if on:
        when = timezone.make_aware(dt.datetime.combine(on, dt.time.max))
        history = selectors.catalogue_on(request.user, when)
    return render(request, "orgs/catalogue.html", {
        "page": page, "show": show, "on": on, "history": history, "conditions": selectors.conditions(),
        "included": qs.filter(included=True).count() if show == "all" else None})


@login_required
@require_http_methods(["GET", "POST"])
def conditions(request):
    """Staff edit the catalogue's conditions; saving regenerates the whole catalogue."""
    _overseer(request.user)
    ctx = {"conditions": selectors.conditions(), "metrics": catalogue.METRICS, "domains": V.DOMAINS,
           "rules": selectors.credit_rules()}
    if request.method == "POST":
        d = request.POST
        try:
            cid = P.parse_id(d.get("condition"), "条件")
            cond = selectors.conditions().filter(pk=cid).first() if cid else None
            if cid and cond is None:
                raise Http404("条件不存在")
            c = services.save_condition(request.user, metric=P.choice(d.get("metric"), "条件类型", catalogue.METRICS),
                                        value=P.clean_text(d.get("value"), "参数", max_length=40),
                                        label=P.clean_text(d.get("label"), "条件名称", max_length=80),
                                        active=d.get("active", "1") == "1",
                                        order=P.parse_int(d.get("order"), "顺序", minimum=0, maximum=999, default=50),
                                        condition=cond)
        except USER_ERRORS as exc:
            ctx["error"] = messages_of(exc)
            return render(request, "orgs/conditions.html", ctx, status=status_of(exc))
        messages.success(request, f"已保存条件“{c.label}”，推荐目录已重新生成：在目录内 {c.counts['in']} 家，"
                                  f"新列入 {c.counts['entered']} 家，移出 {c.counts['left']} 家。")
        return redirect("orgs:conditions")
    return render(request, "orgs/conditions.html", ctx)


@login_required
@require_http_methods(["GET", "POST"])
def incubation(request):
    """The bases and their organisations; a registrar opens a base of their street (POST)."""
    _overseer(request.user)
    seats = [r.region for r in user_roles(request.user)
             if r.role == REGISTRAR and r.region is not None and r.region.level in ("street", "district")]
    ctx = {"incubators": selectors.incubators(request.user), "incubations": selectors.incubations(request.user),
           "states": INCUBATION_STATES, "support_kinds": SUPPORT_KINDS, "base_regions": seats,
           "can_admit": sees_everything(request.user) or has_role(request.user, REGISTRAR), "data": {}}
    if request.method == "POST":
        d = request.POST
        try:
            require_role(request.user, REGISTRAR)
            region_id = P.parse_id(d.get("region"), "所属街道/区")
            region = next((r for r in seats if r.pk == region_id), None)
            if region is None:
                raise P.BadParameter("请选择您任职的街道或区。")
            base = services.create_incubator(request.user, region=region,
                                             name=P.clean_text(d.get("name"), "名称", max_length=80),
                                             address=P.clean_text(d.get("address"), "地址", max_length=200))
        except USER_ERRORS as exc:
            if isinstance(exc, PermissionDenied):
                raise
            ctx.update(error=messages_of(exc), data=d)
            return render(request, "orgs/incubation.html", ctx, status=status_of(exc))
        messages.success(request, f"已开设孵化基地“{base.name}”。")
        return redirect("orgs:incubation")
    return render(request, "orgs/incubation.html", ctx)


def _can_run_incubator(user, incubator) -> bool:
    from civicgrid.core.scoping import node_in_scope

    return sees_everything(user) or node_in_scope(user, incubator.region, roles=(REGISTRAR,))


def _admission_org(user, d):
    """The organisation picked from the (scoped) list, or a registered one by its credit code."""
    from . import creditcode

    org_id = P.parse_id(d.get("organisation"), "社会组织")
    raw_code = P.clean_text(d.get("credit_code"), "统一社会信用代码", max_length=40)
    if org_id:
        org = selectors.admittable_organisations(user).filter(pk=org_id).first()
        if org is None:
            raise P.BadParameter("所选社会组织不存在或不在您的管辖范围内。")
        return org
    if raw_code:
        try:
            code = creditcode.validate(raw_code)
        except creditcode.CreditCodeError as exc:
            raise P.BadParameter(str(exc))
        org = selectors.registered_by_code(code)
        if org is None:
            raise P.BadParameter(f"未找到统一社会信用代码为 {code} 的已登记社会组织。")
        return org
    raise P.BadParameter("请选择社会组织，或填写已登记社会组织的统一社会信用代码。")


@login_required
@require_http_methods(["GET", "POST"])
def incubation_admit(request):
    """入驻: the incubation base's staff admit an organisation with its entry assessment."""
    require_role(request.user, REGISTRAR)
    ctx = {"incubators": selectors.admitting_incubators(request.user),
           "orgs": selectors.admittable_organisations(request.user), "data": request.POST,
           "today": timezone.localdate()}
    if request.method == "POST":
        d = request.POST
        try:
            inc_id = P.parse_id(d.get("incubator"), "孵化基地")
            incubator = ctx["incubators"].filter(pk=inc_id).first() if inc_id else None
            if incubator is None:
                raise P.BadParameter("请选择您所在街道的孵化基地。")
            inc = services.admit(request.user, incubator, _admission_org(request.user, d),
                                 cohort=P.clean_text(d.get("cohort"), "批次", max_length=40),
                                 entered_on=P.parse_date(d.get("entered_on"), "入驻日期"),
                                 entry_score=P.parse_int(d.get("entry_score"), "入驻评估得分", minimum=0, maximum=100),
                                 entry_assessment=P.clean_text(d.get("entry_assessment"), "入驻评估意见",
                                                               max_length=2000))
        except USER_ERRORS as exc:
            if isinstance(exc, PermissionDenied):
                raise
            ctx["error"] = messages_of(exc)
            return render(request, "orgs/incubation_admit.html", ctx, status=status_of(exc))
        messages.success(request, f"{inc.organisation.name}已入驻{inc.incubator.name}。")
        return redirect("orgs:incubation_detail", pk=inc.pk)
    return render(request, "orgs/incubation_admit.html", ctx)


@login_required
def incubation_detail(request, pk: int):
    _overseer(request.user)
    inc = selectors.incubation(request.user, pk)
    supports = list(inc.supports.all())
    totals = {label: {"amount": sum((s.amount for s in supports if s.kind == k), start=0),
                      "hours": sum(s.hours for s in supports if s.kind == k)} for k, label in SUPPORT_KINDS.items()}
    return render(request, "orgs/incubation_detail.html", {
        "inc": inc, "supports": supports, "totals": totals, "milestones": inc.milestones.all(),
        "can_edit": inc.state == "incubating" and _can_run_incubator(request.user, inc.incubator),
        "support_kinds": SUPPORT_KINDS, "today": timezone.localdate()})


INCUBATION_ACTIONS = ("support", "milestone", "reach", "end")


@login_required
@require_POST
def incubation_act(request, pk: int):
    """The base staff's writes on one stay; the service checks the role, the street and the dates."""
    require_role(request.user, REGISTRAR)
    inc = selectors.incubation(request.user, pk)
    d = request.POST
    try:
        action = P.choice(d.get("action"), "操作", INCUBATION_ACTIONS)
        if action == "support":
            services.give_support(request.user, inc, kind=P.choice(d.get("kind"), "支持类型", SUPPORT_KINDS),
                                  given_on=P.parse_date(d.get("given_on"), "支持日期"),
                                  amount=P.clean_text(d.get("amount"), "金额", max_length=20),
                                  hours=P.parse_int(d.get("hours"), "时长（小时）", minimum=0, maximum=10000, default=0),
                                  note=P.clean_text(d.get("note"), "支持内容", max_length=200))
        elif action == "milestone":
            services.add_milestone(request.user, inc, title=P.clean_text(d.get("title"), "里程碑", max_length=100),
                                   due_on=P.parse_date(d.get("due_on"), "计划日期"),
                                   reached_on=P.parse_date(d.get("reached_on"), "达成日期"))
        elif action == "reach":
            mid = P.parse_id(d.get("milestone"), "里程碑")
            milestone = inc.milestones.filter(pk=mid).first() if mid else None
            if milestone is None:
                raise P.BadParameter("该里程碑不属于本孵化记录。")
            services.reach_milestone(request.user, milestone, reached_on=P.parse_date(d.get("reached_on"), "达成日期"))
        elif action == "end":
            services.end_incubation(request.user, inc, outcome=P.choice(d.get("outcome"), "结果",
                                                                         {"graduated": 1, "exited": 1}),
                                    ended_on=P.parse_date(d.get("ended_on"), "出壳/退出日期"),
                                    note=P.clean_text(d.get("note"), "说明", max_length=300))
        else:
            raise P.BadParameter("请选择操作。")
    except USER_ERRORS as exc:
        if isinstance(exc, PermissionDenied):
            raise
        messages.error(request, messages_of(exc))
    else:
        messages.success(request, "已保存。")
    return redirect("orgs:incubation_detail", pk=inc.pk)


@login_required
@require_http_methods(["GET", "POST"])
def portal(request):
    """The organisation's own portal: its record, open calls, its bids and contracts, the annual report."""
    from civicgrid.procurement import selectors as procurement

    mine = selectors.my_organisations(request.user)
    if request.method == "POST":
        org_id = P.parse_id(request.POST.get("organisation"), "机构")
        org = next((o for o in mine if o.pk == org_id), None)
        if org is None:
            raise PermissionDenied("您不是该社会组织的机构账号。")
        try:
            services.submit_inspection(request.user, org, year=P.parse_int(
                request.POST.get("year"), "年度", minimum=2000, maximum=2100, default=0) or 0,
                report=request.POST.get("report", "")[:5000])
        except USER_ERRORS as exc:
            if isinstance(exc, PermissionDenied):
                raise
            messages.error(request, messages_of(exc))
        else:
            messages.success(request, "年检报告已提交。")
        return redirect("orgs:portal")
    return render(request, "orgs/portal.html", {
        "orgs": mine, "bids": procurement.my_bids(request.user), "contracts": procurement.my_contracts(request.user),
        "calls": procurement.open_calls() if mine else [], "last_year": timezone.localdate().year - 1})


# -- public pages ----------------------------------------------------------------------------------

def public(request, pk: int):
    """信息公开: what the disclosure rules make public about one organisation."""
    org = selectors.public_organisation(pk)
    return render(request, "orgs/public.html", {
        "org": org, "grade": selectors.current_grade(org), "inspections": org.inspections.exclude(result="pending"),
        "bad_events": org.credit_events.filter(kind="bad"), "credit_label": _credit_label(org),
        "standing": getattr(org, "standing", None), "areas": ", ".join(r.name for r in org.service_area.all()),
        "contracts": org.contracts.select_related("call").order_by("-signed_on")[:20]})


def public_catalogue(request):
    return render(request, "orgs/public_catalogue.html", {"orgs": selectors.public_catalogue(),
                                                          "conditions": selectors.conditions().filter(active=True)})
