"""Hotline screens (operators, supervisors) and the public resident pages. Thin: parse, call, render."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core import errors, session_secrets
from civicgrid.core import params as P
from civicgrid.core import roles as R
from civicgrid.core.middleware import client_ip
from civicgrid.core.phones import normalise_phone
from civicgrid.core.scoping import get_visible_or_404, has_role, sees_everything

from . import cases_adapter, rates, selectors, services
from .models import Article, CallBack, Contact
from .ratelimit import RateLimited


_err = errors.messages_of


def _operator(request):
    if not (sees_everything(request.user) or has_role(request.user, R.HOTLINE_OPERATOR)):
        raise PermissionDenied("此页面仅限热线话务员。")


# -- console ---------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def console(request):
    _operator(request)
    error, form = "", request.POST if request.method == "POST" else {}
    failed = None
    if request.method == "POST":
        try:
            contact = services.record_contact(
                request.user, subject=form.get("subject", ""), channel=form.get("channel", "phone"),
                caller_phone=form.get("caller_phone", ""), caller_name=form.get("caller_name", ""),
                urgent=form.get("urgent") == "on", address=form.get("address", ""), lng=form.get("lng") or None,
                lat=form.get("lat") or None)
        except errors.USER_ERRORS as exc:
            error, failed = _err(exc), exc
        else:
            return redirect("hotline:contact", number=contact.number)
    return render(request, "hotline/console.html", {
        "queue": selectors.queue_for(request.user)[:50], "form": form, "error": error,
        "recent": selectors.contacts_for(request.user).exclude(outcome=Contact.PENDING).select_related("case")[:10],
        "channels": Contact.CHANNEL_CHOICES,
        "history": selectors.caller_history(request.user, form.get("caller_phone", "")) if form.get("caller_phone") else None,
    }, status=errors.status_of(failed) if error else 200)


@login_required
@require_http_methods(["GET", "POST"])
def contact_detail(request, number):
    _operator(request)
    contact = selectors.contact_for(request.user, number)
    error = ""
    failed = None
    if request.method == "POST" and contact.outcome == Contact.PENDING:
        p = request.POST
        outcome = p.get("outcome")
        try:
            if outcome == "answered":
                article = selectors.articles_for(request.user).filter(pk=P.parse_id(p.get("article"), "知识") or 0).first()
                if p.get("article") and article is None:
                    raise ValidationError("所选知识不存在。")
                services.answer(request.user, contact, note=p.get("note", ""), article=article)
            elif outcome == "case":
                category = cases_adapter.categories().filter(code=p.get("category", "")).first()
                services.to_case(request.user, contact, category=category, description=p.get("description", ""),
                                 photos=request.FILES.getlist("photos"))
            elif outcome == "forwarded":
                services.forward(request.user, contact, to=p.get("forwarded_to", ""), note=p.get("note", ""))
            elif outcome == "invalid":
                services.mark_invalid(request.user, contact, note=p.get("note", ""))
            else:
                raise ValidationError("请选择处理结果。")
        except errors.USER_ERRORS as exc:
            error, failed = _err(exc), exc
        else:
            messages.success(request, "已处理。")
            return redirect("hotline:contact", number=contact.number)
    q = request.GET.get("q") or contact.subject[:30]
    return render(request, "hotline/contact.html", {
        "c": contact, "error": error, "post": request.POST, "q": q,
        "articles": selectors.kb_search(request.user, q, limit=8) or selectors.kb_search(request.user, "", limit=8),
        "history": selectors.caller_history(request.user, contact.caller_phone, exclude=contact.pk),
        "categories": cases_adapter.categories(),
    }, status=errors.status_of(failed) if error else 200)


@login_required
@require_POST
def caller_lookup(request):
    # POST (the console form's own fields, CSRF token included): a caller's number in a GET query
    # string would be written to every access log on the way.
    _operator(request)
    # htmx sends the input's own name (caller_phone); `phone` is kept for links and older pages.
    phone = request.POST.get("caller_phone") or request.POST.get("phone", "")
    return render(request, "hotline/_history.html", {"history": selectors.caller_history(request.user, phone),
                                                     "phone": phone})


# -- knowledge base --------------------------------------------------------------------------
@login_required
def kb(request):
    q, cat = request.GET.get("q", ""), request.GET.get("category", "")
    results = selectors.kb_search(request.user, q, category=cat, valid_only=request.GET.get("all") != "1", limit=50)
    tpl = "hotline/_kb_results.html" if request.htmx else "hotline/kb.html"
    return render(request, tpl, {
        "q": q, "category": cat, "results": results, "categories": Article.CATEGORY_CHOICES,
        "unused": selectors.unused_articles(request.user)[:20], "outdated": selectors.outdated_articles(request.user)[:20],
        "can_edit": sees_everything(request.user) or has_role(request.user, *services.KB_EDITORS),
    })


@login_required
@require_http_methods(["GET", "POST"])
def kb_edit(request, pk=None):
    article = get_visible_or_404(request.user, selectors.articles_for(request.user), pk=pk) if pk else None
    error, form = "", request.POST
    failed = None
    if request.method == "POST":
        def d(name):
            return P.parse_date(form.get(name), {"valid_from": "生效日期", "valid_until": "失效日期"}[name], field=name)
        try:
            article = services.save_article(
                request.user, article, category=form.get("category"), title=form.get("title", ""),
                keywords=form.get("keywords", ""), body=form.get("body", ""), source=form.get("source", ""),
                valid_from=d("valid_from"), valid_until=d("valid_until"), active=form.get("active") == "on")
        except errors.USER_ERRORS as exc:
            error, failed = _err(exc), exc
        else:
            messages.success(request, f"已保存（第 {article.version} 版）。")
            return redirect("hotline:article", pk=article.pk)
    initial = {}
    for f in ("category", "title", "keywords", "body", "source", "valid_from", "valid_until"):
        value = getattr(article, f, "") if article else ""
        initial[f] = form.get(f, value.isoformat() if hasattr(value, "isoformat") else (value or ""))
    return render(request, "hotline/kb_edit.html", {"a": article, "form": form, "error": error, "initial": initial,
                                                    "categories": Article.CATEGORY_CHOICES},
                  status=errors.status_of(failed) if error else 200)


@login_required
def article(request, pk):
    a = get_visible_or_404(request.user, selectors.articles_for(request.user), pk=pk)
    return render(request, "hotline/article.html", {"a": a, "versions": a.versions.all()[:20],
                                                    "today": timezone.localdate()})


# -- call-backs ------------------------------------------------------------------------------
def _callback_outcome(cb: CallBack) -> str:
    """What the operator is told happened, to the call-back and to the case."""
    case = cb.case
    if cb.state == CallBack.PENDING:
        return f"已记录未接通（第 {cb.attempts} 次），案件 {case.number} 仍在回访队列。"
    if cb.state == CallBack.FAILED:
        return f"已记录未接通，{cb.attempts} 次未接通，案件 {case.number} 回访结束（计为未联系上）。"
    if cb.follow_up == "reopened":
        return f"回访已记录。案件 {case.number} 已从已结案退回重新办理，当前状态：{case.state_label}。"
    if cb.follow_up == "review":
        return (f"回访已记录。案件 {case.number} 仍为{case.state_label}，已提交回访复核，"
                "由街道派遣员或区指挥中心决定是否重新办理。")
    return f"回访已记录。案件 {case.number} 保持{case.state_label}。"


def _callbacks_page(request, *, error: str = "", failed: dict | None = None, revealed: dict | None = None,
                    status: int = 200):
    return render(request, "hotline/callbacks.html", {
        "items": [(cb, failed["post"] if failed and failed["pk"] == cb.pk else {})
                  for cb in selectors.callbacks_due(request.user)[:50]],
        "error": error,
        "revealed": revealed or {}, "may_reopen": services.operator_may_reopen(),
        "recent": selectors.callbacks_done_by(request.user)[:10],
        "satisfaction": CallBack.SATISFACTION_CHOICES}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def callbacks(request):
    _operator(request)
    if request.method == "POST":
        p = request.POST
        cb = selectors.callback_for(request.user, p.get("callback"))
        solved = {"yes": True, "no": False}.get(p.get("solved", ""))
        follow_up = p.get("follow_up") or "review"
        try:
            if follow_up == "reopen" and p.get("confirm_reopen") != "yes":
                raise ValidationError("直接重新办理须勾选确认：案件将从已结案退回重新办理。")
            cb = services.record_callback(request.user, cb, reached=p.get("reached") == "yes", solved=solved,
                                          satisfaction=p.get("satisfaction", ""), note=p.get("note", ""),
                                          follow_up=follow_up)
        except errors.USER_ERRORS as exc:
            return _callbacks_page(request, error=_err(exc), failed={"pk": cb.pk, "post": p},
                                   status=errors.status_of(exc))
        cb.case.refresh_from_db()
        messages.success(request, _callback_outcome(cb))
        return redirect("hotline:callbacks")
    return _callbacks_page(request)


@login_required
@require_POST
def callback_reveal(request, pk):
    """The requester's number for dialling: with a reason, audited like every other reveal."""
    _operator(request)
    cb = selectors.callback_for(request.user, pk)
    try:
        data = cases_adapter.reveal_requester(request.user, cb.case, reason=request.POST.get("reason", ""))
    except errors.USER_ERRORS as exc:
        return _callbacks_page(request, error=_err(exc), status=errors.status_of(exc))
    from civicgrid.core.reveal import no_store

    return no_store(_callbacks_page(request, revealed={"pk": cb.pk, **data}))  # a full number: never cached


