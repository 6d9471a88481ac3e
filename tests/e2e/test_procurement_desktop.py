"""Desktop: a street publishes a call, two organisations bid from their portal, the panel scores
independently, the award is published with scores, the first milestone is reported, evaluated and paid;
then a bad credit event takes the winner out of the recommended catalogue and the page says why."""
import datetime as dt

import pytest

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e


def _logout(page, live_server):
    page.context.clear_cookies()


def test_call_to_payment_and_the_catalogue_reason(desktop_page, live_server, transactional_db, tmp_path):
    from django.utils import timezone

    from civicgrid.orgs.models import OrgAccount
    from civicgrid.procurement import services as P
    from civicgrid.procurement.models import Call
    from tests.factories import build_territory, make_user
    from tests.orgs.conftest import make_eligible, register

    page = desktop_page
    t = build_territory()
    u = t.users
    u["reg_district"] = make_user("reg_district", "org_registrar", t.district, name="区民政局")
    u["buyer_A"] = make_user("buyer_A", "purchaser", t.streets["A"], name="A街道购买服务")
    for i, name in enumerate(["陈教授", "林会计师", "赵督导"], 1):
        u[f"rev{i}"] = make_user(f"rev{i}", "reviewer", t.district, name=name)
    orgs = {}
    for key, n, name in (("sun", 1, "阳光社工服务中心"), ("moon", 2, "月亮社工服务中心")):
        orgs[key] = make_eligible(t, register(t, name=name, n=n))
        u[f"org_{key}"] = make_user(f"org_{key}", "org_contact", t.communities["A1"], name=f"{name}联络人")
        OrgAccount.objects.create(organisation=orgs[key], user=u[f"org_{key}"])
    P.save_fund(u["buyer_A"], name="A街道福彩公益金", kind="lottery", year=2026, amount="300000")
    doc = tmp_path / "服务方案.pdf"
    doc.write_bytes(b"%PDF-1.4\n% demo\n")

    # 1. The street publishes a call.
    login(page, live_server, "buyer_A")
    page.goto(f"{live_server.url}/procurement/new/")
    page.fill("#title", "A街道高龄老人助餐服务")
    page.fill("#budget", "100000")
    page.fill("#description", "为辖区高龄独居老人提供助餐与探访服务，服务一年。")
    page.select_option("#domain", "elderly")
    deadline = timezone.localtime() + dt.timedelta(days=10)
    page.fill("#bid_deadline", deadline.strftime("%Y-%m-%dT%H:%M"))
    for i, (name, w) in enumerate([("服务方案", "50"), ("团队能力", "30"), ("报价合理性", "20")]):
        page.fill(f"#criterion{i}", name)
        page.fill(f"#weight{i}", w)
    for box in page.locator("input.reviewer").all():
        box.check()
    page.select_option("#chair", str(u["rev1"].pk))
    shot(page, "procurement_new_call_desk")
    page.click("#call-form button[type=submit]")
    page.wait_for_selector("#call-state")
    assert page.inner_text("#call-state") == "草稿"
    page.click("#actions button[value=publish]")
    page.wait_for_selector("#call-state:has-text('征集中')")
    call = Call.objects.get()
    _logout(page, live_server)

    # 2. Two organisations bid from their portal.
    for key, amount in (("sun", "90000"), ("moon", "95000")):
        login(page, live_server, f"org_{key}")
        page.goto(f"{live_server.url}/orgs/portal/")
        page.click(f"#open-calls a[data-call='{call.number}']")
        page.wait_for_selector("#bid-form")
        page.fill("#amount", amount)
        page.fill("#proposal", "每日送餐上门，社工每周探访，建立健康档案。")
        page.set_input_files("#documents", str(doc))
        if key == "sun":
            shot(page, "procurement_bid_portal_desk")
        page.click("#bid-form button[type=submit]")
        page.wait_for_selector("#my-bids")
        assert "已投标" in page.inner_text("#my-bids")
        other = "月亮" if key == "sun" else "阳光"
        assert other not in page.inner_text("#my-bids")  # only its own bids
        _logout(page, live_server)

    # Time passes: the bidding deadline is reached; the street closes bidding.
    Call.objects.filter(pk=call.pk).update(bid_deadline=timezone.now() - dt.timedelta(minutes=1))
    login(page, live_server, "buyer_A")
    page.goto(f"{live_server.url}/procurement/calls/{call.number}/")
    page.click("#actions button[value=close_bids]")
    page.wait_for_selector("#call-state:has-text('评审中')")
    _logout(page, live_server)

    # 3. The panel scores independently.
    table = {"阳光社工服务中心": ["90", "85", "80"], "月亮社工服务中心": ["70", "75", "90"]}
    for i in (1, 2, 3):
        login(page, live_server, f"rev{i}")
        page.goto(f"{live_server.url}/procurement/panel/{call.number}/")
        page.click("#declare-btn")
        page.wait_for_selector(".score-bid form")
        for org_name, values in table.items():
            section = page.locator(f".score-bid[data-bid='{org_name}']")
            for inp, v in zip(section.locator("input[type=number]").all(), values):
                inp.fill(v)
            section.locator("button[type=submit]").click()
            page.wait_for_load_state()
        if i == 2:
            assert page.locator("#others").count() == 0  # nobody else's scores before all are in
            shot(page, "procurement_scoring_desk")
        page.click("#submit-scores")
        page.wait_for_selector("text=已提交评分")
        _logout(page, live_server)

    # 4. The award is published with the scores.
    login(page, live_server, "buyer_A")
    page.goto(f"{live_server.url}/procurement/calls/{call.number}/")
    page.click("#actions button[value=award]")
    page.wait_for_selector("#award")
    assert "86.50" in page.inner_text("#award") and "75.50" in page.inner_text("#award")
    _logout(page, live_server)
    page.goto(f"{live_server.url}/procurement/public/{call.number}/")
    assert page.inner_text("#public-state") == "已公示结果"
    assert "中标" in page.inner_text("#award") and "评委1" in page.inner_text("#award")
    shot(page, "procurement_award_public_desk")

    # 5. The first milestone is reported (with evidence), evaluated and paid.
    contract = Call.objects.get().contract
    login(page, live_server, "org_sun")
    page.goto(f"{live_server.url}/orgs/portal/")
    page.click(f"#my-contracts a:has-text('{contract.number}')")
    page.click("#m1 summary")
    page.fill("#m1 .m-text", "完成 120 户高龄老人需求评估，建立服务档案。")
    page.fill("#m1 .m-self", "90")
    page.set_input_files("#m1 input[type=file]", str(doc))
    page.click("#m1 form button[type=submit]")
    page.wait_for_selector("#m1 .m-state:has-text('已报告待评估')")
    _logout(page, live_server)

    login(page, live_server, "buyer_A")
    page.goto(f"{live_server.url}/procurement/contracts/{contract.number}/")
    assert page.locator("#m1 .m-pay").count() == 0  # no payment before an accepted evaluation
    assert "评估通过后方可付款" in page.inner_text("#m1")
    page.click("#m1 summary")
    page.fill("#m1 .m-sat", "92")
    page.fill("#m1 .m-third", "85")
    page.click("#m1 details form button[type=submit]")
    page.wait_for_selector("#m1 .m-state:has-text('评估通过')")
    page.click("#m1 .m-pay")
    page.wait_for_selector("#m1 .m-state:has-text('已付款')")
    assert page.inner_text("#paid") == "27000.00"
    shot(page, "procurement_contract_paid_desk")
    page.goto(f"{live_server.url}/procurement/ledger/")
    assert "账实相符" in page.inner_text("main")
    _logout(page, live_server)

    # 6. A bad credit event: the catalogue shows why the winner left it.
    login(page, live_server, "reg_district")
    page.goto(f"{live_server.url}/orgs/{orgs['sun'].pk}/")
    page.click("#credit summary")
    page.select_option("#credit-kind", "bad")
    page.select_option("#credit-category", "penalty")
    page.fill("#credit-date", timezone.localdate().isoformat())
    page.fill("#credit-description", "违规收取服务对象费用被警告")
    page.click("#credit-form button[type=submit]")
    page.wait_for_selector("#credit-status:has-text('失信')")
    page.goto(f"{live_server.url}/orgs/catalogue/?show=out")
    row = page.locator("#standings li[data-org='阳光社工服务中心']")
    text = row.inner_text()
    assert "不在目录内" in text and "✗ 近三年无不良信用记录" in text and "违规收取服务对象费用被警告" in text
    shot(page, "orgs_catalogue_reason_desk")
