"""The applicant's phone pages (/r/affairs/): follow an application by its number and the phone given
at the window, rate it when it has ended, and read the published 好差评 rates. Small pages, no script."""
from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from civicgrid.core import session_secrets
from civicgrid.core.errors import USER_ERRORS, messages_of, status_of
from civicgrid.core.middleware import client_ip
from civicgrid.core.phones import normalise_phone

from . import selectors, services
from . import workflow as W

SESSION_NUMBER, SESSION_PHONE = "affairs_number", "affairs_phone"


@require_http_methods(["GET", "POST"])
def follow(request):
    error, status = "", 200
    if request.method == "POST":
        from civicgrid.hotline import ratelimit
        from civicgrid.hotline.errors import RateLimited

        number, phone = request.POST.get("number", ""), request.POST.get("phone", "")
        try:
            ratelimit.hit(f"affairs-follow:{client_ip(request) or '-'}", 30, dt.timedelta(hours=1),
                          "查询过于频繁，请稍后再试。")
        except RateLimited as exc:
            error, status = exc.message, status_of(exc)
        else:
            a = selectors.public_application(number, phone)
            if a is None:
                error, status = "未找到该申请：请核对申请编号和受理时登记的手机号。", 400
            else:
                request.session[SESSION_NUMBER] = a.number
                session_secrets.put(request.session, SESSION_PHONE, normalise_phone(phone))
                return redirect("affairs_public:status", number=a.number)
    return render(request, "affairs/r_follow.html", {"error": error, "post": request.POST}, status=status)


@require_http_methods(["GET", "POST"])
def status(request, number: str):
    phone = session_secrets.get(request.session, SESSION_PHONE)
    a = selectors.public_application(number, phone) if request.session.get(SESSION_NUMBER) == number else None
    if a is None:
        raise Http404("未找到该申请")
    error, code = "", 200
    if request.method == "POST":
        try:
            services.rate(a, phone, score=request.POST.get("score"), comment=request.POST.get("comment", ""))
        except USER_ERRORS as exc:
            error, code = messages_of(exc), status_of(exc)
        else:
            messages.success(request, "感谢您的评价！")
            return redirect("affairs_public:status", number=number)
    rating = getattr(a, "rating", None) if hasattr(a, "rating") else None
    notice = a.notices.filter(resolved_at__isnull=True).last() if a.state == W.CORRECTION else None
    return render(request, "affairs/r_status.html", {
        "a": a, "timeline": selectors.public_timeline(a), "rating": rating, "notice": notice,
        "can_rate": a.state in (W.DELIVERED, W.REJECTED) and rating is None, "scores": W.RATING_CHOICES,
        "error": error, "post": request.POST}, status=code)


def rates(request):
    return render(request, "affairs/r_rates.html",
                  {"rates": [(label, selectors.published_rates(k)) for k, label in
                             (("window", "按窗口"), ("item", "按事项"), ("department", "按部门"))]})


@require_http_methods(["GET", "POST"])
def book(request):
    """预约: pick an item, a window, a day and a half-hour; the code comes by SMS."""
    from civicgrid.core import params as P

    from . import queue
    from .models import Window

    src = request.POST if request.method == "POST" else request.GET
    items = selectors.items()
    windows = Window.objects.filter(active=True).select_related("region").order_by("region__path", "name")
    item = items.filter(code=(src.get("item") or "")[:30]).first()
    window = windows.filter(pk=P.parse_id(src.get("window"), "窗口", field="window") or 0).first()
    days = queue.bookable_days()
    day = P.parse_date(src.get("day"), "日期", field="day") if src.get("day") else None
    error, status, done = "", 200, None
    if request.method == "POST":
        from civicgrid.hotline import ratelimit
        from civicgrid.hotline.errors import RateLimited

        try:
            ratelimit.hit(f"affairs-book:{client_ip(request) or '-'}", 10, dt.timedelta(hours=1),
                          "预约过于频繁，请稍后再试。")
            if item is None or window is None or day is None:
                raise ValidationError("请选择事项、窗口和日期。")
            try:
                slot = dt.time.fromisoformat((src.get("slot") or "")[:5])
            except ValueError:
                raise ValidationError("请选择时段。")
            done = queue.book(window, item, day, slot, name=src.get("name", ""), phone=src.get("phone", ""))
        except (RateLimited, *USER_ERRORS) as exc:
            error, status = messages_of(exc), status_of(exc)
    free = queue.slots(window, day) if window and day else []
    return render(request, "affairs/r_book.html", {
        "items": items, "windows": windows, "item": item, "window": window, "days": days, "day": day,
        "free": free, "error": error, "done": done, "post": request.POST}, status=status)
