"""Desk: a street dispatcher plans a joint enforcement operation, records a finding that becomes a case,
and closes the operation; a unit taking part reads the briefing on a phone."""
import datetime as dt

import pytest

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e


def test_plan_an_operation_record_a_finding_and_close_it(desktop_page, page, live_server, transactional_db):
    from django.utils import timezone

    from civicgrid.cases.models import Case, Category
    from civicgrid.core import roles as R
    from civicgrid.workforce.models import OperationPlan
    from tests.factories import build_territory, make_user

    t = build_territory()
    Category.objects.get_or_create(code="01001", defaults=dict(kind="component", major_name="公用设施",
                                                               name="井盖", active=True))
    make_user("police_A", R.DEPARTMENT_HANDLER, unit=t.units[("police", "A")], name="王警官")
    d = desktop_page
    login(d, live_server, "dispatcher_A")
    d.goto(f"{live_server.url}/workforce/operations/")
    d.fill("#op-title", "学院路占道经营联合整治")
    d.select_option("#op-region", t.communities["A1"].code)
    start = timezone.localtime() - dt.timedelta(minutes=10)
    d.fill("#op-start", start.strftime("%Y-%m-%dT%H:%M"))
    d.select_option("#op-lead", label="A街道城管中队")
    d.locator(".op-units label", has_text="A街道派出所").locator("input").check()
    d.fill("#op-targets", "学院路 12–30 号沿街商户")
    d.fill("#op-briefing", "九点在 A1 社区居委会集合，城管牵头，派出所维持秩序")
    d.click("#plan-operation button[type=submit]")
    d.wait_for_selector("#op-brief")
    plan = OperationPlan.objects.get()
    assert plan.number in d.inner_text("h1 + p") and "A街道派出所" in d.inner_text("#op-brief")
    # A finding: a shop's shelves out on the pavement becomes a case with the operation's number
    d.select_option("#f-outcome", "case")
    d.select_option("#f-unit", label="A街道城管中队")
    d.select_option("#f-category", "01001")
    d.select_option("#f-grid", t.grids["A1a"].code)
    d.fill("#f-place", "学院路 12 号")
    d.fill("#f-note", "商户货架伸出店外两米，占用人行道")
    d.click("#add-finding button[type=submit]")
    d.wait_for_selector("#findings a")
    case = Case.objects.get()
    assert case.number in d.inner_text("#findings") and plan.number in case.description
    assert d.evaluate("document.documentElement.scrollWidth") <= d.viewport_size["width"]
    shot(d, "workforce_operation_desk")
    # The police unit taking part reads the briefing on a phone
    login(page, live_server, "police_A")
    page.goto(f"{live_server.url}/workforce/operations/{plan.number}/")
    assert "九点在 A1 社区居委会集合" in page.inner_text("body") and "报告：未发现问题" in page.inner_text("body")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "workforce_operation_unit_phone")
    # Close with the summary
    d.click("#close-operation summary")
    d.fill("#op-summary-in", "检查沿街商户 18 户，立案 1 件，现场整改 5 处")
    d.click("#close-operation button[type=submit]")
    d.wait_for_selector("#op-summary")
    assert "已结束" in d.inner_text("#op-state")
    d.goto(f"{live_server.url}/workforce/operations/")
    assert "已结束" in d.inner_text("#operations") and "A街道" in d.inner_text("#op-streets")
    shot(d, "workforce_operations_list_desk")
