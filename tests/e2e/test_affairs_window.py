"""一门式 end to end. Desktop: a community window accepts a 高龄津贴 application with a document missing
and prints the one-time notice; the resident comes back with it; the street reviews; the district's
civil-affairs bureau decides; the window hands over the result against a signature. Phone: the
resident follows the application by number and phone, then rates the service."""
import io

import pytest
from PIL import Image

from tests.e2e.conftest import PHONE, _page, login, shot

pytestmark = pytest.mark.e2e


def _scan(tmp_path):
    img = Image.new("RGB", (1200, 800), (250, 250, 245))
    path = tmp_path / "银行卡.jpg"
    img.save(path, "JPEG")
    return str(path)


def test_elderly_allowance_from_window_to_delivery_and_rating(desktop_page, browser, live_server, transactional_db,
                                                               tmp_path):
    from civicgrid.affairs import workflow as W
    from civicgrid.affairs.models import Application
    from civicgrid.core.sms import MemorySMSBackend
    from tests.affairs.conftest import build_world
    from tests.factories import build_territory

    t = build_world(build_territory())
    page = desktop_page
    url = live_server.url

    # -- the window: find the resident, consent, prefill, one document missing → notice -------------------
    login(page, live_server, "clerk_A1")
    page.goto(f"{url}/affairs/")
    page.click("#accept-new")
    page.select_option("#item", "MZ-GLJT")
    page.click("#pick-item button[type=submit]")
    page.fill("#q", "张桂兰")
    page.click("#find-resident button[type=submit]")
    page.click("#found a.pick-person")
    page.check("#consent")
    page.click("#prefill")
    page.wait_for_selector("#consent-recorded")
    assert page.input_value("#f_phone") == "13912345678" and page.input_value("#f_birth") == "1940-05-01"
    page.select_option("#f_bank", "工商银行")
    page.fill("#f_account", "6222020200112233445")
    # The ID card and the household register are in the register; the bank card was left at home.
    shot(page, "affairs_accept_desktop")
    page.click("#submit-accept")
    page.wait_for_selector("#state")
    a = Application.objects.get()
    assert page.inner_text("#state") == "待补正" and a.state == W.CORRECTION
    assert "13912345678" not in page.inner_text("#material-status")
    page.click("a.notice-link")
    page.wait_for_selector("#notice-sheet")
    missing = page.locator("#missing-list tr").all_inner_texts()[1:]
    assert len(missing) == 1 and "本人社会保障卡或银行卡" in missing[0]
    page.evaluate("window.__printed = 0; window.print = function () { window.__printed += 1; }; 0")
    page.click("#print-button")
    assert page.evaluate("window.__printed") == 1
    page.emulate_media(media="print")
    assert page.locator(".topbar").is_hidden() and page.locator("#print-button").is_hidden()
    assert page.pdf(format="A4")[:4] == b"%PDF"
    page.emulate_media(media="screen")
    shot(page, "affairs_notice_a4")
    assert MemorySMSBackend.outbox and "缺 1 项材料" in MemorySMSBackend.outbox[-1][1]

    # -- the resident comes back with the card: scanned, the clock starts ------------------------------
    page.goto(f"{url}/affairs/{a.number}/")
    page.set_input_files("#form-supplement input[name=scan_bank]", _scan(tmp_path))
    assert page.is_checked("#provided-bank")  # the static script ticks a scanned material
    page.click("#form-supplement button[type=submit]")
    page.wait_for_selector("text=审核中")
    a.refresh_from_db()
    assert a.state == W.REVIEW and a.started_at and a.materials.get(code="bank").scan_type == "image/jpeg"
    page.goto(f"{url}/affairs/{a.number}/receipt/?format=thermal")
    assert a.number in page.inner_text("#receipt-sheet")
    shot(page, "affairs_receipt_thermal")

    # -- the street reviews, the district bureau decides --------------------------------------------------
    page.context.clear_cookies()
    login(page, live_server, "reviewer_A")
    page.goto(f"{url}/affairs/")
    page.click(f"#review-queue a:has-text('{a.number}')")
    page.click("#form-pass_review button[type=submit]")
    page.wait_for_selector("text=审批中")
    page.context.clear_cookies()
    login(page, live_server, "civil_district")
    page.goto(f"{url}/affairs/")
    page.click(f"#department-queue a:has-text('{a.number}')")
    page.fill("#result_number", "青高津〔2026〕001号")
    shot(page, "affairs_department_decides")
    page.click("#form-approve button[type=submit]")
    page.wait_for_selector("text=待送达")

    # -- the window hands the result over against a signature ----------------------------------------------
    page.context.clear_cookies()
    login(page, live_server, "clerk_A1")
    page.goto(f"{url}/affairs/")
    page.click(f"#desk-deliver a:has-text('{a.number}')")
    page.fill("#signed_by", "张桂兰")
    page.click("#form-deliver button[type=submit]")
    page.wait_for_selector("text=已办结")
    a.refresh_from_db()
    assert a.state == W.DELIVERED and a.decision_on_time and a.signed_by == "张桂兰"
    shot(page, "affairs_delivered_desktop")

    # -- phone: follow by number and phone, then rate --------------------------------------------------------
    context, phone = _page(browser, PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    phone.goto(f"{url}/r/affairs/")
    phone.fill("#id_number", a.number)
    phone.fill("#id_phone", "139 1234 5678")
    phone.click("#follow-form button[type=submit]")
    phone.wait_for_selector("#public-state")
    assert phone.inner_text("#public-state") == "已办结"
    steps = phone.locator("#public-timeline li").all_inner_texts()
    assert [s.split(" ·")[0] for s in steps] == ["收件并一次性告知补正", "补正材料", "审核通过", "批准", "送达"]
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    shot(phone, "affairs_status_phone")
    phone.check("input[name=score][value='4']")
    phone.fill("#comment", "第二次来就办好了，告知书写得很清楚")
    phone.click("#submit-rating")
    phone.wait_for_selector("#my-rating")
    assert "满意" in phone.inner_text("#my-rating")
    shot(phone, "affairs_rated_phone")
    a.refresh_from_db()
    assert a.rating.score == 4
    context.close()
