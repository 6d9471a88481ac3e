import datetime as dt

import pytest

from civicgrid.orgs.models import OrgAccount
from tests.factories import make_user
from tests.orgs.conftest import NOW, TZ, make_eligible, register

__all__ = ["NOW", "TZ"]
DEADLINE = NOW + dt.timedelta(days=14)
AFTER = DEADLINE + dt.timedelta(hours=1)
CRITERIA = [("服务方案", 50), ("团队能力", 30), ("报价合理性", 20)]


@pytest.fixture
def world(territory):
    """Registrars, purchasers at street A and B and at a department unit, three reviewers, two eligible
    organisations with a portal account each, and one outside the catalogue."""
    from civicgrid.procurement import services as P

    t = territory
    u = t.users
    u["reg_district"] = make_user("reg_district", "org_registrar", t.district, name="区民政局")
    for s in "AB":
        u[f"buyer_{s}"] = make_user(f"buyer_{s}", "purchaser", t.streets[s], name=f"{s}街道购买服务")
    u["buyer_dept"] = make_user("buyer_dept", "dept_purchaser", unit=t.units[("urban", None)], name="区城管委")
    for i in range(1, 4):
        u[f"rev{i}"] = make_user(f"rev{i}", "reviewer", t.district, name=f"评审专家{i}")
    t.orgs = {}
    for key, n in (("sun", 1), ("moon", 2)):
        org = make_eligible(t, register(t, name=f"{'阳光' if key == 'sun' else '月亮'}社工服务中心", n=n))
        u[f"org_{key}"] = make_user(f"org_{key}", "org_contact", t.communities["A1"], name=f"{key}联络人")
        OrgAccount.objects.create(organisation=org, user=u[f"org_{key}"])
        t.orgs[key] = org
    t.orgs["weak"] = register(t, name="新成立服务社", n=3)
    u["org_weak"] = make_user("org_weak", "org_contact", t.communities["A1"])
    OrgAccount.objects.create(organisation=t.orgs["weak"], user=u["org_weak"])
    t.funds = {s: P.save_fund(u[f"buyer_{s}"], name=f"{s}街道福彩公益金", kind="lottery", year=2026, amount="300000")
               for s in "AB"}
    return t


def new_call(t, street="A", budget="100000", **kw):
    from civicgrid.procurement import services as P

    kw.setdefault("criteria", CRITERIA)
    call = P.create_call(t.users[f"buyer_{street}"], title="社区居家养老助餐服务", kind="service", fund=t.funds[street],
                         budget=budget, description="为辖区高龄独居老人提供助餐、探访服务", bid_deadline=DEADLINE,
                         domain="elderly", now=NOW, **kw)
    P.appoint_panel(t.users[f"buyer_{street}"], call, [t.users["rev1"], t.users["rev2"], t.users["rev3"]],
                    chair=t.users["rev1"])
    return P.act(t.users[f"buyer_{street}"], call, "publish", now=NOW)


def bid_and_close(t, call):
    from civicgrid.procurement import services as P

    bids = {k: P.submit_bid(t.users[f"org_{k}"], call, t.orgs[k], amount=amt, proposal="每日送餐上门，配备社工探访",
                            now=NOW + dt.timedelta(days=1))
            for k, amt in (("sun", "90000"), ("moon", "95000"))}
    call = P.MACHINE.act(None, call, "close_bids", now=AFTER)  # the sweep closes bidding at the deadline
    return call, bids


def score_all(t, call, bids, table=None):
    """Every reviewer declares no conflict, scores both bids and submits."""
    from civicgrid.procurement import services as P

    table = table or {"sun": [90, 85, 80], "moon": [70, 75, 90]}
    crit = list(call.criteria.all())
    for i in range(1, 4):
        u = t.users[f"rev{i}"]
        P.declare(u, call, conflicts=[], now=AFTER)
        for k, vals in table.items():
            P.score(u, call, bids[k], {c.pk: v for c, v in zip(crit, vals)}, now=AFTER)
        P.submit_scores(u, call, now=AFTER)
