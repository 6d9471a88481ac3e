"""计划设置 (desk width, usable on a phone): who keeps each rhythm, the duty chain of responders, emergency
devices (the key shown once), and a community's escalation chain in minutes. Each page checks the care
seats, then the plan (404 outside, identical to absent), then the seat the change needs (403 with the
reason) before it reads the form; the services do the writing and the audit."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core import params as P
from civicgrid.core.errors import USER_ERRORS, messages_of
from civicgrid.core.reveal import no_store
from civicgrid.core.scoping import sees_everything, user_roles

from . import access, selectors, services
from . import rhythms as RH
from . import workflow as W
from .models import Device, Responder

EDITORS = tuple(dict.fromkeys((*services.PLANNERS, *services.KEEPER_SETTERS, *services.DEVICE_ISSUERS)))
CHAIN_LEVELS = 5  # rows the chain form offers (the default chain has three)


def _may(user, roles, region) -> bool:
    try:
        services.role_at(user, roles, region)
    except PermissionDenied:
        return False
    return True


def _plan_for_edit(request, pk, roles):
    access.require(request.user)
    p = selectors.plan(request.user, pk)
    services.role_at(request.user, roles, p.region)  # 403 with the reason, before the form is read
    return p


def _context(request, p, **extra) -> dict:
    user = request.user
    keepers = [(key, f"{u.display_name}（{RH.WORKER_KINDS[kind]}）") for key, u, kind in selectors.keepers_for(p)]
    chain = services.chain_for(p.community)
    return {
        "p": p, "person": p.person, "keepers": keepers,
        "rhythms": [(r, f"{r.worker_id}:{r.worker_kind}") for r in p.rhythms.select_related("worker")],
        "responders": p.responders.select_related("user"), "responder_kinds": Responder.KIND_CHOICES,
        "devices": p.devices.order_by("-active", "-issued_at"), "device_kinds": Device.KIND_CHOICES,
        "chain_text": " → ".join(f"{s['after']}分钟 " + "、".join(W.RESPONDER_KINDS.get(k, k) for k in s["kinds"])
                                 for s in chain),
        "may_keepers": _may(user, services.KEEPER_SETTERS, p.region),
        "may_responders": _may(user, services.PLANNERS, p.region),
        "may_devices": _may(user, services.DEVICE_ISSUERS, p.region),
        "may_chain": _may(user, services.CHAIN_SETTERS, p.community),
        **extra,
    }


@login_required
def plan_edit(request, pk: int):
    p = _plan_for_edit(request, pk, EDITORS)
    return render(request, "care/plan_edit.html", _context(request, p))


def _back(p):
    return redirect("care:plan_edit", pk=p.pk)


@login_required
@require_POST
def keepers(request, pk: int):
    """调整责任人: one select per rhythm ("user:kind" among the seats at the person's grid or community)."""
    p = _plan_for_edit(request, pk, services.KEEPER_SETTERS)
    options = {key: (user, kind) for key, user, kind in selectors.keepers_for(p)}
    changed = 0
    try:
        with transaction.atomic():  # all rhythms or none
            for r in p.rhythms.select_related("worker"):
                value = request.POST.get(f"rhythm_{r.pk}")
                if value is None or value == f"{r.worker_id}:{r.worker_kind}":
                    continue
                if value not in options:
                    raise ValidationError(f"{r.get_kind_display()}的责任人无效：请从列表中选择该居民所在社区/网格的人员。")
                worker, kind = options[value]
                services.assign(request.user, r, worker, kind)
                changed += 1
    except PermissionDenied:
        raise
    except USER_ERRORS as exc:
        messages.error(request, messages_of(exc))
        return _back(p)
    messages.success(request, f"已调整 {changed} 个节奏的责任人" if changed else "责任人没有变化")
    return _back(p)


def _time(value, label: str) -> dt.time | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.time.fromisoformat(value[:8])
    except ValueError:
        raise ValidationError(f"{label}格式应为 HH:MM（如 08:00）。") from None


@login_required
@require_POST
def responders(request, pk: int):
    """值守响应人: add someone (an account at the person's community, or family/neighbour by name and
    phone) or take someone off the chain with a reason."""
    p = _plan_for_edit(request, pk, services.PLANNERS)
    data = request.POST
    try:
        if data.get("action") == "remove":
            rid = P.parse_id(data.get("responder"), "响应人")
            r = p.responders.filter(pk=rid or 0).first()
            if r is None:
                raise ValidationError("该响应人不在此关爱计划中。")
            services.remove_responder(request.user, r, data.get("reason", ""))
            messages.success(request, f"已移除响应人：{r.get_kind_display()} {r.name_masked}")
            return _back(p)
        if data.get("action") != "add":
            raise ValidationError("请选择添加或移除响应人。")
        user = None
        account = (data.get("account") or "").strip()
        if account:
            users = {str(u.pk): u for _, u, _ in selectors.keepers_for(p)}
            user = users.get(account.split(":")[0])
            if user is None:
                raise ValidationError("所选账号不在该居民所在社区/网格任职。")
        duty_from, duty_to = _time(data.get("duty_from"), "值守开始时间"), _time(data.get("duty_to"), "值守结束时间")
        if (duty_from is None) != (duty_to is None):
            raise ValidationError("值守时段须同时填写开始和结束（都不填表示全天）。")
        r = services.add_responder(request.user, p, data.get("kind", ""), user=user, name=data.get("name", ""),
                                   phone=data.get("phone", ""), relation=data.get("relation", ""),
                                   duty_from=duty_from, duty_to=duty_to)
    except PermissionDenied:
        raise
    except USER_ERRORS as exc:
        messages.error(request, messages_of(exc))
        return _back(p)
    messages.success(request, f"已登记响应人：{r.get_kind_display()} {r.name_masked}")
    return _back(p)


@login_required
@require_POST
def devices(request, pk: int):
    """发放设备 (the key is shown on this response only, never stored in clear or in the session) or 停用."""
    p = _plan_for_edit(request, pk, services.DEVICE_ISSUERS)
    data = request.POST
    try:
        if data.get("action") == "revoke":
            did = P.parse_id(data.get("device"), "设备")
            d = p.devices.filter(pk=did or 0).first()
            if d is None:
                raise ValidationError("该设备不属于此关爱计划。")
            services.revoke_device(request.user, d, data.get("reason", ""))
            messages.success(request, f"已停用设备 {d.serial}")
            return _back(p)
        if data.get("action") != "issue":
            raise ValidationError("请选择发放或停用设备。")
        d, key = services.register_device(request.user, p, data.get("serial", ""), data.get("kind", ""))
    except PermissionDenied:
        raise
    except USER_ERRORS as exc:
        messages.error(request, messages_of(exc))
        return _back(p)
    response = render(request, "care/plan_edit.html", _context(request, p, issued=d, issued_key=key))
    return no_store(response)


@login_required
@require_http_methods(["GET", "POST"])
def chain(request, code: str):
    """逐级上报链 of a community: minutes after the alert and who is told at each level (data, per community)."""
    access.require(request.user)
    if not sees_everything(request.user) and not any(
            s.role in services.CHAIN_SETTERS for s in user_roles(request.user)):
        raise PermissionDenied("设置逐级上报仅限社区工作人员和街道调度员。")
    community = selectors.chain_community(request.user, code)
    steps, status = services.chain_for(community), 200
    if request.method == "POST":
        try:
            if request.POST.get("action") == "default":
                wanted = [dict(s) for s in W.DEFAULT_CHAIN]
            else:
                wanted = []
                for i in range(CHAIN_LEVELS):
                    raw = (request.POST.get(f"after_{i}") or "").strip()
                    kinds = request.POST.getlist(f"kinds_{i}")
                    if not raw and not kinds:
                        continue
                    after = P.parse_int(raw, f"第{i + 1}级的分钟数", minimum=0, maximum=1440)
                    if after is None:
                        raise ValidationError(f"请填写第{i + 1}级的分钟数。")
                    unknown = [k for k in kinds if k not in W.RESPONDER_KINDS]
                    if unknown:
                        raise ValidationError(f"第{i + 1}级的通知对象无效。")
                    wanted.append({"after": after, "kinds": kinds})
            services.set_chain(request.user, community, wanted)
        except PermissionDenied:
            raise
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
            steps, status = _posted_steps(request.POST), 400
        else:
            messages.success(request, f"已保存{community.name}的逐级上报设置（新发起的求助按此执行）")
            return redirect("care:chain", code=community.code)
    rows = [steps[i] if i < len(steps) else {"after": "", "kinds": []} for i in range(CHAIN_LEVELS)]
    return render(request, "care/chain.html", {"community": community, "rows": rows,
                                               "kinds": W.RESPONDER_KINDS.items(),
                                               "default": W.DEFAULT_CHAIN}, status=status)


def _posted_steps(data) -> list[dict]:
    """What was typed, to show the form again after a refusal."""
    return [{"after": (data.get(f"after_{i}") or "")[:5], "kinds": data.getlist(f"kinds_{i}")}
            for i in range(CHAIN_LEVELS)]
