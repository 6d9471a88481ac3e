"""Social workers' pages: their own page on the phone, a client's casework, the street's desk, the supervisor's page.

Thin: parse the request, call socialwork.py (services and selectors), render. Case notes are never put in a
context unless a reveal with a reason was just recorded.
"""
from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from civicgrid.core import audit, reveal
from civicgrid.core import params as P
from civicgrid.core import roles as R
from civicgrid.core.crypto import mask_name
from civicgrid.core.errors import USER_ERRORS, messages_of
from civicgrid.core.scoping import has_role, sees_everything

from . import socialwork as SW
from .socialwork_models import CONTACT_CHOICES, LEVEL_CHOICES, PATH_CHOICES, QUOTA_PERIODS, RECORD_KINDS

MANAGERS = SW.MANAGERS


def _month(request):
    try:
        return P.parse_month(request.GET.get("month"), "月份", field="month", default=timezone.localdate().replace(day=1))
    except ValidationError as exc:
        messages.error(request, messages_of(exc))
        return timezone.localdate().replace(day=1)


def _when(request, name: str, label: str):
    value = P.parse_datetime(request.POST.get(name), label, field=name)
    return value


# -- the social worker's own page (phone) -------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def me(request):
    user = request.user
    sw = SW.me(user)
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "contact":
                c = None
                if request.POST.get("client"):
                    c = SW.clients(user).filter(pk=P.parse_id(request.POST.get("client"), "服务对象") or 0).first()
                    if c is None:
                        raise ValidationError("服务对象不存在或不是您负责的个案。")
                SW.log_contact(user, kind=request.POST.get("kind", ""), client=c, at=_when(request, "at", "服务时间"),
                               participants=request.POST.get("participants") or 1, note=request.POST.get("note", ""))
                messages.success(request, "已登记服务")
            elif what == "referral":
                r = SW.pending_referrals(user).filter(pk=P.parse_id(request.POST.get("pk"), "转介") or 0).first()
                if r is None:
                    raise ValidationError("转介不存在或已处理。")
                accept = request.POST.get("accept") == "1"
                SW.decide_referral(user, r, accept=accept, reason=request.POST.get("reason", ""))
                messages.success(request, "已接收个案" if accept else "已拒绝转介")
            else:
                raise ValidationError("未知的操作。")
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
        return redirect("workforce:sw_me")
    ctx = {"sw": sw, "kinds": CONTACT_CHOICES, "supervises": bool(SW.supervisee_ids(user))}
    if sw is not None:
        month = timezone.localdate().replace(day=1)
        mine = list(SW.clients(user).filter(worker=sw, closed_on__isnull=True))
        ctx.update(month=month, row=SW.month_sheet([sw], month)[0], clients=[(c, mask_name(c.person.name)) for c in mine],
                   referrals=SW.pending_referrals(user), ce=SW.education_status([sw], month.year)[sw.pk],
                   recent=sw.contacts.select_related("client__person")[:8])
    return render(request, "workforce/sw_me.html", ctx)


# -- a client's casework ------------------------------------------------------------------------
def _may_open_clients(user) -> bool:
    return sees_everything(user) or has_role(user, *MANAGERS) or SW.me(user) is not None or bool(SW.supervisee_ids(user))


