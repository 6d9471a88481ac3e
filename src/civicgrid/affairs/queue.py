"""Appointments and the queue (预约取号): residents book a window slot for an item from the phone; the
window sees today's bookings; walk-ins take a number; the clerk calls the next; waiting is measured
as the time from taking a number to being called.

    slots(window, day, now) -> [(time, free places)]         bookable half-hours of a working day
    book(window, item, day, slot, name, phone) -> Booking     with a 6-digit code by SMS
    take(actor, window, *, code="", item=None) -> Ticket      walk-in (A…) or booking check-in (B…)
    call_next(actor, window) -> Ticket | None                  bookings first, then walk-ins, oldest first
    finish(actor, ticket, *, absent=False) -> Ticket
"""
from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from civicgrid.core import audit
from civicgrid.core.calendar import default_calendar
from civicgrid.core.crypto import lookup_hash
from civicgrid.core.scoping import visible_to
from civicgrid.core.sms import send_sms

from . import workflow as W
from .models import Booking, Item, Ticket, Window

SLOT_MINUTES = 30
SLOT_CAPACITY = 3   # bookings per window per half hour; the rest of the window's time is for walk-ins
BOOK_AHEAD_DAYS = 10


def _in_window(actor, window: Window) -> None:
    if not visible_to(actor, Window.objects.filter(pk=window.pk), roles=(W.CLERK,)).exists():
        raise PermissionDenied("该窗口不在您的管辖范围内。")


def slots(window: Window, day: dt.date, now: dt.datetime | None = None) -> list[tuple[dt.time, int]]:
    now = now or timezone.now()
    cal = default_calendar()
    if not cal.is_working_day(day):
        return []
    taken = dict(Booking.objects.filter(window=window, day=day).values_list("slot").annotate(n=Count("id")))
    out = []
    for start, end in cal.spans:
        t = dt.datetime.combine(day, start)
        while (t + dt.timedelta(minutes=SLOT_MINUTES)).time() <= end:
            moment = timezone.make_aware(t, cal.tz)
            if moment > now:
                out.append((t.time(), SLOT_CAPACITY - taken.get(t.time(), 0)))
            t += dt.timedelta(minutes=SLOT_MINUTES)
    return out


def bookable_days(now: dt.datetime | None = None) -> list[dt.date]:
    now = now or timezone.now()
    cal = default_calendar()
    day, out = timezone.localtime(now).date(), []
    for _ in range(BOOK_AHEAD_DAYS):
        if cal.is_working_day(day):
            out.append(day)
        day += dt.timedelta(days=1)
    return out


def book(window: Window, item: Item, day: dt.date, slot: dt.time, *, name: str, phone: str,
         now: dt.datetime | None = None) -> Booking:
    from civicgrid.core.phones import clean_phone

    now = now or timezone.now()
    name = (name or "").strip()
    if not name or len(name) > 30:
        raise ValidationError("请填写姓名（不超过 30 字）。")
    phone = clean_phone(phone, required=True, mobile=True)
    if not window.active or not item.active:
        raise ValidationError("该窗口或事项暂不接受预约。")
    if day not in bookable_days(now):
        raise ValidationError(f"只能预约今后 {BOOK_AHEAD_DAYS} 天内的工作日。")
    free = dict(slots(window, day, now))
    if slot not in free:
        raise ValidationError("该时段不可预约。")
    with transaction.atomic():
        Window.objects.select_for_update().get(pk=window.pk)  # one booking at a time per window: capacity holds
        n = Booking.objects.filter(window=window, day=day, slot=slot).count()
        if n >= SLOT_CAPACITY:
            raise ValidationError("该时段已约满，请选择其他时段。")
        if Booking.objects.filter(window=window, day=day, phone_hash=lookup_hash(phone), status="booked").exists():
            raise ValidationError("您当天在该窗口已有预约。")
        for _ in range(5):
            code = f"{secrets.randbelow(10**6):06d}"
            if not Booking.objects.filter(window=window, day=day, code=code).exists():
                break
        b = Booking.objects.create(window=window, item=item, day=day, slot=slot, name=name, phone=phone,
                                   phone_hash=lookup_hash(phone), code=code, created_at=now)
        audit.record("申请人", "affairs.book", b.window, detail={"item": item.code, "day": day.isoformat()})
    send_sms(phone, f"【一门式】已预约 {day:%m月%d日} {slot:%H:%M} {window.name}办理“{item.name}”，预约码 {code}，"
                    "请按时到窗口出示预约码取号。")
    return b


