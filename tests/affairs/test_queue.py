"""Appointments and the queue: bookable slots and capacity, check-in, walk-ins, calling order, waits."""
import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.affairs import queue
from civicgrid.core.sms import MemorySMSBackend

from .conftest import at

MON = at(2026, 3, 9, 8, 0)  # a Monday morning before the office opens


def test_booking_slots_capacity_and_the_code_by_sms(world):
    t = world
    w, item = t.windows["A1"], t.elderly.item
    day = MON.date()
    free = dict(queue.slots(w, day, MON))
    assert free[dt.time(9, 0)] == queue.SLOT_CAPACITY and dt.time(12, 30) not in free
    assert queue.slots(w, dt.date(2026, 3, 8), MON) == []  # a Sunday
    for i in range(queue.SLOT_CAPACITY):
        b = queue.book(w, item, day, dt.time(9, 0), name="张桂兰", phone=f"1391234567{i}", now=MON)
    assert b.code.isdigit() and len(b.code) == 6 and b.code in MemorySMSBackend.outbox[-1][1]
    with pytest.raises(ValidationError, match="约满"):
        queue.book(w, item, day, dt.time(9, 0), name="王秀英", phone="13800001111", now=MON)
    with pytest.raises(ValidationError, match="已有预约"):
        queue.book(w, item, day, dt.time(9, 30), name="张桂兰", phone="13912345670", now=MON)
    with pytest.raises(ValidationError, match="不可预约"):
        queue.book(w, item, day, dt.time(9, 10), name="王秀英", phone="13800001111", now=MON)
    with pytest.raises(ValidationError, match="手机"):
        queue.book(w, item, day, dt.time(9, 30), name="王秀英", phone="12345", now=MON)


def test_walk_ins_bookings_and_measured_waits(world):
    t = world
    w, clerk = t.windows["A1"], t.users["clerk_A1"]
    b = queue.book(w, t.elderly.item, MON.date(), dt.time(10, 0), name="张桂兰", phone="13912345678", now=MON)
    a1 = queue.take(clerk, w, now=at(2026, 3, 9, 9, 0))
    a2 = queue.take(clerk, w, item=t.elderly.item, now=at(2026, 3, 9, 9, 5))
    b1 = queue.take(clerk, w, code=b.code, now=at(2026, 3, 9, 9, 50))
    assert (a1.label, a2.label, b1.label) == ("A001", "A002", "B001")
    with pytest.raises(ValidationError, match="已签到"):
        queue.take(clerk, w, code=b.code, now=at(2026, 3, 9, 9, 51))
    # The booked resident goes first; then walk-ins in the order they came.
    assert queue.call_next(clerk, w, now=at(2026, 3, 9, 9, 55)).label == "B001"
    assert queue.call_next(clerk, w, now=at(2026, 3, 9, 10, 10)).label == "A001"
    today = queue.today(w, now=at(2026, 3, 9, 10, 11))
    assert today["current"].label == "A001" and [x.label for x in today["waiting"]] == ["A002"]
    assert today["served"] == 2 and today["avg_wait"] == (5 + 70) / 2 and today["max_wait"] == 70
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        queue.take(t.users["clerk_B1"], w)
    stats = queue.wait_stats([w], at(2026, 3, 9, 0, 0))
    assert stats == [{"window": w.name, "n": 2, "avg_min": 37.5, "max_min": 70}]


def test_the_pages(world, client):
    t = world
    client.force_login(t.users["clerk_A1"])
    resp = client.post("/affairs/queue/", {"window": t.windows["A1"].pk, "action": "take"})
    assert resp.status_code == 302
    resp = client.post("/affairs/queue/", {"window": t.windows["A1"].pk, "action": "call"})
    html = client.get(resp["Location"]).content.decode()
    assert "A001 号" in html
    client.force_login(t.users["worker_A1a"])
    resp = client.get("/affairs/queue/")
    assert resp.status_code == 403 and "窗口叫号需要以下角色之一" in resp.content.decode()
    client.logout()
    html = client.get(f"/r/affairs/book/?item=MZ-GLJT&window={t.windows['A1'].pk}").content.decode()
    assert "可约时段" in html and "高龄津贴" in html
