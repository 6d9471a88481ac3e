"""Phone width: a resident reports with a photo, confirms the code, follows the case and rates it."""
import re

import pytest

from civicgrid.cases.shipped import ensure_categories
from tests.e2e.conftest import shot

pytestmark = pytest.mark.e2e


def test_resident_reports_follows_and_rates(page, live_server, transactional_db, tmp_path):
    from civicgrid.cases.models import Case
    from civicgrid.core.sms import MemorySMSBackend
    from tests.factories import build_territory
    from tests.hotline.helpers import close_case, jpeg_with_gps

    ensure_categories()
    t = build_territory()
    photo = tmp_path / "street.jpg"
    photo.write_bytes(jpeg_with_gps((640, 480)))

    page.goto(f"{live_server.url}/r/")
    page.fill("#id_phone", "13912345678")
    page.click("#send-code")
    page.wait_for_selector("#id_code")
    code = re.search(r"(\d{6})", MemorySMSBackend.outbox[-1][1]).group(1)
    page.fill("#id_code", code)
    page.click("#verify-code")
    page.wait_for_selector("#report-form")
    page.select_option("#id_category", "06002")
    page.fill("#id_description", "楼道里堆满杂物，堵住了消防通道")
    page.set_input_files("#id_photos", str(photo))
    # the pin (what a tap on the map or the phone's position fills in)
    page.evaluate("document.getElementById('id_lng').value='116.005'; document.getElementById('id_lat').value='39.905'")
    shot(page, "resident_report_phone")
    page.click("#report-form button[type=submit]")
    page.wait_for_selector("#case-number")
    number = page.inner_text("#case-number")
    case = Case.objects.get(number=number)
    assert case.channel == "resident" and case.grid == t.grid("A1a")
    assert page.locator("img.hl-thumb").count() == 1

    # follow from a fresh visit by number and phone
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/r/follow/")
    page.fill("#id_number", number)
    page.fill("#id_phone", "13912345678")
    page.click("button[type=submit]")
    page.wait_for_selector("#case-number")
    assert "办理中" in page.inner_text("#case-state")

    close_case(t, Case.objects.get(pk=case.pk))
    page.reload()
    assert "已办结" in page.inner_text("#case-state")
    assert "staff_A1" not in page.content() and "已清理" not in page.content()
    page.check("input[name=solved][value=yes]")
    page.check("input[name=satisfaction][value=satisfied]")
    page.click("text=提交评价")
    page.wait_for_selector("#rated")
    assert "满意" in page.inner_text("#rated")
    shot(page, "resident_case_rated_phone")
