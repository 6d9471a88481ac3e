"""Joint enforcement operations (联合执法行动): planned in an area with several units, seen by the units
taking part, findings become cases exactly once, closed with a summary."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from civicgrid.core import roles as R
from tests.cases.conftest import cats  # noqa: F401  (the categories a finding's case needs)
from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def op(territory, cats):
    from civicgrid.workforce import services

    t = territory
    t.users["police_A"] = make_user("police_A", R.DEPARTMENT_HANDLER, unit=t.units[("police", "A")], name="派出所民警")
    plan = services.plan_operation(t.users["dispatcher_A"], title="学院路占道经营联合整治", region=t.communities["A1"],
                                   starts_at=timezone.now() - dt.timedelta(minutes=30), ends_at=None,
                                   lead_unit=t.units[("police", "A")], units=[t.units[("urban", None)]],
                                   targets="学院路 12–30 号沿街商户", briefing="九点在社区居委会集合")
    return {"t": t, "plan": plan, "cats": cats}


def _case_code(cats):
    return sorted(cats)[0]


def test_planning_keeps_area_units_and_notifies_the_units(op):
    from civicgrid.core.models import Notification

    t, plan = op["t"], op["plan"]
    assert plan.number.startswith("LH") and plan.street == t.streets["A"] and plan.state == "planned"
    assert set(plan.operation.units.all()) == {t.units[("police", "A")], t.units[("urban", None)]}
    assert plan.lead_unit == t.units[("police", "A")] and plan.operation.region == t.communities["A1"]
    told = set(Notification.objects.filter(title__contains=plan.number).values_list("recipient__username", flat=True))
    assert told == {"police_A", "urban_district"}


def test_planning_refuses_other_streets_units_other_areas_and_one_unit(op):
    from civicgrid.workforce import services

    t = op["t"]
    start = timezone.now() + dt.timedelta(days=1)
    kw = dict(title="整治", starts_at=start, ends_at=None, targets="商户")
    with pytest.raises(ValidationError, match="该街道或区"):
        services.plan_operation(t.users["dispatcher_A"], region=t.communities["A1"], lead_unit=t.units[("urban", "A")],
                                units=[t.units[("police", "B")]], **kw)
    with pytest.raises(PermissionDenied, match="不在您的管辖范围内"):
        services.plan_operation(t.users["dispatcher_A"], region=t.communities["B1"], lead_unit=t.units[("urban", "B")],
                                units=[t.units[("police", "B")]], **kw)
    with pytest.raises(ValidationError, match="至少需要"):
        services.plan_operation(t.users["dispatcher_A"], region=t.streets["A"], lead_unit=t.units[("urban", "A")],
                                units=[t.units[("urban", "A")]], **kw)
    with pytest.raises(PermissionDenied, match="组织联合执法行动需要"):
        services.plan_operation(t.users["staff_A1"], region=t.communities["A1"], lead_unit=t.units[("urban", "A")],
                                units=[t.units[("police", "A")]], **kw)


def test_a_finding_becomes_one_case_with_the_operation_number_even_when_resubmitted(op, client):
    from civicgrid.cases.models import Case
    from civicgrid.workforce.models import OperationFinding

    t, plan = op["t"], op["plan"]
    client.force_login(t.users["dispatcher_A"])
    url = reverse("workforce:operation", args=[plan.number])
    form = {"what": "finding", "token": str(uuid.uuid4()), "outcome": "case", "unit": t.units[("police", "A")].pk,
            "category": _case_code(op["cats"]), "grid": t.grids["A1a"].code, "place": "学院路 12 号",
            "note": "商户占道经营，货架伸出店外两米"}
    before = Case.objects.count()
    first = client.post(url, form, follow=True)
    again = client.post(url, form, follow=True)  # the same form sent twice (a double tap, a retry)
    assert Case.objects.count() == before + 1
    finding = OperationFinding.objects.get(plan=plan)
    case = Case.objects.get(number=finding.case_number)
    assert plan.number in case.description and case.grid == t.grids["A1a"]
    assert case.source.startswith("联合执法") and case.channel == "other"
    plan.refresh_from_db()
    plan.operation.refresh_from_db()
    assert plan.state == "underway" and plan.operation.findings == [case.number]
    assert f"生成案件 {case.number}" in first.content.decode() and "未重复立案" in again.content.decode()


def test_a_department_taking_part_sees_it_and_reports_none_but_one_not_taking_part_is_refused(op, client):
    from civicgrid.workforce import selectors, services

    t, plan = op["t"], op["plan"]
    url = reverse("workforce:operation", args=[plan.number])
    client.force_login(t.users["police_A"])
    page = client.get(url).content.decode()
    assert "学院路 12–30 号沿街商户" in page and "九点在社区居委会集合" in page and "报告：未发现问题" in page
    assert plan in selectors.operations(t.users["police_A"])
    client.post(url, {"what": "finding", "token": str(uuid.uuid4()), "outcome": "none", "unit": t.units[("police", "A")].pk,
                      "place": "学院路 20 号"})
    assert plan.findings.get().outcome == "none" and plan.findings.get().case_number == ""
    with pytest.raises(PermissionDenied, match="组织行动的街道派遣员"):
        services.record_operation_finding(t.users["police_A"], plan, token=uuid.uuid4(), outcome="case",
                                          unit=t.units[("police", "A")], category_code=_case_code(op["cats"]),
                                          description="占道")
    # Street A's urban unit serves the area but does not take part: refused with the reason.
    client.force_login(t.users["urban_A"])
    resp = client.get(url)
    assert resp.status_code == 403 and "未参加该联合执法行动" in resp.content.decode()
    assert plan not in selectors.operations(t.users["urban_A"])
    with pytest.raises(PermissionDenied, match="未参加"):
        services.record_operation_finding(t.users["urban_A"], plan, token=uuid.uuid4(), outcome="none",
                                          unit=t.units[("urban", "A")])


def test_street_b_cannot_see_street_a_operation(op, client):
    t, plan = op["t"], op["plan"]
    for who in ("dispatcher_B", "staff_B1", "urban_B"):
        client.force_login(t.users[who])
        resp = client.get(reverse("workforce:operation", args=[plan.number]))
        assert resp.status_code == 404 and "不在您的管辖范围内" in resp.content.decode(), who
        assert plan.number not in client.get(reverse("workforce:operations")).content.decode(), who
    client.force_login(t.users["staff_A1"])  # the community where it runs sees it
    assert plan.number in client.get(reverse("workforce:operations")).content.decode()
    client.force_login(t.users["worker_A1a"])
    resp = client.get(reverse("workforce:operation", args=[plan.number]))
    assert resp.status_code == 403 and "联合执法行动需要以下角色之一" in resp.content.decode()


def test_closing_needs_a_summary_and_stops_findings(op, client):
    from civicgrid.workforce import services

    t, plan = op["t"], op["plan"]
    with pytest.raises(ValidationError, match="行动小结"):
        services.close_operation(t.users["dispatcher_A"], plan, summary="  ")
    with pytest.raises(PermissionDenied):
        services.close_operation(t.users["police_A"], plan, summary="结束")
    client.force_login(t.users["dispatcher_A"])
    url = reverse("workforce:operation", args=[plan.number])
    client.post(url, {"what": "close", "summary": "检查商户 18 户，立案 0 件"})
    plan.refresh_from_db()
    assert plan.state == "closed" and plan.summary == "检查商户 18 户，立案 0 件" and plan.closed_by == t.users["dispatcher_A"]
    with pytest.raises(ValidationError, match="行动已结束"):
        services.record_operation_finding(t.users["dispatcher_A"], plan, token=uuid.uuid4(), outcome="none")
    page = client.get(reverse("workforce:operations")).content.decode()
    assert "已结束" in page and "A街道" in page


def test_bad_input_gets_chinese_errors_not_500(op, client):
    t, plan = op["t"], op["plan"]
    client.force_login(t.users["dispatcher_A"])
    url = reverse("workforce:operation", args=[plan.number])
    for data in ({"what": "finding", "token": "not-a-uuid", "outcome": "none"},
                 {"what": "finding", "token": str(uuid.uuid4()), "outcome": "case", "category": "99999", "note": "x"},
                 {"what": "finding", "token": str(uuid.uuid4()), "outcome": "case", "grid": t.grids["B1a"].code},
                 {"what": "bogus"}):
        resp = client.post(url, data, follow=True)
        assert resp.status_code == 200 and any(m.level_tag == "error" for m in resp.context["messages"]), data
    assert plan.findings.count() == 0
    resp = client.post(reverse("workforce:operations"), {"title": "x", "region": t.communities["A1"].code,
                                                         "starts_at": "9999-99-99", "lead_unit": "abc",
                                                         "units": ["1", "x"], "targets": "t"}, follow=True)
    assert resp.status_code == 200 and any(m.level_tag == "error" for m in resp.context["messages"])
