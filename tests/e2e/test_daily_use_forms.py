"""Issue 13 item 6 (e2e): every form keeps what was typed when the server refuses it, on a phone.

And item 7 seen in the browser: the department's case page opens 处置反馈, not 退回.
"""
from __future__ import annotations

from civicgrid.cases import services as S
from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case
from civicgrid.hotline.models import CallBack
from tests.cases.conftest import P_A1a, cats, jpeg  # noqa: F401  (cats is a fixture)
from tests.hotline.helpers import close_case, hotline_case

from .conftest import login, shot

NOT_AN_IMAGE = {"name": "现场照片.jpg", "mimeType": "image/jpeg", "buffer": b"this is not a picture"}


def test_wrong_password_keeps_the_username(page, live_server, territory):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "urban_A")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit]")
    page.wait_for_selector("p.error")
    assert page.input_value("#id_username") == "urban_A" and page.input_value("#id_password") == ""
    # The cursor waits in the password box: the username need not be typed again.
    assert page.evaluate("document.activeElement.id") == "id_password"
    shot(page, "daily_login_kept_phone")


def test_refused_handling_keeps_the_note_and_names_the_photo(page, live_server, territory, cats):
    t = territory
    c = S.intake(t.users["worker_A1a"], channel="grid_worker", category=cats["01037"], description="路灯不亮",
                 lng=P_A1a[0], lat=P_A1a[1])
    c = S.act(t.users["dispatcher_A"], c, "file")
    c = S.act(t.users["dispatcher_A"], c, "dispatch", unit=t.units[("urban", "A")])
    login(page, live_server, "urban_A")
    page.goto(f"{live_server.url}/cases/{c.number}/")
    handle = page.locator("details.action[data-action=handle]")
    assert handle.get_attribute("open") is not None  # the forward step is open, 退回 is folded
    assert page.locator("details.more-actions").get_attribute("open") is None
    note = "已更换灯泡和镇流器，恢复夜间照明"
    handle.locator("input[type=file]").set_input_files(NOT_AN_IMAGE)
    handle.locator("textarea[name=note]").fill(note)
    handle.locator("button[type=submit]").click()
    # upload.js sends the form in the background: on a refusal the page stays, with the note and the
    # chosen file; the error is the server's own message (a plain submit gets the server-rendered page
    # naming the file instead: tests/cases/test_case_page_daily_use.py).
    page.wait_for_selector("details.action[data-action=handle] .upload-text.error")
    handle = page.locator("details.action[data-action=handle]")
    assert "不是有效的图片" in handle.locator(".upload-text.error").inner_text()
    assert handle.locator("textarea[name=note]").input_value() == note
    assert handle.locator("input[type=file]").evaluate("el => el.files.length") == 1
    shot(page, "daily_handle_kept_phone")
    # Choose a real photo again: the typed note goes through unchanged.
    handle.locator("input[type=file]").set_input_files({"name": "after.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    handle.locator("button[type=submit]").click()
    page.wait_for_selector("text=已处置反馈")
    c.refresh_from_db()
    assert c.state == W.HANDLED and c.events.order_by("-seq").first().note == note


def test_callback_without_answer_keeps_the_record(page, live_server, territory, cats):
    t = territory
    close_case(t, hotline_case(t))
    cb = CallBack.objects.get()
    login(page, live_server, "operator")
    page.goto(f"{live_server.url}/hotline/callbacks/")
    form = page.locator(f"#cb-{cb.pk} form").last
    form.locator("input[name=satisfaction][value=basic]").check()
    form.locator("textarea[name=note]").fill("居民说楼道已经清理干净")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("p.error")
    form = page.locator(f"#cb-{cb.pk} form").last
    assert "请选择问题是否解决" in page.locator("p.error").inner_text()
    assert form.locator("textarea[name=note]").input_value() == "居民说楼道已经清理干净"
    assert form.locator("input[name=satisfaction][value=basic]").is_checked()
    shot(page, "daily_callback_kept_phone")


def test_resident_rating_without_choices_keeps_the_opinion(page, live_server, territory, cats):
    t = territory
    case = close_case(t, hotline_case(t, phone="13900001111"))
    page.goto(f"{live_server.url}/r/follow/")
    page.fill("input[name=number]", case.number)
    page.fill("input[name=phone]", "13900001111")
    page.click("button[type=submit]")
    page.wait_for_url(f"**/r/case/{case.number}/")
    page.fill("#id_note", "处理很及时，谢谢社区")
    page.click("text=提交评价")
    page.wait_for_selector("p.error")
    assert page.input_value("#id_note") == "处理很及时，谢谢社区"
    page.check("input[name=solved][value=yes]")
    page.check("input[name=satisfaction][value=satisfied]")
    page.click("text=提交评价")
    page.wait_for_selector("#rated")
    shot(page, "daily_resident_rating_phone")


def test_report_form_keeps_the_photo_or_says_which_to_choose_again(page, live_server, territory, cats):
    """With scripts (upload.js) the page stays and the photo with it; the server-rendered page of a
    plain submit names the file instead (tests/cases/test_case_page_daily_use.py)."""
    login(page, live_server, "worker_A1a")
    page.goto(f"{live_server.url}/cases/report/")
    page.select_option("#id_category", str(cats["03004"].pk))
    page.fill("#id_description", "垃圾箱盖子坏了，雨天进水")
    page.set_input_files("#id_photos", {"name": "IMG_2031.jpg", "mimeType": "image/jpeg", "buffer": jpeg()})
    page.click("#report-form button[type=submit]")  # no location, no grid: refused by the server
    page.wait_for_selector(".upload-text.error")
    assert "所选照片仍保留" in page.inner_text(".upload-text.error")
    assert page.evaluate("document.getElementById('id_photos').files.length") == 1
    assert page.input_value("#id_description") == "垃圾箱盖子坏了，雨天进水"
    assert not Case.objects.exists()
    shot(page, "daily_report_kept_phone")


def test_console_shows_caller_history_on_input_with_linked_cases(desktop_page, live_server, territory, cats):
    """Issue 13 item 12: a pasted or filled number shows the caller's history (not only on keyup)."""
    t = territory
    case = hotline_case(t, phone="13900001111")
    d = desktop_page
    login(d, live_server, "operator")
    d.goto(f"{live_server.url}/hotline/")
    d.wait_for_function("window.htmx !== undefined")
    d.fill("#id_caller_phone", "13900001111")  # one input event, no key pressed
    d.wait_for_selector(f"#caller-history a[href='/cases/{case.number}/']")
    shot(d, "console_caller_history_desk")