@login_required
@require_http_methods(["GET", "POST"])
def reviews(request):
    if not (sees_everything(request.user) or has_role(request.user, *services.REVIEWERS)):
        raise PermissionDenied("回访复核仅限街道派遣员和区指挥中心。")
    error = ""
    failed = None
    if request.method == "POST":
        cb = selectors.callback_for(request.user, request.POST.get("callback"))
        try:
            services.review_callback(request.user, cb, decision=request.POST.get("decision", ""),
                                     note=request.POST.get("note", ""))
        except errors.USER_ERRORS as exc:
            error, failed = _err(exc), exc
        else:
            messages.success(request, "复核已记录。")
            return redirect("hotline:reviews")
    return render(request, "hotline/reviews.html", {"items": selectors.reviews_for(request.user)[:100],
                                                    "error": error}, status=errors.status_of(failed) if error else 200)


@login_required
def rates_page(request):
    today = timezone.localdate()

    start, end = P.parse_period(request.GET.get("start"), request.GET.get("end"), default_end=today,
                                default_days=today.day)
    by = request.GET.get("by") if request.GET.get("by") in ("street", "department") else "street"
    return render(request, "hotline/rates.html", {
        "rows": rates.hotline_rates(request.user, start=start, end=end, by=by), "start": start, "end": end, "by": by,
        "weights": rates.WEIGHTS})


