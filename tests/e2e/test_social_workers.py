"""Phone: a social worker logs a home visit for their client and sees this month's quota progress move;
desk: the street's social-work page with posts (one vacant), certificates and the month's subsidies."""
import pytest

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e


def test_social_worker_logs_a_home_visit_and_sees_quota_progress(page, desktop_page, live_server, transactional_db):
    from civicgrid.core import roles as R
    from civicgrid.people.models import Person
    from civicgrid.workforce import socialwork as SW
    from civicgrid.workforce.models import Contact
    from tests.factories import build_territory, make_user

    t = build_territory()
    user = make_user("sw_chen", R.COMMUNITY_STAFF, t.communities["A1"], name="陈社工")
    w = SW.register_worker(t.users["staff_A1"], user=user, region=t.communities["A1"], registration_no="HD-001")
    SW.add_certificate(t.users["staff_A1"], w, level="intermediate", path="exam", number="M-1", issued_on="2024-01-01")
    SW.save_rate(t.users["commander"], district=t.district, level="intermediate", amount=200, effective_from="2024-01-01")
    SW.save_quota(t.users["commander"], district=t.district, metric="home_visit", target=4)
    SW.save_quota(t.users["commander"], district=t.district, metric="large_event", target=1, period="quarter")
    person = Person.objects.create(name="王秀英", community=t.communities["A1"], grid=t.grids["A1a"])
    c = SW.open_client(user, person, need="独居老人情绪疏导")
    SW.create_post(t.users["staff_A2"], t.communities["A2"])  # a vacant post

    login(page, live_server, "sw_chen")
    page.goto(f"{live_server.url}/workforce/sw/")
    home = page.locator("#quota-progress li[data-metric=home_visit]")
    assert "0 / 4" in home.inner_text()
    page.select_option("#kind", "home_visit")
    page.select_option("#client", str(c.pk))
    page.fill("#note", "老人血压正常，情绪稳定")
    page.click("#save-contact")
    page.wait_for_selector(".messages >> text=已登记服务")
    assert "1 / 4" in page.locator("#quota-progress li[data-metric=home_visit]").inner_text()
    assert Contact.objects.get().client == c
    assert "老人血压" not in page.content()  # the note is not echoed back on the page
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "workforce_sw_phone")

    d = desktop_page
    login(d, live_server, "dispatcher_A")
    d.goto(f"{live_server.url}/workforce/sw/desk/")
    assert "空缺" in d.inner_text("#sw-posts") or "未设岗位" in d.inner_text("#sw-posts")
    assert "社会工作师" in d.inner_text("#sw-workers")
    assert d.inner_text("#sw-total").strip() == "200.00"
    shot(d, "workforce_sw_desk")
