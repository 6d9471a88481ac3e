"""The closed loop in a real browser: report on a phone, file and dispatch at a desk, handle, verify, close."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from civicgrid.cases import workflow as W
from civicgrid.cases.models import Case
from tests.cases.conftest import cats, jpeg  # noqa: F401  (cats is a fixture)

from .conftest import login, shot


def _photo(name):
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg()}


def _serve_test_media(monkeypatch, settings):
    """The /media/ route captured MEDIA_ROOT when urls.py loaded; point it at this test's media dir."""
    from civicgrid import urls

    for p in urls.urlpatterns:
        if "document_root" in getattr(p, "default_args", {}):
            monkeypatch.setitem(p.default_args, "document_root", settings.MEDIA_ROOT)


def _act(page, action, *, note="", photo=None):
    box = page.locator(f"details.action[data-action={action}]")
    if box.get_attribute("open") is None:
        box.locator("summary").click()
    if photo:
        box.locator("input[type=file]").set_input_files(_photo(photo))
    if note:
        box.locator("textarea[name=note]").fill(note)
    before = page.locator("#case-state").inner_text()
    box.locator("button[type=submit]").click()
    page.wait_for_load_state()
    if photo:
        # Photos are shrunk and sent by XMLHttpRequest (civicgrid/upload.js); the server's page then
        # replaces this one without a navigation event: wait for the case's new state instead.
        expect(page.locator("#case-state")).not_to_have_text(before, timeout=15_000)


def test_closed_loop_in_the_browser(page, desktop_page, live_server, territory, cats, monkeypatch, settings):
    _serve_test_media(monkeypatch, settings)
    t = territory
    base = live_server.url

    # 1. The grid worker reports a broken street lamp from the phone, with a photo (no GPS: picks the grid).
    login(page, live_server, "worker_A1a")
    page.goto(f"{base}/cases/report/")
    page.select_option("#id_category", str(cats["01037"].pk))
    page.fill("#id_description", "人民路口路灯不亮，夜间行人看不清路")
    page.set_input_files("#id_photos", _photo("before.jpg"))
    page.select_option("#id_grid", str(t.grid("A1a").pk))
    shot(page, "cases_1_phone_report_form")
    page.click("#report-form button[type=submit]")
    page.wait_for_url(re.compile(r"/cases/\d{13}/$"))
    number = page.url.rstrip("/").split("/")[-1]
    assert "已上报" in page.content()
    shot(page, "cases_1_phone_reported")
    case_url = f"{base}/cases/{number}/"

    # 2. At a desk the street dispatcher files it and dispatches it to the suggested unit.
    d = desktop_page
    login(d, live_server, "dispatcher_A")
    d.goto(f"{base}/cases/")
    assert number in d.content()
    d.goto(case_url)
    _act(d, "file")
    assert "待派遣" in d.locator("#case-state").inner_text()
    box = d.locator("details.action[data-action=dispatch]")
    assert "（建议）" in box.locator("select[name=unit] option:checked").text_content()
    _act(d, "dispatch", note="请今日修复")
    assert "部门处置中" in d.locator("#case-state").inner_text()
    shot(d, "cases_2_desktop_dispatched")

    # 3. The department handler reports handling with an evidence photo.
    d.context.clear_cookies()
    login(d, live_server, "urban_A")
    d.goto(case_url)
    _act(d, "handle", note="已更换灯泡，恢复照明", photo="evidence.jpg")
    assert "待核查" in d.locator("#case-state").inner_text()
    shot(d, "cases_3_desktop_handled")

    # 4. The grid worker verifies on the spot with an after-photo.
    page.goto(f"{base}/cases/grid/")
    assert number in page.locator("ul.case-list").first.inner_text()
    page.goto(case_url)
    _act(page, "verify_pass", photo="after.jpg")
    assert "待结案" in page.locator("#case-state").inner_text()
    shot(page, "cases_4_phone_verified")

    # 5. The dispatcher closes it; the timeline shows every step with its photos.
    d.context.clear_cookies()
    login(d, live_server, "dispatcher_A")
    d.goto(case_url)
    _act(d, "close")
    assert "已结案" in d.locator("#case-state").inner_text()
    timeline = d.locator("#timeline").inner_text()
    positions = [timeline.index(label) for label in ("上报", "立案", "派遣", "处置反馈", "核查通过", "结案")]
    assert positions == sorted(positions)
    assert d.locator("#timeline .thumbs img").count() == 3
    first_thumb = d.locator("#timeline .thumbs img").first
    assert first_thumb.evaluate("img => img.naturalWidth") > 0  # the thumbnail really loads
    shot(d, "cases_5_desktop_closed_timeline")

    case = Case.objects.get(number=number)
    assert case.state == W.CLOSED
    assert [e.action for e in case.events.order_by("seq")] == ["report", "file", "dispatch", "handle", "verify_pass", "close"]
