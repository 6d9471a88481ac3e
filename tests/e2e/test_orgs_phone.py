"""Phone width (390 px): every registry and procurement page a street clerk, an organisation's own portal
user or a visitor opens on a phone fits the screen (no sideways scrolling): tables scroll inside their
own container, forms stack."""
import datetime as dt

import pytest

from tests.e2e.conftest import login, shot

pytestmark = pytest.mark.e2e

# The elements that stick out past the right edge: named in the failure so the fix is obvious.
WIDEST = """() => {
  const w = document.documentElement.clientWidth, out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 1 && getComputedStyle(el).position !== 'fixed' && !el.closest('.table-wrap')) {
      out.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + String(el.className).split(' ')[0] : '') + ' ' + Math.round(r.right));
    }
  }
  return out.slice(0, 6);
}"""


def _world():
    from django.utils import timezone

    from civicgrid.orgs import services as S
    from civicgrid.orgs.models import Incubator, OrgAccount
    from civicgrid.procurement import services as P
    from tests.factories import build_territory, make_user
    from tests.orgs.conftest import NOW, make_eligible, register
    from tests.procurement.conftest import bid_and_close, new_call, score_all

    t = build_territory()
    u = t.users
    u["reg_district"] = make_user("reg_district", "org_registrar", t.district, name="区民政局")
    u["reg_A"] = make_user("reg_A", "org_registrar", t.streets["A"], name="A街道社会事务办")
    for s in "AB":
        u[f"buyer_{s}"] = make_user(f"buyer_{s}", "purchaser", t.streets[s], name=f"{s}街道购买服务")
    for i in range(1, 4):
        u[f"rev{i}"] = make_user(f"rev{i}", "reviewer", t.district, name=f"评审专家{i}")
    t.orgs = {}
    for key, n, name in (("sun", 1, "阳光社会工作服务中心（长名称测试用）"), ("moon", 2, "月亮社工服务中心")):
        t.orgs[key] = make_eligible(t, register(t, name=name, n=n, address="海淀区中关村大街甲 59 号文化大厦 1208 室"))
        u[f"org_{key}"] = make_user(f"org_{key}", "org_contact", t.communities["A1"], name=f"{name}联络人")
        OrgAccount.objects.create(organisation=t.orgs[key], user=u[f"org_{key}"])
    t.funds = {s: P.save_fund(u[f"buyer_{s}"], name=f"{s}街道福彩公益金", kind="lottery", year=2026, amount="300000")
               for s in "AB"}
    call, bids = bid_and_close(t, new_call(t))
    score_all(t, call, bids)
    call = P.act(u["buyer_A"], call, "award", now=NOW + dt.timedelta(days=15))
    open_call = P.create_call(u["buyer_A"], title="A街道儿童课后托管服务（2027 年度）", kind="service", fund=t.funds["A"],
                              budget="80000", description="为双职工家庭儿童提供课后托管与作业辅导。",
                              bid_deadline=timezone.now() + dt.timedelta(days=10), domain="elderly",
                              criteria=[("服务方案", 60), ("团队能力", 40)])
    P.appoint_panel(u["buyer_A"], open_call, [u["rev1"], u["rev2"], u["rev3"]], chair=u["rev1"])
    open_call = P.act(u["buyer_A"], open_call, "publish")
    group = S.file_group(u["reg_A"], name="A1社区银龄互助队", street=t.streets["A"], filed_on=dt.date(2025, 3, 1),
                         charter="互助、自愿、非营利", place="A1社区活动室", leader="陈志强", members=12,
                         domains=["volunteer"])
    base = Incubator.objects.create(name="A街道社会组织孵化基地", region=t.streets["A"])
    inc = S.admit(u["reg_A"], base, group, cohort="2026 年第一期", entered_on=dt.date(2026, 3, 1), entry_score=82,
                  entry_assessment="章程完备，骨干稳定，需求调研扎实。")
    S.give_support(u["reg_A"], inc, kind="seed_fund", given_on=dt.date(2026, 4, 1), amount="5000.00",
                   note="首期种子资金，用于助老服务项目启动")
    S.add_milestone(u["reg_A"], inc, title="独立执行一个社区服务项目", due_on=dt.date(2026, 9, 1))
    # A service provider that is the "moon" organisation, whose credit is marked: the desk sees a warning.
    from civicgrid.services import matrix as MX
    from civicgrid.services import services as SV

    cat = MX.catalogue()
    t.provider = MX.provider("月亮助餐服务社", t.communities["A1"], [cat["meal"], cat["repair"]], area=t.streets["A"])
    SV.link_organisation(u["dispatcher_A"], t.provider, t.orgs["moon"])
    S.add_credit_event(u["reg_district"], t.orgs["moon"], kind="bad", category="serious", source="civil_affairs",
                       occurred_on=timezone.localdate() - dt.timedelta(days=10), description="弄虚作假骗取补贴")
    return t, call, open_call, inc


