"""Issue 13 items 8 and 15 at a 1440 px desk and on a phone: dispatch without a preselected unit,
考核评价's key columns without sideways scrolling, grid ranking paged and searchable."""
from __future__ import annotations

import pytest

from civicgrid.cases import services as S
from tests.cases.conftest import P_A1a, cats  # noqa: F401  (a fixture)

from .conftest import login, shot

WIDE = {"width": 1440, "height": 900}


@pytest.fixture
def wide_page(browser):
    context = browser.new_context(viewport=WIDE, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


def test_dispatch_starts_at_please_choose_without_a_suggestion(page, live_server, territory, cats):
    t = territory
    cats["06015"].department_code = ""  # 道路破损 with no department, as in the issue
    cats["06015"].save()
    c = S.intake(t.users["worker_A1a"], channel="grid_worker", category=cats["06015"], description="路面塌陷一处",
                 lng=P_A1a[0], lat=P_A1a[1])
    c = S.act(t.users["dispatcher_A"], c, "file")
    login(page, live_server, "dispatcher_A")
    page.goto(f"{live_server.url}/cases/{c.number}/")
    box = page.locator("details.action[data-action=dispatch]")
    assert box.get_attribute("open") is not None
    assert box.locator("select[name=unit]").input_value() == ""
    assert "请选择处置单位" in box.locator("select[name=unit] option").first.inner_text()
    assert "未配置主管部门" in box.locator(".suggestion").inner_text()
    shot(page, "dispatch_no_suggestion_phone")
    box.locator("button[type=submit]").click()  # the browser itself asks for a unit (required)
    assert page.url.endswith(f"/cases/{c.number}/") and box.locator("select[name=unit]:invalid").count() == 1


def test_evaluation_key_table_fits_1440_and_rankings_page(wide_page, live_server, territory, cats):
    from tests.factories import box, make_region

    t = territory
    for i in range(3, 43):
        make_region(f"{t.communities['A1'].code}{i:03d}", f"A1社区第{i}网格", "grid", t.communities["A1"],
                    box(116.0, 39.9, 116.001, 39.901), grid_kind="community")
    d = wide_page
    login(d, live_server, "commander")
    d.goto(f"{live_server.url}/cases/evaluation/")
    fits = d.evaluate("() => { const w = document.querySelector('#eval-key').closest('.table-wrap');"
                      " return [w.scrollWidth, w.clientWidth]; }")
    assert fits[0] <= fits[1], fits
    for label in ("结案率", "按期结案率", "满意率"):
        assert d.locator(f"#eval-key th:has-text('{label}')").first.is_visible()
    shot(d, "evaluation_key_columns_wide")
    d.goto(f"{live_server.url}/dashboard/rankings/?area={t.district.code}")
    d.click("summary:has-text('网格排名')")
    assert d.locator("#rank-grids tbody tr").count() == 30 and "第 1 / 2 页" in d.inner_text("#grid-ranking")
    d.fill("#gq", "第37网格")
    d.click("#grid-ranking button[type=submit]")
    d.wait_for_selector("text=找到 1 个网格")
    assert d.locator("#rank-grids tbody tr").count() == 1
    shot(d, "rankings_grid_search_wide")
