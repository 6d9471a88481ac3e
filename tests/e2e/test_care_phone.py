"""Phone width: a helper works through today's due list, logs a home visit with a finding, and
acknowledges an emergency alert that a pendant raised; screenshots of each step."""
import datetime as dt
import json

import pytest

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e


def test_helper_due_list_visit_and_alert_on_a_phone(page, live_server, transactional_db):
    from django.test import Client
    from django.utils import timezone

    from civicgrid.care import devices as D
    from civicgrid.care import services as S
    from civicgrid.care import workflow as W
    from civicgrid.care.models import Alert, Contact, Rhythm
    from tests.care.conftest import make_elder
    from tests.factories import build_territory, make_user

    t = build_territory()
    make_user("helper_A1", W.CARE_HELPER, t.communities["A1"], name="李助老", phone="13600000111")
    make_user("social_A1", W.SOCIAL_WORKER, t.communities["A1"], name="周社工")
    wang = make_elder(t, "A1", seq=1, name="王秀英")
    zhao = make_elder(t, "A1", seq=2, name="赵桂兰", phone="13987654321")
    today = timezone.localdate()
    plans = [S.create_plan(t.users["staff_A1"], p) for p in (wang, zhao)]
    # Whatever day the test runs: both daily calls and Wang's weekly home call are due today.
    Rhythm.objects.filter(plan__in=plans, kind__in=["daily_call", "weekly_home"]).update(next_due=today, due_by=today)
    Rhythm.objects.filter(plan=plans[1], kind="weekly_home").update(next_due=today + dt.timedelta(days=7),
                                                                    due_by=today + dt.timedelta(days=8))

    login(page, live_server, "helper_A1")
    page.goto(f"{live_server.url}/care/")
    assert page.locator("#due-list li[data-rhythm]").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert "139****5678" in page.inner_text("#due-list") and "13912345678" not in page.content()
    shot(page, "care_due_list_phone")

    # Zhao's call: answered, all well.
    page.locator("#due-list li", has_text="赵桂兰").locator("a", has_text="记录电话").click()
    page.check("input[name=findings][value=none]")
    page.click("#save-contact")
    page.wait_for_selector(".msg-success")
    # Wang's call: no answer.
    page.locator("#due-list li", has_text="王秀英").filter(has_text="日电话").locator("a", has_text="记录").click()
    page.check("#reached-no")
    page.click("#save-contact")
    page.wait_for_selector(".msg-success")
    # Wang's weekly home call: reached at her door, a finding and a follow-up.
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"longitude": 116.0051, "latitude": 39.9049})
    page.locator("#due-list li", has_text="王秀英").filter(has_text="周上门").locator("a", has_text="记录上门").click()
    page.wait_for_function("document.getElementById('lng').value !== ''")
    page.check("#reached-yes")
    page.check("input[name=findings][value=safety]")
    page.fill("#note", "卫生间地滑，老人起夜不方便")
    page.check("#follow_up")
    page.fill("#follow_up_note", "申请适老化改造：卫生间扶手")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "care_log_visit_phone")
    page.click("#save-contact")
    page.wait_for_selector(".msg-success")
    visit = Contact.objects.get(contact="visit")
    assert visit.reached and visit.findings == ["safety"] and visit.location_check == "ok" and visit.follow_up
    assert wang.visits.filter(kind="home").exists()
    assert page.locator("#due-list li[data-rhythm]").count() == 0 and page.locator("#due-empty").is_visible()
    shot(page, "care_due_list_done_phone")

    # Her pendant: a signed request raises an alert; the helper is on its first level.
    device, key = S.register_device(t.users["staff_A1"], plans[0], "SOS-2001", "pendant")
    body = json.dumps({"kind": "fall", "lng": 116.0051, "lat": 39.9049, "heart_rate": 118}).encode()
    r = Client().post("/api/v1/care/device/alerts", body, content_type="application/json",
                      **D.signed_headers(key, device.serial, body))
    assert r.status_code == 201, r.content
    page.goto(f"{live_server.url}/care/")
    page.click("#open-alerts a")
    page.wait_for_selector("#alert-state")
    assert page.inner_text("#alert-state") == "待响应"
    assert "118" not in page.inner_text("#sensitive") and "已加密" in page.inner_text("#sensitive")
    shot(page, "care_alert_open_phone")
    page.click("#actions button[value=acknowledge]")
    page.wait_for_selector("text=已响应")
    a = Alert.objects.get()
    assert a.state == W.ACKNOWLEDGED and a.acknowledged_by.username == "helper_A1"
    assert page.locator("#timeline li").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "care_alert_acknowledged_phone")
