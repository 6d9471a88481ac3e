"""Issue 13 item 9 (e2e): a call-back never silently reopens a closed case.

By default an unhappy answer goes to 回访复核 and the case stays 已结案, which the operator is told;
where the rules let the operator reopen, it is an explicit choice that must be confirmed, with the
reason written into the case. Item 10 on the same page: reveal the number (audited) and dial it.
"""
from __future__ import annotations

import pytest

from civicgrid.cases import workflow as W
from civicgrid.core.models import AuditEntry
from civicgrid.hotline.models import CallBack
from tests.cases.conftest import cats  # noqa: F401  (a fixture)
from tests.hotline.helpers import close_case, hotline_case

from .conftest import login, shot

WIDE = {"width": 1440, "height": 900}


@pytest.fixture
def wide_page(browser):
    context = browser.new_context(viewport=WIDE, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(15000)
    yield context.new_page()
    context.close()


def _answer_unhappy(form, note):
    form.locator("input[name=solved][value=yes]").check()
    form.locator("input[name=satisfaction][value=dissatisfied]").check()
    form.locator("textarea[name=note]").fill(note)


def test_unhappy_callback_goes_to_review_and_the_operator_sees_it(wide_page, page, live_server, territory, cats):
    t = territory
    case = close_case(t, hotline_case(t, phone="13911112222"))
    cb = CallBack.objects.get()
    d = wide_page
    login(d, live_server, "operator")
    d.goto(f"{live_server.url}/hotline/callbacks/")
    card = d.locator(f"#cb-{cb.pk}")
    # Item 10: the case number is a link; the number is revealed with a reason, then dialled.
    assert card.locator(f"a[href='/cases/{case.number}/']").count() == 1
    card.locator("summary:has-text('查看号码并拨打')").click()
    card.locator("form.hl-reveal button").click()
    d.wait_for_selector("a.hl-tel")
    assert d.get_attribute("a.hl-tel", "href") == "tel:13911112222"
    assert AuditEntry.objects.filter(action="case.reveal_requester", actor=t.users["operator"]).count() == 1
    form = d.locator(f"#cb-{cb.pk} form").last
    assert not form.locator(".hl-followup").is_visible()  # only for an unhappy answer
    _answer_unhappy(form, "居民说工作人员态度不好")
    assert form.locator(".hl-followup").is_visible()
    assert form.locator("input[name=follow_up][value=review]").is_checked()
    assert form.locator("input[name=follow_up][value=reopen]").count() == 0  # the default rule: review only
    shot(d, "callback_unhappy_wide")
    form.locator("button[type=submit]").click()
    d.wait_for_selector(".messages")
    msg = d.inner_text(".messages")
    assert f"案件 {case.number} 仍为已结案，已提交回访复核" in msg
    case.refresh_from_db()
    assert case.state == W.CLOSED
    assert "重新办理" not in d.inner_text(".hl-recent") and "待复核" in d.inner_text(".hl-recent")
    shot(d, "callback_sent_to_review_wide")
    # The street dispatcher finds it in 回访复核, on a phone.
    login(page, live_server, "dispatcher_A")
    page.goto(f"{live_server.url}/hotline/reviews/")
    assert case.number in page.inner_text("main") and "居民说工作人员态度不好" in page.inner_text("main")
    shot(page, "callback_review_queue_phone")


def test_direct_reopen_is_an_explicit_confirmed_choice(wide_page, live_server, territory, cats, settings):
    settings.HOTLINE_UNHAPPY_ACTION = "reopen"
    t = territory
    case = close_case(t, hotline_case(t))
    cb = CallBack.objects.get()
    d = wide_page
    login(d, live_server, "operator")
    d.goto(f"{live_server.url}/hotline/callbacks/")
    form = d.locator(f"#cb-{cb.pk} form").last
    _answer_unhappy(form, "楼道杂物清了又堆回来了")
    form.locator("input[name=solved][value=no]").check()
    confirm = form.locator("input[name=confirm_reopen]")
    assert not confirm.is_visible()
    form.locator("input[name=follow_up][value=reopen]").check()
    assert confirm.is_visible()
    assert f"案件 {case.number} 将从已结案退回重新办理" in form.locator(".hl-confirm").inner_text()
    # Not confirmed: refused, nothing lost, nothing reopened.
    form.locator("button[type=submit]").click()
    d.wait_for_selector("p.error")
    assert "须勾选确认" in d.inner_text("p.error")
    case.refresh_from_db()
    assert case.state == W.CLOSED
    form = d.locator(f"#cb-{cb.pk} form").last
    assert form.locator("textarea[name=note]").input_value() == "楼道杂物清了又堆回来了"
    assert form.locator("input[name=follow_up][value=reopen]").is_checked()
    form.locator("input[name=confirm_reopen]").check()
    shot(d, "callback_reopen_confirm_wide")
    form.locator("button[type=submit]").click()
    d.wait_for_selector(".messages")
    assert f"案件 {case.number} 已从已结案退回重新办理，当前状态：社区处置中" in d.inner_text(".messages")
    case.refresh_from_db()
    assert case.state == W.COMMUNITY_HANDLING
    assert case.events.order_by("-seq").first().note == "回访未解决：楼道杂物清了又堆回来了"
