"""Phone: a grid worker works through today's task list and logs a patrol whose finding becomes a case;
a volunteer registers, signs up and checks in. Desktop: the street confirms the hours and exports the
month's allowances."""
import datetime as dt

import pytest

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e


def _world():
    from civicgrid.cases.models import Category
    from civicgrid.people.models import Building
    from civicgrid.workforce.models import DutyItem, StaffType
    from tests.factories import build_territory

    t = build_territory()
    Category.objects.get_or_create(code="01001", defaults=dict(kind="component", major_name="公用设施",
                                                               name="井盖", active=True))
    for i in (1, 2):
        Building.objects.create(community=t.communities["A1"], grid=t.grids["A1a"], name=f"{i}号楼",
                                address="学院路12号院", lng=116.3 + i * 0.001, lat=39.98)
    DutyItem.objects.create(district=t.district, list="visit9", name="楼栋巡查", target="building", interval_days=7)
    DutyItem.objects.create(district=t.district, list="report9", name="安全隐患周报", target="occasion", interval_days=7)
    StaffType.objects.create(code="grid_worker", name="专职网格员")
    return t


def test_grid_worker_day_and_patrol_on_a_phone(page, live_server, transactional_db):
    from civicgrid.cases.models import Case
    from civicgrid.workforce.models import PatrolCheck, PatrolPoint, TaskDone

    t = _world()
    page.context.grant_permissions(["geolocation"], origin=live_server.url)
    page.context.set_geolocation({"longitude": 116.301, "latitude": 39.98})
    login(page, live_server, "worker_A1a")
    page.goto(f"{live_server.url}/workforce/")
    tasks = page.locator(f"#tasks-{t.grids['A1a'].code} li.wf-task")
    assert tasks.count() == 3  # two buildings to walk, the weekly report
    assert "安全隐患周报" in page.inner_text(f"#tasks-{t.grids['A1a'].code}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "workforce_today_phone")
    # Work through the list: the weekly report is ticked off
    page.locator("li.wf-task", has_text="安全隐患周报").locator("button.wf-done").click()
    page.wait_for_selector("li.wf-task.done")
    assert TaskDone.objects.count() == 1

    page.click("#start-patrol")
    page.wait_for_selector("#p-start")
    # A slow signal: every upload takes 1.5 s, so the second check is added while the first is still
    # going up. It must follow as soon as that returns (CI once saw it wait for the 30-second timer).
    page.evaluate("const f = window.fetch; window.fetch = (...a) => new Promise(r => setTimeout(r, 1500)).then(() => f(...a));")
    page.click("#p-start")
    page.wait_for_selector("#p-stop:not([hidden])")
    page.select_option("#p-building", label="学院路12号院1号楼")
    page.select_option("#p-outcome", "nothing")
    page.click("#p-add")
    page.select_option("#p-building", label="学院路12号院2号楼")
    page.select_option("#p-outcome", "case")
    page.fill("#p-note", "2号楼东侧井盖缺失，已设置临时警示")
    page.click("#p-add")
    page.wait_for_selector("#p-log li:has-text('已上报案件')")
    shot(page, "workforce_patrol_phone")
    page.click("#p-stop")
    page.wait_for_selector("#p-log li:has-text('巡查已上传')")
    assert page.evaluate("localStorage.getItem('cg-patrol')") is None  # nothing left on the phone
    case = Case.objects.get(description="2号楼东侧井盖缺失，已设置临时警示")
    assert case.grid == t.grids["A1a"] and case.channel == "grid_worker"
    assert PatrolCheck.objects.count() == 2 and PatrolPoint.objects.count() >= 1

    # Back on the list: the walked buildings are gone, the case is on it, the summary counts the patrol
    page.goto(f"{live_server.url}/workforce/")
    body = page.inner_text("main")
    assert "1号楼" not in page.inner_text(f"#tasks-{t.grids['A1a'].code}")
    assert f"案件 {case.number}" in body
    assert "上报案件 1" in page.inner_text("#day-summary")
    shot(page, "workforce_today_after_phone")


def test_volunteer_signs_up_and_checks_in_then_the_street_confirms_and_exports(page, desktop_page, live_server,
                                                                               transactional_db):
    from decimal import Decimal

    from django.utils import timezone

    from civicgrid.core.models import Role
    from civicgrid.workforce import services
    from civicgrid.workforce.models import HourEntry, PayRule, Quota, StaffType

    t = _world()
    a = services.plan_activity(t.users["staff_A1"], grid=t.grids["A1a"], title="为独居老人义务理发", place="A1社区党群服务站",
                               starts_at=timezone.now() - dt.timedelta(minutes=20), hours="2")
    page.goto(f"{live_server.url}/r/volunteer/")
    page.fill("#v-grid", t.grids["A1a"].code)
    page.fill("#v-name", "周秀兰")
    page.fill("#v-phone", "139 1234 5678")
    page.check("#v-consent")
    shot(page, "workforce_volunteer_register_phone")
    page.click("#volunteer-form button[type=submit]")
    page.wait_for_selector("#activities")
    page.click("button.signup")
    page.wait_for_selector("button.checkin")
    page.fill(f"#code-{a.pk}", a.checkin_code)
    page.click("button.checkin")
    page.wait_for_selector("text=已签到")
    assert page.inner_text("#confirmed-hours") == "0.0"  # pending until the coordinator confirms
    assert "待确认" in page.inner_text("#my-hours")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "workforce_volunteer_checked_in_phone")

    # The street's desk: confirm the hours, then the month's allowances
    d = desktop_page
    login(d, live_server, "dispatcher_A")
    d.goto(f"{live_server.url}/workforce/volunteers/")
    assert "周**" in d.inner_text("#pending-hours") or "周*兰" in d.inner_text("#pending-hours")
    d.click("#pending-hours button.confirm-hours")
    d.wait_for_selector("text=没有待确认的时长")
    assert HourEntry.objects.get().state == "confirmed"
    shot(d, "workforce_hours_confirmed_desk")
    page.reload()
    assert page.inner_text("#confirmed-hours") == "2.0"
    # The district runs a time bank: the two confirmed hours buy the supermarket's delivery, once.
    from civicgrid.workforce.models import Benefit, TimeBankRule

    TimeBankRule.objects.create(district=t.district, enabled=True)
    Benefit.objects.create(district=t.district, name="超市上门送货一次", kind="service", provider="社区便民超市",
                           hours=Decimal("2"))
    page.goto(f"{live_server.url}/r/volunteer/bank/")
    assert page.inner_text("#bank-balance") == "2.0"
    page.click("#benefits button.redeem")
    page.wait_for_selector("text=已兑换")
    assert page.inner_text("#bank-balance") == "0.0" and "超市上门送货一次" in page.inner_text("#statement")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "workforce_time_bank_phone")

    st = StaffType.objects.get(code="grid_worker")
    services.onboard(t.users["dispatcher_A"], Role.objects.get(user=t.users["worker_A1a"]), staff_type=st,
                     employer="A街道办事处")
    PayRule.objects.create(district=t.district, staff_type=st, fixed=Decimal("1200"), assessed=Decimal("800"))
    Quota.objects.create(district=t.district, staff_type=st, metric="patrol_days", target=20)
    month = timezone.localdate().replace(day=1)
    d.goto(f"{live_server.url}/workforce/pay/?month={month:%Y-%m}")
    assert "1200.00" in d.inner_text("#pay-total")  # no patrol yet this month: the fixed part only
    shot(d, "workforce_pay_desk")
    with d.expect_download() as dl:
        d.click("#export-pay")
    path = dl.value.path()
    import io

    from openpyxl import load_workbook

    with open(path, "rb") as fh:
        values = [c.value for row in load_workbook(io.BytesIO(fh.read())).active.iter_rows() for c in row]
    assert 1200.0 in values and "专职网格员" in values
    assert dl.value.suggested_filename.startswith("网格力量补贴-")