def _next_label(window: Window, day: dt.date, prefix: str) -> str:
    n = Ticket.objects.filter(window=window, day=day, label__startswith=prefix).count() + 1
    return f"{prefix}{n:03d}"


def take(actor, window: Window, *, code: str = "", item: Item | None = None, now: dt.datetime | None = None) -> Ticket:
    _in_window(actor, window)
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    with transaction.atomic():
        Window.objects.select_for_update().get(pk=window.pk)
        booking = None
        if code:
            booking = Booking.objects.filter(window=window, day=day, code=(code or "").strip()[:6]).first()
            if booking is None:
                raise ValidationError("预约码不存在（请核对日期和窗口）。")
            if booking.status != "booked":
                raise ValidationError("该预约已签到取号。")
            booking.status = "checked_in"
            booking.save(update_fields=["status"])
            item = booking.item
        t = Ticket.objects.create(window=window, day=day, label=_next_label(window, day, "B" if booking else "A"),
                                  booking=booking, item=item, taken_at=now)
    return t


def call_next(actor, window: Window, now: dt.datetime | None = None) -> Ticket | None:
    _in_window(actor, window)
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    with transaction.atomic():
        Window.objects.select_for_update().get(pk=window.pk)
        Ticket.objects.filter(window=window, day=day, status="called").update(status="done", done_at=now)
        waiting = Ticket.objects.filter(window=window, day=day, status="waiting")
        t = waiting.filter(booking__isnull=False).order_by("booking__slot", "taken_at").first() or \
            waiting.order_by("taken_at", "id").first()
        if t is None:
            return None
        t.status, t.called_at = "called", now
        t.save(update_fields=["status", "called_at"])
    return t


def finish(actor, ticket: Ticket, *, absent: bool = False, now: dt.datetime | None = None) -> Ticket:
    _in_window(actor, ticket.window)
    if ticket.status != "called":
        raise ValidationError("只能对已叫号的号码办结或过号。")
    ticket.status, ticket.done_at = ("absent" if absent else "done"), now or timezone.now()
    ticket.save(update_fields=["status", "done_at"])
    return ticket


def today(window: Window, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    day = timezone.localtime(now).date()
    tickets = Ticket.objects.filter(window=window, day=day)
    called = tickets.filter(called_at__isnull=False)
    waits = [t.wait_minutes for t in called.only("taken_at", "called_at")]
    return {
        "bookings": Booking.objects.filter(window=window, day=day).select_related("item").order_by("slot", "id"),
        "waiting": tickets.filter(status="waiting").select_related("item", "booking").order_by("taken_at"),
        "current": tickets.filter(status="called").select_related("item").first(),
        "served": called.count(), "avg_wait": round(sum(waits) / len(waits), 1) if waits else None,
        "max_wait": max(waits) if waits else None,
    }


def wait_stats(windows, since: dt.datetime) -> list[dict]:
    """Waits per window since a moment (for the statistics page): count, average and longest in minutes."""
    per: dict[str, list[float]] = {}
    for name, taken, called in Ticket.objects.filter(window__in=windows, called_at__isnull=False,
                                                     taken_at__gte=since).values_list("window__name", "taken_at",
                                                                                      "called_at")[:50000]:
        per.setdefault(name, []).append((called - taken).total_seconds() / 60)
    return [{"window": k, "n": len(v), "avg_min": round(sum(v) / len(v), 1), "max_min": round(max(v))}
            for k, v in sorted(per.items())]
