"""Phone width: a community mediator registers a neighbour dispute, records a session and an agreement,
prints the 人民调解协议书 on A4; the street then sees it in the monthly screening report."""
import pytest

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e


def test_community_mediator_on_a_phone_and_the_street_report(page, live_server, transactional_db):
    from django.utils import timezone

    from civicgrid.core import roles as R
    from civicgrid.mediation import workflow as W
    from civicgrid.mediation.models import Dispute
    from tests.factories import build_territory, make_user

    t = build_territory()
    make_user("mediator_A1", W.MEDIATOR, t.communities["A1"], name="王调解")
    assert R.label(W.MEDIATOR) == "人民调解员"

    login(page, live_server, "mediator_A1")
    page.click("text=矛盾调解") if page.locator(".nav a.mediation-nav").is_visible() else page.goto(
        f"{live_server.url}/mediation/")
    page.goto(f"{live_server.url}/mediation/new/")
    page.select_option("#id_source", "walk_in")
    page.select_option("#id_type", "neighbour")
    page.select_option("#id_region", t.grids["A1a"].code)
    page.fill("#id_summary", "楼上卫生间漏水渗到楼下，双方就维修费用争执")
    page.fill("#id_amount", "2000")
    page.fill("#id_applicant_name", "张秀兰")
    page.fill("#id_applicant_phone", "13912345678")
    page.fill("#id_respondent_name", "刘建国")
    page.check("#id_respondent_consent")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling on a phone
    shot(page, "mediation_register_phone")
    page.click("#dispute-form button[type=submit]")
    page.wait_for_selector("#dispute-state")
    d = Dispute.objects.get()
    assert page.inner_text("#dispute-state") == "待受理"
    assert "139****5678" in page.inner_text("#parties") and "13912345678" not in page.content()

    page.click("#actions form[action$='/act/'] button[value=accept]")
    page.wait_for_selector("text=调解中")
    page.click("summary:has-text('记录调解')")
    page.fill("#attendees", "张秀兰、刘建国、王调解")
    page.fill("#applicant_statement", "要求赔偿维修费 2000 元")
    page.fill("#respondent_statement", "同意修好防水，赔偿 1500 元")
    page.select_option("#outcome", "agreement")
    page.click("button[value=record_session]")
    page.wait_for_selector("#sessions")
    page.click("summary:has-text('达成协议')")
    page.fill("#text", "一、刘建国于十五日内修复卫生间防水并赔偿张秀兰维修费一千五百元；二、双方和睦相处。")
    page.check("#confirmed")
    page.click("button[value=agree]")
    page.wait_for_selector("#print-agreement")
    assert page.inner_text("#dispute-state").startswith("已达成协议")
    shot(page, "mediation_detail_phone")

    page.click("#print-agreement")
    page.wait_for_selector(".agreement-sheet")
    # (A trailing value: Playwright would call an expression that ends in a function.)
    page.evaluate("window.__printed = 0; window.print = function () { window.__printed += 1; }; 0")
    page.click("#print-button")
    assert page.evaluate("window.__printed") == 1  # the static script wired the button (no inline script)
    page.emulate_media(media="print")
    assert page.locator(".topbar").is_hidden() and page.locator("#print-button").is_hidden()
    assert "人民调解协议书" in page.inner_text(".agreement-sheet")
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF"
    page.emulate_media(media="screen")
    d.refresh_from_db()
    assert d.state == W.AGREED and d.agreement.confirmed_by_parties

    page.context.clear_cookies()
    login(page, live_server, "dispatcher_A")
    month = timezone.localdate().strftime("%Y-%m")
    page.goto(f"{live_server.url}/mediation/report/?area={t.streets['A'].code}&month={month}")
    row = page.locator("#report-table tr", has_text="A1社区")
    cells = row.locator("td").all_inner_texts()
    assert cells[3:7] == ["1", "1", "1", "100.0%"], cells  # found, mediated, agreements, success rate
    assert page.locator("#report-total th").all_inner_texts()[6] == "100.0%"
    shot(page, "mediation_report_street")


def test_community_staff_picks_a_registered_resident_as_party_on_a_phone(page, live_server, transactional_db):
    """The party picker: search the register from the form, pick the resident, register; the party is linked."""
    from civicgrid.mediation.models import Dispute
    from civicgrid.people import services as people
    from tests.factories import build_territory
    from tests.people.conftest import ident

    t = build_territory()
    staff = t.users["staff_A1"]
    b = people.create_building(staff, community=t.communities["A1"], name="1号楼", address="学院路12号院",
                               lng=116.005, lat=39.905)
    resident = people.create_person(staff, {"name": "张秀兰", "id_number": ident(31), "phone": "13912345678"},
                                    room=people.room_at(staff, b, "2单元", "201"))

    login(page, live_server, "staff_A1")
    page.goto(f"{live_server.url}/mediation/new/")
    page.select_option("#id_type", "neighbour")
    page.select_option("#id_region", t.grids["A1a"].code)
    page.fill("#id_summary", "楼上卫生间漏水渗到楼下")
    page.fill("#pick-applicant", "张秀")
    page.press("#pick-applicant", "Enter")  # searches; does not submit the form
    page.wait_for_selector(f"[data-pick-person='{resident.pk}']")
    assert "139****5678" in page.inner_text("[data-pick-results=applicant]")
    page.click(f"[data-pick-person='{resident.pk}']")
    assert "张秀兰" in page.inner_text("[data-picked=applicant]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot(page, "mediation_party_picker_phone")
    page.fill("#id_respondent_name", "刘建国")
    page.click("#dispute-form button[type=submit]")
    page.wait_for_selector("#dispute-state")
    party = Dispute.objects.get().parties.get(side="applicant")
    assert party.person_id == resident.pk and party.phone == "13912345678"
