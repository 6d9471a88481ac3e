"""The volunteer's phone pages under /r/volunteer/: register (with consent), sign up, check in,
see confirmed hours; and anyone can verify a certificate of hours by its number.

A volunteer is remembered by a signed cookie holding only their volunteer number (no name, no
phone): the pages show masked data only.
"""
from __future__ import annotations

from django.contrib import messages
from django.core import signing
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core import params as P
from civicgrid.core.errors import USER_ERRORS, messages_of
from civicgrid.regions.models import Region

from . import services
from .models import Activity, HourCertificate, Volunteer

COOKIE = "cg_volunteer"
SALT = "workforce.volunteer"
MAX_AGE = 180 * 24 * 3600


def _volunteer(request) -> Volunteer | None:
    raw = request.COOKIES.get(COOKIE)
    if not raw:
        return None
    try:
        number = signing.loads(raw, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    return Volunteer.objects.select_related("grid").filter(number=number).first()


@require_http_methods(["GET", "POST"])
def register(request):
    v = _volunteer(request)
    if request.method == "POST":
        grid = Region.objects.filter(level="grid", code=request.POST.get("grid", "")[:15]).first()
        try:
            v = services.register_volunteer(grid=grid, name=request.POST.get("name", ""), phone=request.POST.get("phone", ""),
                                             skills=request.POST.get("skills", ""), consent=request.POST.get("consent") == "1")
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
            return render(request, "workforce/r_register.html", {"v": None, "form": request.POST}, status=400)
        resp = redirect("workforce-r:activities")
        resp.set_cookie(COOKIE, signing.dumps(v.number, salt=SALT), max_age=MAX_AGE, httponly=True, samesite="Lax",
                        secure=request.is_secure())
        messages.success(request, f"登记成功，志愿者编号 {v.number}")
        return resp
    return render(request, "workforce/r_register.html", {"v": v, "form": {}})


@require_http_methods(["GET", "POST"])
def activities(request):
    v = _volunteer(request)
    if v is None:
        return redirect("workforce-r:register")
    if request.method == "POST":
        a = Activity.objects.filter(pk=P.parse_id(request.POST.get("activity"), "活动") or 0, grid__parent=v.grid.parent).first()
        try:
            if a is None:
                raise Http404("活动不存在")
            if request.POST.get("what") == "checkin":
                services.check_in(v, a, request.POST.get("code", ""))
                messages.success(request, f"已签到：{a.title}，服务时长待协调人确认")
            else:
                services.sign_up(v, a)
                messages.success(request, f"已报名：{a.title}")
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
        return redirect("workforce-r:activities")
    now = timezone.now()
    upcoming = (Activity.objects.filter(grid__parent=v.grid.parent, starts_at__gte=now - timezone.timedelta(hours=12))
                .select_related("grid").order_by("starts_at")[:30])
    mine = {s.activity_id: s for s in v.signups.all()}
    return render(request, "workforce/r_activities.html", {
        "v": v, "rows": [{"a": a, "s": mine.get(a.pk)} for a in upcoming],
        "hours": v.hours.order_by("-day")[:20], "confirmed": services.confirmed_hours(v),
        "balance": services.time_bank_balance(v),
    })


def verify(request):
    number = (request.GET.get("n") or "").strip()[:20]
    cert = HourCertificate.objects.select_related("volunteer__grid").filter(number=number).first() if number else None
    return render(request, "workforce/r_verify.html", {"number": number, "cert": cert})


@require_POST
def forget(request):
    resp = redirect("workforce-r:register")
    resp.delete_cookie(COOKIE)
    return resp


# -- the time bank (时间银行) on the volunteer's phone ----------------------------------------------
@require_http_methods(["GET", "POST"])
def bank(request):
    """Balance, what it can buy, redeem or donate, and the statement. Only where the district runs a time bank."""
    import uuid

    from django.core.exceptions import PermissionDenied

    v = _volunteer(request)
    if v is None:
        return redirect("workforce-r:register")
    try:
        services.require_time_bank(v)
    except PermissionDenied as exc:
        return render(request, "workforce/r_bank.html", {"v": v, "disabled": messages_of(exc)}, status=403)
    offered = {b.pk: b for b in services.benefits(v.grid)}
    if request.method == "POST":
        try:
            benefit = offered.get(P.parse_id(request.POST.get("benefit"), "兑换项目") or 0)
            entry, created = services.redeem(v, benefit, token=request.POST.get("token"), hours=request.POST.get("hours"),
                                             to_number=request.POST.get("to_number", ""),
                                             recipient=request.POST.get("recipient", ""))
        except USER_ERRORS as exc:
            messages.error(request, messages_of(exc))
        else:
            messages.success(request, f"已兑换：{entry.note}，{-entry.hours} 小时" if created else "该兑换已办理，未重复扣减。")
        return redirect("workforce-r:bank")
    return render(request, "workforce/r_bank.html", {
        "v": v, "balance": services.time_bank_balance(v), "benefits": list(offered.values()),
        "entries": v.bank_entries.select_related("benefit", "counterpart")[:100], "token": uuid.uuid4(),
    })