@login_required
@require_http_methods(["GET", "POST"])
def client(request, pk: int):
    user = request.user
    if not _may_open_clients(user):
        raise PermissionDenied("个案服务需要以下角色之一：" + "、".join(R.ROLE_LABELS[r] for r in MANAGERS) + "，或登记在岗的社工")
    c = SW.client(user, pk)
    revealed = None
    if request.method == "POST":
        what = request.POST.get("what")
        try:
            if what == "reveal":
                revealed = SW.reveal_records(user, c, request.POST.get("reason", ""))
            elif what == "record":
                SW.add_record(user, c, kind=request.POST.get("kind", ""), text=request.POST.get("text", ""))
                messages.success(request, "已保存个案记录")
            elif what == "refer":
                to = SW.referral_targets(c).filter(pk=P.parse_id(request.POST.get("to"), "接收社工") or 0).first()
                SW.refer(user, c, to_worker=to, reason=request.POST.get("reason", ""),
                         consent=request.POST.get("consent") == "1", consent_how=request.POST.get("consent_how", ""))
                messages.success(request, "已发起转介，等待接收社工确认")
            elif what == "expert":
                e = SW.experts(user).filter(pk=P.parse_id(request.POST.get("expert"), "专家") or 0).first()
                if e is None:
                    raise ValidationError("请选择专家库中的专家。")
                SW.assign_expert(user, e, client=c)
                messages.success(request, "已指派专家")
            else:
                raise ValidationError("未知的操作。")
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
        if revealed is None:
            return redirect("workforce:sw_client", pk=c.pk)
        c = SW.client(user, pk)
    in_charge = c.worker.user_id == user.pk and not c.closed_on
    resp = render(request, "workforce/sw_client.html", {
        "c": c, "name": mask_name(c.person.name), "records": c.records.select_related("author"),
        "revealed": revealed, "contacts": c.contacts.all()[:30], "referrals": c.referrals.select_related("to_worker__user"),
        "in_charge": in_charge, "may_reveal": SW.may_reveal(user, c), "kinds": RECORD_KINDS,
        "targets": SW.referral_targets(c) if in_charge else [], "experts": SW.experts(user),
    })
    return reveal.no_store(resp) if revealed is not None else resp


# -- the street's desk --------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def desk(request):
    user = request.user
    if not (sees_everything(user) or has_role(user, *MANAGERS)):
        raise PermissionDenied("社工管理需要以下角色之一：" + "、".join(R.ROLE_LABELS[r] for r in MANAGERS))
    if request.method == "POST":
        _desk_post(request)
        return redirect(request.get_full_path())
    month = _month(request)
    rows = SW.month_sheet(SW.workers(user), month)
    if request.GET.get("format") == "xlsx":
        from civicgrid.core import spreadsheet
        from civicgrid.core.spreadsheet import Xlsx

        x = Xlsx()
        SW.add_pay_sheet(x, rows, month)
        SW.add_roster_sheet(x, user, month)
        audit.record(user, "workforce.sw_export", None, detail={"month": f"{month:%Y-%m}", "rows": len(rows)})
        return spreadsheet.download(x.to_bytes(), f"社工考核补贴-{month:%Y-%m}.xlsx")
    workers = list(SW.workers(user))
    ce = SW.education_status(workers, month.year)
    return render(request, "workforce/sw_desk.html", {
        "month": month, "rows": rows, "coverage": SW.coverage(user), "workers": [(w, ce[w.pk]) for w in workers],
        "total": sum((r["subsidy"] for r in rows), 0), "levels": LEVEL_CHOICES, "paths": PATH_CHOICES,
        "metrics": CONTACT_CHOICES[:4], "periods": QUOTA_PERIODS, "district_data": SW.district_data(user),
        "is_district": sees_everything(user) or has_role(user, R.DISTRICT_COMMANDER),
        "candidates": SW.unregistered_staff(user)[:100], "communities": SW.communities(user)[:200],
    })