# -- residents (public) ----------------------------------------------------------------------
SESSION_PHONE, SESSION_AT = "resident_phone", "resident_phone_at"
VERIFIED_FOR = dt.timedelta(minutes=30)


def _verified_phone(request) -> str:
    at = request.session.get(SESSION_AT)
    if not at or timezone.now().timestamp() - at > VERIFIED_FOR.total_seconds():
        return ""
    return session_secrets.get(request.session, SESSION_PHONE)


@require_http_methods(["GET", "POST"])
def resident_report(request):
    phone, error, info, status = _verified_phone(request), "", "", 200
    p = request.POST
    step = p.get("step", "")
    if request.method == "POST":
        try:
            if step == "send_code":
                services.send_code(p.get("phone", ""), ip=client_ip(request))
                session_secrets.put(request.session, "resident_pending_phone", services.clean_mobile(p.get("phone", "")))
                info = "验证码已发送，请查看短信（5 分钟内有效）。"
            elif step == "verify":
                pending = session_secrets.get(request.session, "resident_pending_phone") or p.get("phone", "")
                phone = services.verify_code(pending, p.get("code", ""))
                session_secrets.put(request.session, SESSION_PHONE, phone)
                request.session[SESSION_AT] = timezone.now().timestamp()
                info = "手机号已验证。"
            elif step == "report":
                if not phone:
                    raise ValidationError("请先验证手机号。")
                category = cases_adapter.categories().filter(code=p.get("category", "")).first()
                case = services.resident_report(phone, ip=client_ip(request), category=category,
                                                description=p.get("description", ""), lng=p.get("lng") or None,
                                                lat=p.get("lat") or None, address=p.get("address", ""),
                                                photos=request.FILES.getlist("photos"))
                request.session["resident_case"] = case.number
                return redirect("resident:case", number=case.number)
        except errors.USER_ERRORS as exc:
            error, status = _err(exc), errors.status_of(exc)  # a RateLimited code answers 429
    # A browser cannot refill a file input: name the photos to choose again after a refusal.
    files_again = [f.name for f in request.FILES.getlist("photos") if getattr(f, "name", "")] if error else []
    return render(request, "hotline/resident_report.html", {
        "phone": phone, "pending": session_secrets.get(request.session, "resident_pending_phone"), "error": error,
        "info": info, "files_again": files_again,
        "categories": cases_adapter.categories().exclude(kind="social"), "post": p,
    }, status=status)


