"""Quota assessment and allowances against hand-computed figures, volunteer hours, joint cases, emergencies."""
import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from civicgrid.core.models import Notification, Role
from civicgrid.workforce import assessment, services
from civicgrid.workforce.models import PayRule, Quota, StaffProfile

pytestmark = pytest.mark.django_db


def _day_patrol(worker, grid, day, checks=1):
    when = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
    services.sync_patrol(worker, {"id": str(uuid.uuid4()), "grid": grid.code, "started_at": when.isoformat(),
                                  "ended_at": (when + dt.timedelta(hours=1)).isoformat(),
                                  "checks": [{"id": str(uuid.uuid4()), "at": when.isoformat(), "outcome": "nothing"}
                                             for _ in range(checks)]})


def test_quota_assessment_and_allowance_amounts(wf):
    t, g, types = wf["t"], wf["grid"], wf["types"]
    staff, worker = t.users["staff_A1"], t.users["worker_A1a"]
    profile = services.onboard(staff, Role.objects.get(user=worker, region=g), staff_type=types["grid_worker"],
                               employer="A街道办事处")
    PayRule.objects.create(district=t.district, staff_type=types["grid_worker"], fixed=Decimal("1000"),
                           assessed=Decimal("600"), period="month")
    Quota.objects.create(district=t.district, staff_type=types["grid_worker"], metric="patrol_days", target=20)
    Quota.objects.create(district=t.district, staff_type=types["grid_worker"], metric="checks", target=40)
    month = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    first = month.replace(day=1)
    for i in range(15):                      # 15 patrol days, 3 checks each = 45 checks
        _day_patrol(worker, g, first + dt.timedelta(days=i), checks=3)
    rows = assessment.sheet(StaffProfile.objects.all(), first)
    assert len(rows) == 1
    r = rows[0]
    # by hand: patrol days 15/20 = 0.75; checks 45/40 → capped at 1; score (0.75 + 1) / 2 = 0.875
    # pay = 1000 + 600 × 0.875 = 1525.00
    assert r["done"]["patrol_days"] == 15 and r["done"]["checks"] == 45
    assert r["score"] == Decimal("0.8750")
    assert r["amount"] == Decimal("1525.00") and r["assessed"] == Decimal("525.00")
    # The grid leader: 200 fixed + 200 assessed per quarter, paid in the quarter's last month only
    leader_seat = Role.objects.create(user=t.users["staff_A1"], role="community_staff", region=t.communities["A1"], title="网格长")
    services.onboard(staff, leader_seat, staff_type=types["grid_leader"])
    PayRule.objects.create(district=t.district, staff_type=types["grid_leader"], fixed=200, assessed=200, period="quarter")
    Quota.objects.create(district=t.district, staff_type=types["grid_leader"], metric="patrol_days", target=4)
    q_last = dt.date(2026, 9, 1)
    for d in (dt.date(2026, 7, 3), dt.date(2026, 8, 5), dt.date(2026, 9, 9)):   # 3 days over the quarter
        when = timezone.make_aware(dt.datetime.combine(d, dt.time(9)))
        from civicgrid.workforce.models import Patrol

        Patrol.objects.create(worker=t.users["staff_A1"], grid=g, started_at=when, ended_at=when)
    rows = {r["type"]: r for r in assessment.sheet(StaffProfile.objects.all(), q_last)}
    # by hand: 3 days of 4 × 3 = 12 → 0.25; 200 + 200 × 0.25 = 250.00
    assert rows["网格长"]["amount"] == Decimal("250.00") and rows["网格长"]["period"] == "本季度"
    assert "网格长" not in {r["type"] for r in assessment.sheet(StaffProfile.objects.all(), dt.date(2026, 8, 1))}
    # the Excel export goes through core/spreadsheet and carries the amounts
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(assessment.workbook(assessment.sheet(StaffProfile.objects.all(), first), first)))
    values = [c.value for row in wb.active.iter_rows() for c in row]
    assert 1525.0 in values and profile.user.name in values


def test_volunteer_hours_count_only_once_confirmed(wf):
    t, g = wf["t"], wf["grid"]
    v = services.register_volunteer(grid=g, name="周秀兰", phone="13912345678", consent=True)
    with pytest.raises(ValidationError):
        services.register_volunteer(grid=g, name="周秀兰", phone="13912345679", consent=False)
    a = services.plan_activity(t.users["staff_A1"], grid=g, title="楼道清洁", place="3号楼",
                               starts_at=timezone.now() - dt.timedelta(minutes=30), hours="2")
    services.sign_up(v, a)
    with pytest.raises(ValidationError):
        services.check_in(v, a, "000000" if a.checkin_code != "000000" else "111111")
    entry = services.check_in(v, a, a.checkin_code)
    assert services.check_in(v, a, a.checkin_code).pk == entry.pk  # checking in twice logs the hours once
    logged = services.log_hours(v, day=timezone.localdate(), hours="1.5", note="陪同社工入户")
    assert services.confirmed_hours(v) == 0
    with pytest.raises(ValidationError):
        services.issue_certificate(t.users["staff_A1"], v)
    services.confirm_hours(t.users["staff_A1"], entry)
    services.confirm_hours(t.users["staff_A1"], logged, accept=False)
    assert services.confirmed_hours(v) == Decimal("2.0")
    from civicgrid.workforce import kpis

    today = timezone.localdate()
    assert kpis.volunteer_hours(t.district, today - dt.timedelta(days=1), today) == 2.0
    cert = services.issue_certificate(t.users["staff_A1"], v)
    assert cert.hours == Decimal("2.0") and cert.number.startswith("ZY")
    # a coordinator of street B cannot confirm street A's hours
    other = services.log_hours(v, day=timezone.localdate(), hours=1, note="值守")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.confirm_hours(t.users["staff_B1"], other)