def _desk_post(request):
    user = request.user
    what = request.POST.get("what")
    g = request.POST.get
    try:
        if what in ("rate", "quota", "ce_rule", "expert"):
            district = SW.districts(user).filter(code=g("district", "")).first()
            if district is None:
                raise ValidationError("请选择管辖范围内的区。")
            if what == "rate":
                SW.save_rate(user, district=district, level=g("level", ""), amount=g("amount"),
                             effective_from=P.parse_date(g("effective_from"), "起始日期", field="effective_from"))
            elif what == "quota":
                SW.save_quota(user, district=district, metric=g("metric", ""), target=g("target"), period=g("period", "month"))
            elif what == "ce_rule":
                SW.save_education_rule(user, district=district, level=g("level", ""), hours=g("hours"))
            else:
                SW.add_expert(user, district=district, name=g("name", ""), fields=g("fields", ""),
                              organisation=g("organisation", ""))
        elif what == "register":
            seat = SW.unregistered_staff(user).filter(pk=P.parse_id(g("seat"), "岗位") or 0).first()
            if seat is None:
                raise ValidationError("请选择管辖范围内尚未登记的人员。")
            SW.register_worker(user, user=seat.user, region=seat.region, registration_no=g("registration_no", ""),
                               registered_on=P.parse_date(g("registered_on"), "登记日期", field="registered_on"))
        elif what == "post":
            community = SW.communities(user).filter(code=g("community", "")).first()
            if community is None:
                raise ValidationError("请选择管辖范围内的社区。")
            SW.create_post(user, community, name=g("name") or "社区专职社工")
        elif what == "assign":
            post = SW.posts(user).filter(pk=P.parse_id(g("post"), "岗位") or 0).first()
            if post is None:
                raise ValidationError("岗位不存在或不在您的管辖范围内。")
            holder = None
            if g("holder"):
                holder = SW.workers(user).filter(pk=P.parse_id(g("holder"), "社工") or 0).first()
                if holder is None:
                    raise ValidationError("社工不存在或不在您的管辖范围内。")
            SW.assign_post(user, post, holder)
        elif what in ("certificate", "education", "supervise"):
            w = SW.workers(user).filter(pk=P.parse_id(g("worker"), "社工") or 0).first()
            if w is None:
                raise ValidationError("社工不存在或不在您的管辖范围内。")
            if what == "certificate":
                SW.add_certificate(user, w, level=g("level", ""), path=g("path", ""), number=g("number", ""),
                                   issued_on=P.parse_date(g("issued_on"), "取得日期", field="issued_on"),
                                   valid_until=P.parse_date(g("valid_until"), "有效期", field="valid_until"))
            elif what == "education":
                SW.log_education(user, w, day=P.parse_date(g("day"), "日期", field="day"), hours=g("hours"),
                                 course=g("course", ""), provider=g("provider", ""))
            else:
                sup = SW.workers(user).filter(pk=P.parse_id(g("supervisor"), "督导") or 0).first()
                SW.supervise(user, supervisor=sup.user if sup else None, supervisee=w)
        else:
            raise ValidationError("未知的操作。")
    except USER_ERRORS as exc:
        messages.error(request, messages_of(exc))
    else:
        messages.success(request, "已保存")


# -- the supervisor's page -----------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def supervision(request):
    user = request.user
    sups = list(SW.supervisions(user))
    if request.method == "POST":
        try:
            s = next((x for x in sups if str(x.pk) == str(P.parse_id(request.POST.get("supervision"), "督导关系"))), None)
            if s is None:
                raise ValidationError("请选择您督导的社工。")
            expert = None
            if request.POST.get("expert"):
                expert = SW.experts(user).filter(pk=P.parse_id(request.POST.get("expert"), "专家") or 0).first()
                if expert is None:
                    raise ValidationError("请选择专家库中的专家。")
            SW.log_session(user, s, topic=request.POST.get("topic", ""), minutes=request.POST.get("minutes") or 60,
                           at=_when(request, "at", "督导时间"), expert=expert)
            messages.success(request, "已登记督导")
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
        return redirect("workforce:sw_supervision")
    month = timezone.localdate().replace(day=1)
    rows = {r["worker"].pk: r for r in SW.month_sheet([s.supervisee for s in sups], month)}
    ce = SW.education_status([s.supervisee for s in sups], month.year)
    return render(request, "workforce/sw_supervision.html", {
        "month": month, "rows": [(s, rows[s.supervisee_id], ce[s.supervisee_id],
                                  SW.clients(user).filter(worker=s.supervisee, closed_on__isnull=True).count())
                                 for s in sups],
        "sessions": SW.sessions(user)[:30], "experts": SW.experts(user),
    })