def test_orgs_and_procurement_pages_fit_a_phone(page, desktop_page, live_server, transactional_db):
    t, call, open_call, inc = _world()
    sun, contract = t.orgs["sun"], call.contract
    visits = {
        None: [("orgs_public_phone", f"/orgs/public/{sun.pk}/"), ("orgs_public_catalogue_phone", "/orgs/public/catalogue/"),
               ("procurement_public_list_phone", "/procurement/public/"),
               ("procurement_public_call_phone", f"/procurement/public/{call.number}/")],
        "reg_A": [("orgs_registry_phone", "/orgs/"), ("orgs_incubation_phone", "/orgs/incubation/"),
                  ("orgs_incubation_admit_phone", "/orgs/incubation/admit/"),
                  ("orgs_incubation_detail_phone", f"/orgs/incubation/{inc.pk}/"),
                  ("orgs_new_phone", "/orgs/new/")],
        "reg_district": [("orgs_detail_phone", f"/orgs/{sun.pk}/"), ("orgs_catalogue_phone", "/orgs/catalogue/"),
                         ("orgs_conditions_phone", "/orgs/catalogue/conditions/")],
        "buyer_A": [("procurement_index_phone", "/procurement/"),
                    ("procurement_call_phone", f"/procurement/calls/{call.number}/"),
                    ("procurement_contract_buyer_phone", f"/procurement/contracts/{contract.number}/"),
                    ("procurement_ledger_phone", "/procurement/ledger/"), ("procurement_new_phone", "/procurement/new/")],
        "dispatcher_A": [("services_provider_org_phone", f"/services/providers/{t.provider.pk}/")],
        "org_sun": [("orgs_portal_phone", "/orgs/portal/"),
                    ("procurement_bid_phone", f"/procurement/calls/{open_call.number}/bid/"),
                    ("procurement_contract_org_phone", f"/procurement/contracts/{contract.number}/")],
    }
    overflow = []
    for who, pages in visits.items():
        page.context.clear_cookies()
        if who:
            login(page, live_server, who)
        for name, path in pages:
            resp = page.goto(live_server.url + path)
            assert resp.status == 200, f"{path}: {resp.status}"
            for d in page.locator("details").all():  # the forms behind <summary> count too
                d.evaluate("el => el.open = true")
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                overflow.append(f"{path} ({who}): {width}px {page.evaluate(WIDEST)}")
            assert page.locator("h1").first.inner_text().strip(), path
            shot(page, name)
    assert not overflow, "pages wider than the phone:\n" + "\n".join(overflow)
    page.context.clear_cookies()
    login(page, live_server, "dispatcher_A")
    page.goto(f"{live_server.url}/services/providers/{t.provider.pk}/")
    assert "严重失信" in page.inner_text("#org-credit-warning") and page.inner_text("#provider-status") == "正常"
    page.context.clear_cookies()
    login(page, live_server, "org_sun")
    # The milestone report form opened on the portal user's contract page stacks its fields.
    page.goto(f"{live_server.url}/procurement/contracts/{contract.number}/")
    assert page.locator("#m1 form input[type=file]").count() == 1
    # The new incubation forms at desk width too.
    login(desktop_page, live_server, "reg_A")
    for name, path in (("orgs_incubation_detail_desk", f"/orgs/incubation/{inc.pk}/"),
                       ("orgs_incubation_admit_desk", "/orgs/incubation/admit/")):
        desktop_page.goto(live_server.url + path)
        assert desktop_page.evaluate("document.documentElement.scrollWidth") <= 1366, path
        shot(desktop_page, name)