def _dispatched_case(t):
    from civicgrid.cases import services as CS
    from civicgrid.cases.models import Category

    cat = Category.objects.filter(active=True).first()
    case = CS.intake(t.users["worker_A1a"], channel="grid_worker", category=cat, description="占道经营与噪声扰民",
                     region=t.grids["A1a"])
    case = CS.act(t.users["dispatcher_A"], case, "file")
    return CS.act(t.users["dispatcher_A"], case, "dispatch", unit=t.units[("urban", "A")])


def test_a_joint_case_closes_only_when_every_part_is_confirmed(wf):
    from civicgrid.cases import joint as J
    from civicgrid.cases import services as CS
    from civicgrid.cases.errors import CaseActionError
    from civicgrid.core import roles as R
    from tests.factories import make_user

    t = wf["t"]
    police = make_user("police_A", R.DEPARTMENT_HANDLER, unit=t.units[("police", "A")])
    case = _dispatched_case(t)
    due = timezone.now() + dt.timedelta(days=1)
    lead = J.add_part(t.users["dispatcher_A"], case, t.units[("urban", "A")], task="牵头清理占道", due_at=due, lead=True)
    support = J.add_part(t.users["dispatcher_A"], case, t.units[("police", "A")], task="配合维持秩序", due_at=due)
    with pytest.raises(ValidationError):
        J.review(t.users["urban_A"], support, accept=True)  # nothing fed back yet
    case = CS.act(t.users["urban_A"], case, "handle", note="已清理", photos=[_photo()])
    case = CS.act(t.users["worker_A1a"], case, "verify_pass", photos=[_photo()])
    with pytest.raises(CaseActionError) as exc:
        CS.act(t.users["dispatcher_A"], case, "close")
    assert exc.value.code == "cases.joint_incomplete" and "A街道派出所" in str(exc.value)
    case.refresh_from_db()
    assert case.state == "verified"  # the refused close left nothing behind
    J.give_feedback(t.users["urban_A"], lead, "已清理占道摊位 5 处")
    J.give_feedback(police, support, "已派警力维持秩序")
    with pytest.raises(CaseActionError):
        CS.act(t.users["dispatcher_A"], case, "close")  # fed back, but the lead has not confirmed
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        J.review(police, support, accept=True)      # only the lead confirms
    J.review(t.users["urban_A"], support, accept=True)
    case = CS.act(t.users["dispatcher_A"], case, "close")
    assert case.state == "closed"


def _photo():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buf, "JPEG")
    return SimpleUploadedFile("after.jpg", buf.getvalue(), content_type="image/jpeg")


def test_an_emergency_case_gets_the_shortest_limits_and_the_chain_is_told(wf):
    from civicgrid.cases import joint as J
    from civicgrid.cases import services as CS
    from civicgrid.cases.models import Category
    from civicgrid.core.sms import MemorySMSBackend

    t = wf["t"]
    cat = Category.objects.filter(active=True).first()
    case = CS.intake(t.users["worker_A1a"], channel="grid_worker", category=cat, description="燃气泄漏气味", region=t.grids["A1a"])
    case = CS.act(t.users["dispatcher_A"], case, "file")
    case = CS.act(t.users["dispatcher_A"], case, "dispatch", unit=t.units[("urban", "A")])
    normal_due = case.due_at
    Notification.objects.all().delete()
    d = t.users["dispatcher_A"]
    d.phone = "13800138000"
    d.save()
    MemorySMSBackend.outbox.clear()
    now = timezone.now()
    case = J.declare_emergency(t.users["dispatcher_A"], case, note="燃气泄漏，疑似有人被困", now=now)
    assert case.urgent is True and J.is_emergency(case)
    expected = CS.MACHINE.calendar().add_working_hours(now, cat.urgent_handle_hours)
    assert case.due_at == min(expected, normal_due) and case.due_at < normal_due
    told = set(Notification.objects.filter(title__startswith="应急处置").values_list("recipient__username", flat=True))
    assert {"staff_A1", "dispatcher_A", "commander", "urban_A"} <= told
    assert not told & {"staff_B1", "dispatcher_B", "urban_B"}
    assert MemorySMSBackend.outbox  # by SMS too
    from civicgrid.cases.errors import CaseActionError

    with pytest.raises(CaseActionError):  # once per case
        J.declare_emergency(t.users["dispatcher_A"], case, note="再次")
    # the command centre's live markers show it as urgent
    from civicgrid.dashboard.models import LiveCase

    assert LiveCase.objects.get(case_id=case.pk).urgent is True