@require_http_methods(["GET", "POST"])
def resident_follow(request):
    error, status = "", 200
    if request.method == "POST":
        number = request.POST.get("number", "").strip().upper()
        phone = request.POST.get("phone", "")
        try:
            from . import ratelimit

            ratelimit.hit(f"follow-ip:{client_ip(request) or '-'}", 30, dt.timedelta(hours=1),
                          "查询过于频繁，请稍后再试。")
        except RateLimited as exc:
            error, status = exc.message, errors.status_of(exc)
        else:
            case = selectors.public_case(number, phone)
            if case is None:
                error, status = "未找到该案件：请核对案件编号和上报时的手机号。", 400
            else:
                request.session["resident_case"] = case.number
                session_secrets.put(request.session, "resident_case_phone", normalise_phone(phone))
                return redirect("resident:case", number=case.number)
    return render(request, "hotline/resident_follow.html", {"error": error, "post": request.POST}, status=status)


@require_http_methods(["GET", "POST"])
def resident_case(request, number):
    phone = session_secrets.get(request.session, "resident_case_phone") or _verified_phone(request)
    case = selectors.public_case(number, phone) if request.session.get("resident_case") == number else None
    if case is None:
        raise Http404("未找到该案件")
    error = ""
    failed = None
    if request.method == "POST":
        solved = {"yes": True, "no": False}.get(request.POST.get("solved", ""))
        try:
            services.resident_rate(case, phone, solved=solved, satisfaction=request.POST.get("satisfaction", ""),
                                   note=request.POST.get("note", ""))
        except errors.USER_ERRORS as exc:
            error, failed = _err(exc), exc
        else:
            messages.success(request, "感谢您的评价！")
            return redirect("resident:case", number=number)
    from civicgrid.cases import workflow as W

    rated = selectors.rating_of(case)
    return render(request, "hotline/resident_case.html", {
        "case": case, "timeline": selectors.public_timeline(case), "closed": case.state == W.CLOSED, "rated": rated,
        "error": error, "post": request.POST, "satisfaction": CallBack.SATISFACTION_CHOICES},
        status=errors.status_of(failed) if error else 200)
