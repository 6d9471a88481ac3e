from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from . import landing, params, selectors, services
from .scoping import is_admin, user_roles


@require_http_methods(["GET", "POST"])
def login_view(request):
    error = ""
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if request.method == "POST":
        username = (request.POST.get("username") or "").strip()
        password = request.POST.get("password") or ""
        if not username or not password:
            error = "请输入用户名和密码。"
        else:
            try:
                user = services.login_attempt(request, username, password)
            except services.LoginRefused as exc:
                error = str(exc)
            else:
                login(request, user)
                if next_url and url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
                    return redirect(next_url)
                return redirect("core:home")
    # A refused login keeps the username (only the password is typed again).
    return render(request, "core/login.html", {"error": error, "next": next_url,
                                               "username": (request.POST.get("username") or "").strip()[:150]},
                  status=400 if error else 200)


@require_POST
def logout_view(request):
    logout(request)
    return redirect("core:login")


@login_required
def home(request):
    seats = user_roles(request.user)
    role_names = [s.role for s in seats]
    if request.user.is_superuser and not role_names:
        role_names = ["system_admin"]
    return render(request, "core/home.html", {
        "seats": seats,
        "entries": landing.entries_for(role_names),
        "is_admin": is_admin(request.user),
    })


def _date(value: str, label: str):
    return params.parse_date(value, label)


@login_required
def audit_log(request):
    f = request.GET
    filters = {
        "actor": f.get("actor", "").strip(), "action": f.get("action", "").strip(),
        "object_type": f.get("object_type", "").strip(), "object_id": f.get("object_id", "").strip(),
        "date_from": _date(f.get("date_from", ""), "开始日期"), "date_to": _date(f.get("date_to", ""), "结束日期"),
    }
    entries = selectors.audit_entries_for(request.user, **filters)
    page = Paginator(entries, 50).get_page(f.get("page"))
    query = f.copy()
    query.pop("page", None)
    from .audit_labels import action_choices

    return render(request, "core/audit_log.html", {"page": page, "filters": f, "query": query.urlencode(),
                                                   "action_choices": action_choices(selectors.audit_action_codes(request.user))})


@login_required
def inbox(request):
    notes = selectors.inbox_for(request.user)
    if request.method == "POST":
        notes.filter(read_at__isnull=True).update(read_at=timezone.now())
        messages.success(request, "已全部标为已读")
        return redirect("core:inbox")
    page = Paginator(notes, 30).get_page(request.GET.get("page"))
    return render(request, "core/inbox.html", {"page": page})
