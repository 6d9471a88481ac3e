"""Walk cases through every path of the workflow, through the real services."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from civicgrid.cases import services as S
from civicgrid.cases import signals
from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case, CaseEvent, Transition
from civicgrid.core.models import AuditEntry, Notification

from .conftest import P_A1a, T0, at, jpeg

H = dt.timedelta(hours=1)


def report(t, cats, code="01037", point=P_A1a, who="worker_A1a", now=T0, **kw):
    return S.intake(t.users[who], channel="grid_worker", category=cats[code], description="路灯不亮",
                    lng=point[0], lat=point[1], photos=[jpeg()], now=now, **kw)


def actions(case):
    return [e.action for e in CaseEvent.objects.filter(case=case).order_by("seq")]


def test_closed_in_the_community(t, cats):
    closed = []
    handler = lambda sender, case, event, **kw: closed.append((case.number, event.action))  # noqa: E731
    signals.case_closed.connect(handler)
    try:
        c = report(t, cats, "06002")  # 暴露垃圾: community tier
        assert (c.state, c.tier) == (W.REPORTED, W.COMMUNITY)
        assert c.grid == t.grid("A1a") and c.community == t.communities["A1"] and c.street == t.streets["A"]
        assert c.accept_due == T0 + 2 * H  # community acceptance: 2 working hours
        assert Notification.objects.filter(recipient=t.users["staff_A1"], title__contains=c.number).exists()
        staff, worker = t.users["staff_A1"], t.users["worker_A1a"]
        c = S.act(staff, c, "take", now=T0 + H)
        assert c.state == W.COMMUNITY_HANDLING and c.due_at == at(2026, 3, 5, 11, 0)  # 7 working hours, lunch and night skipped
        c = S.act(staff, c, "handle", note="已清运", now=T0 + 2 * H)
        assert c.state == W.HANDLED and c.handled_on_time is True
        assert Notification.objects.filter(recipient=worker, title__startswith="待核查").exists()
        c = S.act(worker, c, "verify_pass", photos=[jpeg((10, 200, 10))], now=T0 + 3 * H)
        c = S.act(staff, c, "close", now=T0 + 4 * H)
    finally:
        signals.case_closed.disconnect(handler)
    assert c.state == W.CLOSED and c.closed_at == T0 + 4 * H
    assert actions(c) == ["report", "take", "handle", "verify_pass", "close"]
    assert [e.seq for e in c.events.all()] == [1, 2, 3, 4, 5] and c.version == 5
    assert closed == [(c.number, "close")]
    kinds = [a.kind for e in c.events.all() for a in e.attachments.all()]
    assert kinds == ["before", "after"]
    assert AuditEntry.objects.filter(object_type="cases.case", object_id=str(c.pk)).count() == 5


def test_dispatched_handled_verified_closed(t, cats):
    c = report(t, cats)
    disp, handler, worker = t.users["dispatcher_A"], t.users["urban_A"], t.users["worker_A1a"]
    assert [a.action for a in S.available_actions(disp, c)] == ["file", "not_file", "merge", "declare_emergency"]
    assert S.available_actions(handler, c) == []
    c = S.act(disp, c, "file", now=T0 + dt.timedelta(minutes=10))
    assert c.state == W.FILED and c.dispatch_due == T0 + dt.timedelta(minutes=40)
    unit = S.suggested_unit(c)
    assert unit == t.units[("urban", "A")]
    c = S.act(disp, c, "dispatch", unit=unit, now=T0 + dt.timedelta(minutes=20))
    assert c.state == W.DISPATCHED and c.assigned_unit == unit and c.department == t.departments["urban"]
    assert Notification.objects.filter(recipient=handler, title__startswith="新派遣案件").exists()
    assert [a.action for a in S.available_actions(handler, c)] == ["return", "request_extension", "handle"]
    with pytest.raises(ValidationError, match="照片"):
        S.act(handler, c, "handle", note="已修复", now=T0 + 2 * H)
    c = S.act(handler, c, "handle", note="已更换灯泡", photos=[jpeg()], now=T0 + 3 * H)
    assert c.handled_on_time and c.handling_hours == pytest.approx(1.67, abs=0.01)
    with pytest.raises(ValidationError, match="照片"):
        S.act(worker, c, "verify_pass", now=T0 + 4 * H)
    c = S.act(worker, c, "verify_pass", photos=[jpeg()], now=T0 + 4 * H)
    c = S.act(disp, c, "close", now=T0 + 5 * H)
    assert c.state == W.CLOSED
    assert actions(c) == ["report", "file", "dispatch", "handle", "verify_pass", "close"]
    ev = c.events.get(action="handle")
    assert ev.actor == handler and ev.actor_role == "department_handler" and ev.attachments.get().kind == "evidence"


def test_returned_and_rerouted(t, cats):
    disp, handler = t.users["dispatcher_A"], t.users["urban_A"]
    c = S.act(disp, report(t, cats), "file", now=T0)
    c = S.act(disp, c, "dispatch", unit=t.units[("urban", "A")], now=T0)
    with pytest.raises(ValidationError, match="理由"):
        S.act(handler, c, "return", now=T0 + H)
    c = S.act(handler, c, "return", note="属于供电公司管理的路灯", now=T0 + H)
    assert c.state == W.RETURNED and c.assigned_unit is None and c.return_count == 1
    assert Notification.objects.filter(recipient=disp, title__startswith="部门退回").exists()
    # The department no longer sees what it gave back.
    assert S.available_actions(handler, c) == []
    with pytest.raises(PermissionDenied):
        S.act(handler, c, "handle", note="x", photos=[jpeg()])
    # A street dispatcher cannot send it to a district desk; that is the command centre's.
    with pytest.raises(PermissionDenied, match="可派遣"):
        S.act(disp, c, "reroute", unit=t.units[("urban", None)], now=T0 + H)
    c = S.act(disp, c, "reroute", unit=t.units[("police", "A")], now=T0 + 2 * H)
    assert c.state == W.DISPATCHED and c.assigned_unit == t.units[("police", "A")]
    assert c.handle_due == at(2026, 3, 5, 12, 0)  # a fresh 7 working hours for the new unit
    assert actions(c)[-2:] == ["return", "reroute"]


def test_extension_approved_and_refused(t, cats):
    disp, handler = t.users["dispatcher_A"], t.users["urban_A"]
    c = S.act(disp, report(t, cats), "file", now=T0)
    c = S.act(disp, c, "dispatch", unit=t.units[("urban", "A")], now=T0)
    due = c.handle_due
    with pytest.raises(ValidationError, match="工作时"):
        S.act(handler, c, "request_extension", note="需要采购灯具", hours=0, now=T0 + H)
    c = S.act(handler, c, "request_extension", note="需要采购灯具", hours=7, now=T0 + H)
    assert c.state == W.EXTENSION_REQUESTED and c.extension_hours_requested == 7
    assert c.handle_due == due  # the clock keeps running while the request waits
    with pytest.raises(ValidationError, match="理由"):
        S.act(disp, c, "refuse_extension", now=T0 + 2 * H)
    c = S.act(disp, c, "approve_extension", now=T0 + 2 * H)
    assert c.state == W.DISPATCHED and c.extension_count == 1
    assert S.default_calendar().working_hours_between(due, c.handle_due) == pytest.approx(7)
    assert c.due_at == c.handle_due
    c = S.act(handler, c, "request_extension", note="再延一天", hours=7, now=T0 + 3 * H)
    c = S.act(disp, c, "refuse_extension", note="不同意，请按期完成", now=T0 + 3 * H)
    assert c.state == W.DISPATCHED and c.extension_count == 1 and c.extension_hours_requested is None
    assert Notification.objects.filter(recipient=handler, title__startswith="延期被驳回").exists()
    assert actions(c)[-4:] == ["request_extension", "approve_extension", "request_extension", "refuse_extension"]


def test_verification_failed_rework_then_closed(t, cats):
    disp, handler, worker = t.users["dispatcher_A"], t.users["urban_A"], t.users["worker_A1a"]
    c = S.act(disp, report(t, cats), "file", now=T0)
    c = S.act(disp, c, "dispatch", unit=t.units[("urban", "A")], now=T0)
    due = c.handle_due
    c = S.act(handler, c, "handle", note="已修", photos=[jpeg()], now=T0 + H)
    with pytest.raises(ValidationError):
        S.act(worker, c, "verify_fail", photos=[jpeg()], now=T0 + 2 * H)  # reason required
    c = S.act(worker, c, "verify_fail", note="仍然不亮", photos=[jpeg()], now=T0 + 2 * H)
    assert c.state == W.DISPATCHED and c.rework_count == 1 and c.handle_due == due and c.due_at == due
    assert Notification.objects.filter(recipient=handler, title__startswith="核查未通过").exists()
    c = S.act(handler, c, "handle", note="更换整灯", photos=[jpeg()], now=T0 + 3 * H)
    c = S.act(worker, c, "verify_pass", photos=[jpeg()], now=T0 + 4 * H)
    c = S.act(disp, c, "close", now=T0 + 4 * H)
    assert c.state == W.CLOSED and c.rework_count == 1
    assert actions(c) == ["report", "file", "dispatch", "handle", "verify_fail", "handle", "verify_pass", "close"]


def test_community_rework_goes_back_to_the_community(t, cats):
    staff, worker = t.users["staff_A1"], t.users["worker_A1a"]
    c = S.act(staff, report(t, cats, "06002"), "take", now=T0)
    c = S.act(staff, c, "handle", note="清理", now=T0 + H)
    c = S.act(worker, c, "verify_fail", note="还有垃圾", photos=[jpeg()], now=T0 + H)
    assert c.state == W.COMMUNITY_HANDLING and c.rework_count == 1


def test_not_filed_needs_a_reason_and_ends_the_case(t, cats):
    disp = t.users["dispatcher_A"]
    c = report(t, cats)
    with pytest.raises(ValidationError):
        S.act(disp, c, "not_file", now=T0)
    c = S.act(disp, c, "not_file", note="已由产权单位修复", now=T0)
    assert c.state == W.NOT_FILED and c.due_at is None
    assert S.available_actions(disp, c) == []


def test_suspend_and_resume(t, cats):
    disp = t.users["dispatcher_A"]
    c = S.act(disp, report(t, cats), "file", now=T0)
    with pytest.raises(ValidationError, match="复查日期"):
        S.act(disp, c, "suspend", note="待规划", now=T0)
    with pytest.raises(ValidationError, match="晚于今天"):
        S.act(disp, c, "suspend", note="待规划", review_date=T0.date(), now=T0)
    c = S.act(disp, c, "suspend", note="待道路改造", review_date=dt.date(2026, 4, 1), now=T0)
    assert c.state == W.SUSPENDED and c.suspended_until == dt.date(2026, 4, 1)
    # On the review date the sweep reminds the dispatcher; it does not escalate.
    counts = S.sweep(now=S.timezone.make_aware(dt.datetime(2026, 4, 1, 10, 0)))
    assert counts["review_due"] == 1 and Case.objects.get(pk=c.pk).state == W.SUSPENDED
    assert Notification.objects.filter(recipient=disp, title__startswith="挂账案件到复查日期").exists()
    c = S.act(disp, Case.objects.get(pk=c.pk), "resume", now=T0 + 24 * H * 30)
    assert c.state == W.FILED and c.suspended_until is None


def test_escalation_by_hand_to_district_and_district_dispatch(t, cats):
    disp, cmd = t.users["dispatcher_A"], t.users["commander"]
    c = S.act(disp, report(t, cats), "file", now=T0)
    c = S.act(disp, c, "escalate", now=T0)
    assert (c.state, c.tier) == (W.FILED, W.DISTRICT)
    # The street no longer supervises it.
    with pytest.raises(PermissionDenied, match="区"):
        S.act(disp, c, "dispatch", unit=t.units[("urban", "A")], now=T0)
    c = S.act(cmd, c, "dispatch", unit=t.units[("urban", None)], now=T0)
    assert c.assigned_unit == t.units[("urban", None)]
    c = S.act(t.users["urban_district"], c, "handle", note="区城管处置", photos=[jpeg()], now=T0 + H)
    assert c.state == W.HANDLED


def test_merge_duplicate(t, cats):
    first = report(t, cats)
    second = report(t, cats, point=(P_A1a[0] + 0.0002, P_A1a[1]), now=T0 + H)  # ~17 m east
    assert second.possible_duplicate == first
    disp = t.users["dispatcher_A"]
    with pytest.raises(ValidationError):
        S.act(disp, second, "merge", now=T0 + H)
    merged = S.act(disp, second, "merge", into=first, now=T0 + H)
    assert merged.state == W.MERGED and merged.duplicate_of == first
    assert merged.events.last().data["into"] == first.number


def test_hotline_case_verified_by_phone_without_photo(t, cats):
    op = t.users["operator"]
    c = S.intake(op, channel="hotline", category=cats["01037"], description="小区门口路灯坏了", lng=P_A1a[0],
                 lat=P_A1a[1], requester_name="张三丰", requester_phone="13912345678", now=T0)
    disp, handler = t.users["dispatcher_A"], t.users["urban_A"]
    c = S.act(disp, c, "file", now=T0)
    c = S.act(disp, c, "dispatch", unit=t.units[("urban", "A")], now=T0)
    c = S.act(handler, c, "handle", note="已修", photos=[jpeg()], now=T0 + H)
    assert Notification.objects.filter(recipient=op, title__startswith="待核查").exists()
    c = S.act(op, c, "verify_pass", note="回访诉求人确认已修好", now=T0 + 2 * H)
    assert c.state == W.VERIFIED


def test_transition_table_mirrors_workflow(db):
    rows = list(Transition.objects.order_by("id").values("from_state", "action", "to_state", "roles", "condition"))
    assert rows == [{k: r[k] for k in ("from_state", "action", "to_state", "roles", "condition")}
                    for r in W.mirror_rows()]
    assert len(rows) == len(W.TRANSITIONS) > 20


def test_every_action_is_in_the_table_and_states_are_reachable():
    actions_in_table = {t.action for t in W.TRANSITIONS}
    assert actions_in_table == set(W.ACTION_LABELS)
    reachable = {W.REPORTED}
    changed = True
    while changed:
        new = {t.to_state for t in W.TRANSITIONS if t.from_state in reachable} - reachable
        reachable |= new
        changed = bool(new)
    assert reachable == set(W.STATE_LABELS)


def test_reopened_after_an_unsatisfied_call_back(t, cats):
    """回访不满意重办: the same case goes back into handling; its closure no longer stands."""
    disp, handler, worker, op = t.users["dispatcher_A"], t.users["urban_A"], t.users["worker_A1a"], t.users["operator"]
    c = report(t, cats)  # 01037 路灯: street tier
    c = S.act(disp, c, "file", now=T0 + H)
    c = S.act(disp, c, "dispatch", unit=S.suggested_unit(c), now=T0 + H)
    c = S.act(handler, c, "handle", note="已更换灯泡", photos=[jpeg()], now=T0 + 2 * H)
    c = S.act(worker, c, "verify_pass", photos=[jpeg()], now=T0 + 3 * H)
    c = S.act(disp, c, "close", now=T0 + 4 * H)
    for who in ("worker_A1a", "urban_A", "staff_A1"):
        with pytest.raises(PermissionDenied):
            S.act(t.users[who], c, "reopen", note="仍然不亮")
    with pytest.raises(ValidationError):
        S.act(op, c, "reopen", note="")
    c = S.act(op, c, "reopen", note="回访：居民反映路灯仍不亮", now=T0 + 5 * H)
    assert c.state == W.FILED and c.closed_at is None and c.assigned_unit is None and c.is_open
    reopen = c.events.get(action="reopen")
    assert dt.datetime.fromisoformat(reopen.data["closed_at"]) == T0 + 4 * H
    # Handled again and closed again: two closures in the history, one standing.
    c = S.act(disp, c, "dispatch", unit=S.suggested_unit(c), now=T0 + 6 * H)
    c = S.act(handler, c, "handle", note="更换整条线路", photos=[jpeg()], now=T0 + 7 * H)
    c = S.act(worker, c, "verify_pass", photos=[jpeg()], now=T0 + 8 * H)
    c = S.act(disp, c, "close", now=T0 + 9 * H)
    assert c.state == W.CLOSED and c.closed_at == T0 + 9 * H
    assert actions(c).count("close") == 2 and actions(c).count("reopen") == 1


def test_community_case_reopens_into_community_handling(t, cats):
    staff, worker = t.users["staff_A1"], t.users["worker_A1a"]
    c = report(t, cats, "06002")
    c = S.act(staff, c, "take", now=T0 + H)
    c = S.act(staff, c, "handle", note="已清运", now=T0 + 2 * H)
    c = S.act(worker, c, "verify_pass", photos=[jpeg()], now=T0 + 3 * H)
    c = S.act(staff, c, "close", now=T0 + 4 * H)
    c = S.act(None, c, "reopen", note="居民评价：未解决", now=T0 + 5 * H)  # the requester's own rating
    assert c.state == W.COMMUNITY_HANDLING and c.events.get(action="reopen").actor_role == W.SYSTEM
