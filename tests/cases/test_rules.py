"""Refusals, deadlines, the sweep, duplicates, intake validation, append-only history."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction

from civicgrid.cases import services as S
from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.core.models import AuditEntry, Notification
from civicgrid.core.sms import MemorySMSBackend

from .conftest import P_A1a, P_A1b, P_B1a, T0, at, jpeg

H = dt.timedelta(hours=1)


def report(t, cats, code="01037", point=P_A1a, who="worker_A1a", now=T0, **kw):
    return S.intake(t.users[who], channel="grid_worker", category=cats[code], description="问题",
                    lng=point[0], lat=point[1], now=now, **kw)


def walk_to(t, cats, state):
    """A case in `state`, reached through the services."""
    disp, handler, worker, staff = (t.users[k] for k in ("dispatcher_A", "urban_A", "worker_A1a", "staff_A1"))
    unit = t.units[("urban", "A")]
    if state == W.COMMUNITY_HANDLING:
        return S.act(staff, report(t, cats, "06002"), "take", now=T0)
    c = report(t, cats)
    steps = {
        W.REPORTED: [],
        W.NOT_FILED: [(disp, "not_file", {"note": "无需处理"})],
        W.FILED: [(disp, "file", {})],
        W.MERGED: [(disp, "merge", {"into": "other"})],
        W.DISPATCHED: [(disp, "file", {}), (disp, "dispatch", {"unit": unit})],
        W.RETURNED: [(disp, "file", {}), (disp, "dispatch", {"unit": unit}), (handler, "return", {"note": "非本部门"})],
        W.EXTENSION_REQUESTED: [(disp, "file", {}), (disp, "dispatch", {"unit": unit}),
                                (handler, "request_extension", {"note": "缺料", "hours": 7})],
        W.HANDLED: [(disp, "file", {}), (disp, "dispatch", {"unit": unit}),
                    (handler, "handle", {"note": "修好", "photos": [jpeg()]})],
        W.VERIFIED: [(disp, "file", {}), (disp, "dispatch", {"unit": unit}),
                     (handler, "handle", {"note": "修好", "photos": [jpeg()]}),
                     (worker, "verify_pass", {"photos": [jpeg()]})],
        W.SUSPENDED: [(disp, "file", {}), (disp, "suspend", {"note": "待规划", "review_date": dt.date(2026, 5, 1)})],
    }
    steps[W.CLOSED] = steps[W.VERIFIED] + [(disp, "close", {})]
    for who, action, kw in steps[state]:
        if kw.get("into") == "other":
            kw = {"into": report(t, cats, point=P_A1b)}
        c = S.act(who, c, action, now=T0, **kw)
    assert c.state == state
    return c


SUPER_KWARGS = {"note": "理由", "photos": [jpeg()], "hours": 7, "review_date": dt.date(2026, 5, 1)}


@pytest.mark.parametrize("state", list(W.STATE_LABELS))
def test_every_illegal_action_is_refused(t, cats, state, django_user_model):
    """From each state, every action the table does not offer is refused, even for a superuser."""
    root = django_user_model.objects.create_superuser("root", password="pass-1234")
    c = walk_to(t, cats, state)
    legal = {t_.action for t_ in W.transitions_from(state)}
    events = c.events.count()
    for action in W.ACTION_LABELS:
        if action in legal:
            continue
        with pytest.raises(S.IllegalAction, match="不能|未知"):
            S.act(root, c, action, **SUPER_KWARGS)
    c.refresh_from_db()
    assert c.state == state and c.events.count() == events


def test_wrong_roles_and_jurisdiction_are_refused(t, cats):
    c = report(t, cats)
    # Wrong role for the step.
    with pytest.raises(PermissionDenied, match="需要以下角色"):
        S.act(t.users["worker_A1a"], c, "file")
    # Right role, other street: the case is outside the jurisdiction.
    with pytest.raises(PermissionDenied, match="管辖范围"):
        S.act(t.users["dispatcher_B"], c, "file")
    # A community worker cannot close what the street supervises.
    c = walk_to(t, cats, W.VERIFIED)
    with pytest.raises(PermissionDenied, match="街道"):
        S.act(t.users["staff_A1"], c, "close")
    # A grid worker of another grid cannot verify it.
    with pytest.raises(PermissionDenied):
        S.act(t.users["worker_A2a"], walk_to(t, cats, W.HANDLED), "verify_pass", photos=[jpeg()])
    # A department unit other than the assigned one cannot touch it.
    d = walk_to(t, cats, W.DISPATCHED)
    with pytest.raises(PermissionDenied):
        S.act(t.users["urban_B"], d, "handle", note="x", photos=[jpeg()])
    with pytest.raises(PermissionDenied):
        S.act(None, d, "handle", note="x", photos=[jpeg()])  # only the sweep's own rows accept no user
    assert c.events.count() == 5 and d.events.count() == 3


def test_stale_copy_gets_already_changed(t, cats):
    c = report(t, cats)
    stale = Case.objects.get(pk=c.pk)
    S.act(t.users["dispatcher_A"], c, "file", now=T0)
    with pytest.raises(S.CaseConflict, match="已被他人处理"):
        S.act(t.users["staff_A1"], stale, "take")
    with pytest.raises(S.CaseConflict, match="已被他人处理"):
        S.act(t.users["dispatcher_A"], Case.objects.get(pk=c.pk), "dispatch", unit=t.units[("urban", "A")],
              expected_version=1)
    assert Case.objects.get(pk=c.pk).version == 2


def test_deadlines_across_national_day(t, cats):
    # 2025-09-30 (Tue) 16:50; 1–8 October are holidays, the 9th is the next working day.
    now = at(2025, 9, 30, 16, 50)
    c = report(t, cats, now=now)
    assert c.accept_due == at(2025, 9, 30, 17, 20)
    c = S.act(t.users["dispatcher_A"], c, "file", now=at(2025, 9, 30, 17, 10))
    assert c.dispatch_due == at(2025, 10, 9, 9, 10)  # 20 min left on the 30th, 10 min on 9 October
    c = S.act(t.users["dispatcher_A"], c, "dispatch", unit=t.units[("urban", "A")], now=at(2025, 9, 30, 17, 0))
    # 7 working hours: 30 min on 30 September, then 9:00–12:00 and 13:30–17:00 on 9 October.
    assert c.handle_due == at(2025, 10, 9, 17, 0)
    assert c.warn_at == S.default_calendar().add_working_hours(at(2025, 9, 30, 17, 0), 7 * 0.8)
    # The make-up working Saturday 11 October counts: 14 hours from the 9th at 9:00 end on the 10th.
    assert S.default_calendar().add_working_hours(at(2025, 10, 10, 9, 0), 14) == at(2025, 10, 11, 17, 30)


def test_urgent_limits(t, cats):
    t.users["dispatcher_A"].phone = "13700000001"
    t.users["dispatcher_A"].save()
    c = report(t, cats, urgent=True)
    assert c.accept_due == T0 + dt.timedelta(hours=cats["01037"].urgent_accept_hours)
    assert MemorySMSBackend.outbox  # urgent intake texts the dispatcher


def test_sweep_warns_then_escalates_untaken_community_case(t, cats):
    c = report(t, cats, "06002")  # community tier, 2 working hours to accept
    staff, disp = t.users["staff_A1"], t.users["dispatcher_A"]
    staff.phone = "13700000002"
    staff.save()
    assert S.sweep(now=T0 + dt.timedelta(minutes=30)) == {"warned": 0, "overdue": 0, "escalated": 0, "review_due": 0}
    counts = S.sweep(now=T0 + dt.timedelta(minutes=100))  # past 80 %
    assert counts["warned"] == 1
    assert Notification.objects.filter(recipient=staff, title__startswith="案件即将超期").count() == 1
    assert S.sweep(now=T0 + dt.timedelta(minutes=101))["warned"] == 0  # warned once only
    MemorySMSBackend.outbox.clear()
    counts = S.sweep(now=T0 + 2 * H + dt.timedelta(minutes=1))
    assert counts == {"warned": 0, "overdue": 1, "escalated": 1, "review_due": 0}
    c.refresh_from_db()
    assert (c.state, c.tier) == (W.REPORTED, W.STREET) and c.overdue_count == 1 and not c.is_overdue
    ev = c.events.last()
    assert (ev.action, ev.actor, ev.actor_role, ev.actor_name) == ("escalate", None, W.SYSTEM, "系统")
    assert Notification.objects.filter(recipient=disp, title__startswith="上报案件待处理").exists()
    assert Notification.objects.filter(recipient=staff, title__startswith="案件超期").exists()
    assert MemorySMSBackend.outbox  # overdue is texted
    assert AuditEntry.objects.filter(action="case.escalate", actor_name="系统").exists()
    # A fresh acceptance clock (the category's 2 working hours) now runs for the street, across lunch.
    assert c.accept_due == at(2026, 3, 4, 15, 30)
    S.act(disp, c, "file", now=T0 + 3 * H)


def test_sweep_escalates_undispatched_street_case_to_district(t, cats):
    c = S.act(t.users["dispatcher_A"], report(t, cats), "file", now=T0)
    S.sweep(now=T0 + H)
    c.refresh_from_db()
    assert (c.state, c.tier) == (W.FILED, W.DISTRICT)
    assert Notification.objects.filter(recipient=t.users["commander"], title__startswith="上报案件待处理").exists()
    c = S.act(t.users["commander"], c, "dispatch", unit=t.units[("urban", None)], now=T0 + H)
    assert c.state == W.DISPATCHED


def test_sweep_flags_overdue_handling_without_taking_it_away(t, cats):
    c = walk_to(t, cats, W.DISPATCHED)
    counts = S.sweep(now=T0 + 30 * H)
    c.refresh_from_db()
    assert counts["overdue"] == 1 and counts["escalated"] == 0
    assert c.state == W.DISPATCHED and c.is_overdue and c.assigned_unit == t.units[("urban", "A")]
    assert Notification.objects.filter(recipient=t.users["urban_A"], title__startswith="案件超期").exists()
    assert Notification.objects.filter(recipient=t.users["commander"], title__startswith="部门处置超期").exists()
    assert S.sweep(now=T0 + 31 * H)["overdue"] == 0
    c = S.act(t.users["urban_A"], c, "handle", note="晚了", photos=[jpeg()], now=T0 + 31 * H)
    assert c.handled_on_time is False


def test_duplicate_detection(t, cats, settings):
    settings.CASES_DUPLICATE_METERS = 50
    first = report(t, cats)
    far = report(t, cats, point=(P_A1a[0] + 0.0009, P_A1a[1]), now=T0 + H)         # ~77 m
    near = report(t, cats, point=(P_A1a[0] + 0.0003, P_A1a[1]), now=T0 + H)        # ~26 m
    other_kind = report(t, cats, "06042", now=T0 + H)
    assert near.possible_duplicate == first
    assert far.possible_duplicate is None and other_kind.possible_duplicate is None
    S.act(t.users["dispatcher_A"], first, "not_file", note="x", now=T0 + H)
    again = report(t, cats, now=T0 + 2 * H)
    assert again.possible_duplicate == near  # not-filed cases are not duplicates; the nearest open one is
    assert again.events.first().data["possible_duplicate"] == near.number
    late = report(t, cats, point=(P_A1a[0] + 0.0009, P_A1a[1] + 0.0001), now=T0 + 75 * H)  # far is 74 h old
    assert late.possible_duplicate is None


def test_intake_places_the_case(t, cats):
    c = report(t, cats, point=P_B1a, who="worker_B1a")
    assert (c.grid, c.community, c.street, c.district, c.region) == (
        t.grid("B1a"), t.communities["B1"], t.streets["B"], t.district, t.grid("B1a"))
    by_grid = S.intake(t.users["staff_A1"], channel="community", category=cats["50001"], description="邻里噪音纠纷",
                       grid=t.grid("A1b"), now=T0)
    assert by_grid.grid == t.grid("A1b") and by_grid.tier == W.COMMUNITY and by_grid.lng is None
    by_address = S.intake(t.users["operator"], channel="hotline", category=cats["06028"], description="夜间施工",
                          region=t.streets["B"], address="B街道某路 1 号", now=T0)
    assert by_address.region == t.streets["B"] and by_address.grid is None and by_address.community is None
    # The day's serial: dense on SQLite; on PostgreSQL a sequence per day (cases/serials.py), unique and
    # increasing but not rolled back with a test's transaction, so only the order is certain there.
    serials = [int(x.number[8:]) for x in (c, by_grid, by_address)]
    assert by_address.number[:8] == "20260304" and serials == sorted(set(serials))
    if connection.vendor == "sqlite":
        assert serials == [1, 2, 3]


def test_intake_refusals_save_nothing(t, cats):
    before = (Case.objects.count(), CaseEvent.objects.count(), AuditEntry.objects.count())
    w = t.users["worker_A1a"]
    with pytest.raises(ValidationError, match="不在本系统的任何网格"):
        S.intake(w, channel="grid_worker", category=cats["01037"], description="x", lng=120.0, lat=30.0)
    with pytest.raises(ValidationError, match="请提供位置"):
        S.intake(w, channel="grid_worker", category=cats["01037"], description="x")
    with pytest.raises(ValidationError, match="描述"):
        S.intake(w, channel="grid_worker", category=cats["01037"], description="  ", lng=P_A1a[0], lat=P_A1a[1])
    with pytest.raises(ValidationError, match="不是有效的图片"):
        S.intake(w, channel="grid_worker", category=cats["01037"], description="x", lng=P_A1a[0], lat=P_A1a[1],
                 photos=[b"not an image at all"])
    with pytest.raises(PermissionDenied, match="热线"):
        S.intake(w, channel="hotline", category=cats["01037"], description="x", lng=P_A1a[0], lat=P_A1a[1])
    with pytest.raises(PermissionDenied, match="来源"):
        S.intake(None, channel="resident", category=cats["01037"], description="x", lng=P_A1a[0], lat=P_A1a[1])
    with pytest.raises(PermissionDenied):
        S.intake(None, channel="grid_worker", category=cats["01037"], description="x", lng=P_A1a[0], lat=P_A1a[1],
                 source="x")
    cats["01037"].active = False
    with pytest.raises(ValidationError, match="类别"):
        S.intake(w, channel="grid_worker", category=cats["01037"], description="x", lng=P_A1a[0], lat=P_A1a[1])
    assert (Case.objects.count(), CaseEvent.objects.count(), AuditEntry.objects.count()) == before


def test_anonymous_channel_is_audited_with_its_source(t, cats):
    c = S.intake(None, channel="api", source="open311:test-app", category=cats["01037"], description="井盖丢失",
                 lng=P_A1a[0], lat=P_A1a[1], now=T0)
    assert c.reporter is None and c.events.get().actor_name == "open311:test-app"
    assert AuditEntry.objects.get(action="case.intake", object_id=str(c.pk)).actor_name == "open311:test-app"


def test_requester_phone_encrypted_and_masked(t, cats):
    c = S.intake(t.users["operator"], channel="hotline", category=cats["01037"], description="x",
                 lng=P_A1a[0], lat=P_A1a[1], requester_name="李小龙", requester_phone="13912345678", now=T0)
    with connection.cursor() as cur:
        cur.execute("SELECT requester_phone FROM cases_case WHERE id = %s", [c.pk])
        raw = cur.fetchone()[0]
    assert raw.startswith("enc1:") and "1391234" not in raw
    c.refresh_from_db()
    assert c.requester_phone == "13912345678" and c.requester_phone_masked == "139****5678"
    assert c.requester_name_masked == "李*龙"
    assert Case.objects.filter(requester_phone_hash=S.lookup_hash("139 1234 5678")).get() == c
    assert not S.can_see_requester(t.users["worker_A1a"], c)
    with pytest.raises(PermissionDenied):
        S.reveal_requester(t.users["worker_A1a"], c, reason="回访")
    assert S.reveal_requester(t.users["dispatcher_A"], c, reason="联系诉求人")["phone"] == "13912345678"
    assert AuditEntry.objects.filter(action="case.reveal_requester", reason="联系诉求人").exists()


def test_events_are_append_only(t, cats):
    c = report(t, cats)
    ev = c.events.get()
    with pytest.raises(PermissionError):
        ev.save()
    with pytest.raises(PermissionError):
        ev.delete()
    with pytest.raises(PermissionError):
        CaseEvent.objects.filter(pk=ev.pk).update(note="x")
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("UPDATE cases_caseevent SET note = 'forged' WHERE id = %s", [ev.pk])
    with pytest.raises(DatabaseError):
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("DELETE FROM cases_caseevent WHERE id = %s", [ev.pk])
    assert CaseEvent.objects.get(pk=ev.pk).note == ""


def test_hotline_cases_take_the_stricter_of_category_and_hotline_limits(t, cats, settings):
    from civicgrid.cases import services as S
    from civicgrid.core.calendar import default_calendar
    from tests.cases.conftest import P_A1a, T0

    settings.CASE_CHANNEL_LIMITS = {"hotline": {"accept": 0.25, "handle": 1000}}
    cat = next(c for c in cats.values() if c.accept_hours > 0.25)
    hot = S.intake(t.users["operator"], channel="hotline", category=cat, description="热线来电", lng=P_A1a[0],
                   lat=P_A1a[1], requester_phone="13800001111", now=T0)
    grid = S.intake(t.users["worker_A1a"], channel="grid_worker", category=cat, description="巡查发现",
                    lng=P_A1a[0] + 0.001, lat=P_A1a[1], now=T0)
    cal = default_calendar()
    assert hot.accept_due == cal.add_working_hours(T0, 0.25)
    assert grid.accept_due == cal.add_working_hours(T0, cat.accept_hours)
    # A looser channel limit does not loosen the category's.
    hot.category = cat
    assert S.step_hours(hot, "handle") == cat.handle_hours
