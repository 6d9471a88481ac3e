"""Pages. Residents' phone pages under r/<community>/ (no account: SMS to the registered phone, see
identity.py); the public board under board/<community>/; the committee's and departments' desk pages.
Every refusal is shown in Chinese with the status core.errors gives it; nothing already saved is lost."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core import errors
from civicgrid.core import params as P
from civicgrid.core.middleware import client_ip
from civicgrid.core.scoping import user_roles
from civicgrid.core import roles as R

from . import evaluation, identity, rules, selectors, services
from . import workflow as W
from .models import CharterVersion, HearingStatement, Meeting, Poll


DESK = (R.COMMUNITY_STAFF, R.STREET_DISPATCHER, R.DISTRICT_COMMANDER, R.SYSTEM_ADMIN)
TASK_DESK = DESK + (R.DEPARTMENT_HANDLER,)


def desk_roles(user, roles=DESK) -> None:
    """Self-governance records sit at the community: grid seats and departments are refused with the reason
    (rather than an empty 404) — they take part through the register, the board and the task list."""
    if user.is_superuser or any(s.role in roles for s in user_roles(user)):
        return
    raise PermissionDenied("居民自治工作台需要以下角色之一：" + "、".join(R.label(r) for r in roles))


def _err(exc) -> str:
    if isinstance(exc, ValidationError):
        return "；".join(exc.messages)
    return getattr(exc, "message", None) or str(exc) or "操作未能完成。"


def _local_dt(value, label: str) -> dt.datetime:
    d = P.parse_datetime(value, label)
    if d is None:
        raise ValidationError(f"请填写{label}。")
    return d if timezone.is_aware(d) else timezone.make_aware(d)


def _date(value, label: str) -> dt.date:
    d = P.parse_date(value, label)
    if d is None:
        raise ValidationError(f"请填写{label}。")
    return d


# -- residents (public, phone) -------------------------------------------------------------------
@require_http_methods(["GET", "POST"])
def resident_home(request, code):
    community = selectors.public_community(code)
    error, info, status, p = "", "", 200, request.POST
    if request.method == "POST":
        step = p.get("step", "")
        try:
            if step == "send_code":
                phone = identity.send_code(p.get("phone", ""), client_ip(request))
                from civicgrid.core import session_secrets

                session_secrets.put(request.session, "selfgov_pending", phone)
                info = "验证码已发送，请查看短信（5 分钟内有效）。"
            elif step == "verify":
                from civicgrid.core import session_secrets

                pending = session_secrets.get(request.session, "selfgov_pending")
                identity.verify(request.session, pending, p.get("code", ""))
                if not identity.registered(community, identity.verified_phone(request.session)).exists():
                    error, status = f"该手机号不是{community.name}登记在册居民的联系电话，请到居委会核对登记信息。", 403
                else:
                    return redirect("selfgov:r_home", code=code)
            elif step == "choose":
                try:
                    identity.choose(request.session, community, p.get("person", ""))
                except ValueError:
                    raise ValidationError("请选择您本人的登记信息。")
                return redirect("selfgov:r_home", code=code)
            elif step == "logout":
                identity.forget(request.session)
                return redirect("selfgov:r_home", code=code)
            else:
                raise ValidationError("未知的操作。")
        except errors.USER_ERRORS as exc:
            error, status = _err(exc), errors.status_of(exc)
    phone = identity.verified_phone(request.session)
    person = identity.person(request.session, community)
    from civicgrid.core import session_secrets

    now = timezone.now()
    return render(request, "selfgov/r_home.html", {
        "community": community, "phone": phone, "person": person, "error": error, "info": info,
        "pending": session_secrets.get(request.session, "selfgov_pending"),
        "choices": identity.registered(community, phone) if phone and person is None else [],
        "proposals": selectors.public_proposals(community).filter(state=W.COLLECTING)[:20],
        "polls": selectors.public_polls(community).filter(state="open", opens_at__lte=now, closes_at__gt=now),
        "meetings": Meeting.objects.filter(community=community, state="called", starts_at__gt=now)[:10],
        "is_rep": bool(person and services.is_representative(person, community, timezone.localdate())),
    }, status=status)


def _resident(request, community):
    person = identity.person(request.session, community)
    if person is None:
        raise PermissionDenied("请先用登记在册的手机号验证身份。")
    return person


def _back(request, code, exc=None, ok=""):
    if exc is not None:
        messages.error(request, _err(exc))
    elif ok:
        messages.success(request, ok)
    return redirect("selfgov:r_home", code=code)


@require_POST
def resident_propose(request, code):
    community = selectors.public_community(code)
    if identity.person(request.session, community) is None:
        messages.error(request, "请先用登记在册的手机号验证身份。")
        return redirect("selfgov:r_home", code=code)
    try:
        p = services.submit_proposal(_resident(request, community), community, title=request.POST.get("title", ""),
                                     body=request.POST.get("body", ""),
                                     as_representative=request.POST.get("as_representative") == "1")
    except errors.USER_ERRORS as exc:
        return render(request, "selfgov/r_message.html", {"community": community, "error": _err(exc),
                                                           "post": request.POST}, status=errors.status_of(exc))
    return render(request, "selfgov/r_message.html", {"community": community, "proposal": p,
                                                       "info": f"议题已提出，编号 {p.number}。"})


@require_POST
def resident_support(request, code, number):
    community = selectors.public_community(code)
    proposal = selectors.public_proposals(community).filter(number=number[:20]).first()
    if proposal is None:
        from django.http import Http404

        raise Http404("议题不存在")
    try:
        p = services.support(_resident(request, community), proposal)
    except errors.USER_ERRORS as exc:
        return _back(request, code, exc)
    return _back(request, code, ok=f"已联署“{p.title}”（{p.support_count}/{p.support_threshold}）。")


@require_POST
def resident_register(request, code, pk):
    community = selectors.public_community(code)
    meeting = Meeting.objects.filter(community=community, pk=pk).first()
    if meeting is None:
        from django.http import Http404

        raise Http404("会议不存在")
    try:
        services.register_for_meeting(_resident(request, community), meeting)
    except errors.USER_ERRORS as exc:
        return _back(request, code, exc)
    return _back(request, code, ok=f"已报名“{meeting.title}”。")


@require_http_methods(["GET", "POST"])
def resident_vote(request, code, pk):
    community = selectors.public_community(code)
    poll = selectors.public_polls(community).filter(pk=pk).first()
    if poll is None:
        from django.http import Http404

        raise Http404("投票不存在")
    error, status, done = "", 200, False
    if request.method == "POST":
        try:
            services.cast(_resident(request, community), poll, request.POST.getlist("option"))
            done = True
        except errors.USER_ERRORS as exc:
            error, status = _err(exc), errors.status_of(exc)
    return render(request, "selfgov/r_vote.html", {"community": community, "poll": poll, "error": error,
                                                    "done": done, "options": poll.options.all()}, status=status)


@require_http_methods(["GET", "POST"])
def resident_rate(request, code):
    """满意度测评 on the phone: a verified resident (or representative) rates the units serving the community."""
    community = selectors.public_community(code)
    period = selectors.open_period(community)
    person = identity.person(request.session, community)
    error, status = "", 200
    units = selectors.serving_units(community)
    if request.method == "POST":
        if person is None:
            messages.error(request, "请先用登记在册的手机号验证身份。")
            return redirect("selfgov:r_home", code=code)
        try:
            if period is None:
                raise ValidationError("当前没有进行中的测评。")
            unit = units.filter(pk=P.parse_id(request.POST.get("unit"), "被评单位")).first()
            if unit is None:
                raise ValidationError("请选择为本社区服务的单位。")
            evaluation.rate(period, score=request.POST.get("score", ""), unit=unit, person=person, community=community,
                            comment=request.POST.get("comment", ""))
            messages.success(request, f"已评价“{unit.name}”，谢谢！")
            return redirect("selfgov:r_rate", code=code)
        except errors.USER_ERRORS as exc:
            error, status = _err(exc), errors.status_of(exc)
    done = set()
    if person is not None and period is not None:
        done = set(period.ratings.filter(rater_key=f"person:{person.pk}").values_list("unit_id", flat=True))
    return render(request, "selfgov/r_rate.html", {
        "community": community, "period": period, "person": person, "error": error,
        "units": [(u, u.pk in done) for u in units], "scores": [(5, "非常满意"), (4, "满意"), (3, "一般"),
                                                                  (2, "不满意"), (1, "非常不满意")]}, status=status)


def public_board(request, code):
    community = selectors.public_community(code)
    kind = request.GET.get("kind", "")
    items = selectors.public_board(community)
    if kind in rules.DISCLOSURE_KINDS:
        items = items.filter(kind=kind)
    period = selectors.published_period(community)
    serving = set(selectors.serving_units(community).values_list("pk", flat=True))
    rates = [r for r in evaluation.unit_rates(period) if r["unit"].pk in serving] if period else []
    return render(request, "selfgov/board_public.html", {
        "community": community, "period": period, "rates": rates, "items": items[:50], "kinds": rules.DISCLOSURE_KINDS, "kind": kind,
        "proposals": selectors.public_proposals(community).exclude(state=W.COLLECTING)[:20],
        "polls": selectors.public_polls(community).filter(state="published")[:10],
        "charters": selectors.public_charters(community)})


# -- committee (desk) ------------------------------------------------------------------------------
@login_required
def home(request):
    u = request.user
    return render(request, "selfgov/home.html", {
        "proposals": selectors.proposals(u, state="open")[:50], "meetings": selectors.meetings(u)[:20],
        "polls": selectors.polls(u)[:20], "communities": selectors.communities(u)[:50]})


@login_required
@require_http_methods(["GET", "POST"])
def proposal_detail(request, number):
    desk_roles(request.user)
    p = selectors.proposal(request.user, number)
    error, status = "", 200
    if request.method == "POST":
        post = request.POST
        try:
            inputs = {}
            action = post.get("action", "")
            if action == "decide":
                inputs = {"decision": post.get("decision", ""), "responsible": post.get("responsible", ""),
                          "due": post.get("due", "")}
            elif action == "report_back":
                inputs = {"result": post.get("result", "")}
            p = services.act(request.user, p, action, note=post.get("note", ""),
                             expected_version=P.parse_int(post.get("version"), "版本", minimum=0) if post.get("version") else None,
                             **inputs)
            if post.get("publish") == "1":
                services.publish(request.user, p.community, kind="proposal", title=f"议题{p.state_label}：{p.title}",
                                 body=p.decision or p.result or p.body, proposal=p)
            messages.success(request, f"已{W.ACTION_LABELS.get(action, action)}。")
            return redirect("selfgov:proposal", number=p.number)
        except errors.USER_ERRORS as exc:
            error, status = _err(exc), errors.status_of(exc)
    return render(request, "selfgov/proposal.html", {
        "p": p, "error": error, "events": p.events.all(), "post": request.POST,
        "actions": [(t.action, W.ACTION_LABELS[t.action]) for t in services.MACHINE.available_actions(request.user, p)]}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_new(request):
    error, status = "", 200
    communities = selectors.communities(request.user)
    if request.method == "POST":
        post = request.POST
        try:
            community = communities.filter(code=post.get("community", "")[:15]).first()
            if community is None:
                raise ValidationError("请选择管辖范围内的社区。")
            proposal = None
            if post.get("proposal"):
                proposal = selectors.proposals(request.user).filter(number=post["proposal"][:20]).first()
            m = services.call_meeting(request.user, community, kind=post.get("kind", ""), title=post.get("title", ""),
                                      agenda=post.get("agenda", ""), place=post.get("place", ""),
                                      starts_at=_local_dt(post.get("starts_at"), "召开时间"), proposal=proposal)
            messages.success(request, "会议通知已发出。")
            return redirect("selfgov:meeting", pk=m.pk)
        except errors.USER_ERRORS as exc:
            error, status = _err(exc), errors.status_of(exc)
    return render(request, "selfgov/meeting_new.html", {
        "communities": communities, "kinds": rules.MEETING_TYPES, "error": error, "post": request.POST},
        status=status)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_detail(request, pk):
    desk_roles(request.user)
    m = selectors.meeting(request.user, pk)
    error, status = "", 200
    if request.method == "POST":
        post, step = request.POST, request.POST.get("step", "")
        try:
            if step == "hold":
                services.hold_meeting(request.user, m, attended_ids=post.getlist("attended"),
                                      minutes=post.get("minutes", ""))
                msg = "会议已记录。"
            elif step == "resolution":
                services.record_resolution(request.user, m, text=post.get("text", ""),
                                           votes_for=post.get("votes_for", ""),
                                           votes_against=post.get("votes_against", "0"),
                                           votes_abstain=post.get("votes_abstain", "0"))
                msg = "决议已记录。"
            elif step == "statement":
                services.record_statement(request.user, m, speaker=post.get("speaker", ""),
                                          stance=post.get("stance", ""), view=post.get("view", ""))
                msg = "发言已记录。"
            elif step == "publish":
                lines = [f"会议：{m.get_kind_display()}，{timezone.localtime(m.starts_at):%Y-%m-%d %H:%M}，{m.place}",
                         f"应到 {m.electorate} 人，实到 {m.attended} 人", f"纪要：{m.minutes}"]
                for r in m.resolutions.all():
                    lines.append(f"决议：{r.text}（赞成 {r.votes_for}、反对 {r.votes_against}、弃权 {r.votes_abstain}，"
                                 f"{'通过' if r.passed else '未通过'}）")
                services.publish(request.user, m.community, kind="decision", title=f"{m.title}决议公开",
                                 body="\n".join(lines), meeting=m)
                msg = "已在居务公开栏发布。"
            elif step == "charter":
                services.adopt_charter(request.user, m.community, kind=post.get("kind", ""), text=post.get("text", ""),
                                       meeting=m)
                msg = "章程/公约新版本已登记并公开。"
            else:
                raise ValidationError("未知的操作。")
            messages.success(request, msg)
            return redirect("selfgov:meeting", pk=m.pk)
        except errors.USER_ERRORS as exc:
            error, status = _err(exc), errors.status_of(exc)
            m.refresh_from_db()
    return render(request, "selfgov/meeting.html", {
        "m": m, "error": error, "post": request.POST, "roll": m.registrations.select_related("person"),
        "resolutions": m.resolutions.all(), "statements": m.statements.all(), "stances": HearingStatement.STANCES,
        "charter_kinds": CharterVersion.KINDS, "published": m.disclosures.exists()}, status=status)


@login_required
@require_POST
def poll_publish(request, pk):
    desk_roles(request.user)
    poll = selectors.poll(request.user, pk)
    try:
        services.publish_poll(request.user, poll)
        messages.success(request, "投票结果已公布。")
    except errors.USER_ERRORS as exc:
        messages.error(request, _err(exc))
    return redirect("selfgov:home")


@login_required
@require_http_methods(["GET", "POST"])
def board(request):
    error, status = "", 200
    communities = selectors.communities(request.user)
    if request.method == "POST":
        post = request.POST
        try:
            community = communities.filter(code=post.get("community", "")[:15]).first()
            if community is None:
                raise ValidationError("请选择管辖范围内的社区。")
            if post.get("kind") == "monthly":
                services.publish_monthly(request.user, community, P.parse_month(post.get("month"), "月份"))
            else:
                services.publish(request.user, community, kind=post.get("kind", ""), title=post.get("title", ""),
                                 body=post.get("body", ""), amount=post.get("amount") or None,
                                 recipients=[n for n in post.get("recipients", "").replace("，", ",").split(",")][:200])
            messages.success(request, "已公开。")
            return redirect("selfgov:board")
        except errors.USER_ERRORS as exc:
            error, status = _err(exc), errors.status_of(exc)
    missing, month = services.missing_monthly(timezone.localdate())
    return render(request, "selfgov/board.html", {
        "items": selectors.board(request.user)[:100], "communities": communities, "kinds": rules.DISCLOSURE_KINDS,
        "error": error, "post": request.POST,
        "missing": [c for c in missing if c in set(communities)] if month else [], "missing_month": month},
        status=status)


# -- admission list, tasks and funds --------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def tasks(request):
    error, status, refused = "", 200, None
    is_dept = any(s.role == R.DEPARTMENT_HANDLER for s in user_roles(request.user))
    if request.method == "POST":
        post = request.POST
        try:
            from civicgrid.regions.models import Region

            community = Region.objects.filter(level="community", code=post.get("community", "")[:15]).first()
            if community is None:
                raise ValidationError("请选择社区。")
            t = services.request_task(request.user, community, title=post.get("title", ""),
                                      reference=post.get("reference", ""))
            messages.success(request, f"居委会已承接（清单 {t.item.reference}）。")
            return redirect("selfgov:task", pk=t.pk)
        except errors.USER_ERRORS as exc:
            error, status = _err(exc), errors.status_of(exc)
    from civicgrid.regions.models import Region

    return render(request, "selfgov/tasks.html", {
        "items": selectors.admission_list(request.user), "tasks": selectors.tasks(request.user)[:100],
        "is_dept": is_dept, "error": error, "post": request.POST, "seals": selectors.seal_uses(request.user)[:50],
        "targets": Region.objects.filter(level="community").order_by("path") if is_dept else []}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def task_detail(request, pk):
    desk_roles(request.user, TASK_DESK)
    t = selectors.task(request.user, pk)
    error, status = "", 200
    if request.method == "POST":
        post = request.POST
        try:
            services.record_fund(request.user, t, kind=post.get("kind", ""), amount=post.get("amount", ""),
                                 on=_date(post.get("on"), "日期"), purpose=post.get("purpose", ""))
            messages.success(request, "经费已登记。")
            return redirect("selfgov:task", pk=t.pk)
        except errors.USER_ERRORS as exc:
            error, status = _err(exc), errors.status_of(exc)
    return render(request, "selfgov/task.html", {"t": t, "funds": t.funds.all(), "sums": services.reconcile(t),
                                                  "error": error, "post": request.POST}, status=status)


# -- evaluation ------------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def evaluation_page(request):
    periods = selectors.periods(request.user)
    pid = P.parse_id(request.GET.get("period"), "考评周期") if request.GET.get("period") else None
    period = periods.filter(pk=pid).first() if pid else periods.first()
    error, status = "", 200
    if request.method == "POST" and period is not None:
        try:
            if request.FILES.get("survey"):
                saved, problems = _import_survey(request, period)
                messages.success(request, f"第三方测评导入 {saved} 行。" + ("；".join(problems[:20])))
                return redirect(f"{request.path}?period={period.pk}")
            evaluation.review(request.user, period)
            messages.success(request, "半年考评已计算。")
            return redirect(f"{request.path}?period={period.pk}")
        except errors.USER_ERRORS as exc:
            error, status = _err(exc), errors.status_of(exc)
    return render(request, "selfgov/evaluation.html", {
        "periods": periods, "period": period, "error": error,
        "rates": evaluation.unit_rates(period) if period else [],
        "reviews": selectors.reviews(request.user, period) if period else []}, status=status)


def _import_survey(request, period):
    """The upload goes to a temporary file with its own suffix: people.importer.read_rows reads .xlsx/.csv."""
    import os
    import tempfile

    f = request.FILES["survey"]
    suffix = os.path.splitext(f.name or "")[1].lower()
    if suffix not in (".xlsx", ".csv"):
        raise ValidationError("请上传 .xlsx 或 .csv 文件。")
    if f.size > 5 * 1024 * 1024:
        raise ValidationError("文件不能超过 5 MB。")
    with tempfile.NamedTemporaryFile(suffix=suffix, delete=False) as tmp:
        for chunk in f.chunks():
            tmp.write(chunk)
    try:
        return evaluation.import_third_party(request.user, period, tmp.name)
    except ValidationError:
        raise
    except Exception as exc:  # a damaged workbook can fail in zipfile/openpyxl in many ways: say so, never 500
        raise ValidationError(f"文件无法读取，请另存为 .xlsx 或 UTF-8 编码的 .csv 后重试（{type(exc).__name__}）。")
    finally:
        os.unlink(tmp.name)
