"""Desktop: an operator answers one call from the knowledge base and turns another into a case."""
import pytest

from civicgrid.cases.shipped import ensure_categories
from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e


def test_operator_answers_from_kb_and_makes_a_case(desktop_page, live_server, transactional_db):
    from civicgrid.hotline import services
    from civicgrid.hotline.models import Contact
    from tests.factories import build_territory

    ensure_categories()
    t = build_territory()
    art = services.save_article(t.users["operator"], None, category="procedure", title="最低生活保障申请材料",
                                body="身份证、户口簿、家庭收入证明，到社区服务站提交。", keywords="低保 申请")
    page = desktop_page
    login(page, live_server, "operator")
    page.goto(f"{live_server.url}/hotline/")
    page.fill("#id_caller_phone", "13900001111")
    page.fill("#id_subject", "想问一下低保申请要什么材料")
    page.click("#new-contact button[type=submit]")
    page.wait_for_selector("#kb-q")
    page.fill("#kb-q", "低保申请")
    page.click("text=搜索")
    page.wait_for_selector(f"#kb-results >> text={art.title}")
    page.select_option("#id_article", str(art.pk))
    page.fill("#id_answer_note", "已告知所需材料和办理地点")
    shot(page, "hotline_console_answer_desktop")
    page.click("text=记录答复")
    page.wait_for_selector("#outcome >> text=直接答复")

    page.goto(f"{live_server.url}/hotline/")
    page.fill("#id_caller_phone", "13900001111")
    page.fill("#id_subject", "A1社区路灯连续三盏不亮")
    page.fill("#id_address", "A1社区5号楼旁")
    page.check("input[name=urgent]")
    page.click("#new-contact button[type=submit]")
    page.wait_for_selector("text=转为案件")
    # the caller's earlier contact is shown
    assert "直接答复" in page.content()
    page.click("summary:has-text('转为案件')")
    page.select_option("#id_category", "01037")
    page.click("form:has(input[value=case]) button[type=submit]")
    page.wait_for_selector("#outcome >> text=转为案件")
    shot(page, "hotline_console_case_desktop")
    contacts = list(Contact.objects.order_by("id"))
    assert [c.outcome for c in contacts] == ["answered", "case"]
    assert contacts[0].article == art
    case = contacts[1].case
    assert case.channel == "hotline" and case.urgent and case.community == t.communities["A1"]
